//! The passage index of a bot: one table per bot with an HNSW vector index,
//! so a bot's searches can only ever see its own passages (the table is the
//! boundary, as the database is for tenants); ranking by words over the
//! same passages in [`super::lexicon`]; hybrid retrieval fused by
//! reciprocal rank.

use std::collections::HashMap;

use animo_shared::BotId;
use serde::{Deserialize, Serialize};

use super::lexicon::Lexicon;
use crate::store::{StoreError, TenantDb};

/// The rank constant of reciprocal-rank fusion (the customary 60).
const RRF_K: f64 = 60.0;
/// How long each list of a hybrid search is before fusion: twice `k`, and
/// at least this many, so that a passage ranked fairly well by both lists
/// can overtake one ranked first by only one of them.
const FUSED_LIST_MIN: usize = 40;
/// The HNSW search effort; K and EF must be literals in SurrealQL.
const EF: usize = 64;
/// How many more neighbours than wanted a vector search asks for, so that
/// those of versions not answered from can be dropped afterwards.
const NEIGHBOUR_MARGIN: usize = 16;

/// A passage as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredChunk {
    /// Which document version it comes from (`<doc id>:<content hash>`);
    /// published versions pin the keys they answer from.
    pub doc_key: String,
    /// Its position in the document.
    pub ordinal: u32,
    /// The text.
    pub text: String,
    /// The document's title.
    pub title: String,
    /// Headings above it.
    #[serde(default)]
    pub section: Vec<String>,
    /// PDF page.
    #[serde(default)]
    pub page: Option<u32>,
    /// Where the document lives, when it has an address.
    #[serde(default)]
    pub url: Option<String>,
    /// Character range in the document's text.
    pub char_start: usize,
    /// End of that range.
    pub char_end: usize,
    /// The embedding; absent when no embedding model is available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
}

/// A passage found, with its score in the list that found it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Hit {
    /// The record id within the bot's table.
    pub id: String,
    /// Relevance: BM25 score, cosine similarity, or fused score.
    pub score: f64,
    /// The passage.
    #[serde(flatten)]
    pub chunk: StoredChunk,
}

/// The table holding a bot's passages. The name is built from the id's hex
/// digits only, so it is safe to splice into statements.
pub fn table(bot: &BotId) -> String {
    format!("chunk_{}", bot.hex())
}

/// Creates the bot's table and indexes if they do not exist yet.
///
/// Ranking by words runs in [`super::lexicon`], so tables made when it ran
/// on SurrealDB's full-text index lose that index (its upkeep slowed every
/// insert); their `words` fields stay and are not read.
pub async fn ensure(db: &TenantDb, bot: &BotId, dimensions: usize) -> Result<(), StoreError> {
    let table = table(bot);
    // The table name is made of hex digits only (see `table`), so it can be spliced in.
    let sql = format!(
        "DEFINE TABLE IF NOT EXISTS {table} SCHEMALESS;
         DEFINE INDEX IF NOT EXISTS {table}_doc ON {table} FIELDS doc_key;
         REMOVE INDEX IF EXISTS {table}_words ON {table};
         REMOVE INDEX IF EXISTS {table}_text ON {table};
         DEFINE INDEX IF NOT EXISTS {table}_vector ON {table} FIELDS embedding HNSW DIMENSION {dimensions} DIST COSINE TYPE F32;"
    );
    db.db().query(sql).run().await?;
    Ok(())
}

/// What ranking by words reads of a passage: its title, the headings above
/// it that are not the title again, and its text, as the embedding does,
/// because a document's title often carries the very words a question uses
/// while the passage under it does not repeat them.
pub fn words_of(title: &str, section: &[String], text: &str) -> String {
    let mut words = title.to_owned();
    for heading in section.iter().filter(|heading| *heading != title) {
        words.push('\n');
        words.push_str(heading);
    }
    words.push('\n');
    words.push_str(text);
    words
}

/// Whether the bot's passages table exists (it is made with its first document).
pub async fn exists(db: &TenantDb, bot: &BotId) -> Result<bool, StoreError> {
    let definition: Option<serde_json::Value> =
        db.db().query("RETURN (INFO FOR DB).tables[$table]").bind("table", table(bot)).run().await?.value(0)?;
    Ok(definition.is_some_and(|value| !value.is_null()))
}

/// Adds a document version's passages.
pub async fn insert(db: &TenantDb, bot: &BotId, chunks: &[StoredChunk]) -> Result<(), StoreError> {
    // Batches keep each transaction small; a crash between batches leaves a
    // partial document version, which the ingestion job replaces on retry.
    for batch in chunks.chunks(64) {
        insert_with(db, bot, batch, "", serde_json::Value::Null).await?;
    }
    Ok(())
}

/// Adds passages in one transaction together with the statements `also`
/// (which may use the variables of the object `vars`), so that, say, a
/// document's progress is recorded with the passages it counts.
pub async fn insert_with(
    db: &TenantDb,
    bot: &BotId,
    chunks: &[StoredChunk],
    also: &str,
    vars: serde_json::Value,
) -> Result<(), StoreError> {
    let table = table(bot);
    let mut query = db
        .db()
        .query(format!("BEGIN TRANSACTION; INSERT INTO {table} $rows; {also} COMMIT TRANSACTION;"))
        .bind("rows", chunks);
    if let serde_json::Value::Object(vars) = vars {
        for (name, value) in vars {
            query = query.bind(&name, value);
        }
    }
    query.run().await?;
    Ok(())
}

/// Removes a document version's passages.
pub async fn delete(db: &TenantDb, bot: &BotId, doc_key: &str) -> Result<(), StoreError> {
    let table = table(bot);
    db.db().query(format!("DELETE {table} WHERE doc_key = $key")).bind("key", doc_key).run().await?;
    Ok(())
}

/// How many passages a document version has.
pub async fn count(db: &TenantDb, bot: &BotId, doc_key: &str) -> Result<u64, StoreError> {
    let table = table(bot);
    let count: Option<u64> = db
        .db()
        .query(format!("RETURN (SELECT count() FROM {table} WHERE doc_key = $key GROUP ALL)[0].count"))
        .bind("key", doc_key)
        .run()
        .await?
        .value(0)?;
    Ok(count.unwrap_or(0))
}

/// A hit's fields; the passage vector comes along (when there is one) for
/// the relevance threshold and MMR, which compare vectors.
const HIT_FIELDS: &str =
    "record::id(id) AS id, doc_key, ordinal, text, title, section, page, url, char_start, char_end, embedding";

/// A passage in a ranked list before its fields are read: lists are ranked
/// and fused on these, and only the passages kept are read in full.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Ranked {
    /// The record id within the bot's table.
    pub id: String,
    /// The document version it belongs to.
    pub doc_key: String,
    /// Relevance in the list that ranked it.
    pub score: f64,
}

/// Reads the passages of `ranked`, in its order and with its scores. A
/// passage that is gone (its version was written again after a crash) is
/// left out, and its version's word postings are loaded afresh next time.
async fn read(db: &TenantDb, bot: &BotId, lexicon: &Lexicon, ranked: Vec<Ranked>) -> Result<Vec<Hit>, StoreError> {
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let table = table(bot);
    let ids: Vec<&str> = ranked.iter().map(|hit| hit.id.as_str()).collect();
    let found: Vec<Hit> = db
        .db()
        .query(format!("SELECT {HIT_FIELDS}, 0 AS score FROM array::map($ids, |$id| type::record('{table}', $id))"))
        .bind("ids", ids)
        .run()
        .await?
        .all(0)?;
    let mut found: HashMap<String, Hit> = found.into_iter().map(|hit| (hit.id.clone(), hit)).collect();
    let mut hits = Vec::with_capacity(ranked.len());
    for entry in ranked {
        match found.remove(&entry.id) {
            Some(hit) => hits.push(Hit { score: entry.score, ..hit }),
            None => lexicon.forget(db, bot, &entry.doc_key),
        }
    }
    Ok(hits)
}

/// The best `k` passages for `query` by BM25, among the document versions
/// `keys`. Any query word may match (a question's words are rarely all in
/// the passage that answers it); BM25 ranks passages with more and rarer ones first.
pub async fn bm25(
    db: &TenantDb,
    bot: &BotId,
    lexicon: &Lexicon,
    query: &str,
    k: usize,
    keys: &[String],
) -> Result<Vec<Hit>, StoreError> {
    let ranked = lexicon.rank(db, bot, query, k, keys).await?;
    read(db, bot, lexicon, ranked).await
}

/// The `k` passages nearest to `vector` by cosine, among the document versions `keys`.
pub async fn nearest(
    db: &TenantDb,
    bot: &BotId,
    lexicon: &Lexicon,
    vector: &[f32],
    k: usize,
    keys: &[String],
) -> Result<Vec<Hit>, StoreError> {
    let ranked = nearest_ranked(db, bot, vector, k, keys).await?;
    read(db, bot, lexicon, ranked).await
}

/// [`nearest`] before reading the passages.
///
/// The index is asked for a few more than `k` without a condition and those
/// of other versions dropped here: a condition would be checked against
/// every version key for each neighbour the index visits. Only when that
/// leaves fewer than `k` (many passages belong to versions not answered
/// from, e.g. right after a publish pinned old ones) does the database filter.
async fn nearest_ranked(
    db: &TenantDb,
    bot: &BotId,
    vector: &[f32],
    k: usize,
    keys: &[String],
) -> Result<Vec<Ranked>, StoreError> {
    if k == 0 || keys.is_empty() {
        return Ok(Vec::new());
    }
    let table = table(bot);
    let asked = k + NEIGHBOUR_MARGIN;
    let sql = format!(
        "SELECT record::id(id) AS id, doc_key, 1 - vector::distance::knn() AS score FROM {table}
         WHERE embedding <|{asked},{EF}|> $vector ORDER BY score DESC"
    );
    let neighbours: Vec<Ranked> = db.db().query(sql).bind("vector", vector).run().await?.all(0)?;
    let returned = neighbours.len();
    let allowed: std::collections::HashSet<&str> = keys.iter().map(String::as_str).collect();
    let ranked: Vec<Ranked> =
        neighbours.into_iter().filter(|hit| allowed.contains(hit.doc_key.as_str())).take(k).collect();
    if ranked.len() >= k || returned < asked {
        return Ok(ranked);
    }
    let sql = format!(
        "SELECT record::id(id) AS id, doc_key, 1 - vector::distance::knn() AS score FROM {table}
         WHERE doc_key IN $keys AND embedding <|{k},{EF}|> $vector ORDER BY score DESC"
    );
    db.db().query(sql).bind("vector", vector).bind("keys", keys).run().await?.all(0)
}

/// Fuses ranked lists by reciprocal rank: a passage's score is the sum of
/// `1 / (60 + rank)` over the lists that contain it.
pub fn fuse(lists: &[Vec<Ranked>], k: usize) -> Vec<Ranked> {
    let mut fused: HashMap<&str, Ranked> = HashMap::new();
    for list in lists {
        for (rank, hit) in list.iter().enumerate() {
            #[expect(clippy::cast_precision_loss, reason = "ranks are small")]
            let contribution = 1.0 / (RRF_K + rank as f64 + 1.0);
            fused
                .entry(hit.id.as_str())
                .and_modify(|existing| existing.score += contribution)
                .or_insert_with(|| Ranked { score: contribution, ..hit.clone() });
        }
    }
    let mut ranked: Vec<Ranked> = fused.into_values().collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    ranked.truncate(k);
    ranked
}

/// Hybrid retrieval: BM25 and (when a query vector is given) vector search,
/// each `max(2k, 40)` long, fused by reciprocal rank; only the `k` fused
/// passages are read.
pub async fn hybrid(
    db: &TenantDb,
    bot: &BotId,
    lexicon: &Lexicon,
    query: &str,
    vector: Option<&[f32]>,
    k: usize,
    keys: &[String],
) -> Result<Vec<Hit>, StoreError> {
    let wide = k.saturating_mul(2).max(FUSED_LIST_MIN);
    let words = lexicon.rank(db, bot, query, wide, keys);
    let lists: Vec<Vec<Ranked>> = match vector {
        Some(vector) => {
            let (words, meaning) = futures::try_join!(words, nearest_ranked(db, bot, vector, wide, keys))?;
            vec![words, meaning]
        }
        None => vec![words.await?],
    };
    read(db, bot, lexicon, fuse(&lists, k)).await
}

/// How a ranked list of candidates is narrowed to the passages returned.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Refinement {
    /// Passages whose vector's cosine similarity to the query is below this
    /// are dropped. Applies only where both vectors exist (a passage indexed
    /// without the model has none and is kept).
    pub min_similarity: Option<f64>,
    /// Maximal marginal relevance: λ in 0..=1 trades relevance (1) against
    /// difference from the passages already picked (0). `None` keeps the
    /// ranking as it is.
    pub mmr: Option<f64>,
}

impl Refinement {
    /// Whether it changes anything, i.e. whether a wider candidate list is worth fetching.
    pub fn is_active(&self) -> bool {
        self.min_similarity.is_some() || self.mmr.is_some()
    }
}

fn cosine(a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut dot, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        aa += x * x;
        bb += y * y;
    }
    (aa > 0.0 && bb > 0.0).then(|| dot / (aa.sqrt() * bb.sqrt()))
}

/// The lowercase words of a text, for comparing passages without vectors.
fn word_set(text: &str) -> std::collections::HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(str::to_lowercase).collect()
}

/// How alike two passages are: cosine of their vectors, or without vectors
/// the overlap of their words (Jaccard), so MMR still spreads a BM25-only
/// list over different passages.
fn likeness(a: &Hit, b: &Hit, words: &HashMap<&str, std::collections::HashSet<String>>) -> f64 {
    if let (Some(x), Some(y)) = (&a.chunk.embedding, &b.chunk.embedding)
        && let Some(similarity) = cosine(x, y)
    {
        return similarity;
    }
    match (words.get(a.id.as_str()), words.get(b.id.as_str())) {
        (Some(x), Some(y)) if !x.is_empty() || !y.is_empty() => {
            #[expect(clippy::cast_precision_loss, reason = "word counts are small")]
            let jaccard = x.intersection(y).count() as f64 / x.union(y).count() as f64;
            jaccard
        }
        _ => 0.0,
    }
}

/// Narrows `candidates` (best first) to at most `k`: drops those below the
/// similarity threshold, then picks by MMR when asked, else keeps the order.
pub fn refine(candidates: Vec<Hit>, query: Option<&[f32]>, k: usize, refinement: Refinement) -> Vec<Hit> {
    let mut candidates = candidates;
    if let (Some(min), Some(query)) = (refinement.min_similarity, query) {
        candidates.retain(|hit| {
            hit.chunk
                .embedding
                .as_deref()
                .and_then(|vector| cosine(vector, query))
                .is_none_or(|similarity| similarity >= min)
        });
    }
    let Some(lambda) = refinement.mmr else {
        candidates.truncate(k);
        return candidates;
    };
    // Relevance on one scale whatever the list: a share of the best score
    // (BM25, fused and most cosine scores are positive), or the position
    // between the worst and the best when some are not.
    let top = candidates.iter().map(|hit| hit.score).fold(f64::NEG_INFINITY, f64::max);
    let bottom = candidates.iter().map(|hit| hit.score).fold(f64::INFINITY, f64::min);
    let relevance = |hit: &Hit| {
        if bottom >= 0.0 && top > 0.0 {
            hit.score / top
        } else if top > bottom {
            (hit.score - bottom) / (top - bottom)
        } else {
            1.0
        }
    };
    let needs_words = candidates.iter().any(|hit| hit.chunk.embedding.is_none());
    let words: HashMap<&str, std::collections::HashSet<String>> = if needs_words {
        candidates.iter().map(|hit| (hit.id.as_str(), word_set(&hit.chunk.text))).collect()
    } else {
        HashMap::new()
    };
    let mut picked: Vec<usize> = Vec::with_capacity(k.min(candidates.len()));
    let mut left: Vec<usize> = (0..candidates.len()).collect();
    while picked.len() < k && !left.is_empty() {
        let mut best: Option<(usize, f64)> = None;
        for (position, &index) in left.iter().enumerate() {
            let Some(hit) = candidates.get(index) else { continue };
            let redundancy = picked
                .iter()
                .filter_map(|&other| candidates.get(other))
                .map(|other| likeness(hit, other, &words))
                .fold(0.0, f64::max);
            let value = lambda * relevance(hit) - (1.0 - lambda) * redundancy;
            if best.is_none_or(|(_, score)| value > score) {
                best = Some((position, value));
            }
        }
        let Some((position, _)) = best else { break };
        picked.push(left.remove(position));
    }
    let mut slots: Vec<Option<Hit>> = candidates.into_iter().map(Some).collect();
    picked.into_iter().filter_map(|index| slots.get_mut(index).and_then(Option::take)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::NewId;
    use crate::store::Store;

    fn chunk(doc_key: &str, ordinal: u32, text: &str, embedding: Vec<f32>) -> StoredChunk {
        StoredChunk {
            doc_key: doc_key.into(),
            ordinal,
            text: text.into(),
            title: "Doc".into(),
            section: Vec::new(),
            page: None,
            url: None,
            char_start: 0,
            char_end: text.len(),
            embedding: Some(embedding),
        }
    }

    /// A deterministic pseudo-random unit vector.
    fn vector(seed: u64, dimensions: usize) -> Vec<f32> {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let mut values: Vec<f32> = (0..dimensions)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                #[expect(clippy::cast_precision_loss, reason = "test data")]
                let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
                #[expect(clippy::cast_possible_truncation, reason = "test data")]
                let value = (unit * 2.0 - 1.0) as f32;
                value
            })
            .collect();
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        values.iter_mut().for_each(|v| *v /= norm);
        values
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn brute_force(corpus: &[(String, Vec<f32>)], query: &[f32], k: usize) -> Vec<String> {
        let mut scored: Vec<(f32, &String)> = corpus.iter().map(|(id, v)| (cosine(v, query), id)).collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(k).map(|(_, id)| id.clone()).collect()
    }

    /// Regression guard: the vector index's top-k must match brute-force
    /// cosine over the same passages, also after deletions and re-ingestion
    /// (SurrealDB's KNN has regressed before).
    #[tokio::test]
    async fn vector_index_agrees_with_brute_force_through_deletes_and_updates() {
        const DIMS: usize = 32;
        const K: usize = 10;
        let store = Store::open("mem://").await.expect("database");
        let db = store.tenant(&animo_shared::TenantId::generate()).await.expect("tenant");
        let bot = BotId::generate();
        ensure(&db, &bot, DIMS).await.expect("indexes");
        let docs = ["a:1", "b:1", "c:1"];
        for (d, doc) in docs.iter().enumerate() {
            let chunks: Vec<StoredChunk> = (0..150u32)
                .map(|i| {
                    chunk(doc, i, &format!("passage {i} of {doc}"), vector((d as u64) * 1000 + u64::from(i), DIMS))
                })
                .collect();
            insert(&db, &bot, &chunks).await.expect("insert");
        }
        let corpus_of = |keys: &[&str]| -> Vec<(String, Vec<f32>)> {
            let mut corpus = Vec::new();
            for (d, doc) in docs.iter().enumerate() {
                if keys.contains(doc) {
                    for i in 0..150u32 {
                        corpus.push((format!("{doc}#{i}"), vector((d as u64) * 1000 + u64::from(i), DIMS)));
                    }
                }
            }
            corpus
        };
        let check = |keys: Vec<&'static str>, label: &'static str| {
            let db = db.clone();
            let bot = bot.clone();
            let corpus = corpus_of(&keys);
            async move {
                let lexicon = Lexicon::default();
                let key_strings: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
                let mut agreed = 0;
                let mut total = 0;
                for q in 0..20u64 {
                    let query = vector(90_000 + q, DIMS);
                    let expected = brute_force(&corpus, &query, K);
                    let found: Vec<String> = nearest(&db, &bot, &lexicon, &query, K, &key_strings)
                        .await
                        .expect("search")
                        .into_iter()
                        .map(|hit| format!("{}#{}", hit.chunk.doc_key, hit.chunk.ordinal))
                        .collect();
                    assert_eq!(found.len(), K, "{label}: a full top-{K} is returned");
                    assert_eq!(found.first(), expected.first(), "{label}: the nearest passage is found");
                    agreed += found.iter().filter(|id| expected.contains(id)).count();
                    total += K;
                }
                #[expect(clippy::cast_precision_loss, reason = "small counts")]
                let recall = agreed as f64 / total as f64;
                assert!(recall >= 0.95, "{label}: recall@{K} against brute force is {recall}");
            }
        };
        check(vec!["a:1", "b:1", "c:1"], "all documents").await;
        check(vec!["a:1", "c:1"], "filtered to two documents").await;
        // Most of the nearest passages belong to other versions here, so the
        // database filters.
        check(vec!["b:1"], "filtered to one document").await;
        delete(&db, &bot, "b:1").await.expect("delete");
        check(vec!["a:1", "c:1"], "after deleting a document").await;
        let gone = nearest(&db, &bot, &Lexicon::default(), &vector(1_052, DIMS), K, &["b:1".to_owned()])
            .await
            .expect("search");
        assert!(gone.is_empty(), "deleted passages are not found: {gone:?}");
        // A changed document: its old version is replaced by a new one.
        delete(&db, &bot, "a:1").await.expect("delete");
        let replaced: Vec<StoredChunk> =
            (0..150u32).map(|i| chunk("a:1", i, "new text", vector(u64::from(i), DIMS))).collect();
        insert(&db, &bot, &replaced).await.expect("insert");
        check(vec!["a:1", "c:1"], "after re-ingestion").await;
        assert_eq!(count(&db, &bot, "b:1").await.expect("count"), 0);
        assert_eq!(count(&db, &bot, "a:1").await.expect("count"), 150);
    }

    #[tokio::test]
    async fn bm25_finds_words_and_fusion_rewards_agreement() {
        let store = Store::open("mem://").await.expect("database");
        let db = store.tenant(&animo_shared::TenantId::generate()).await.expect("tenant");
        let bot = BotId::generate();
        let other = BotId::generate();
        ensure(&db, &bot, 4).await.expect("indexes");
        ensure(&db, &other, 4).await.expect("indexes");
        let texts =
            ["Our shop opens at nine every weekday.", "Shipping to the EU takes three days.", "Returns are free."];
        let chunks: Vec<StoredChunk> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| chunk("d:1", u32::try_from(i).unwrap_or(0), text, vector(i as u64, 4)))
            .collect();
        insert(&db, &bot, &chunks).await.expect("insert");
        insert(&db, &other, &[chunk("d:1", 0, "Secret shipping rates of another bot", vector(9, 4))])
            .await
            .expect("insert");
        let keys = vec!["d:1".to_owned()];
        let lexicon = Lexicon::default();
        let hits = bm25(&db, &bot, &lexicon, "how long does shipping take", 5, &keys).await.expect("search");
        assert_eq!(hits.first().map(|hit| hit.chunk.ordinal), Some(1), "{hits:?}");
        assert!(hits.iter().all(|hit| !hit.chunk.text.contains("another bot")), "bots never see each other's passages");
        let none = bm25(&db, &bot, &lexicon, "shipping", 5, &["other:1".to_owned()]).await.expect("search");
        assert!(none.is_empty(), "only pinned document versions are searched");
        let fused = hybrid(&db, &bot, &lexicon, "shipping", Some(&vector(1, 4)), 2, &keys).await.expect("search");
        assert_eq!(fused.first().map(|hit| hit.chunk.ordinal), Some(1), "found by both lists, ranked first");
    }

    fn hit(id: &str, score: f64, text: &str, embedding: Option<Vec<f32>>) -> Hit {
        Hit { id: id.into(), score, chunk: StoredChunk { embedding, ..chunk("d:1", 0, text, Vec::new()) } }
    }

    /// A unit vector at `degrees` from the first axis, in the plane of the first two.
    fn at(degrees: f64) -> Vec<f32> {
        let radians = degrees.to_radians();
        #[expect(clippy::cast_possible_truncation, reason = "test data")]
        let vector = vec![radians.cos() as f32, radians.sin() as f32, 0.0, 0.0];
        vector
    }

    fn ids(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|hit| hit.id.as_str()).collect()
    }

    #[test]
    fn mmr_gives_near_duplicates_way_to_other_relevant_passages() {
        let query = at(0.0);
        // Two near-copies of the best passage, then a different one that is
        // a little less relevant.
        let candidates = vec![
            hit("copy-a", 0.95, "Oil the chain once a month.", Some(at(5.0))),
            hit("copy-b", 0.94, "Oil the chain once a month!", Some(at(6.0))),
            hit("other", 0.80, "Pump the tyres to 4 bar.", Some(at(-40.0))),
            hit("weak", 0.10, "Our shop sells bikes.", Some(at(80.0))),
        ];
        let plain = refine(candidates.clone(), Some(&query), 2, Refinement::default());
        assert_eq!(ids(&plain), ["copy-a", "copy-b"], "without MMR the copies fill the list");
        let diverse =
            refine(candidates.clone(), Some(&query), 2, Refinement { mmr: Some(0.5), ..Refinement::default() });
        assert_eq!(ids(&diverse), ["copy-a", "other"], "with MMR the second copy gives way");
        let relevance_only =
            refine(candidates, Some(&query), 2, Refinement { mmr: Some(1.0), ..Refinement::default() });
        assert_eq!(ids(&relevance_only), ["copy-a", "copy-b"], "λ = 1 is the plain ranking");
    }

    #[test]
    fn mmr_without_vectors_compares_words() {
        let candidates = vec![
            hit("copy-a", 9.0, "Clean the chain with a dry cloth and oil it once a month", None),
            hit("copy-b", 8.9, "Clean the chain with a dry cloth and oil it once a month too", None),
            hit("other", 7.0, "Check the tyre tread for cuts before long rides", None),
        ];
        let diverse = refine(candidates, None, 2, Refinement { mmr: Some(0.5), ..Refinement::default() });
        assert_eq!(ids(&diverse), ["copy-a", "other"]);
    }

    #[test]
    fn a_similarity_threshold_drops_weak_passages_and_keeps_those_it_cannot_judge() {
        let query = at(0.0);
        let candidates = vec![
            hit("close", 0.9, "a", Some(at(10.0))),  // cosine 0.98
            hit("middle", 0.5, "b", Some(at(60.0))), // cosine 0.50
            hit("far", 0.2, "c", Some(at(85.0))),    // cosine 0.09
            hit("unvectored", 0.1, "d", None),
        ];
        let kept = refine(candidates.clone(), Some(&query), 10, Refinement { min_similarity: Some(0.3), mmr: None });
        assert_eq!(ids(&kept), ["close", "middle", "unvectored"]);
        let strict = refine(candidates.clone(), Some(&query), 10, Refinement { min_similarity: Some(0.9), mmr: None });
        assert_eq!(ids(&strict), ["close", "unvectored"]);
        // Without a query vector (BM25 alone) there is nothing to compare.
        let words_only = refine(candidates, None, 10, Refinement { min_similarity: Some(0.9), mmr: None });
        assert_eq!(words_only.len(), 4);
    }
}
