//! A bot's knowledge as the API shows it: documents with their ingestion
//! status, and passages found by a search.

use serde::{Deserialize, Serialize};

use crate::ids::{BotId, DocumentId};
use crate::time::Timestamp;

/// Where a document comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DocumentSource {
    /// An uploaded file.
    File {
        /// Its name as uploaded.
        name: String,
    },
    /// A web page (the start of a crawl when `crawl` is set), fetched again on re-sync.
    Url {
        /// The page's address.
        url: String,
    },
    /// A page found by crawling a URL source; it is re-fetched with that source
    /// and removed with it, or when a re-sync no longer reaches it.
    Crawled {
        /// The page's address (after redirects, without fragment).
        url: String,
        /// The URL source whose crawl found it.
        source_id: DocumentId,
    },
}

/// How far a URL source's crawl may go from its start page, within the same
/// site (scheme, host and port). Without it a URL source is its page alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrawlLimits {
    /// Most pages fetched, the start page included (at least 1; the server's configuration caps it).
    pub max_pages: u32,
    /// Most links followed from the start page (0: the start page alone; capped by the server's configuration).
    pub max_depth: u32,
}

/// Where a document's ingestion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DocumentStatus {
    /// Waiting for its turn.
    Queued,
    /// Being read (or fetched) and cut into passages.
    Extracting,
    /// Passages being embedded.
    Embedding,
    /// Searchable.
    Indexed,
    /// Ingestion failed; `error` says why.
    Failed,
}

/// Why ingestion failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentFailure {
    /// A code of the error table.
    pub code: crate::error::ErrorCode,
    /// What went wrong, for people.
    pub message: String,
}

/// A document of a bot's knowledge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentView {
    /// The document's id.
    pub id: DocumentId,
    /// The bot it belongs to.
    pub bot_id: BotId,
    /// Where it comes from.
    pub source: DocumentSource,
    /// Its size in bytes, as last read.
    pub bytes: u64,
    /// Ingestion status.
    pub status: DocumentStatus,
    /// Passages done and in all, while extracting or embedding.
    pub progress_done: u64,
    /// Passages in all (0 until known).
    pub progress_total: u64,
    /// Searchable passages.
    pub chunks: u64,
    /// The failure, when `status` is `failed`.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub error: Option<DocumentFailure>,
    /// SHA-256 of the content last indexed.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub content_hash: Option<String>,
    /// The crawl limits of a URL source that crawls its site.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub crawl: Option<CrawlLimits>,
    /// Pages fetched so far by the running (or last) crawl of a URL source.
    #[serde(default)]
    pub pages_done: u64,
    /// Pages known to fetch in all, found so far (at most `crawl.max_pages`).
    #[serde(default)]
    pub pages_total: u64,
    /// How often a URL source is fetched again by itself, in hours.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub resync_every_hours: Option<u32>,
    /// When the next scheduled re-sync is due.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub next_sync_at: Option<Timestamp>,
    /// When it was added.
    pub created_at: Timestamp,
    /// When its status last changed.
    pub updated_at: Timestamp,
}

/// A bot's documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentList {
    /// Documents, oldest first.
    pub documents: Vec<DocumentView>,
}

/// Body of `POST /v1/bots/{bot_id}/knowledge` for a URL source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddUrlRequest {
    /// The page to fetch (http or https).
    pub url: String,
    /// Crawl the site from this page within these limits; absent, the page alone.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub crawl: Option<CrawlLimits>,
    /// Fetch the source again by itself every so many hours (1 to 720); absent, only on demand.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub resync_every_hours: Option<u32>,
}

/// Body of `POST /v1/bots/{bot_id}/knowledge/search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchRequest {
    /// What to look for.
    pub query: String,
    /// How many passages, 1 to 50 (default 5).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub k: Option<u32>,
    /// Which ranking to use (default: hybrid when an embedding model is loaded, else BM25),
    /// so that the Studio's test panel and evaluations can compare them.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub mode: Option<SearchMode>,
    /// Drops passages whose cosine similarity to the query, by the embedding
    /// model, is below this (-1 to 1). Applies to passages with a vector when
    /// the query has one (hybrid and vector searches); BM25 alone has no
    /// comparable scale and ignores it. Absent: no threshold.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub min_similarity: Option<f64>,
    /// Maximal marginal relevance λ (0 to 1): picks passages one by one,
    /// weighing relevance (λ) against likeness to those already picked
    /// (1 - λ), so near-duplicates give way to other passages. Likeness is
    /// the cosine of the passage vectors, or without vectors the overlap of
    /// their words. Absent: the ranking as it is.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub mmr: Option<f64>,
}

/// How a knowledge search ranks passages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SearchMode {
    /// Words (BM25) and meaning (embeddings), fused.
    Hybrid,
    /// Words alone.
    Bm25,
    /// Meaning alone; needs an embedding model.
    Vector,
}

/// A passage found, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassageView {
    /// Fused relevance (higher is better).
    pub score: f64,
    /// The passage.
    pub text: String,
    /// The document it comes from.
    pub document_id: DocumentId,
    /// The document's title.
    pub title: String,
    /// Headings above the passage.
    pub section: Vec<String>,
    /// PDF page.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub page: Option<u32>,
    /// The page's address, for URL sources.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub url: Option<String>,
    /// Where the passage starts in the document's text, in characters.
    pub char_start: u64,
    /// Where it ends.
    pub char_end: u64,
}

/// The answer of a knowledge search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    /// Passages, best first.
    pub passages: Vec<PassageView>,
    /// `hybrid` when passages were found by words and meaning, `bm25` by words alone (asked for,
    /// or no embedding model is available), `vector` by meaning alone.
    pub mode: String,
}
