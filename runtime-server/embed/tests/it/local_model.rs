//! all-MiniLM-L6-v2 itself. These tests need the model installed by `cargo xtask setup` and fail,
//! saying so, when it is not there.

use std::path::PathBuf;
use std::sync::OnceLock;

use animo_embed::{Embedder, MiniLm, cosine, local_model_available, model_dir};
use serde::Deserialize;

/// The folder `cargo xtask setup` installs the model into, which must hold it.
pub fn installed_dir() -> PathBuf {
    let dir = model_dir(None);
    assert!(
        local_model_available(&dir),
        "the local embedding model is not installed in {}: run `cargo xtask setup` first",
        dir.display()
    );
    dir
}

/// The model, loaded once for every test in this binary.
fn model() -> &'static MiniLm {
    static MODEL: OnceLock<MiniLm> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = installed_dir();
        MiniLm::load(&dir).unwrap_or_else(|error| panic!("the model in {} does not load: {error}", dir.display()))
    })
}

async fn embed(texts: &[&str]) -> Vec<Vec<f32>> {
    let texts: Vec<String> = texts.iter().map(|text| (*text).to_owned()).collect();
    model().embed(&texts).await.expect("embedding succeeds")
}

async fn embed_one(text: &str) -> Vec<f32> {
    embed(&[text]).await.remove(0)
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn norm(vector: &[f32]) -> f32 {
    vector.iter().map(|value| value * value).sum::<f32>().sqrt()
}

#[tokio::test]
async fn it_identifies_itself_and_gives_unit_vectors_of_384_dimensions() {
    assert_eq!(model().id(), "local:all-MiniLM-L6-v2");
    assert_eq!(model().dimensions(), 384);
    let vectors = embed(&["Hello there.", "", "A longer sentence about returning a parcel to the shop."]).await;
    assert_eq!(vectors.len(), 3);
    for vector in &vectors {
        assert_eq!(vector.len(), 384);
        assert!((norm(vector) - 1.0).abs() < 1e-5, "norm {}", norm(vector));
        assert!(vector.iter().all(|value| value.is_finite()));
    }
    assert!(model().embed(&[]).await.expect("nothing to embed").is_empty());
}

#[tokio::test]
async fn a_question_is_closest_to_the_passage_that_answers_it() {
    let vectors =
        embed(&["How do I reset my password?", "Steps to change your account password", "Our shop opens at 9 am"])
            .await;
    let related = cosine(&vectors[0], &vectors[1]);
    let unrelated = cosine(&vectors[0], &vectors[2]);
    assert!(related > unrelated + 0.3, "related {related}, unrelated {unrelated}");
}

#[tokio::test]
async fn identical_texts_give_identical_vectors() {
    let first = embed_one("Identical texts must land on the same point.").await;
    let again = embed_one("Identical texts must land on the same point.").await;
    assert_eq!(first, again, "two calls");
    let both = embed(&["Identical texts must land on the same point."; 2]).await;
    assert!(max_difference(&both[0], &both[1]) < 1e-6, "one batch");
    assert!(max_difference(&both[0], &first) < 1e-5, "batch and single");
}

#[tokio::test]
async fn batching_gives_the_vectors_of_one_by_one() {
    // More texts than one batch holds, of very different lengths, so that batches are padded
    // and the answer must be put back into the callers' order.
    let texts: Vec<String> = (0..40)
        .map(|i| {
            let words = ["refund", "delivery", "warranty", "opening hours", "password"][i % 5];
            format!("Question {i} about {words}. {}", "More context follows here. ".repeat(i % 7 * 3))
        })
        .collect();
    let together = model().embed(&texts).await.expect("embedding succeeds");
    assert_eq!(together.len(), texts.len());
    for (text, batched) in texts.iter().zip(&together) {
        let alone = embed_one(text).await;
        let difference = max_difference(&alone, batched);
        assert!(difference < 1e-5, "{text:?} differs by {difference}");
    }
}

#[tokio::test]
async fn the_batch_bound_does_not_change_the_vectors() {
    // Bounds that put everything in one batch, a few texts in each, and every text alone
    // (a bound below a text's length still embeds it, alone).
    let texts: Vec<String> =
        (0..12).map(|i| format!("Passage {i}. {}", "Shipping takes three days to the EU. ".repeat(i * 4))).collect();
    let reference = model().clone().with_batch_tokens(1_000_000).embed(&texts).await.expect("one batch");
    for bound in [1, 64, 512] {
        let vectors = model().clone().with_batch_tokens(bound).embed(&texts).await.expect("embedding succeeds");
        for (index, (vector, expected)) in vectors.iter().zip(&reference).enumerate() {
            let difference = max_difference(vector, expected);
            assert!(difference < 1e-5, "bound {bound}, text {index}: differs by {difference}");
        }
    }
}

#[tokio::test]
async fn text_past_256_tokens_is_ignored() {
    let long = "The warranty covers every part of the device for two years. ".repeat(30);
    assert!(model().count_tokens(&long).expect("tokens") > 300);
    let longer = format!("{long} But this sentence comes after the limit and changes nothing.");
    let vectors = embed(&[long.as_str(), longer.as_str()]).await;
    assert!(max_difference(&vectors[0], &vectors[1]) < 1e-6);
    let short = embed_one("The warranty covers every part of the device for two years.").await;
    assert!(max_difference(&vectors[0], &short) > 1e-3, "the long text is not cut to one sentence");
}

#[test]
fn tokens_are_counted_with_the_special_tokens_and_without_truncation() {
    // [CLS] how do i reset my password ? [SEP]
    assert_eq!(model().count_tokens("How do I reset my password?").expect("tokens"), 9);
    assert_eq!(model().count_tokens("").expect("tokens"), 2);
    assert_eq!(model().count_tokens(&"word ".repeat(600)).expect("tokens"), 602);
}

#[derive(Deserialize)]
struct Reference {
    text: String,
    token_ids: Vec<u32>,
    embedding: Vec<f32>,
}

/// Vectors computed by `tests/fixtures/minilm_reference.py`, BERT written out in numpy without
/// candle, from the same files.
#[tokio::test]
async fn vectors_match_an_independent_implementation() {
    let references: Vec<Reference> =
        serde_json::from_str(include_str!("../fixtures/minilm_reference.json")).expect("reference fixture");
    assert_eq!(references.len(), 2);
    for reference in references {
        assert_eq!(model().count_tokens(&reference.text).expect("tokens"), reference.token_ids.len());
        let vector = embed_one(&reference.text).await;
        let difference = max_difference(&vector, &reference.embedding);
        let similarity = cosine(&vector, &reference.embedding);
        assert!(difference < 1e-4, "{:?}: largest difference {difference}", reference.text);
        assert!(similarity > 0.99999, "{:?}: cosine {similarity}", reference.text);
    }
}

#[tokio::test]
async fn one_model_serves_concurrent_callers() {
    let texts = ["First caller's question", "Second caller's question", "Third caller's question"];
    let expected = embed(&texts).await;
    let handles: Vec<_> = texts
        .iter()
        .map(|text| {
            let model = model().clone();
            let texts = vec![(*text).to_owned()];
            tokio::spawn(async move { model.embed(&texts).await })
        })
        .collect();
    for (handle, expected) in handles.into_iter().zip(&expected) {
        let vector = handle.await.expect("task").expect("embedding succeeds").remove(0);
        assert!(max_difference(&vector, expected) < 1e-5);
    }
}
