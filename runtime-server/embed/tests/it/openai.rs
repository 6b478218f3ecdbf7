//! The OpenAI-compatible provider against a local server speaking the documented format:
//! `POST {base}/embeddings` with `{model, input: [...]}` answered by
//! `{"object": "list", "data": [{"object": "embedding", "index": i, "embedding": [...]}], ...}`.

use animo_embed::{EmbedError, Embedder, OpenAiEmbedder};
use serde_json::{Value, json};

use crate::server::{Received, Server};

/// The documented answer for `request`, giving text `i` the vector `[i + 1, 1, 0]` (not of unit
/// length, so that normalisation shows), listed in reverse order to exercise `index`.
fn answer(request: &Received) -> (u16, String) {
    let inputs = request.body["input"].as_array().map_or(0, Vec::len);
    let data: Vec<Value> = (0..inputs)
        .rev()
        .map(|index| json!({"object": "embedding", "index": index, "embedding": [index as f32 + 1.0, 1.0, 0.0]}))
        .collect();
    let body = json!({
        "object": "list",
        "data": data,
        "model": request.body["model"],
        "usage": {"prompt_tokens": 8, "total_tokens": 8}
    });
    (200, body.to_string())
}

fn texts(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("text {i}")).collect()
}

fn embedder(server: &Server, api_key: Option<&str>) -> OpenAiEmbedder {
    OpenAiEmbedder::new(&server.base_url, api_key.map(str::to_owned), "test-embed-3", 3).expect("client")
}

#[tokio::test]
async fn it_posts_the_model_and_inputs_with_the_key_and_reads_the_vectors_in_order() {
    let server = Server::start(answer).await;
    let embedder = embedder(&server, Some("sk-test-key"));
    assert_eq!(embedder.id(), "openai:test-embed-3");
    assert_eq!(embedder.dimensions(), 3);

    let vectors = embedder.embed(&texts(2)).await.expect("embeddings");

    let requests = server.received();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/v1/embeddings"));
    assert_eq!(request.headers.get("authorization").map(String::as_str), Some("Bearer sk-test-key"));
    assert_eq!(
        request.body,
        json!({"model": "test-embed-3", "input": ["text 0", "text 1"], "encoding_format": "float"})
    );
    let half = std::f32::consts::FRAC_1_SQRT_2;
    let expected = [vec![half, half, 0.0], vec![2.0 / 5.0_f32.sqrt(), 1.0 / 5.0_f32.sqrt(), 0.0]];
    for (vector, expected) in vectors.iter().zip(&expected) {
        let difference = vector.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(difference < 1e-6, "{vector:?} is not {expected:?}");
    }
}

#[tokio::test]
async fn without_a_key_no_authorization_is_sent_and_a_trailing_slash_is_harmless() {
    let server = Server::start(answer).await;
    let base_url = format!("{}/", server.base_url);
    let embedder = OpenAiEmbedder::new(&base_url, None, "test-embed-3", 3).expect("client");
    embedder.embed(&texts(1)).await.expect("embeddings");
    let request = &server.received()[0];
    assert_eq!(request.path, "/v1/embeddings");
    assert!(!request.headers.contains_key("authorization"), "{:?}", request.headers);
}

#[tokio::test]
async fn long_lists_are_split_into_requests_and_reassembled() {
    let server = Server::start(answer).await;
    let count = OpenAiEmbedder::MAX_INPUTS_PER_REQUEST + 10;
    let vectors = embedder(&server, None).embed(&texts(count)).await.expect("embeddings");
    let sizes: Vec<usize> =
        server.received().iter().map(|request| request.body["input"].as_array().map_or(0, Vec::len)).collect();
    assert_eq!(sizes, [OpenAiEmbedder::MAX_INPUTS_PER_REQUEST, 10]);
    assert_eq!(vectors.len(), count);
    // Text 256 is the first of the second request, so it has index 0 there: vector [1, 1, 0].
    let half = std::f32::consts::FRAC_1_SQRT_2;
    assert!((vectors[OpenAiEmbedder::MAX_INPUTS_PER_REQUEST][0] - half).abs() < 1e-6);
    assert!(embedder(&server, None).embed(&[]).await.expect("nothing to embed").is_empty());
    assert_eq!(server.received().len(), 2, "an empty list sends nothing");
}

#[tokio::test]
async fn an_http_error_keeps_its_status_and_an_excerpt_without_the_key() {
    let server =
        Server::start(|_| (401, r#"{"error": {"message": "Incorrect API key provided: sk-test-key"}}"#.into())).await;
    let error = embedder(&server, Some("sk-test-key")).embed(&texts(1)).await.expect_err("refused");
    match &error {
        EmbedError::ProviderHttp { status, excerpt } => {
            assert_eq!(*status, 401);
            assert!(excerpt.contains("Incorrect API key provided: [redacted]"), "{excerpt}");
        }
        other => panic!("expected ProviderHttp, got {other:?}"),
    }
    assert!(!error.to_string().contains("sk-test-key"), "{error}");
    assert!(!format!("{:?}", embedder(&server, Some("sk-test-key"))).contains("sk-test-key"));
}

#[tokio::test]
async fn a_body_that_is_not_the_documented_json_is_malformed() {
    for body in ["not json at all", r#"{"data": "nope"}"#, r#"{"object": "list"}"#] {
        let server = Server::start(move |_| (200, body.to_owned())).await;
        let error = embedder(&server, None).embed(&texts(1)).await.expect_err("malformed");
        assert!(matches!(error, EmbedError::MalformedResponse(_)), "{body}: {error:?}");
    }
}

#[tokio::test]
async fn wrong_counts_indexes_and_zero_vectors_are_malformed() {
    let cases = [
        (json!([]), "no vector for one text"),
        (json!([{"index": 0, "embedding": [1, 0, 0]}, {"index": 1, "embedding": [1, 0, 0]}]), "two for one"),
        (json!([{"index": 3, "embedding": [1, 0, 0]}]), "index out of range"),
        (json!([{"index": 0, "embedding": [0, 0, 0]}]), "zero vector"),
    ];
    for (data, case) in cases {
        let body = json!({"object": "list", "data": data}).to_string();
        let server = Server::start(move |_| (200, body.clone())).await;
        let error = embedder(&server, None).embed(&texts(1)).await.expect_err(case);
        assert!(matches!(error, EmbedError::MalformedResponse(_)), "{case}: {error:?}");
    }

    let duplicate = json!({"object": "list", "data": [
        {"index": 0, "embedding": [1, 0, 0]}, {"index": 0, "embedding": [0, 1, 0]}
    ]})
    .to_string();
    let server = Server::start(move |_| (200, duplicate.clone())).await;
    let error = embedder(&server, None).embed(&texts(2)).await.expect_err("duplicate index");
    assert!(matches!(error, EmbedError::MalformedResponse(_)), "{error:?}");
}

#[tokio::test]
async fn a_vector_of_another_length_is_a_dimension_mismatch() {
    let body = json!({"object": "list", "data": [{"index": 0, "embedding": [0.5, 0.5]}]}).to_string();
    let server = Server::start(move |_| (200, body.clone())).await;
    let error = embedder(&server, None).embed(&texts(1)).await.expect_err("two dimensions for three");
    assert!(matches!(error, EmbedError::DimensionMismatch { expected: 3, actual: 2 }), "{error:?}");
}

#[tokio::test]
async fn an_unreachable_provider_is_reported_as_such() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let embedder = OpenAiEmbedder::new(&format!("http://{address}/v1"), None, "test-embed-3", 3).expect("client");
    let error = embedder.embed(&texts(1)).await.expect_err("nobody listens");
    assert!(matches!(error, EmbedError::ProviderUnreachable(_)), "{error:?}");
}
