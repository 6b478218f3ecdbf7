//! URL sources beyond a single page: a bounded same-site crawl of a loopback
//! site, scheduled re-syncs on a controlled clock, and fetched bytes counted
//! against the plan.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use animo_shared::api::Plan;
use animo_shared::{BotId, TenantId, Timestamp};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus, Uri, header};
use axum::response::{IntoResponse, Response};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Session, TestServer, assert_error};
use crate::knowledge::{search, settled, upload};

/// The site's pages by path: content type and body.
type Pages = HashMap<String, (String, Vec<u8>)>;

/// A small site on loopback whose pages a test can change; it records every
/// request as `host` + path.
#[derive(Clone, Default)]
struct Site {
    pages: Arc<Mutex<Pages>>,
    requests: Arc<Mutex<Vec<String>>>,
    port: u16,
}

async fn answer(State(site): State<Site>, headers: HeaderMap, uri: Uri) -> Response {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let path = uri.path_and_query().map_or("/", |path| path.as_str()).to_owned();
    site.requests.lock().expect("lock").push(format!("{host}{path}"));
    let page = site.pages.lock().expect("lock").get(&path).cloned();
    match page {
        Some((content_type, body)) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
        None => AxumStatus::NOT_FOUND.into_response(),
    }
}

impl Site {
    async fn serve() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let site = Site { port: listener.local_addr().expect("addr").port(), ..Site::default() };
        let app = axum::Router::new().fallback(answer).with_state(site.clone());
        tokio::spawn(async move {
            // The site lives as long as the test process.
            let _stopped = axum::serve(listener, app).await;
        });
        site
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn page(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.pages.lock().expect("lock").insert(path.to_owned(), (content_type.to_owned(), body.into()));
    }

    fn html(&self, path: &str, title: &str, text: &str, links: &[&str]) {
        let links: String = links.iter().map(|href| format!("<li><a href=\"{href}\">link</a></li>")).collect();
        let body = format!(
            "<html><head><title>{title}</title></head><body><main><h1>{title}</h1><p>{text}</p></main>\
             <nav><ul>{links}</ul></nav></body></html>"
        );
        self.page(path, "text/html; charset=utf-8", body);
    }

    /// How often `host_and_path` (e.g. `127.0.0.1:PORT/about`) was asked for.
    fn requests_for(&self, path: &str) -> usize {
        let wanted = format!("127.0.0.1:{}{path}", self.port);
        self.requests.lock().expect("lock").iter().filter(|request| **request == wanted).count()
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

/// A workshop's site: five readable pages within two links of the home page,
/// one deeper, one closed by robots.txt, an image, and a link to another host.
async fn workshop() -> Site {
    let site = Site::serve().await;
    let port = site.port;
    site.page("/robots.txt", "text/plain", "User-agent: *\nDisallow: /private\n");
    site.html(
        "/",
        "Workshop",
        "Welcome to the bicycle workshop of the old town.",
        &[
            "/services",
            "/about#team",
            "/private/ledger",
            "/logo.png",
            "/notes.txt",
            &format!("http://localhost:{port}/elsewhere"),
            "mailto:shop@example.com",
        ],
    );
    site.html("/services", "Services", "We true wheels and service gear hubs.", &["/services/brakes", "/", "/about"]);
    site.html(
        "/services/brakes",
        "Brakes",
        "Worn brake pads are replaced within twenty minutes while you wait.",
        &["/services/brakes/history", "/services#top"],
    );
    site.html("/services/brakes/history", "History", "A page three links deep, beyond the crawl.", &[]);
    site.html("/about", "About", "Three mechanics run the workshop since nineteen ninety.", &[]);
    site.html("/private/ledger", "Ledger", "Private figures no crawler may read.", &[]);
    site.page("/notes.txt", "text/plain", "Opening notes: the workshop is closed on public holidays.");
    site.page("/logo.png", "image/png", vec![0x89, b'P', b'N', b'G', 0, 0, 0, 0]);
    site
}

async fn loopback_server(adjust: impl FnOnce(&mut animo_server::Config)) -> TestServer {
    TestServer::start_with(|config| {
        config.fetch_allow = vec!["127.0.0.1/32".parse().expect("range")];
        adjust(config);
    })
    .await
}

async fn documents(server: &TestServer, owner: &Session, bot: &str) -> Vec<Value> {
    let (status, list) = server.get(&format!("/v1/bots/{bot}/knowledge"), &owner.access).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["documents"].as_array().expect("documents").clone()
}

async fn add_source(server: &TestServer, owner: &Session, bot: &str, body: Value) -> (StatusCode, Value) {
    server.post(&format!("/v1/bots/{bot}/knowledge"), &owner.access, body).await
}

/// The bot's stored passages: record ids by document version key.
async fn passages(server: &TestServer, owner: &Session, bot: &str) -> BTreeMap<String, BTreeSet<String>> {
    let tenant: TenantId = owner.tenant_id.parse().expect("tenant id");
    let bot: BotId = bot.parse().expect("bot id");
    let db = server.server.state.store.tenant(&tenant).await.expect("tenant database");
    let table = animo_server::knowledge::index::table(&bot);
    let rows: Vec<Value> = db
        .db()
        .query(format!("SELECT record::id(id) AS id, doc_key FROM {table}"))
        .run()
        .await
        .expect("passages")
        .all(0)
        .expect("rows");
    let mut by_key: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        let key = row["doc_key"].as_str().expect("key").to_owned();
        by_key.entry(key).or_default().insert(row["id"].to_string());
    }
    by_key
}

fn key_of(document: &Value) -> String {
    format!("{}:{}", document["id"].as_str().expect("id"), document["content_hash"].as_str().expect("hash"))
}

fn by_url(documents: &[Value]) -> BTreeMap<String, Value> {
    documents
        .iter()
        .map(|document| (document["source"]["url"].as_str().expect("url").to_owned(), document.clone()))
        .collect()
}

#[tokio::test]
async fn a_crawl_stays_on_the_site_obeys_robots_and_its_limits_and_cites_each_page() {
    let site = workshop().await;
    let server = loopback_server(|_| {}).await;
    let owner = server.signup("crawl@example.com", "Crawl Shop").await;
    let bot = server.create_bot(&owner.access, "Crawler").await;
    let bot_id = bot["id"].as_str().expect("id");

    let (status, source) = add_source(
        &server,
        &owner,
        bot_id,
        json!({ "url": site.url("/"), "crawl": { "max_pages": 10, "max_depth": 2 } }),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{source}");
    let source_id = source["id"].as_str().expect("id").to_owned();
    let done = settled(&server, &owner, bot_id, &source_id).await;
    assert_eq!(done["status"], "indexed", "{done}");
    assert_eq!(done["crawl"], json!({ "max_pages": 10, "max_depth": 2 }));
    assert_eq!((done["pages_done"].as_u64(), done["pages_total"].as_u64()), (Some(5), Some(5)), "{done}");

    let all = documents(&server, &owner, bot_id).await;
    let pages = by_url(&all);
    let expected: BTreeSet<String> =
        ["/", "/services", "/about", "/notes.txt", "/services/brakes"].iter().map(|path| site.url(path)).collect();
    assert_eq!(pages.keys().cloned().collect::<BTreeSet<_>>(), expected, "one document per page reached: {all:#?}");
    for (url, page) in &pages {
        if *url == site.url("/") {
            assert_eq!(page["source"]["kind"], "url");
        } else {
            assert_eq!(page["source"]["kind"], "crawled", "{page}");
            assert_eq!(page["source"]["source_id"], source_id.as_str(), "{page}");
            assert_eq!(page["status"], "indexed", "{page}");
        }
    }

    // Every page once (the fragment link to /about and the links back home
    // included), robots.txt once, nothing it forbids, nothing beyond depth 2,
    // nothing on another host; the image was asked for but not read.
    for path in ["/", "/services", "/about", "/notes.txt", "/services/brakes", "/robots.txt", "/logo.png"] {
        assert_eq!(site.requests_for(path), 1, "{path} in {:?}", site.requests());
    }
    assert_eq!(site.requests_for("/private/ledger"), 0, "robots.txt is obeyed");
    assert_eq!(site.requests_for("/services/brakes/history"), 0, "the depth limit holds");
    assert!(
        site.requests().iter().all(|request| request.starts_with("127.0.0.1:")),
        "no other host is crawled: {:?}",
        site.requests()
    );

    // A passage cites the page it was read from.
    let found = search(&server, &owner, bot_id, "how long does replacing brake pads take").await;
    let first = &found["passages"][0];
    assert!(first["text"].as_str().expect("text").contains("brake pads"), "{found}");
    assert_eq!(first["url"], site.url("/services/brakes"));
    assert_eq!(first["document_id"], pages[&site.url("/services/brakes")]["id"]);

    // The page limit: two pages, breadth first.
    let other = server.create_bot(&owner.access, "Short crawl").await;
    let other_id = other["id"].as_str().expect("id");
    let (_, short) = add_source(
        &server,
        &owner,
        other_id,
        json!({ "url": site.url("/"), "crawl": { "max_pages": 2, "max_depth": 5 } }),
    )
    .await;
    let short = settled(&server, &owner, other_id, short["id"].as_str().expect("id")).await;
    assert_eq!(short["pages_done"], 2, "{short}");
    let urls: BTreeSet<String> = by_url(&documents(&server, &owner, other_id).await).into_keys().collect();
    assert_eq!(urls, [site.url("/"), site.url("/services")].into_iter().collect::<BTreeSet<_>>(), "breadth first");

    // Deleting the source removes its pages with it.
    let (status, _) = server
        .call(Method::DELETE, &format!("/v1/bots/{bot_id}/knowledge/{source_id}"), Some(&owner.access), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(documents(&server, &owner, bot_id).await, Vec::<Value>::new());
    assert!(passages(&server, &owner, bot_id).await.is_empty(), "their passages are collected");
}

#[tokio::test]
async fn a_resync_replaces_only_changed_pages_and_drops_pages_no_longer_linked() {
    let site = workshop().await;
    let server = loopback_server(|_| {}).await;
    let owner = server.signup("crawl-resync@example.com", "Resync Shop").await;
    let bot = server.create_bot(&owner.access, "Resync").await;
    let bot_id = bot["id"].as_str().expect("id");
    let (_, source) = add_source(
        &server,
        &owner,
        bot_id,
        json!({ "url": site.url("/"), "crawl": { "max_pages": 10, "max_depth": 2 } }),
    )
    .await;
    let source_id = source["id"].as_str().expect("id").to_owned();
    settled(&server, &owner, bot_id, &source_id).await;
    let before = by_url(&documents(&server, &owner, bot_id).await);
    let passages_before = passages(&server, &owner, bot_id).await;
    assert_eq!(passages_before.len(), 5, "one document version per page: {passages_before:?}");

    // Only the about page changes.
    site.html("/about", "About", "Four mechanics run the workshop since nineteen ninety.", &[]);
    let (status, _) =
        server.post(&format!("/v1/bots/{bot_id}/knowledge/{source_id}/resync"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let done = settled(&server, &owner, bot_id, &source_id).await;
    assert_eq!(done["status"], "indexed", "{done}");
    let after = by_url(&documents(&server, &owner, bot_id).await);
    let passages_after = passages(&server, &owner, bot_id).await;
    for (url, page) in &before {
        let now = &after[url];
        assert_eq!(now["id"], page["id"], "{url} keeps its document");
        if *url == site.url("/about") {
            assert_ne!(now["content_hash"], page["content_hash"]);
            assert!(!passages_after.contains_key(&key_of(page)), "the old about passages are gone");
            assert!(passages_after.contains_key(&key_of(now)), "the new ones are there");
        } else {
            assert_eq!(now["content_hash"], page["content_hash"], "{url}");
            assert_eq!(passages_after[&key_of(now)], passages_before[&key_of(page)], "{url}: the very same passages");
        }
    }
    assert_eq!(site.requests_for("/about"), 2);
    assert_eq!(site.requests_for("/robots.txt"), 2, "robots.txt once per crawl");
    let found = search(&server, &owner, bot_id, "how many mechanics").await;
    assert!(found["passages"][0]["text"].as_str().expect("text").contains("Four mechanics"), "{found}");

    // The home page stops linking the notes: their document goes.
    site.html("/", "Workshop", "Welcome to the bicycle workshop of the old town.", &["/services", "/about"]);
    server.post(&format!("/v1/bots/{bot_id}/knowledge/{source_id}/resync"), &owner.access, json!({})).await;
    settled(&server, &owner, bot_id, &source_id).await;
    let last = by_url(&documents(&server, &owner, bot_id).await);
    assert!(!last.contains_key(&site.url("/notes.txt")), "{last:#?}");
    assert_eq!(last.len(), 4);
    let found = search(&server, &owner, bot_id, "public holidays").await;
    assert!(
        found["passages"].as_array().expect("passages").iter().all(|p| p["url"] != site.url("/notes.txt")),
        "{found}"
    );
}

#[tokio::test]
async fn scheduled_resyncs_are_due_from_the_database_and_unchanged_pages_change_nothing() {
    let site = workshop().await;
    let server = loopback_server(|_| {}).await;
    let state = &server.server.state;
    let owner = server.signup("schedule@example.com", "Schedule Shop").await;
    let bot = server.create_bot(&owner.access, "Scheduled").await;
    let bot_id = bot["id"].as_str().expect("id");

    for bad in [json!(0), json!(721)] {
        let (status, body) =
            add_source(&server, &owner, bot_id, json!({ "url": site.url("/about"), "resync_every_hours": bad })).await;
        assert_error(status, &body, 422, "invalid_request");
    }
    for bad in [
        json!({ "max_pages": 0, "max_depth": 1 }),
        json!({ "max_pages": 5000, "max_depth": 1 }),
        json!({ "max_pages": 5, "max_depth": 99 }),
    ] {
        let (status, body) = add_source(&server, &owner, bot_id, json!({ "url": site.url("/"), "crawl": bad })).await;
        assert_error(status, &body, 422, "invalid_request");
    }

    let added_at = Timestamp::now();
    let (status, source) =
        add_source(&server, &owner, bot_id, json!({ "url": site.url("/about"), "resync_every_hours": 6 })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{source}");
    let source_id = source["id"].as_str().expect("id").to_owned();
    let first = settled(&server, &owner, bot_id, &source_id).await;
    assert_eq!(first["resync_every_hours"], 6);
    let due = Timestamp::parse(first["next_sync_at"].as_str().expect("due")).expect("timestamp");
    let six_hours = Duration::from_secs(6 * 3600);
    assert!(due.unix_seconds() >= added_at.plus(six_hours).unix_seconds() - 1, "{first}");
    // The same address again is the same source; with other settings, a conflict.
    let (status, again) =
        add_source(&server, &owner, bot_id, json!({ "url": site.url("/about"), "resync_every_hours": 6 })).await;
    assert_eq!((status, &again["id"]), (StatusCode::ACCEPTED, &first["id"]));
    let (status, body) = add_source(&server, &owner, bot_id, json!({ "url": site.url("/about") })).await;
    assert_error(status, &body, 409, "conflict");

    let stored = passages(&server, &owner, bot_id).await;
    let schedule = animo_server::knowledge::schedule::enqueue_due;
    assert_eq!(schedule(state, Timestamp::now()).await.expect("schedule"), 0, "not due yet");
    // Seven hours later by the scheduler's clock.
    let later = added_at.plus(Duration::from_secs(7 * 3600));
    assert_eq!(schedule(state, later).await.expect("schedule"), 1);
    let second = settled(&server, &owner, bot_id, &source_id).await;
    assert_eq!(site.requests_for("/about"), 2, "fetched again");
    assert_eq!(second["status"], "indexed", "{second}");
    assert_eq!(second["content_hash"], first["content_hash"]);
    assert_eq!(passages(&server, &owner, bot_id).await, stored, "an unchanged page keeps the very same passages");
    let next = Timestamp::parse(second["next_sync_at"].as_str().expect("due")).expect("timestamp");
    assert_eq!(next.unix_seconds(), later.plus(six_hours).unix_seconds(), "the next re-sync is six hours on");
    assert_eq!(schedule(state, later).await.expect("schedule"), 0, "taken once");

    // A changed page is re-indexed at its next due time.
    site.html("/about", "About", "Five mechanics run the workshop since nineteen ninety.", &[]);
    assert_eq!(schedule(state, later.plus(six_hours)).await.expect("schedule"), 1);
    let third = settled(&server, &owner, bot_id, &source_id).await;
    assert_ne!(third["content_hash"], first["content_hash"], "{third}");
    let now_stored = passages(&server, &owner, bot_id).await;
    assert_eq!(now_stored.keys().cloned().collect::<Vec<_>>(), vec![key_of(&third)], "only the new version remains");
}

#[tokio::test]
async fn a_page_changed_back_to_its_published_content_keeps_the_live_passages() {
    let site = Site::serve().await;
    site.page("/robots.txt", "text/plain", "");
    let published = "The workshop is open from eight to six on weekdays.";
    site.html("/hours", "Hours", published, &[]);
    let server = loopback_server(|_| {}).await;
    let owner = server.signup("changed-back@example.com", "Hours Shop").await;
    let bot = server.create_bot(&owner.access, "Hours").await;
    let bot_id = bot["id"].as_str().expect("id");
    let (_, source) = add_source(&server, &owner, bot_id, json!({ "url": site.url("/hours") })).await;
    let source_id = source["id"].as_str().expect("id").to_owned();
    let first = settled(&server, &owner, bot_id, &source_id).await;
    assert_eq!(first["status"], "indexed", "{first}");
    let (status, body) = server.post(&format!("/v1/bots/{bot_id}/publish"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let live = passages(&server, &owner, bot_id).await;
    assert_eq!(live.keys().cloned().collect::<Vec<_>>(), vec![key_of(&first)]);

    // The draft changes; the live version keeps its passages.
    site.html("/hours", "Hours", "The workshop is closed for the summer.", &[]);
    server.post(&format!("/v1/bots/{bot_id}/knowledge/{source_id}/resync"), &owner.access, json!({})).await;
    let changed = settled(&server, &owner, bot_id, &source_id).await;
    assert_ne!(changed["content_hash"], first["content_hash"], "{changed}");
    let both = passages(&server, &owner, bot_id).await;
    assert_eq!(both[&key_of(&first)], live[&key_of(&first)], "the live version's passages stay");
    assert!(both.contains_key(&key_of(&changed)), "{both:?}");

    // Back to the published content: the draft answers from the live
    // version's very passages again, which were never removed or rewritten.
    site.html("/hours", "Hours", published, &[]);
    server.post(&format!("/v1/bots/{bot_id}/knowledge/{source_id}/resync"), &owner.access, json!({})).await;
    let back = settled(&server, &owner, bot_id, &source_id).await;
    assert_eq!(back["status"], "indexed", "{back}");
    assert_eq!(back["content_hash"], first["content_hash"]);
    assert_eq!(back["chunks"], first["chunks"], "{back}");
    assert_eq!(passages(&server, &owner, bot_id).await, live, "the same records, and the summer version is gone");
    let found = search(&server, &owner, bot_id, "when is the workshop open").await;
    assert!(found["passages"][0]["text"].as_str().expect("text").contains("eight to six"), "{found}");
}

#[tokio::test]
async fn a_rollback_answers_from_the_knowledge_of_the_version_it_restores() {
    use crate::knowledge::{ask, bike_bot};
    let site = Site::serve().await;
    site.page("/robots.txt", "text/plain", "");
    site.html("/hours", "Hours", "The workshop is open from eight to six on weekdays.", &[]);
    let server = loopback_server(|_| {}).await;
    let owner = server.signup("rollback-knowledge@example.com", "Rollback Shop").await;
    let (bot_id, embed) = bike_bot(&server, &owner).await;
    let (_, source) = add_source(&server, &owner, &bot_id, json!({ "url": site.url("/hours") })).await;
    let source_id = source["id"].as_str().expect("id").to_owned();
    settled(&server, &owner, &bot_id, &source_id).await;
    let publish = |note: &'static str| {
        let path = format!("/v1/bots/{bot_id}/publish");
        let server = &server;
        let owner = &owner;
        async move {
            let (status, body) = server.post(&path, &owner.access, json!({ "note": note })).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
    };
    publish("opening hours").await;
    let answer = ask(&server, &embed, "When is the workshop open?").await;
    assert!(answer["text"].as_str().expect("text").contains("eight to six"), "version 1: {answer}");

    site.html("/hours", "Hours", "The workshop is closed for the summer holidays.", &[]);
    server.post(&format!("/v1/bots/{bot_id}/knowledge/{source_id}/resync"), &owner.access, json!({})).await;
    settled(&server, &owner, &bot_id, &source_id).await;
    publish("summer").await;
    let answer = ask(&server, &embed, "When is the workshop open?").await;
    let text = answer["text"].as_str().expect("text");
    assert!(text.contains("summer") && !text.contains("eight to six"), "version 2: {answer}");

    // Rolling back to version 1 brings back what it answered from; the
    // draft keeps the page as it is now.
    let (status, body) =
        server.post(&format!("/v1/bots/{bot_id}/rollback"), &owner.access, json!({ "version": 1 })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let answer = ask(&server, &embed, "When is the workshop open?").await;
    let text = answer["text"].as_str().expect("text");
    assert!(text.contains("eight to six") && !text.contains("summer"), "rolled back: {answer}");
    let found = search(&server, &owner, &bot_id, "when is the workshop open").await;
    assert!(found["passages"][0]["text"].as_str().expect("text").contains("summer"), "draft: {found}");
    assert_eq!(passages(&server, &owner, &bot_id).await.len(), 2, "both versions of the page are kept");

    // Deleting the page drops what no live version answers from at once,
    // and the rest with the next publish: nothing is kept for a rollback.
    let (status, _) = server
        .call(Method::DELETE, &format!("/v1/bots/{bot_id}/knowledge/{source_id}"), Some(&owner.access), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(passages(&server, &owner, &bot_id).await.len(), 1, "only the live version's passages");
    publish("without hours").await;
    assert!(passages(&server, &owner, &bot_id).await.is_empty(), "a deleted page leaves nothing behind");
}

/// The tenant's knowledge bytes counter, as quotas read it; the plan usage
/// members see (`GET /v1/tenant`) must say the same.
pub(crate) async fn knowledge_bytes(server: &TestServer, owner: &Session) -> u64 {
    let tenant: TenantId = owner.tenant_id.parse().expect("tenant id");
    let db = server.server.state.store.tenant(&tenant).await.expect("tenant database");
    let count: Option<u64> =
        db.db().query("RETURN usage:knowledge_bytes.count").run().await.expect("usage").value(0).expect("count");
    let (status, view) = server.get("/v1/tenant", &owner.access).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["usage"]["knowledge_bytes"].as_u64(), Some(count.unwrap_or(0)), "{view}");
    count.unwrap_or(0)
}

#[tokio::test]
async fn fetched_pages_count_against_the_plans_knowledge_bytes() {
    let site = Site::serve().await;
    site.page("/robots.txt", "text/plain", "");
    site.html("/small", "Small", &"Small page words. ".repeat(30), &[]);
    site.html("/large", "Large", &"Large page words. ".repeat(300), &[]);
    let server = loopback_server(|config| {
        config.plans = vec![Plan {
            name: "tiny".into(),
            max_bots: 2,
            max_members: 2,
            monthly_messages: 100,
            knowledge_bytes: 3_000,
            avatar_bytes: 1_000,
        }];
        config.default_plan = "tiny".into();
    })
    .await;
    let owner = server.signup("knowledge-quota@example.com", "Tiny Shop").await;
    let bot = server.create_bot(&owner.access, "Tiny").await;
    let bot_id = bot["id"].as_str().expect("id");
    let (_, small) = add_source(&server, &owner, bot_id, json!({ "url": site.url("/small") })).await;
    let small = settled(&server, &owner, bot_id, small["id"].as_str().expect("id")).await;
    assert_eq!(small["status"], "indexed", "{small}");
    let small_bytes = small["bytes"].as_u64().expect("bytes");
    assert!(small_bytes > 500, "{small}");
    assert_eq!(knowledge_bytes(&server, &owner).await, small_bytes, "the fetched page is counted");

    let (_, large) = add_source(&server, &owner, bot_id, json!({ "url": site.url("/large") })).await;
    let large = settled(&server, &owner, bot_id, large["id"].as_str().expect("id")).await;
    assert_eq!(large["status"], "failed", "{large}");
    assert_eq!(large["error"]["code"], "quota_exceeded", "{large}");
    assert_eq!(large["chunks"], 0);
    assert_eq!(knowledge_bytes(&server, &owner).await, small_bytes, "a refused page is not counted");

    // Uploads and pages share the one limit.
    let (status, body) = upload(&server, &owner, bot_id, "notes.txt", vec![b'a'; 2_900]).await;
    assert_error(status, &body, 403, "quota_exceeded");

    // A page that grows past the limit keeps its passages and its old size.
    site.html("/small", "Small", &"Small page grew. ".repeat(300), &[]);
    let (_, _) = server
        .post(
            &format!("/v1/bots/{bot_id}/knowledge/{}/resync", small["id"].as_str().expect("id")),
            &owner.access,
            json!({}),
        )
        .await;
    let grown = settled(&server, &owner, bot_id, small["id"].as_str().expect("id")).await;
    assert_eq!(grown["error"]["code"], "quota_exceeded", "{grown}");
    assert_eq!(
        (grown["content_hash"].clone(), grown["bytes"].clone()),
        (small["content_hash"].clone(), small["bytes"].clone())
    );
    assert_eq!(knowledge_bytes(&server, &owner).await, small_bytes);
    let found = search(&server, &owner, bot_id, "small page words").await;
    assert_eq!(found["passages"][0]["url"], site.url("/small"), "{found}");

    // Deleting a page source gives its bytes back.
    for document in documents(&server, &owner, bot_id).await {
        let id = document["id"].as_str().expect("id");
        server.call(Method::DELETE, &format!("/v1/bots/{bot_id}/knowledge/{id}"), Some(&owner.access), None).await;
    }
    assert_eq!(knowledge_bytes(&server, &owner).await, 0);
}
