//! The ingestion worker: queued documents → extracted, chunked, embedded and
//! indexed passages.
//!
//! One worker runs the jobs (embedding is CPU-bound on a small machine). It
//! takes every job waiting in the queue, up to [`GROUP_JOBS`], and runs the
//! uploaded files among them as one group: their status changes, passage
//! writes and final records are a few transactions for the whole group
//! rather than several per document, and the passages of many small
//! documents fill the same embedder calls, which the local model runs far
//! more efficiently than one short document at a time. URL sources go one by
//! one (they wait on the network and may crawl). A group that fails is run
//! again document by document, so one bad document fails alone.
//!
//! Durability is per document, as before: a document's status and progress
//! are in its record, passages are written under a `pending_key` that
//! searches never see and garbage collection spares, a job restarted after a
//! crash first removes what the crashed attempt wrote, and a document
//! answers from its new passages only once its record names their key.

use std::collections::{HashMap, HashSet};

use animo_knowledge::{ExtractErrorCode, Format};
use animo_shared::api::QuotaKind;
use animo_shared::knowledge::{DocumentSource, DocumentStatus};
use animo_shared::{BotId, DocumentId, ErrorCode, TenantId, Timestamp};
use object_store::ObjectStore;
use serde_json::json;

use super::documents::{self, DocumentRow, Job, blob_path, collect_garbage, pinned_keys, set_status};
use super::index::{self, StoredChunk};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{StoreError, TenantDb};
use crate::tenants::limit;

/// Dimensions of the passage index when no embedding model is loaded; the
/// vector index then stays empty and retrieval uses BM25 alone.
const DEFAULT_DIMENSIONS: usize = 384;
/// Passages embedded and written together: one embedder call (which bounds
/// its own inner batches by token positions) and one transaction that also
/// records the progress of every document they belong to.
const EMBED_BATCH: usize = 64;
/// Jobs taken from the queue at once. Bounded so that a document's status
/// moves on within a few batches' time even when thousands are queued.
const GROUP_JOBS: usize = 32;

/// Runs queued jobs until the server stops; first queues every document a
/// previous run left unfinished.
pub async fn run_worker(state: AppState) {
    let Some(mut receiver) = state.knowledge.take_receiver() else { return };
    if let Err(error) = requeue_unfinished(&state).await {
        tracing::error!(%error, "could not look for unfinished ingestion jobs");
    }
    while let Some(job) = receiver.recv().await {
        let mut jobs = vec![job];
        while jobs.len() < GROUP_JOBS {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        run_jobs(&state, jobs).await;
    }
}

async fn requeue_unfinished(state: &AppState) -> anyhow::Result<()> {
    let tenants = state.store.tenant_ids().await?;
    for tenant in tenants {
        let db = state.store.tenant(&tenant).await?;
        let pending: Vec<DocumentId> = db
            .db()
            .query("SELECT VALUE record::id(id) FROM document WHERE status IN ['queued', 'extracting', 'embedding']")
            .run()
            .await?
            .all(0)?;
        for document in pending {
            state.knowledge.enqueue(Job { tenant: tenant.clone(), document });
        }
    }
    Ok(())
}

/// Runs a set of jobs: uploaded files as groups per tenant and bot, URL
/// sources one by one. A document queued twice runs once.
async fn run_jobs(state: &AppState, jobs: Vec<Job>) {
    let mut seen = HashSet::new();
    let mut by_tenant: Vec<(TenantId, Vec<DocumentId>)> = Vec::new();
    for job in jobs {
        if !seen.insert((job.tenant.clone(), job.document.clone())) {
            continue;
        }
        match by_tenant.iter_mut().find(|(tenant, _)| *tenant == job.tenant) {
            Some((_, documents)) => documents.push(job.document),
            None => by_tenant.push((job.tenant, vec![job.document])),
        }
    }
    for (tenant, documents) in by_tenant {
        if let Err(error) = run_tenant_jobs(state, &tenant, &documents).await {
            tracing::error!(%error, %tenant, "ingestion jobs could not be run");
        }
    }
}

async fn run_tenant_jobs(state: &AppState, tenant: &TenantId, ids: &[DocumentId]) -> anyhow::Result<()> {
    let db = state.store.tenant(tenant).await?;
    let mut files: Vec<(BotId, Vec<DocumentRow>)> = Vec::new();
    for id in ids {
        // Deleted while queued, or already done: nothing to do.
        let Some(document) = documents::load(&db, id).await? else { continue };
        if matches!(document.status, DocumentStatus::Indexed | DocumentStatus::Failed) {
            continue;
        }
        if matches!(document.source, DocumentSource::File { .. }) {
            match files.iter_mut().find(|(bot, _)| *bot == document.bot) {
                Some((_, group)) => group.push(document),
                None => files.push((document.bot.clone(), vec![document])),
            }
        } else {
            run_alone(state, &db, tenant, &document).await;
        }
    }
    for (bot, group) in files {
        if group.len() > 1 {
            match ingest_files(state, &db, tenant, &bot, &group).await {
                Ok(()) => continue,
                Err(error) => {
                    tracing::warn!(%error, %bot, documents = group.len(), "a group of ingestion jobs failed; running them one by one");
                }
            }
        }
        for document in &group {
            run_alone(state, &db, tenant, document).await;
        }
    }
    Ok(())
}

/// Runs one document's job, recording a failure on the document.
async fn run_alone(state: &AppState, db: &TenantDb, tenant: &TenantId, document: &DocumentRow) {
    if let Err(error) = process(state, db, tenant, document).await {
        tracing::error!(%error, document = %document.id, "ingestion failed");
        let _recorded = set_status(
            db,
            &document.id,
            DocumentStatus::Failed,
            Some((ErrorCode::Internal, "Internal error while ingesting; try again.".into())),
        )
        .await;
    }
}

async fn process(state: &AppState, db: &TenantDb, tenant: &TenantId, document: &DocumentRow) -> anyhow::Result<()> {
    match &document.source {
        DocumentSource::File { .. } => {
            ingest_files(state, db, tenant, &document.bot, std::slice::from_ref(document)).await?;
        }
        DocumentSource::Url { url } => {
            set_status(db, &document.id, DocumentStatus::Extracting, None).await?;
            super::crawl::sync_source(state, db, tenant, document, url).await?;
            // A crawl may have removed pages it no longer reaches.
            collect_garbage(db, &document.bot).await?;
        }
        DocumentSource::Crawled { url, .. } => {
            set_status(db, &document.id, DocumentStatus::Extracting, None).await?;
            super::crawl::sync_page(state, db, tenant, document, url).await?;
        }
    }
    Ok(())
}

/// Ingests uploaded files of one bot together and records each one's end.
async fn ingest_files(
    state: &AppState,
    db: &TenantDb,
    tenant: &TenantId,
    bot: &BotId,
    group: &[DocumentRow],
) -> anyhow::Result<()> {
    let ids: Vec<&DocumentId> = group.iter().map(|document| &document.id).collect();
    db.db()
        .query(
            "BEGIN TRANSACTION;
             FOR $id IN $ids {
                 UPDATE type::record('document', $id) SET status = 'extracting', error = NONE, updated_at = $now;
             };
             COMMIT TRANSACTION;",
        )
        .bind("ids", &ids)
        .bind("now", Timestamp::now())
        .run()
        .await?;
    let mut pending = Vec::new();
    let mut ended = Vec::new();
    for document in group {
        let DocumentSource::File { name } = &document.source else { continue };
        let bytes = state.blobs.get(&blob_path(tenant, &document.id)).await?.bytes().await?.to_vec();
        let content = Content { name: name.clone(), content_type: document.content_type.clone(), bytes, url: None };
        match prepare(state, db, tenant, document, content).await? {
            Prepared::Done(outcome) => ended.push((document.id.clone(), outcome)),
            Prepared::Passages(passages) => pending.push(passages),
        }
    }
    write(state, db, bot, pending, true).await?;
    for (id, outcome) in ended {
        finish(db, &id, outcome).await?;
    }
    Ok(())
}

/// A document's content as read or fetched.
#[derive(Debug)]
pub(super) struct Content {
    /// A file name for format detection (a URL's last path segment).
    pub name: String,
    /// The declared content type.
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The address passages cite, for web pages.
    pub url: Option<String>,
}

/// What ingesting a document's content came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ingested {
    /// The content is what was last indexed: nothing was touched.
    Unchanged,
    /// New passages now answer for the document.
    Indexed,
    /// The content was refused; the document keeps its previous passages.
    Refused(ErrorCode, String),
}

/// Records the end of a document's job.
pub(super) async fn finish(db: &TenantDb, id: &DocumentId, outcome: Ingested) -> Result<(), StoreError> {
    match outcome {
        Ingested::Unchanged | Ingested::Indexed => set_status(db, id, DocumentStatus::Indexed, None).await,
        Ingested::Refused(code, message) => set_status(db, id, DocumentStatus::Failed, Some((code, message))).await,
    }
}

/// A document version's passages, ready to be embedded and written.
#[derive(Debug)]
struct Passages {
    document: DocumentId,
    /// The version the document answered from before, if any.
    previous: Option<String>,
    key: String,
    hash: String,
    chunks: Vec<StoredChunk>,
}

/// What reading a document's content came to.
#[derive(Debug)]
enum Prepared {
    /// Nothing to write: unchanged or refused.
    Done(Ingested),
    /// A new version to write.
    Passages(Passages),
}

fn extract_error(error: &animo_knowledge::ExtractError) -> (ErrorCode, String) {
    let code = match error.code {
        ExtractErrorCode::UnsupportedFormat => ErrorCode::UnsupportedDocument,
        ExtractErrorCode::CorruptFile => ErrorCode::DocumentUnreadable,
        ExtractErrorCode::EmptyDocument => ErrorCode::DocumentEmpty,
        ExtractErrorCode::DocumentTooLarge => ErrorCode::DocumentTooLarge,
    };
    (code, error.message.clone())
}

/// Rough token count for chunk sizes when the embedding model's own
/// tokenizer is not at hand: words and punctuation, as WordPiece splits them.
fn approximate_tokens(text: &str) -> usize {
    text.split_whitespace().map(|word| 1 + word.chars().filter(|c| c.is_ascii_punctuation()).count()).sum()
}

/// Counts a fetched document's new size against the plan's knowledge bytes,
/// in one transaction with the size recorded on the document (as uploads
/// count theirs when they are created). Returns the plan's limit when the
/// new size would pass it; a smaller page always fits.
async fn account_bytes(
    state: &AppState,
    db: &TenantDb,
    tenant: &TenantId,
    id: &DocumentId,
    bytes: u64,
) -> anyhow::Result<Option<u64>> {
    let max = limit(state, tenant, QuotaKind::KnowledgeBytes).await.map_err(|error| anyhow::anyhow!("{error}"))?;
    let sql = format!(
        "BEGIN TRANSACTION;
         LET $old = (SELECT VALUE bytes ?? 0 FROM type::record('document', $id))[0] ?? 0;
         LET $delta = $bytes - $old;
         LET $used = (UPSERT usage:knowledge_bytes SET count = math::max([0, (count ?? 0) + $delta]) RETURN AFTER)[0].count;
         IF $delta > 0 AND $used > $limit {{ THROW '{}quota:knowledge_bytes'; }};
         UPDATE type::record('document', $id) SET bytes = $bytes;
         COMMIT TRANSACTION;",
        crate::store::THROW_PREFIX
    );
    match db.db().query(sql).bind("id", id).bind("bytes", bytes).bind("limit", max).run().await {
        Ok(_) => Ok(None),
        Err(StoreError::Thrown(message)) if message.starts_with("quota:") => Ok(Some(max)),
        Err(other) => Err(other.into()),
    }
}

/// Reads a document's content into passages, unless it is what was last
/// indexed or is refused.
async fn prepare(
    state: &AppState,
    db: &TenantDb,
    tenant: &TenantId,
    document: &DocumentRow,
    content: Content,
) -> anyhow::Result<Prepared> {
    let Content { name, content_type, bytes, url } = content;
    let hash = animo_knowledge::content_hash(&bytes);
    if document.content_hash.as_deref() == Some(hash.as_str()) && document.doc_key.is_some() {
        // Unchanged since the last indexing: the passages stay as they are.
        return Ok(Prepared::Done(Ingested::Unchanged));
    }
    let size = bytes.len() as u64;
    // Uploads are counted when they are stored; fetched pages when they arrive.
    if !matches!(document.source, DocumentSource::File { .. })
        && let Some(max) = account_bytes(state, db, tenant, &document.id, size).await?
    {
        let body = ApiError::quota(QuotaKind::KnowledgeBytes, max).body();
        return Ok(Prepared::Done(Ingested::Refused(body.code, body.message)));
    }
    let Some(format) = Format::detect(&name, content_type.as_deref(), &bytes) else {
        return Ok(Prepared::Done(Ingested::Refused(
            ErrorCode::UnsupportedDocument,
            ErrorCode::UnsupportedDocument.meaning().to_owned(),
        )));
    };
    let limits = state.knowledge.limits.clone();
    let chunking = state.knowledge.chunking;
    let extracted = tokio::task::spawn_blocking(move || {
        animo_knowledge::extract(format, &bytes, &limits)
            .map(|extracted| (animo_knowledge::chunk(&extracted, &chunking, &approximate_tokens), extracted.qa))
    })
    .await?;
    let (chunks, qa) = match extracted {
        Ok(result) => result,
        Err(error) => {
            let (code, message) = extract_error(&error);
            return Ok(Prepared::Done(Ingested::Refused(code, message)));
        }
    };
    let key = documents::version_key(&document.id, &hash);
    let mut stored: Vec<StoredChunk> = Vec::with_capacity(chunks.len() + qa.len());
    for pair in &qa {
        let ordinal = u32::try_from(stored.len()).unwrap_or(u32::MAX);
        stored.push(StoredChunk {
            doc_key: key.clone(),
            ordinal,
            text: format!("{}\n{}", pair.question, pair.answer),
            title: pair.question.clone(),
            section: vec!["Q&A".to_owned()],
            page: None,
            url: url.clone(),
            char_start: 0,
            char_end: 0,
            embedding: None,
        });
    }
    for chunk in chunks {
        let ordinal = u32::try_from(stored.len()).unwrap_or(u32::MAX);
        stored.push(StoredChunk {
            doc_key: key.clone(),
            ordinal,
            text: chunk.text,
            title: chunk.title,
            section: chunk.section,
            page: chunk.page,
            url: url.clone(),
            char_start: chunk.char_start,
            char_end: chunk.char_end,
            embedding: None,
        });
    }
    Ok(Prepared::Passages(Passages {
        document: document.id.clone(),
        previous: document.doc_key.clone(),
        key,
        hash,
        chunks: stored,
    }))
}

/// Extracts, chunks, embeds and indexes one document's content, unless it is
/// what was last indexed; the caller records the job's end.
pub(super) async fn ingest(
    state: &AppState,
    db: &TenantDb,
    tenant: &TenantId,
    document: &DocumentRow,
    content: Content,
) -> anyhow::Result<Ingested> {
    match prepare(state, db, tenant, document, content).await? {
        Prepared::Done(outcome) => Ok(outcome),
        Prepared::Passages(passages) => {
            write(state, db, &document.bot, vec![passages], false).await?;
            Ok(Ingested::Indexed)
        }
    }
}

/// Embeds and writes new document versions of one bot, then makes each the
/// version its document answers from (and, with `indexed`, marks the
/// document indexed in the same transaction). Passages are written batch by
/// batch under their version's key, recorded first as the document's
/// `pending_key`: until the end searches do not see them, garbage
/// collection spares them, and a job restarted after a crash first removes
/// what it had written. A version a published version answers from is
/// already complete and is kept, not written again. Returns the documents that
/// still exist at the end.
async fn write(
    state: &AppState,
    db: &TenantDb,
    bot: &BotId,
    versions: Vec<Passages>,
    indexed: bool,
) -> anyhow::Result<Vec<DocumentId>> {
    if versions.is_empty() {
        return Ok(Vec::new());
    }
    let embedder = state.knowledge.embedder.as_ref();
    let dimensions = embedder.map_or(DEFAULT_DIMENSIONS, |embedder| embedder.dimensions());
    index::ensure(db, bot, dimensions).await?;
    let status = if embedder.is_some() { DocumentStatus::Embedding } else { DocumentStatus::Extracting };
    let starts: Vec<serde_json::Value> = versions
        .iter()
        .map(|version| json!({ "id": version.document, "key": version.key, "total": version.chunks.len() }))
        .collect();
    // A crashed attempt may have left part of these versions' passages, which
    // go. A version a published version answers from and whose passages are
    // there (a document changed back to published content) is complete —
    // versions become pinned only once written, and are collected whole —
    // and stays as it is: rewriting it would take passages from under the
    // live version's searches. Pinned versions of an existing document are
    // never collected, so this cannot change before the end.
    let pinned: HashSet<String> = pinned_keys(db, bot).await?.into_iter().collect();
    let mut complete: HashMap<String, usize> = HashMap::new();
    for version in &versions {
        if pinned.contains(&version.key) {
            let stored = usize::try_from(index::count(db, bot, &version.key).await?)?;
            if stored > 0 {
                complete.insert(version.key.clone(), stored);
            }
        }
    }
    let fresh: Vec<&str> =
        versions.iter().map(|version| version.key.as_str()).filter(|key| !complete.contains_key(*key)).collect();
    db.db()
        .query(format!(
            "BEGIN TRANSACTION;
             FOR $start IN $starts {{
                 UPDATE type::record('document', $start.id) SET pending_key = $start.key, progress_done = 0,
                     progress_total = $start.total, status = $status, updated_at = $now;
             }};
             DELETE {} WHERE doc_key IN $fresh;
             COMMIT TRANSACTION;",
            index::table(bot)
        ))
        .bind("starts", starts)
        .bind("status", status)
        .bind("fresh", &fresh)
        .bind("now", Timestamp::now())
        .run()
        .await?;

    // How many passages each version has: those kept are counted, the rest
    // are about to be written.
    let mut versions = versions;
    let mut totals: Vec<usize> = Vec::with_capacity(versions.len());
    for version in &mut versions {
        if let Some(stored) = complete.get(&version.key) {
            version.chunks.clear();
            totals.push(*stored);
        } else {
            totals.push(version.chunks.len());
        }
    }
    // Every passage to write, in order, with the version it belongs to.
    let mut owners: Vec<usize> = Vec::new();
    let mut passages: Vec<StoredChunk> = Vec::new();
    for (owner, version) in versions.iter_mut().enumerate() {
        owners.extend(std::iter::repeat_n(owner, version.chunks.len()));
        passages.append(&mut version.chunks);
    }
    let mut done = vec![0usize; versions.len()];
    for (batch, batch_owners) in passages.chunks_mut(EMBED_BATCH).zip(owners.chunks(EMBED_BATCH)) {
        if let Some(embedder) = embedder {
            let texts: Vec<String> = batch
                .iter()
                .map(|chunk| format!("{} — {}\n{}", chunk.title, chunk.section.join(" › "), chunk.text))
                .collect();
            let vectors = embedder.embed(&texts).await?;
            anyhow::ensure!(
                vectors.len() == batch.len(),
                "the embedder returned {} vectors for {} texts",
                vectors.len(),
                batch.len()
            );
            for (chunk, vector) in batch.iter_mut().zip(vectors) {
                chunk.embedding = Some(vector);
            }
        }
        let mut touched: Vec<usize> = Vec::new();
        for owner in batch_owners {
            if let Some(count) = done.get_mut(*owner) {
                *count += 1;
            }
            if touched.last() != Some(owner) {
                touched.push(*owner);
            }
        }
        let progress: Vec<serde_json::Value> = touched
            .iter()
            .filter_map(|owner| {
                let version = versions.get(*owner)?;
                Some(json!({ "id": version.document, "done": done.get(*owner)?, "total": totals.get(*owner)? }))
            })
            .collect();
        index::insert_with(
            db,
            bot,
            batch,
            "FOR $step IN $progress {
                 UPDATE type::record('document', $step.id) SET progress_done = $step.done,
                     progress_total = $step.total, updated_at = $now;
             };",
            json!({ "progress": progress, "now": Timestamp::now() }),
        )
        .await?;
    }

    let ends: Vec<serde_json::Value> = versions
        .iter()
        .enumerate()
        .map(|(owner, version)| {
            json!({ "id": version.document, "key": version.key, "hash": version.hash, "chunks": totals.get(owner) })
        })
        .collect();
    let set_status = if indexed { ", status = 'indexed', error = NONE" } else { ", error = NONE" };
    let present: Vec<DocumentId> = db
        .db()
        .query(format!(
            "BEGIN TRANSACTION;
             FOR $end IN $ends {{
                 UPDATE type::record('document', $end.id) SET doc_key = $end.key, content_hash = $end.hash,
                     chunks = $end.chunks, pending_key = NONE, progress_done = $end.chunks,
                     progress_total = $end.chunks, updated_at = $now{set_status};
             }};
             RETURN SELECT VALUE record::id(id) FROM array::map($ends, |$end| type::record('document', $end.id));
             COMMIT TRANSACTION;"
        ))
        .bind("ends", ends)
        .bind("now", Timestamp::now())
        .run()
        .await?
        .returned::<Option<Vec<DocumentId>>>()?
        .unwrap_or_default();
    documents::forget_draft(state, db, bot);

    // What no one answers from any more: the versions these replaced (unless
    // a published version pins them) and the passages of documents deleted
    // while they were being written.
    let present_set: HashSet<&DocumentId> = present.iter().collect();
    let pinned: HashSet<String> = pinned_keys(db, bot).await?.into_iter().collect();
    let mut stale: Vec<&str> = Vec::new();
    for version in &versions {
        if !present_set.contains(&version.document) {
            if !pinned.contains(&version.key) {
                stale.push(&version.key);
            }
        } else if let Some(previous) = version.previous.as_deref()
            && previous != version.key
            && !pinned.contains(previous)
        {
            stale.push(previous);
        }
    }
    if !stale.is_empty() {
        db.db()
            .query(format!("DELETE {} WHERE doc_key IN $stale", index::table(bot)))
            .bind("stale", &stale)
            .run()
            .await?;
    }
    Ok(present)
}
