//! A bot's knowledge: documents, their ingestion, the passage index, and
//! retrieval for answers and for the Studio's test panel.

mod crawl;
pub mod documents;
pub mod fetch;
pub mod index;
mod jobs;
pub mod lexicon;
pub mod schedule;

use animo_shared::knowledge::{PassageView, SearchMode, SearchRequest, SearchResponse};
use animo_shared::{BotId, DocumentId, ErrorCode};

use crate::context::TenantCtx;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{StoreError, TenantDb};

/// How many more candidates than `k` a refined search ranks before it
/// filters and diversifies them.
const REFINE_CANDIDATES: usize = 4;

/// What answers use: passages the local model finds barely related to the
/// question are left out, so a question the knowledge does not cover gets
/// the bot's fallback rather than a loosely matching passage (for
/// all-MiniLM-L6-v2, unrelated sentences mostly score below 0.2 and a
/// passage answering a question above 0.35), and near-duplicates (the same
/// paragraph in several documents) give way to other passages.
pub const ANSWER_REFINEMENT: index::Refinement = index::Refinement { min_similarity: Some(0.25), mmr: Some(0.7) };

/// Passages for `query` among the document versions `keys`, as answers use
/// them: hybrid when an embedding model is loaded, BM25 alone otherwise,
/// refined by [`ANSWER_REFINEMENT`].
pub async fn retrieve(
    state: &AppState,
    db: &TenantDb,
    bot: &BotId,
    keys: &[String],
    query: &str,
    k: usize,
) -> Result<(Vec<index::Hit>, &'static str), StoreError> {
    retrieve_as(state, db, bot, keys, query, k, None, ANSWER_REFINEMENT).await
}

/// [`retrieve`] with a chosen ranking and refinement: `None` is hybrid when
/// an embedding model is loaded and BM25 otherwise; `Vector` finds nothing
/// without one.
#[expect(clippy::too_many_arguments, reason = "each is one knob of the search")]
pub async fn retrieve_as(
    state: &AppState,
    db: &TenantDb,
    bot: &BotId,
    keys: &[String],
    query: &str,
    k: usize,
    mode: Option<SearchMode>,
    refinement: index::Refinement,
) -> Result<(Vec<index::Hit>, &'static str), StoreError> {
    if keys.is_empty() || query.trim().is_empty() || !index::exists(db, bot).await? {
        return Ok((Vec::new(), "none"));
    }
    let vector = match (&state.knowledge.embedder, mode) {
        (_, Some(SearchMode::Bm25)) | (None, _) => None,
        (Some(embedder), _) => match embedder.embed(&[query.to_owned()]).await {
            Ok(mut vectors) => vectors.pop(),
            Err(error) => {
                tracing::warn!(%error, "embedding a query failed; searching by words only");
                None
            }
        },
    };
    rank(db, bot, &state.knowledge.lexicon, keys, query, vector.as_deref(), k, mode, refinement).await
}

/// Ranks the passages of the document versions `keys` for a query whose
/// vector (when a model made one) is given, and refines the ranking: the
/// search itself, without the embedding, as [`retrieve_as`] does it.
#[expect(clippy::too_many_arguments, reason = "each is one knob of the search")]
pub async fn rank(
    db: &TenantDb,
    bot: &BotId,
    lexicon: &lexicon::Lexicon,
    keys: &[String],
    query: &str,
    vector: Option<&[f32]>,
    k: usize,
    mode: Option<SearchMode>,
    refinement: index::Refinement,
) -> Result<(Vec<index::Hit>, &'static str), StoreError> {
    let wide = if refinement.is_active() { k.saturating_mul(REFINE_CANDIDATES).max(k) } else { k };
    let (hits, mode) = match (mode, vector) {
        (Some(SearchMode::Bm25), _) => (index::bm25(db, bot, lexicon, query, wide, keys).await?, "bm25"),
        (Some(SearchMode::Vector), Some(vector)) => {
            (index::nearest(db, bot, lexicon, vector, wide, keys).await?, "vector")
        }
        (Some(SearchMode::Vector), None) => (Vec::new(), "none"),
        (_, vector) => {
            let mode = if vector.is_some() { "hybrid" } else { "bm25" };
            (index::hybrid(db, bot, lexicon, query, vector, wide, keys).await?, mode)
        }
    };
    Ok((index::refine(hits, vector, k, refinement), mode))
}

/// Loads the word postings of every published bot's live version, so the
/// first visitor question after a start does not wait for them (seconds
/// for a bot of 100,000 passages). Runs in the background at start-up;
/// stops once the cache is half full, leaving room for what is searched.
/// Returns how many bots it loaded.
pub async fn warm(state: &AppState) -> Result<usize, StoreError> {
    let lexicon = &state.knowledge.lexicon;
    let tenants = state.store.tenant_ids().await?;
    let mut warmed = 0;
    for tenant in tenants {
        let db = state.store.tenant(&tenant).await?;
        let bots: Vec<BotId> = db
            .db()
            .query("SELECT VALUE record::id(id) FROM bot WHERE live_version != NONE AND live_version != NULL")
            .run()
            .await?
            .all(0)?;
        for bot in bots {
            if lexicon.size() >= lexicon.budget() / 2 {
                return Ok(warmed);
            }
            let keys = documents::live_keys(&db, &bot).await?;
            if keys.is_empty() || !index::exists(&db, &bot).await? {
                continue;
            }
            lexicon.warm(&db, &bot, &keys).await?;
            warmed += 1;
        }
    }
    Ok(warmed)
}

/// The Studio's test search over the draft's knowledge.
pub async fn search(
    state: &AppState,
    ctx: &TenantCtx,
    bot: &BotId,
    request: &SearchRequest,
) -> ApiResult<SearchResponse> {
    crate::bots::get(ctx, bot).await?;
    let k = request.k.unwrap_or(5);
    if !(1..=50).contains(&k) || request.query.trim().is_empty() || request.query.chars().count() > 1_000 {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "`query` must have 1 to 1000 characters and `k` be 1 to 50.",
        ));
    }
    if request.mmr.is_some_and(|lambda| !(0.0..=1.0).contains(&lambda))
        || request.min_similarity.is_some_and(|min| !(-1.0..=1.0).contains(&min))
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "`mmr` must be between 0 and 1 and `min_similarity` between -1 and 1.",
        ));
    }
    if request.mode == Some(SearchMode::Vector) && state.knowledge.embedder.is_none() {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "`mode` `vector` needs an embedding model, and this server has none loaded.",
        ));
    }
    let keys = documents::draft_keys(state, &ctx.db, bot).await?;
    let refinement = index::Refinement { min_similarity: request.min_similarity, mmr: request.mmr };
    let (hits, mode) =
        retrieve_as(state, &ctx.db, bot, &keys, &request.query, k as usize, request.mode, refinement).await?;
    let passages = hits.into_iter().map(passage_view).collect();
    Ok(SearchResponse { passages, mode: mode.to_owned() })
}

fn passage_view(hit: index::Hit) -> PassageView {
    let document = hit.chunk.doc_key.split(':').next().unwrap_or_default();
    PassageView {
        score: hit.score,
        text: hit.chunk.text,
        document_id: document.parse().unwrap_or_else(|_| DocumentId::from_bytes(&[0; 16])),
        title: hit.chunk.title,
        section: hit.chunk.section,
        page: hit.chunk.page,
        url: hit.chunk.url,
        char_start: hit.chunk.char_start as u64,
        char_end: hit.chunk.char_end as u64,
    }
}
