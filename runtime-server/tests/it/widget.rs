//! Widget delivery: the loader and its chunks with their caching, coding and
//! cross-origin headers, refusals of unknown and crafted paths, the demo page
//! with its snippet, the per-bot snippet, and the demo's knowledge.

use std::io::Read as _;
use std::path::Path;

use animo_server::config::WidgetSource;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::{TestServer, assert_error};

const CHUNK: &str = "widget/chat-1a2b3c4d.js";

/// A fake build: a loader and a chunk long enough to shrink under gzip, a
/// manifest, and a file beside the folder that must never be reachable.
fn fake_build(root: &Path) -> (std::path::PathBuf, String, String) {
    let dist = root.join("dist");
    std::fs::create_dir_all(dist.join("widget")).expect("folders");
    let loader = format!("(()=>{{{}}})();\n", "document.currentScript;".repeat(40));
    let chunk = format!("export function open(){{{}}}\n", "console.log('chat');".repeat(40));
    std::fs::write(dist.join("embed.js"), &loader).expect("loader");
    std::fs::write(dist.join(CHUNK), &chunk).expect("chunk");
    std::fs::write(dist.join("manifest.json"), r#"{"files":[]}"#).expect("manifest");
    std::fs::write(dist.join(".hidden.js"), "hidden").expect("hidden file");
    std::fs::write(root.join("secret.txt"), "not for the web").expect("secret");
    (dist, loader, chunk)
}

async fn with_widget(dir: &Path) -> TestServer {
    let dir = dir.to_path_buf();
    TestServer::start_with(move |config| config.widget = WidgetSource::Dir(dir)).await
}

async fn get(
    server: &TestServer,
    path: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = server.client.get(server.url(path));
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = request.send().await.expect("request is sent");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.expect("body").to_vec())
}

fn header<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> &'a str {
    headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_else(|| panic!("no {name} in {headers:?}"))
}

fn varies_on_encoding(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|name| name.trim().eq_ignore_ascii_case("accept-encoding"))
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut plain).expect("valid gzip");
    plain
}

#[tokio::test]
async fn loader_and_chunks_are_served_with_caching_coding_and_cross_origin_headers() {
    let root = tempfile::tempdir().expect("temp dir");
    let (dist, loader, chunk) = fake_build(root.path());
    let server = with_widget(&dist).await;

    // As built, to a client that accepts no coding.
    let (status, headers, body) = get(&server, "/embed.js", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, loader.as_bytes());
    assert_eq!(header(&headers, &header::CONTENT_TYPE), "text/javascript; charset=utf-8");
    assert_eq!(header(&headers, &header::CACHE_CONTROL), "public, max-age=300");
    assert!(headers.get(header::CONTENT_ENCODING).is_none(), "{headers:?}");
    assert!(varies_on_encoding(&headers), "{headers:?}");
    assert_eq!(header(&headers, &header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    assert_eq!(headers.get("cross-origin-resource-policy").and_then(|v| v.to_str().ok()), Some("cross-origin"));
    assert_eq!(header(&headers, &header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let plain_tag = header(&headers, &header::ETAG).to_owned();
    assert!(plain_tag.starts_with('"') && plain_tag.ends_with('"') && plain_tag.len() > 10, "strong tag: {plain_tag}");

    // Compressed for a client that accepts gzip, under its own tag.
    let (status, headers, body) = get(&server, "/embed.js", &[(header::ACCEPT_ENCODING, "br, gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, &header::CONTENT_ENCODING), "gzip");
    assert!(body.len() < loader.len(), "{} bytes compressed from {}", body.len(), loader.len());
    assert_eq!(gunzip(&body), loader.as_bytes());
    assert!(varies_on_encoding(&headers));
    let packed_tag = header(&headers, &header::ETAG).to_owned();
    assert_ne!(packed_tag, plain_tag);

    // gzip refused with q=0 gives the file as built.
    let (_, headers, body) = get(&server, "/embed.js", &[(header::ACCEPT_ENCODING, "gzip;q=0, identity")]).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body, loader.as_bytes());

    // Revalidation: the current tag gives 304 with no body, a stale one the file.
    let (status, headers, body) = get(&server, "/embed.js", &[(header::IF_NONE_MATCH, &plain_tag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(header(&headers, &header::ETAG), plain_tag);
    assert_eq!(header(&headers, &header::CACHE_CONTROL), "public, max-age=300");
    let both = [(header::IF_NONE_MATCH, packed_tag.as_str()), (header::ACCEPT_ENCODING, "gzip")];
    assert_eq!(get(&server, "/embed.js", &both).await.0, StatusCode::NOT_MODIFIED);
    let (status, _, body) = get(&server, "/embed.js", &[(header::IF_NONE_MATCH, "\"stale\"")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, loader.as_bytes());

    // A hashed chunk: cached for good.
    let (status, headers, body) = get(&server, &format!("/{CHUNK}"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, chunk.as_bytes());
    assert_eq!(header(&headers, &header::CONTENT_TYPE), "text/javascript; charset=utf-8");
    assert_eq!(header(&headers, &header::CACHE_CONTROL), "public, max-age=31536000, immutable");
    assert_eq!(header(&headers, &header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    let chunk_tag = header(&headers, &header::ETAG).to_owned();
    assert_ne!(chunk_tag, plain_tag);
    let (status, headers, body) = get(&server, &format!("/{CHUNK}"), &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, &header::CONTENT_ENCODING), "gzip");
    assert_eq!(gunzip(&body), chunk.as_bytes());
    let (status, _, _) = get(&server, &format!("/{CHUNK}"), &[(header::IF_NONE_MATCH, &chunk_tag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    // A tenant's page loads the chunk as a module, in CORS mode, from its own origin.
    let (status, headers, _) = get(&server, &format!("/{CHUNK}"), &[(header::ORIGIN, "https://shop.example")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, &header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");

    // HEAD answers with the headers alone.
    let response = server.client.head(server.url("/embed.js")).send().await.expect("head");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(response.headers(), &header::ETAG), plain_tag);
    server.server.stop().await.expect("stops");
}

/// Sends `path` exactly as written (an HTTP client would normalise dots and
/// encodings away) and returns the status and the body.
async fn raw_get(server: &TestServer, path: &str) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(server.server.addr).await.expect("connects");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("reads");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("{answer}"));
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn unknown_and_crafted_paths_get_coded_refusals_and_nothing_outside_the_set() {
    let root = tempfile::tempdir().expect("temp dir");
    let (dist, _, _) = fake_build(root.path());
    let server = with_widget(&dist).await;

    let (status, _, body) = get(&server, "/widget/missing-0000.js", &[]).await;
    let body: Value = serde_json::from_slice(&body).expect("json error");
    assert_error(status, &body, 404, "not_found");

    for path in [
        "/widget/../embed.js",
        "/widget/../../secret.txt",
        "/widget/%2e%2e/secret.txt",
        "/widget/..%2f..%2fsecret.txt",
        "/widget/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/widget/..\\..\\secret.txt",
        "/widget//etc/passwd",
        "/widget/widget/chat-1a2b3c4d.js",
        "/widget/.hidden.js",
        "/widget/%00",
        "/widget/chat-1a2b3c4d.js%00.png",
    ] {
        let (status, body) = raw_get(&server, path).await;
        // Either the router refuses the path or the set has no such file;
        // never a file, never a crash.
        assert!(matches!(status, 400 | 404), "{path}: {status} {body}");
        if status == 404 {
            assert_eq!(body["code"], "not_found", "{path}: {body}");
        }
    }
    // The set's own file through a path that only looks like it.
    let (status, _) = raw_get(&server, "/widget/./chat-1a2b3c4d.js").await;
    assert_eq!(status, 404);
    // The manifest is for tools, not served under /widget/.
    assert_eq!(raw_get(&server, "/widget/manifest.json").await.0, 404);
    server.server.stop().await.expect("stops");
}

#[tokio::test]
async fn without_a_built_widget_the_loader_answers_a_coded_error() {
    let empty = tempfile::tempdir().expect("temp dir");
    for source in [
        WidgetSource::Missing,
        WidgetSource::Dir(empty.path().join("absent")),
        WidgetSource::Dir(empty.path().to_path_buf()),
    ] {
        let server = TestServer::start_with(move |config| config.widget = source).await;
        let (status, headers, body) = get(&server, "/embed.js", &[]).await;
        let body: Value = serde_json::from_slice(&body).expect("json error");
        assert_error(status, &body, 503, "widget_not_built");
        assert!(header(&headers, &header::CONTENT_TYPE).starts_with("application/json"));
        let (status, _, body) = get(&server, "/widget/chat-1a2b3c4d.js", &[]).await;
        assert_error(status, &serde_json::from_slice(&body).expect("json error"), 503, "widget_not_built");
        // The rest of the server works as ever.
        assert_eq!(server.call(reqwest::Method::GET, "/readyz", None, None).await.0, StatusCode::OK);
        server.server.stop().await.expect("stops");
    }
}

async fn demo_login(server: &TestServer) -> String {
    let (status, body) = server
        .call(
            reqwest::Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({ "email": animo_server::demo::DEMO_EMAIL, "password": animo_server::demo::DEMO_PASSWORD })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["tokens"]["access_token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn demo_page_embeds_the_seeded_demo_bot_with_its_escaped_snippet() {
    let server = TestServer::start_with(|config| config.widget = WidgetSource::Missing).await;
    let (status, body) = server.call(reqwest::Method::GET, "/demo", None, None).await;
    assert_error(status, &body, 404, "demo_not_seeded");

    let origin = server.server.url();
    let demo = animo_server::demo::seed(&server.server.state, &origin).await.expect("demo seeds");
    let tag = format!("<script async src=\"{origin}/embed.js\" data-embed-id=\"{}\"></script>", demo.embed_id);
    let shown = tag.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");

    let response = server.client.get(server.url("/demo")).send().await.expect("demo page");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(response.headers(), &header::CONTENT_TYPE), "text/html; charset=utf-8");
    let page = response.text().await.expect("page");
    assert!(page.contains(&tag), "the live tag is missing:\n{page}");
    assert!(page.contains(&format!("<pre><code>{shown}</code></pre>")), "the snippet as text is missing:\n{page}");
    assert_eq!(page.matches("<script").count(), 1, "exactly one script: the snippet\n{page}");

    // The Studio's snippet for the bot is the same tag.
    let token = demo_login(&server).await;
    let (status, snippet) = server.get(&format!("/v1/bots/{}/embed-snippet", demo.bot_id), &token).await;
    assert_eq!(status, StatusCode::OK, "{snippet}");
    assert_eq!(snippet["snippet"], tag);
    assert_eq!(snippet["script_url"], format!("{origin}/embed.js"));
    assert_eq!(snippet["embed_id"], demo.embed_id.as_str());

    // A name that is markup stays text on the page.
    let hostile = "<img src=x onerror=alert(1)>\"'&";
    let (status, body) =
        server.patch(&format!("/v1/bots/{}", demo.bot_id), &token, json!({ "personality": { "name": hostile } })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = server.client.get(server.url("/demo")).send().await.expect("page").text().await.expect("text");
    assert!(!page.contains("<img"), "{page}");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"), "{page}");

    // A rotated embed id shows at once on the page and in the snippet.
    let (status, rotated) = server.post(&format!("/v1/bots/{}/embed-id", demo.bot_id), &token, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_id = rotated["embed_id"].as_str().expect("embed id");
    let page = server.client.get(server.url("/demo")).send().await.expect("page").text().await.expect("text");
    assert!(page.contains(&format!("data-embed-id=\"{new_id}\"")) && !page.contains(demo.embed_id.as_str()));
    server.server.stop().await.expect("stops");
}

/// The best passage's text for `query` in the demo bot's knowledge.
async fn best_passage(server: &TestServer, token: &str, bot: &str, query: &str) -> String {
    let (status, body) =
        server.post(&format!("/v1/bots/{bot}/knowledge/search"), token, json!({ "query": query, "k": 3 })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["passages"][0]["text"].as_str().unwrap_or_else(|| panic!("no passage for {query:?}: {body}")).to_owned()
}

#[tokio::test]
async fn demo_knowledge_is_published_and_answers_questions_and_seeding_twice_changes_nothing() {
    let server = TestServer::start_with(|config| config.widget = WidgetSource::Missing).await;
    let state = &server.server.state;
    let first = animo_server::demo::seed(state, &server.server.url()).await.expect("demo seeds");
    assert!(first.created && first.passages >= 3, "{first:?}");
    let token = demo_login(&server).await;
    let bot = first.bot_id.to_string();
    let bot = bot.as_str();

    let returns = best_passage(&server, &token, bot, "How many days do I have to return a mug?").await;
    assert!(returns.contains("30 days"), "{returns}");
    let hours = best_passage(&server, &token, bot, "opening hours on Saturday").await;
    assert!(hours.contains("10:00") && hours.contains("18:00"), "{hours}");
    let shipping = best_passage(&server, &token, bot, "shipping cost to Germany").await;
    assert!(shipping.contains("12 euros"), "{shipping}");

    // Published so that the live version answers from it: one version, pinning the document.
    let (status, versions) = server.get(&format!("/v1/bots/{bot}/versions"), &token).await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(1), "{versions}");
    let (_, documents) = server.get(&format!("/v1/bots/{bot}/knowledge"), &token).await;
    assert_eq!(documents["documents"].as_array().map(Vec::len), Some(1), "{documents}");
    assert_eq!(documents["documents"][0]["status"], "indexed");

    let second = animo_server::demo::seed(state, &server.server.url()).await.expect("demo seeds again");
    assert!(!second.created);
    assert_eq!(
        (&second.bot_id, &second.document_id, second.passages),
        (&first.bot_id, &first.document_id, first.passages)
    );
    let (_, versions) = server.get(&format!("/v1/bots/{bot}/versions"), &token).await;
    assert_eq!(
        versions["versions"].as_array().map(Vec::len),
        Some(1),
        "a second seeding publishes nothing: {versions}"
    );
    let (_, documents) = server.get(&format!("/v1/bots/{bot}/knowledge"), &token).await;
    assert_eq!(documents["documents"].as_array().map(Vec::len), Some(1), "{documents}");
    server.server.stop().await.expect("stops");
}
