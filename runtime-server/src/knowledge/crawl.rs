//! URL sources: the page itself, or a bounded breadth-first crawl of its site.
//!
//! Each page a crawl reaches beyond the start page becomes a document of its
//! own (`DocumentSource::Crawled`, naming the source that found it) rather
//! than a section of one large document. A page's passages are then keyed
//! by that page's own content hash, so a re-sync in which one page changed
//! replaces that page's passages alone, unchanged pages cost only their
//! fetch, and every passage cites the address of the page it was read from.
//! The start page's passages belong to the source document itself.
//!
//! The crawl stays on the start page's site (scheme, host and port after
//! redirects), fetches each canonical address (no fragment) at most once,
//! reads robots.txt once per host and obeys it for Animo's product token,
//! skips content types Animo does not read before downloading them, and
//! sends every hop through the address guard of `fetch.rs`.

use std::collections::{HashMap, HashSet, VecDeque};

use animo_knowledge::{Format, html_links, robots_allows};
use animo_shared::knowledge::{CrawlLimits, DocumentSource, DocumentStatus};
use animo_shared::{DocumentId, ErrorCode, TenantId, Timestamp};
use reqwest::Url;
use serde_json::json;

use super::documents::{self, DocumentRow};
use super::fetch::{self, AGENT, FetchError, FetchPolicy, Fetched};
use super::jobs::{self, Content, Ingested};
use crate::ids::NewId;
use crate::state::AppState;
use crate::store::{StoreError, TenantDb};

/// A URL source without crawl limits is its start page alone.
const SINGLE_PAGE: CrawlLimits = CrawlLimits { max_pages: 1, max_depth: 0 };

/// What a site's robots.txt said, read once per crawl and host.
#[derive(Debug)]
enum Robots {
    /// No robots.txt (a 4xx answer): everything may be fetched.
    AllowAll,
    /// The file's rules.
    Rules(String),
    /// The file could not be read (5xx or network): RFC 9309 has crawlers
    /// assume everything is disallowed.
    Unreadable(String),
}

/// The robots.txt of each host a crawl touches.
#[derive(Debug, Default)]
struct RobotsCache(HashMap<String, Robots>);

impl RobotsCache {
    /// Whether robots.txt lets Animo fetch `url`; `Err` when the rules could not be read.
    async fn allows(&mut self, policy: &FetchPolicy, url: &Url) -> Result<bool, (ErrorCode, String)> {
        let origin = url.origin().ascii_serialization();
        if !self.0.contains_key(&origin) {
            let robots_url = url.join("/robots.txt").map_err(|_| coded(FetchError::BadUrl))?;
            let robots = match fetch::fetch(robots_url.as_str(), policy).await {
                Ok(page) => Robots::Rules(String::from_utf8_lossy(&page.bytes).into_owned()),
                Err(FetchError::Status(status)) if (400..500).contains(&status) => Robots::AllowAll,
                Err(error @ (FetchError::BadUrl | FetchError::Forbidden(_) | FetchError::Unresolvable(_))) => {
                    return Err(coded(error));
                }
                Err(error) => Robots::Unreadable(error.to_string()),
            };
            self.0.insert(origin.clone(), robots);
        }
        match self.0.get(&origin) {
            Some(Robots::Rules(rules)) => {
                let path = match url.query() {
                    Some(query) => format!("{}?{query}", url.path()),
                    None => url.path().to_owned(),
                };
                Ok(robots_allows(rules, AGENT, &path))
            }
            Some(Robots::Unreadable(reason)) => Err((
                ErrorCode::UrlUnreachable,
                format!("robots.txt of {origin} could not be read ({reason}), so Animo does not fetch from the site"),
            )),
            Some(Robots::AllowAll) | None => Ok(true),
        }
    }
}

fn coded(error: FetchError) -> (ErrorCode, String) {
    let body = documents::fetch_error(error).body();
    (body.code, body.message)
}

/// An address without its fragment (and without an empty query), so the
/// same page is not fetched twice under two names. The URL parser has
/// already lower-cased the scheme and host, dropped a default port and
/// resolved dot segments.
fn canonical(mut url: Url) -> Url {
    url.set_fragment(None);
    if url.query() == Some("") {
        url.set_query(None);
    }
    url
}

/// Content types a crawl downloads: those `Format::from_content_type`
/// names, or none declared (then the bytes are sniffed after download).
fn readable(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|content_type| Format::from_content_type(content_type).is_some())
}

/// Fetches one page if robots.txt allows it and its type is readable.
async fn fetch_page(policy: &FetchPolicy, robots: &mut RobotsCache, url: &Url) -> Result<Fetched, (ErrorCode, String)> {
    if !robots.allows(policy, url).await? {
        return Err((ErrorCode::UrlForbidden, format!("robots.txt of the site does not allow {AGENT} to fetch {url}")));
    }
    fetch::fetch_accepting(url.as_str(), policy, readable).await.map_err(coded)
}

fn content(page: Fetched, url: &Url) -> Content {
    let name = url.path_segments().and_then(|mut segments| segments.next_back()).unwrap_or("page").to_owned();
    Content { name, content_type: page.content_type, bytes: page.bytes, url: Some(url.to_string()) }
}

async fn set_pages(db: &TenantDb, id: &DocumentId, done: usize, total: usize) -> Result<(), StoreError> {
    db.db()
        .query("UPDATE type::record('document', $id) SET pages_done = $done, pages_total = $total, updated_at = $now")
        .bind("id", id)
        .bind("done", done)
        .bind("total", total)
        .bind("now", Timestamp::now())
        .run()
        .await?;
    Ok(())
}

/// The document of a page the source's crawl found before, if any.
async fn find_page(db: &TenantDb, source: &DocumentRow, url: &str) -> Result<Option<DocumentRow>, StoreError> {
    let sql = format!(
        "SELECT {} FROM document WHERE bot = $bot AND source.kind = 'crawled' AND source.source_id = $source
         AND source.url = $url LIMIT 1",
        documents::ROW_FIELDS
    );
    db.db().query(sql).bind("bot", &source.bot).bind("source", &source.id).bind("url", url).run().await?.first(0)
}

/// The document of a crawled page: the one found before, or a new one.
async fn page_document(db: &TenantDb, source: &DocumentRow, url: &str) -> anyhow::Result<DocumentRow> {
    if let Some(page) = find_page(db, source, url).await? {
        documents::set_status(db, &page.id, DocumentStatus::Extracting, None).await?;
        return Ok(page);
    }
    let id = DocumentId::generate();
    let now = Timestamp::now();
    // Created as being extracted: if the server stops before it is indexed,
    // start-up queues it again as a single page.
    let crawled = DocumentSource::Crawled { url: url.to_owned(), source_id: source.id.clone() };
    db.db()
        .query("CREATE type::record('document', $id) CONTENT $document")
        .bind("id", &id)
        .bind(
            "document",
            json!({
                "bot": source.bot, "source": crawled, "bytes": 0, "status": DocumentStatus::Extracting,
                "created_at": now, "updated_at": now,
            }),
        )
        .run()
        .await?;
    documents::load(db, &id).await?.ok_or_else(|| anyhow::anyhow!("the crawled page's document vanished"))
}

/// Removes the pages of `source` that its latest crawl did not reach, with
/// their bytes; their passages go with the next garbage collection.
async fn remove_unreached(db: &TenantDb, source: &DocumentRow, reached: &[String]) -> Result<(), StoreError> {
    db.db()
        .query(
            "BEGIN TRANSACTION;
             LET $gone = SELECT VALUE bytes ?? 0 FROM document
                 WHERE bot = $bot AND source.kind = 'crawled' AND source.source_id = $source AND source.url NOT IN $reached;
             DELETE document
                 WHERE bot = $bot AND source.kind = 'crawled' AND source.source_id = $source AND source.url NOT IN $reached;
             UPSERT usage:knowledge_bytes SET count = math::max([0, (count ?? 0) - math::sum($gone)]);
             COMMIT TRANSACTION;",
        )
        .bind("bot", &source.bot)
        .bind("source", &source.id)
        .bind("reached", reached)
        .run()
        .await?;
    Ok(())
}

/// Fetches a URL source's start page and, within its crawl limits, the
/// pages of its site it links to, ingesting each.
pub(super) async fn sync_source(
    state: &AppState,
    db: &TenantDb,
    tenant: &TenantId,
    source: &DocumentRow,
    start: &str,
) -> anyhow::Result<()> {
    let limits = source.crawl.unwrap_or(SINGLE_PAGE);
    let max_pages = usize::try_from(limits.max_pages).unwrap_or(usize::MAX).max(1);
    let policy = &state.knowledge.fetch;
    let Ok(start) = Url::parse(start).map(canonical) else {
        let refused = Ingested::Refused(ErrorCode::UrlForbidden, FetchError::BadUrl.to_string());
        return Ok(jobs::finish(db, &source.id, refused).await?);
    };
    let mut robots = RobotsCache::default();
    let mut queue: VecDeque<(Url, u32)> = VecDeque::from([(start.clone(), 0)]);
    let mut seen: HashSet<String> = HashSet::from([start.to_string()]);
    // Addresses of the crawled pages kept by this sync.
    let mut reached: Vec<String> = Vec::new();
    let mut site = None;
    let mut start_outcome = None;
    let mut done = 0;
    let mut complete = true;
    set_pages(db, &source.id, 0, 1).await?;
    while let Some((url, depth)) = queue.pop_front() {
        if done >= max_pages {
            break;
        }
        let first = site.is_none();
        let page = match fetch_page(policy, &mut robots, &url).await {
            Ok(page) => page,
            Err((code, message)) if first => {
                // The source keeps its passages from the last sync, and its pages.
                return Ok(jobs::finish(db, &source.id, Ingested::Refused(code, message)).await?);
            }
            Err((code, message)) => {
                // A page that fails this time keeps its document and passages,
                // so a passing outage does not remove knowledge.
                reached.push(url.to_string());
                if let Some(page) = find_page(db, source, url.as_str()).await? {
                    jobs::finish(db, &page.id, Ingested::Refused(code, message)).await?;
                }
                continue;
            }
        };
        let Ok(final_url) = Url::parse(&page.url).map(canonical) else { continue };
        if first {
            site = Some(final_url.origin());
        } else if site.as_ref() != Some(&final_url.origin()) {
            // Redirected off the site.
            continue;
        }
        if final_url != url {
            // Redirected: the target is fetched once, and only where robots.txt allows.
            if !seen.insert(final_url.to_string()) && !first {
                continue;
            }
            match robots.allows(policy, &final_url).await {
                Ok(true) => {}
                Ok(false) | Err(_) if !first => continue,
                Ok(false) => {
                    let message = format!("robots.txt of the site does not allow {AGENT} to fetch {final_url}");
                    let refused = Ingested::Refused(ErrorCode::UrlForbidden, message);
                    return Ok(jobs::finish(db, &source.id, refused).await?);
                }
                Err((code, message)) => {
                    return Ok(jobs::finish(db, &source.id, Ingested::Refused(code, message)).await?);
                }
            }
        }
        let is_html = Format::detect(final_url.path(), page.content_type.as_deref(), &page.bytes) == Some(Format::Html);
        let links = if depth < limits.max_depth && is_html {
            html_links(&String::from_utf8_lossy(&page.bytes), final_url.as_str())
        } else {
            Vec::new()
        };
        let outcome = if first {
            let outcome = jobs::ingest(state, db, tenant, source, content(page, &final_url)).await?;
            start_outcome = Some(outcome.clone());
            outcome
        } else {
            reached.push(final_url.to_string());
            let document = page_document(db, source, final_url.as_str()).await?;
            let outcome = jobs::ingest(state, db, tenant, &document, content(page, &final_url)).await?;
            jobs::finish(db, &document.id, outcome.clone()).await?;
            outcome
        };
        if matches!(&outcome, Ingested::Refused(ErrorCode::QuotaExceeded, _)) {
            // The plan is full: pages not reached are kept rather than removed.
            complete = false;
            break;
        }
        done += 1;
        for link in links {
            let Ok(link) = Url::parse(&link).map(canonical) else { continue };
            if site.as_ref() == Some(&link.origin()) && seen.insert(link.to_string()) {
                queue.push_back((link, depth + 1));
            }
        }
        if limits.max_pages > 1 {
            // Ingesting the start page may have said `embedding`; the crawl goes on.
            documents::set_status(db, &source.id, DocumentStatus::Extracting, None).await?;
        }
        set_pages(db, &source.id, done, (done + queue.len()).min(max_pages)).await?;
    }
    if complete {
        remove_unreached(db, source, &reached).await?;
        documents::forget_draft(state, db, &source.bot);
    }
    set_pages(db, &source.id, done, done).await?;
    let outcome = start_outcome.unwrap_or(Ingested::Unchanged);
    Ok(jobs::finish(db, &source.id, outcome).await?)
}

/// Fetches one crawled page again on its own (a re-sync asked for it, or
/// start-up found it unfinished).
pub(super) async fn sync_page(
    state: &AppState,
    db: &TenantDb,
    tenant: &TenantId,
    page: &DocumentRow,
    url: &str,
) -> anyhow::Result<()> {
    let Ok(url) = Url::parse(url).map(canonical) else {
        let refused = Ingested::Refused(ErrorCode::UrlForbidden, FetchError::BadUrl.to_string());
        return Ok(jobs::finish(db, &page.id, refused).await?);
    };
    let mut robots = RobotsCache::default();
    let outcome = match fetch_page(&state.knowledge.fetch, &mut robots, &url).await {
        Ok(fetched) => jobs::ingest(state, db, tenant, page, content(fetched, &url)).await?,
        Err((code, message)) => Ingested::Refused(code, message),
    };
    Ok(jobs::finish(db, &page.id, outcome).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_addresses_lose_fragments_and_empty_queries_only() {
        let check = |raw: &str, expected: &str| {
            assert_eq!(canonical(Url::parse(raw).expect("url")).as_str(), expected, "{raw}");
        };
        check("HTTP://Example.COM:80/a/./b/../c#top", "http://example.com/a/c");
        check("https://example.com/page?", "https://example.com/page");
        check("https://example.com/page?x=1#y", "https://example.com/page?x=1");
        check("https://example.com", "https://example.com/");
    }

    #[test]
    fn only_readable_types_are_downloaded() {
        for accepted in [None, Some("text/html"), Some("application/pdf"), Some("text/plain"), Some("text/markdown")] {
            assert!(readable(accepted), "{accepted:?}");
        }
        for refused in ["image/png", "application/zip", "video/mp4", "application/octet-stream"] {
            assert!(!readable(Some(refused)), "{refused}");
        }
    }
}
