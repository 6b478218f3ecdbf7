//! Documents and their ingestion: upload or URL → durable job → extracted,
//! chunked, embedded and indexed passages.
//!
//! A document record is its own job: its status says how far ingestion got.
//! The worker that runs the jobs is in `jobs.rs`. Passages are keyed by
//! document and content hash: unchanged content is skipped, changed content
//! replaces only its own document's passages, and published versions keep
//! the passages they were published with (a rollback answers from them
//! again) while their document exists.

use std::collections::HashSet;
use std::sync::Arc;

use animo_knowledge::{ChunkOptions, ExtractLimits, Format};
use animo_shared::api::QuotaKind;
use animo_shared::knowledge::{AddUrlRequest, CrawlLimits, DocumentList, DocumentSource, DocumentStatus, DocumentView};
use animo_shared::{BotId, DocumentId, ErrorCode, TenantId, Timestamp};
use axum::extract::Multipart;
use object_store::ObjectStore;
use object_store::path::Path;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use super::fetch::{FetchError, FetchPolicy};
use super::index;
use crate::context::TenantCtx;
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::memo::Memo;
use crate::state::AppState;
use crate::store::{StoreError, TenantDb};
use crate::tenants::{limit, quota_check_sql};

pub use super::jobs::run_worker;

/// Turns passages into vectors.
#[async_trait::async_trait]
pub trait PassageEmbedder: Send + Sync + std::fmt::Debug {
    /// Length of the vectors.
    fn dimensions(&self) -> usize;
    /// One unit vector per text.
    async fn embed(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>>;
}

/// The embedding model the configuration points at, if it can be loaded.
/// Without one, passages are indexed for BM25 only; this is said once here,
/// at start-up, and no vector is ever made up.
pub fn load_embedder(config: &crate::config::Config) -> Option<Arc<dyn PassageEmbedder>> {
    if !config.embeddings {
        tracing::info!("embeddings are switched off: knowledge retrieval runs on BM25 alone");
        return None;
    }
    let dir = animo_embed::model_dir(config.model_dir.as_deref());
    match animo_embed::MiniLm::load(&dir) {
        Ok(model) => {
            tracing::info!(dir = %dir.display(), "embedding model loaded");
            Some(Arc::new(LocalModel(model)))
        }
        Err(error) => {
            tracing::warn!(%error, "no embedding model is loaded: knowledge retrieval runs on BM25 alone");
            None
        }
    }
}

/// The local sentence-embedding model.
#[derive(Debug)]
struct LocalModel(animo_embed::MiniLm);

#[async_trait::async_trait]
impl PassageEmbedder for LocalModel {
    fn dimensions(&self) -> usize {
        animo_embed::Embedder::dimensions(&self.0)
    }

    async fn embed(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        Ok(animo_embed::Embedder::embed(&self.0, texts).await?)
    }
}

/// A document to ingest.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its tenant.
    pub tenant: TenantId,
    /// The document.
    pub document: DocumentId,
}

/// The knowledge side of the server state.
#[derive(Debug)]
pub struct KnowledgeState {
    /// The embedding model, when one is available.
    pub embedder: Option<Arc<dyn PassageEmbedder>>,
    /// What URL sources may reach.
    pub fetch: FetchPolicy,
    /// Extraction limits.
    pub limits: ExtractLimits,
    /// Chunk sizes.
    pub chunking: ChunkOptions,
    /// Postings for ranking by words, shared by every search.
    pub lexicon: super::lexicon::Lexicon,
    /// The document versions each bot's draft answers from, for the
    /// Studio's test search and chat; forgotten by whatever changes them
    /// (see [`draft_keys`]).
    pub draft_keys: Memo<(TenantId, BotId), Arc<[String]>>,
    queue: mpsc::UnboundedSender<Job>,
    receiver: std::sync::Mutex<Option<mpsc::UnboundedReceiver<Job>>>,
}

impl KnowledgeState {
    /// A state with no worker yet; [`run_worker`] takes the queue.
    pub fn new(embedder: Option<Arc<dyn PassageEmbedder>>, fetch: FetchPolicy) -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        Self {
            embedder,
            fetch,
            limits: ExtractLimits::default(),
            chunking: ChunkOptions::default(),
            lexicon: super::lexicon::Lexicon::default(),
            draft_keys: Memo::new(4_096),
            queue,
            receiver: std::sync::Mutex::new(Some(receiver)),
        }
    }

    pub(super) fn enqueue(&self, job: Job) {
        // The worker lives as long as the server; if it is gone the server is
        // stopping, and the job is picked up again at the next start.
        let _queued = self.queue.send(job);
    }

    /// The queue's receiving end, which only the first worker gets.
    pub(super) fn take_receiver(&self) -> Option<mpsc::UnboundedReceiver<Job>> {
        self.receiver.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}

/// The bot's document made from the same bytes, if any (an index lookup:
/// `document_upload`).
const SAME_UPLOAD: &str = "SELECT VALUE record::id(id) FROM document WITH INDEX document_upload WHERE bot = $bot AND upload_hash = $hash LIMIT 1";

pub(super) fn blob_path(tenant: &TenantId, document: &DocumentId) -> Path {
    Path::from(format!("tenants/{}/knowledge/{}", tenant.hex(), document.hex()))
}

/// A document as the ingestion job reads it.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct DocumentRow {
    pub id: DocumentId,
    pub bot: BotId,
    pub source: DocumentSource,
    pub status: DocumentStatus,
    #[serde(default)]
    pub content_hash: Option<String>,
    #[serde(default)]
    pub doc_key: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub crawl: Option<CrawlLimits>,
}

pub(super) const ROW_FIELDS: &str =
    "record::id(id) AS id, bot, source, status, content_hash, doc_key, content_type, crawl";

const VIEW_FIELDS: &str = "record::id(id) AS id, bot AS bot_id, source, bytes ?? 0 AS bytes, status,
    progress_done ?? 0 AS progress_done, progress_total ?? 0 AS progress_total, chunks ?? 0 AS chunks,
    error, content_hash, crawl, pages_done ?? 0 AS pages_done, pages_total ?? 0 AS pages_total,
    resync_every_hours, next_sync_at, created_at, updated_at";

/// One document of the bot.
pub async fn get(ctx: &TenantCtx, bot: &BotId, id: &DocumentId) -> ApiResult<DocumentView> {
    let sql = format!("SELECT {VIEW_FIELDS} FROM type::record('document', $id) WHERE bot = $bot");
    let row: Option<DocumentView> = ctx.db.db().query(sql).bind("id", id).bind("bot", bot).run().await?.first(0)?;
    row.ok_or_else(ApiError::not_found)
}

/// The bot's documents, oldest first.
pub async fn list(ctx: &TenantCtx, bot: &BotId) -> ApiResult<DocumentList> {
    crate::bots::get(ctx, bot).await?;
    let sql = format!("SELECT {VIEW_FIELDS} FROM document WHERE bot = $bot ORDER BY id");
    Ok(DocumentList { documents: ctx.db.db().query(sql).bind("bot", bot).run().await?.all(0)? })
}

#[expect(clippy::too_many_arguments, reason = "one call per source kind, each naming every field")]
async fn create(
    state: &AppState,
    ctx: &TenantCtx,
    bot: &BotId,
    id: &DocumentId,
    source: DocumentSource,
    bytes: u64,
    content_type: Option<String>,
    upload_hash: Option<String>,
    settings: serde_json::Value,
) -> ApiResult<DocumentView> {
    let max = limit(state, ctx.tenant(), QuotaKind::KnowledgeBytes).await?;
    let now = Timestamp::now();
    let sql = format!(
        "BEGIN TRANSACTION;
         {}
         {}
         CREATE type::record('document', $doc) CONTENT $document;
         {}
         COMMIT TRANSACTION;",
        crate::bots::ACTIVE_BOT,
        quota_check_sql(QuotaKind::KnowledgeBytes),
        crate::audit::AUDIT_INSERT,
    );
    let mut document = json!({
        "bot": bot, "source": source, "bytes": bytes, "content_type": content_type, "upload_hash": upload_hash,
        "status": DocumentStatus::Queued, "created_at": now, "updated_at": now,
    });
    if let (Some(document), serde_json::Value::Object(settings)) = (document.as_object_mut(), settings) {
        document.extend(settings);
    }
    let query = ctx
        .db
        .db()
        .query(sql)
        .bind("id", bot)
        .bind("doc", id)
        .bind("limit", max)
        .bind("quota_amount", bytes)
        .bind("document", document);
    crate::audit::bind_audit(query, ctx, "knowledge.add", id.as_str()).run().await.map_err(|error| match error {
        StoreError::Thrown(message) if message.starts_with("quota:") => ApiError::quota(QuotaKind::KnowledgeBytes, max),
        other => crate::bots::bot_error(other),
    })?;
    state.knowledge.enqueue(Job { tenant: ctx.tenant().clone(), document: id.clone() });
    get(ctx, bot, id).await
}

/// Stores an uploaded file (multipart field `file`) and queues its ingestion.
pub async fn upload(
    state: &AppState,
    ctx: &TenantCtx,
    bot: &BotId,
    mut multipart: Multipart,
) -> ApiResult<DocumentView> {
    crate::bots::get(ctx, bot).await?;
    let max_bytes = state.knowledge.limits.max_bytes;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|error| ApiError::new(ErrorCode::InvalidRequest, format!("Unreadable upload: {error}")))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("document").chars().take(200).collect::<String>();
        let content_type = field.content_type().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|error| ApiError::new(ErrorCode::InvalidRequest, format!("Unreadable upload: {error}")))?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > max_bytes {
                return Err(ApiError::code(ErrorCode::DocumentTooLarge)
                    .with_details(json!({ "limit": "max_bytes", "max": max_bytes })));
            }
        }
        return add_file(state, ctx, bot, name, content_type, bytes).await;
    }
    Err(ApiError::new(ErrorCode::InvalidRequest, "The upload needs a `file` field."))
}

/// Stores a document's bytes and queues its ingestion; the same bytes added
/// again are the same document.
pub async fn add_file(
    state: &AppState,
    ctx: &TenantCtx,
    bot: &BotId,
    name: String,
    content_type: Option<String>,
    bytes: Vec<u8>,
) -> ApiResult<DocumentView> {
    if bytes.len() > state.knowledge.limits.max_bytes {
        return Err(ApiError::code(ErrorCode::DocumentTooLarge)
            .with_details(json!({ "limit": "max_bytes", "max": state.knowledge.limits.max_bytes })));
    }
    if Format::detect(&name, content_type.as_deref(), &bytes).is_none() {
        return Err(ApiError::code(ErrorCode::UnsupportedDocument));
    }
    // The same file uploaded again is the same document: no second copy
    // of its passages is ever made.
    let hash = animo_knowledge::content_hash(&bytes);
    let existing: Option<DocumentId> =
        ctx.db.db().query(SAME_UPLOAD).bind("bot", bot).bind("hash", &hash).run().await?.first(0)?;
    if let Some(existing) = existing {
        return get(ctx, bot, &existing).await;
    }
    let id = DocumentId::generate();
    let size = bytes.len() as u64;
    state.blobs.put(&blob_path(ctx.tenant(), &id), bytes.into()).await.map_err(anyhow::Error::from)?;
    create(state, ctx, bot, &id, DocumentSource::File { name }, size, content_type, Some(hash), serde_json::Value::Null)
        .await
}

/// Adds a URL source (a page, or a bounded crawl of its site when `crawl`
/// is given, re-synced by itself when `resync_every_hours` is) and queues
/// its first fetch. The URL is checked now, so a forbidden address is
/// refused at once rather than failing later. Its fetched bytes count
/// against the plan when they arrive.
pub async fn add_url(
    state: &AppState,
    ctx: &TenantCtx,
    bot: &BotId,
    request: &AddUrlRequest,
) -> ApiResult<DocumentView> {
    crate::bots::get(ctx, bot).await?;
    let caps = state.config.crawl_caps;
    if let Some(crawl) = request.crawl
        && (crawl.max_pages == 0 || crawl.max_pages > caps.max_pages || crawl.max_depth > caps.max_depth)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!(
                "`crawl.max_pages` must be 1 to {} and `crawl.max_depth` at most {} on this server.",
                caps.max_pages, caps.max_depth
            ),
        )
        .with_details(json!({ "max_pages": caps.max_pages, "max_depth": caps.max_depth })));
    }
    let hours = super::schedule::MIN_HOURS..=super::schedule::MAX_HOURS;
    if let Some(every) = request.resync_every_hours
        && !hours.contains(&every)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("`resync_every_hours` must be {} to {}.", hours.start(), hours.end()),
        ));
    }
    super::fetch::vet_url(&request.url, &state.knowledge.fetch).await.map_err(fetch_error)?;
    // The same address added again is the same source, so its pages are
    // never indexed twice; with other settings it is a conflict rather than
    // a silent change.
    let existing: Option<DocumentView> = ctx
        .db
        .db()
        .query(format!(
            "SELECT {VIEW_FIELDS} FROM document WHERE bot = $bot AND source.kind = 'url' AND source.url = $url LIMIT 1"
        ))
        .bind("bot", bot)
        .bind("url", &request.url)
        .run()
        .await?
        .first(0)?;
    if let Some(existing) = existing {
        if existing.crawl == request.crawl && existing.resync_every_hours == request.resync_every_hours {
            return Ok(existing);
        }
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "This address is already a source of the bot with other settings; delete it first.",
        )
        .with_details(json!({ "document_id": existing.id })));
    }
    let now = Timestamp::now();
    let next = request.resync_every_hours.map(|every| super::schedule::next_due(now, every));
    let settings = json!({
        "crawl": request.crawl,
        "resync_every_hours": request.resync_every_hours,
        "next_sync_at": next,
        "next_sync_unix": next.map(Timestamp::unix_seconds),
    });
    let id = DocumentId::generate();
    let source = DocumentSource::Url { url: request.url.clone() };
    create(state, ctx, bot, &id, source, 0, None, None, settings).await
}

/// Fetches a URL source again (its whole crawl, or one crawled page);
/// unchanged content changes nothing.
pub async fn resync(state: &AppState, ctx: &TenantCtx, bot: &BotId, id: &DocumentId) -> ApiResult<DocumentView> {
    let document = get(ctx, bot, id).await?;
    if matches!(document.source, DocumentSource::File { .. }) {
        return Err(ApiError::new(ErrorCode::Conflict, "Only URL sources can be re-synced; upload the file again."));
    }
    set_status(&ctx.db, id, DocumentStatus::Queued, None).await?;
    state.knowledge.enqueue(Job { tenant: ctx.tenant().clone(), document: id.clone() });
    get(ctx, bot, id).await
}

/// Removes a document with the pages its crawl found, its blob and (unless
/// the live version still answers from them) its passages, also those
/// earlier versions kept for a rollback.
pub async fn delete(state: &AppState, ctx: &TenantCtx, bot: &BotId, id: &DocumentId) -> ApiResult<()> {
    get(ctx, bot, id).await?;
    let sql = format!(
        "BEGIN TRANSACTION;
         LET $gone = SELECT VALUE bytes ?? 0 FROM document
             WHERE id = type::record('document', $id) OR (bot = $bot AND source.source_id = $id);
         DELETE document WHERE id = type::record('document', $id) OR (bot = $bot AND source.source_id = $id);
         UPSERT usage:knowledge_bytes SET count = math::max([0, (count ?? 0) - math::sum($gone)]);
         {}
         COMMIT TRANSACTION;",
        crate::audit::AUDIT_INSERT
    );
    let query = ctx.db.db().query(sql).bind("id", id).bind("bot", bot);
    crate::audit::bind_audit(query, ctx, "knowledge.delete", id.as_str()).run().await?;
    forget_draft(state, &ctx.db, bot);
    if let Err(error) = state.blobs.delete(&blob_path(ctx.tenant(), id)).await
        && !matches!(error, object_store::Error::NotFound { .. })
    {
        tracing::warn!(%error, "could not remove a deleted document's blob");
    }
    collect_garbage(&ctx.db, bot).await?;
    Ok(())
}

/// The document versions the bot's draft answers from.
///
/// Reading them reads every document of the bot (5,000 reads for a bot of
/// 5,000 files), so they are kept in memory. What changes them calls
/// [`forget_draft`]: a document's new version becoming its current one
/// (the ingestion worker), deleting a document or a crawl's unreached pages,
/// and deleting the tenant.
pub async fn draft_keys(state: &AppState, db: &TenantDb, bot: &BotId) -> Result<Arc<[String]>, StoreError> {
    let read = async {
        let keys: Vec<String> = db
            .db()
            .query("SELECT VALUE doc_key FROM document WHERE bot = $bot AND doc_key != NONE AND doc_key != NULL")
            .bind("bot", bot)
            .run()
            .await?
            .all(0)?;
        Ok(keys.into())
    };
    state.knowledge.draft_keys.get_or_read((db.tenant().clone(), bot.clone()), read).await
}

/// Drops the bot's draft keys after its documents' versions changed.
pub fn forget_draft(state: &AppState, db: &TenantDb, bot: &BotId) {
    state.knowledge.draft_keys.forget(&(db.tenant().clone(), bot.clone()));
}

/// The document versions the live version answers from.
pub async fn live_keys(db: &TenantDb, bot: &BotId) -> Result<Vec<String>, StoreError> {
    let keys: Option<Vec<String>> = db
        .db()
        .query(
            "LET $live = (SELECT VALUE live_version FROM type::record('bot', $bot))[0];
             RETURN (SELECT VALUE knowledge_keys FROM bot_version WHERE bot_id = $bot AND version = $live)[0];",
        )
        .bind("bot", bot)
        .run()
        .await?
        .returned()?;
    Ok(keys.unwrap_or_default())
}

/// The document versions any published version answers from: the live one
/// and every one an owner can roll back to.
pub async fn pinned_keys(db: &TenantDb, bot: &BotId) -> Result<Vec<String>, StoreError> {
    let keys: Option<Vec<String>> = db
        .db()
        .query(
            "RETURN array::distinct(array::flatten(
                 SELECT VALUE knowledge_keys ?? [] FROM bot_version WHERE bot_id = $bot));",
        )
        .bind("bot", bot)
        .run()
        .await?
        .returned()?;
    Ok(keys.unwrap_or_default())
}

/// The key of a document version: `<document>:<content hash>`.
pub(super) fn version_key(document: &DocumentId, hash: &str) -> String {
    format!("{document}:{hash}")
}

/// The document a version key belongs to.
fn document_of(key: &str) -> &str {
    key.rsplit_once(':').map_or(key, |(document, _)| document)
}

/// Removes passages that no one may answer from any more, sparing those of
/// a document version still being written. Kept: the draft's, the live
/// version's, and those of earlier versions (a rollback makes a version's
/// knowledge live again) whose document still exists — deleting a document
/// removes its passages once the live version no longer answers from them.
pub async fn collect_garbage(db: &TenantDb, bot: &BotId) -> Result<(), StoreError> {
    #[derive(Deserialize)]
    struct Row {
        id: String,
        doc_key: Option<String>,
        pending_key: Option<String>,
    }
    let documents: Vec<Row> = db
        .db()
        .query("SELECT record::id(id) AS id, doc_key, pending_key FROM document WHERE bot = $bot")
        .bind("bot", bot)
        .run()
        .await?
        .all(0)?;
    let existing: HashSet<&str> = documents.iter().map(|row| row.id.as_str()).collect();
    let mut keep: Vec<String> =
        pinned_keys(db, bot).await?.into_iter().filter(|key| existing.contains(document_of(key))).collect();
    keep.extend(live_keys(db, bot).await?);
    keep.extend(documents.iter().flat_map(|row| [row.doc_key.clone(), row.pending_key.clone()]).flatten());
    if !index::exists(db, bot).await? {
        return Ok(());
    }
    let table = index::table(bot);
    db.db().query(format!("DELETE {table} WHERE doc_key NOT IN $keep")).bind("keep", keep).run().await?;
    Ok(())
}

pub(super) async fn set_status(
    db: &TenantDb,
    id: &DocumentId,
    status: DocumentStatus,
    error: Option<(ErrorCode, String)>,
) -> Result<(), StoreError> {
    let error = error.map(|(code, message)| json!({ "code": code, "message": message }));
    db.db()
        .query("UPDATE type::record('document', $id) SET status = $status, error = $error, updated_at = $now")
        .bind("id", id)
        .bind("status", status)
        .bind("error", error)
        .bind("now", Timestamp::now())
        .run()
        .await?;
    Ok(())
}

pub(super) fn fetch_error(error: FetchError) -> ApiError {
    match error {
        FetchError::BadUrl | FetchError::Forbidden(_) => ApiError::new(ErrorCode::UrlForbidden, error.to_string()),
        FetchError::UnsupportedType(_) => ApiError::new(ErrorCode::UnsupportedDocument, error.to_string()),
        FetchError::TooLarge(max) => {
            ApiError::code(ErrorCode::DocumentTooLarge).with_details(json!({ "limit": "max_bytes", "max": max }))
        }
        other => ApiError::new(ErrorCode::UrlUnreachable, other.to_string()),
    }
}

/// Loads a document as the ingestion job reads it.
pub(super) async fn load(db: &TenantDb, id: &DocumentId) -> Result<Option<DocumentRow>, StoreError> {
    db.db()
        .query(format!("SELECT {ROW_FIELDS} FROM type::record('document', $id)"))
        .bind("id", id)
        .run()
        .await?
        .first(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// The duplicate check before every upload must stay one index lookup:
    /// reading every document of a bot made uploads slower as it grew.
    #[tokio::test]
    async fn the_same_upload_check_uses_its_index() {
        let store = Store::open("mem://").await.expect("database");
        let db = store.tenant(&TenantId::generate()).await.expect("tenant");
        let plan: serde_json::Value = db
            .db()
            .query(format!("{SAME_UPLOAD} EXPLAIN"))
            .bind("bot", BotId::generate())
            .bind("hash", "abc")
            .run()
            .await
            .expect("explain")
            .value(0)
            .expect("a plan");
        assert!(plan.to_string().contains("document_upload"), "{plan}");
    }
}
