//! Knowledge: upload, ingestion to searchable passages, answers citing them,
//! idempotent re-upload, deletion, version pinning, URL sources and the
//! address guard.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Session, TestServer, assert_error, marker};

const GUIDE: &str = "# Bike care guide\n\n## Tyres\n\nPump the tyres to 4 bar every two weeks. \
Check the tread for cuts before long rides.\n\n## Chain\n\nClean the chain with a dry cloth and oil it \
once a month with a few drops of chain oil.\n";

pub(crate) async fn upload(
    server: &TestServer,
    owner: &Session,
    bot: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    let response = server
        .client
        .post(server.url(&format!("/v1/bots/{bot}/knowledge")))
        .bearer_auth(&owner.access)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

/// Waits until a document leaves the queue; returns its final view.
pub(crate) async fn settled(server: &TestServer, owner: &Session, bot: &str, document: &str) -> Value {
    for _ in 0..200 {
        let (_, list) = server.get(&format!("/v1/bots/{bot}/knowledge"), &owner.access).await;
        let found = list["documents"].as_array().and_then(|docs| docs.iter().find(|d| d["id"] == document)).cloned();
        if let Some(document) = found
            && (document["status"] == "indexed" || document["status"] == "failed")
        {
            return document;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("document {document} was not ingested within 10 s");
}

pub(crate) async fn search(server: &TestServer, owner: &Session, bot: &str, query: &str) -> Value {
    let (status, body) = server
        .post(&format!("/v1/bots/{bot}/knowledge/search"), &owner.access, json!({ "query": query, "k": 3 }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// A bot for the bike shop's pages; its id and embed id.
pub(crate) async fn bike_bot(server: &TestServer, owner: &Session) -> (String, String) {
    let (_, bot) = server
        .post(
            "/v1/bots",
            &owner.access,
            json!({ "personality": { "name": "Spoke" }, "allowed_origins": ["https://bikes.example"] }),
        )
        .await;
    (bot["id"].as_str().expect("id").to_owned(), bot["embed_id"].as_str().expect("embed").to_owned())
}

pub(crate) async fn ask(server: &TestServer, embed: &str, question: &str) -> Value {
    let origin = "https://bikes.example";
    let config: Value = server.get_from_page(&format!("/v1/embed/{embed}/config"), origin).await;
    let token = config["visitor"]["token"].as_str().expect("token");
    let body = server
        .client
        .post(server.url("/v1/chat/messages"))
        .header("origin", origin)
        .json(&json!({ "token": token, "client_msg_id": "k1", "text": question }))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("stream");
    let frames: Vec<Value> = body
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    let text = crate::chat::answer_text(&frames);
    let sources = frames.iter().find(|f| f["type"] == "sources").map(|f| f["sources"].clone()).unwrap_or(Value::Null);
    json!({ "text": text, "sources": sources })
}

#[tokio::test]
async fn uploaded_documents_become_cited_answers_and_published_versions_keep_theirs() {
    let server = TestServer::start().await;
    let owner = server.signup("knowledge@example.com", "Bike Shop").await;
    let (bot_id, embed) = bike_bot(&server, &owner).await;
    // A search before any knowledge: what the draft answers from is then
    // known to be nothing, until a document is indexed.
    let found = search(&server, &owner, &bot_id, "how often should I oil the chain").await;
    assert_eq!(found["passages"], json!([]), "{found}");

    let (status, document) = upload(&server, &owner, &bot_id, "guide.md", GUIDE.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{document}");
    assert_eq!(document["status"], "queued");
    let doc_id = document["id"].as_str().expect("id").to_owned();
    let indexed = settled(&server, &owner, &bot_id, &doc_id).await;
    assert_eq!(indexed["status"], "indexed", "{indexed}");
    let chunks = indexed["chunks"].as_u64().expect("chunks");
    assert!(chunks >= 2, "{indexed}");
    let used = crate::knowledge_sources::knowledge_bytes(&server, &owner).await;
    assert_eq!(used, GUIDE.len() as u64, "the upload counts against the plan's knowledge bytes");

    let found = search(&server, &owner, &bot_id, "how often should I oil the chain").await;
    let first = &found["passages"][0];
    assert!(first["text"].as_str().expect("text").contains("oil it once a month"), "{found}");
    assert_eq!(first["section"], json!(["Bike care guide", "Chain"]));
    assert_eq!(first["document_id"], doc_id.as_str());
    assert!(first["char_end"].as_u64() > first["char_start"].as_u64());

    // The same file again is the same document, with no second set of passages.
    let (status, again) = upload(&server, &owner, &bot_id, "guide-copy.md", GUIDE.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(again["id"], doc_id.as_str());
    let (_, list) = server.get(&format!("/v1/bots/{bot_id}/knowledge"), &owner.access).await;
    assert_eq!(list["documents"].as_array().map(Vec::len), Some(1));

    // Published, the bot answers from the guide and cites it.
    server.post(&format!("/v1/bots/{bot_id}/publish"), &owner.access, json!({})).await;
    let answer = ask(&server, &embed, "How often should I oil the chain?").await;
    assert!(answer["text"].as_str().expect("text").contains("once a month"), "{answer}");
    assert_eq!(answer["sources"][0]["title"], "Bike care guide — Chain", "{answer}");

    // Deleting the document empties the draft at once; the live version keeps
    // answering from what it was published with until the next publish.
    let (status, _) =
        server.call(Method::DELETE, &format!("/v1/bots/{bot_id}/knowledge/{doc_id}"), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let found = search(&server, &owner, &bot_id, "chain oil").await;
    assert_eq!(found["passages"], json!([]), "{found}");
    assert_eq!(crate::knowledge_sources::knowledge_bytes(&server, &owner).await, 0, "deleting gives the bytes back");
    let answer = ask(&server, &embed, "What pressure for the tyres?").await;
    assert!(answer["text"].as_str().expect("text").contains("4 bar"), "pinned knowledge still answers: {answer}");
    server.post(&format!("/v1/bots/{bot_id}/publish"), &owner.access, json!({})).await;
    let answer = ask(&server, &embed, "What pressure for the tyres?").await;
    assert!(!answer["text"].as_str().expect("text").contains("4 bar"), "republished without it: {answer}");
}

#[tokio::test]
async fn many_small_documents_uploaded_at_once_are_each_indexed_once() {
    const DOCUMENTS: usize = 60;
    let server = TestServer::start().await;
    let owner = server.signup("knowledge-many@example.com", "Many Notes").await;
    let bot = server.create_bot(&owner.access, "Notes").await;
    let bot_id = bot["id"].as_str().expect("id").to_owned();
    // Uploaded together, so the worker finds many of them waiting at once
    // and runs them as groups; one unreadable file among them fails alone.
    let uploads = (0..DOCUMENTS).map(|n| {
        let (server, owner, bot_id) = (&server, &owner, bot_id.clone());
        async move {
            let (name, bytes) = if n == DOCUMENTS / 2 {
                ("broken.pdf".to_owned(), b"%PDF-1.7\n garbage".to_vec())
            } else {
                let word = marker(n);
                let text = format!(
                    "# Note {word}\n\nThe {word} note is short.\n\n## More\n\n{}\n",
                    "Filler words about nothing in particular. ".repeat(40 + n % 7)
                );
                (format!("note-{n}.md"), text.into_bytes())
            };
            let (status, document) = upload(server, owner, &bot_id, &name, bytes).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{document}");
            document["id"].as_str().expect("id").to_owned()
        }
    });
    let ids = futures::future::join_all(uploads).await;
    for (n, id) in ids.iter().enumerate() {
        let document = settled(&server, &owner, &bot_id, id).await;
        if n == DOCUMENTS / 2 {
            assert_eq!(document["status"], "failed", "{document}");
            assert_eq!(document["error"]["code"], "document_unreadable", "{document}");
            assert_eq!(document["chunks"], 0, "{document}");
            continue;
        }
        assert_eq!(document["status"], "indexed", "{document}");
        let chunks = document["chunks"].as_u64().expect("chunks");
        assert!(chunks >= 2, "a heading section and the filler: {document}");
        assert_eq!(document["progress_done"].as_u64(), Some(chunks), "{document}");
        assert_eq!(document["progress_total"].as_u64(), Some(chunks), "{document}");
        assert_eq!(document["error"], Value::Null, "{document}");
    }
    for n in [0, 1, DOCUMENTS / 2 - 1, DOCUMENTS / 2 + 1, DOCUMENTS - 1] {
        let word = marker(n);
        let (status, found) = server
            .post(&format!("/v1/bots/{bot_id}/knowledge/search"), &owner.access, json!({ "query": word, "k": 10 }))
            .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let holding: Vec<&Value> = found["passages"]
            .as_array()
            .expect("passages")
            .iter()
            .filter(|passage| passage["text"].as_str().is_some_and(|text| text.contains(&word)))
            .collect();
        assert_eq!(holding.len(), 1, "{word} is in exactly one passage: {found}");
        assert_eq!(holding[0]["document_id"], ids[n].as_str(), "{found}");
    }
}

#[tokio::test]
async fn bad_documents_and_forbidden_urls_get_coded_errors() {
    let server = TestServer::start().await;
    let owner = server.signup("knowledge-bad@example.com", "Bad Docs").await;
    let bot = server.create_bot(&owner.access, "Docs").await;
    let bot_id = bot["id"].as_str().expect("id");
    let (status, body) = upload(&server, &owner, bot_id, "photo.png", vec![0x89, b'P', b'N', b'G', 0, 0, 0, 0]).await;
    assert_error(status, &body, 415, "unsupported_document");
    let (status, document) = upload(&server, &owner, bot_id, "broken.pdf", b"%PDF-1.7\n garbage".to_vec()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let failed = settled(&server, &owner, bot_id, document["id"].as_str().expect("id")).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], "document_unreadable", "{failed}");
    for url in ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:1/", "file:///etc/passwd"] {
        let (status, body) =
            server.post(&format!("/v1/bots/{bot_id}/knowledge"), &owner.access, json!({ "url": url })).await;
        assert_error(status, &body, 422, "url_forbidden");
    }
    let viewer = server.add_member(&owner, "knowledge-viewer@example.com", "viewer").await;
    let (status, body) = upload(&server, &viewer, bot_id, "guide.md", GUIDE.as_bytes().to_vec()).await;
    assert_error(status, &body, 403, "forbidden");
}

#[tokio::test]
async fn url_sources_are_fetched_and_an_unchanged_resync_changes_nothing() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 2048];
            let _read = socket.read(&mut request).await;
            let page = "<html><head><title>Opening hours</title></head><body><main><h1>Opening hours</h1>\
                <p>The workshop is open from 8 to 6 on weekdays.</p></main></body></html>";
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _sent = socket.write_all(answer.as_bytes()).await;
        }
    });
    let server = TestServer::start_with(|config| {
        config.fetch_allow = vec!["127.0.0.1/32".parse().expect("range")];
    })
    .await;
    let owner = server.signup("knowledge-url@example.com", "Url Shop").await;
    let bot = server.create_bot(&owner.access, "Pages").await;
    let bot_id = bot["id"].as_str().expect("id");
    let (status, document) = server
        .post(
            &format!("/v1/bots/{bot_id}/knowledge"),
            &owner.access,
            json!({ "url": format!("http://127.0.0.1:{port}/hours") }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{document}");
    let doc_id = document["id"].as_str().expect("id").to_owned();
    let first = settled(&server, &owner, bot_id, &doc_id).await;
    assert_eq!(first["status"], "indexed", "{first}");
    let found = search(&server, &owner, bot_id, "when is the workshop open").await;
    assert_eq!(found["passages"][0]["url"], format!("http://127.0.0.1:{port}/hours"));

    let (status, _) =
        server.post(&format!("/v1/bots/{bot_id}/knowledge/{doc_id}/resync"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let second = settled(&server, &owner, bot_id, &doc_id).await;
    assert_eq!(second["content_hash"], first["content_hash"]);
    assert_eq!(second["chunks"], first["chunks"]);
    let found_again = search(&server, &owner, bot_id, "when is the workshop open").await;
    assert_eq!(found_again["passages"].as_array().map(Vec::len), found["passages"].as_array().map(Vec::len));
}

#[tokio::test]
async fn with_the_local_model_retrieval_is_hybrid_and_finds_meaning_not_only_words() {
    let server = TestServer::start_with(|config| config.embeddings = true).await;
    let owner = server.signup("knowledge-hybrid@example.com", "Hybrid Shop").await;
    let bot = server.create_bot(&owner.access, "Meaning").await;
    let bot_id = bot["id"].as_str().expect("id");
    let (_, document) = upload(&server, &owner, bot_id, "guide.md", GUIDE.as_bytes().to_vec()).await;
    let indexed = settled(&server, &owner, bot_id, document["id"].as_str().expect("id")).await;
    assert_eq!(indexed["status"], "indexed", "{indexed} (is the model installed? run `cargo xtask setup`)");
    // Not even a stop word is shared, so BM25 finds nothing and the answer
    // can only come from the vectors.
    let found = search(&server, &owner, bot_id, "lubricate drivetrain").await;
    assert_eq!(found["mode"], "hybrid", "the model from `cargo xtask setup` must be loaded: {found}");
    // No word of the query is in the chain passage; only its meaning matches.
    assert!(found["passages"][0]["text"].as_str().expect("text").contains("oil"), "{found}");
}

#[tokio::test]
async fn with_the_local_model_a_question_the_knowledge_does_not_cover_gets_the_fallback() {
    let server = TestServer::start_with(|config| config.embeddings = true).await;
    let owner = server.signup("knowledge-threshold@example.com", "Threshold Shop").await;
    let (_, bot) = server
        .post(
            "/v1/bots",
            &owner.access,
            json!({
                "personality": { "name": "Spoke", "fallback_message": "That is not in my guide, sorry." },
                "allowed_origins": ["https://bikes.example"],
            }),
        )
        .await;
    let bot_id = bot["id"].as_str().unwrap_or_else(|| panic!("created: {bot}")).to_owned();
    let embed = bot["embed_id"].as_str().expect("embed").to_owned();
    let fallback = "That is not in my guide, sorry.";
    let (_, document) = upload(&server, &owner, &bot_id, "guide.md", GUIDE.as_bytes().to_vec()).await;
    let indexed = settled(&server, &owner, &bot_id, document["id"].as_str().expect("id")).await;
    assert_eq!(indexed["status"], "indexed", "{indexed} (is the model installed? run `cargo xtask setup`)");
    server.post(&format!("/v1/bots/{bot_id}/publish"), &owner.access, json!({})).await;

    // Shares words with the guide ("the", "a", "with") but not its subject.
    let unrelated = "Who painted the Mona Lisa with a smile?";
    let search_with = |body: Value| {
        let (server, owner, bot_id) = (&server, &owner, &bot_id);
        async move { server.post(&format!("/v1/bots/{bot_id}/knowledge/search"), &owner.access, body).await }
    };
    let (status, loose) = search_with(json!({ "query": unrelated, "k": 5 })).await;
    assert_eq!(status, StatusCode::OK, "{loose}");
    assert!(!loose["passages"].as_array().expect("passages").is_empty(), "without a threshold, words match: {loose}");
    let (_, strict) = search_with(json!({ "query": unrelated, "k": 5, "min_similarity": 0.25 })).await;
    assert_eq!(strict["passages"], json!([]), "the threshold drops every weak passage: {strict}");
    let (_, related) =
        search_with(json!({ "query": "How often should I oil the chain?", "k": 5, "min_similarity": 0.25 })).await;
    assert!(related["passages"][0]["text"].as_str().expect("text").contains("oil it once a month"), "{related}");
    for bad in [json!({ "query": "chain", "mmr": 1.5 }), json!({ "query": "chain", "min_similarity": 2.0 })] {
        let (status, body) = search_with(bad).await;
        assert_error(status, &body, 422, "invalid_request");
    }

    // Answers use the threshold too: the uncovered question gets the fallback
    // message, with no source, while a covered one is answered and cited.
    let answer = ask(&server, &embed, unrelated).await;
    assert_eq!(answer["text"], fallback, "{answer}");
    assert!(answer["sources"].as_array().is_none_or(Vec::is_empty), "{answer}");
    let answer = ask(&server, &embed, "How often should I oil the chain?").await;
    assert!(answer["text"].as_str().expect("text").contains("once a month"), "{answer}");
}

#[tokio::test]
async fn a_live_versions_word_postings_are_loaded_ahead_of_the_first_question() {
    let server = TestServer::start().await;
    let owner = server.signup("warm@example.com", "Bike Shop").await;
    let (bot_id, embed) = bike_bot(&server, &owner).await;
    let (_, document) = upload(&server, &owner, &bot_id, "guide.md", GUIDE.as_bytes().to_vec()).await;
    settled(&server, &owner, &bot_id, document["id"].as_str().expect("id")).await;
    let lexicon = &server.server.state.knowledge.lexicon;
    // Not published yet: nothing to load.
    assert_eq!(animo_server::knowledge::warm(&server.server.state).await.expect("warm"), 0);
    assert_eq!(lexicon.size(), 0, "nothing searched, nothing loaded");
    server.post(&format!("/v1/bots/{bot_id}/publish"), &owner.access, json!({})).await;
    assert_eq!(animo_server::knowledge::warm(&server.server.state).await.expect("warm"), 1);
    let loaded = lexicon.size();
    assert!(loaded > 0, "the live version's postings are held");
    // The first question finds them in place and answers from them.
    let answer = ask(&server, &embed, "How often should I oil the chain?").await;
    assert!(answer["text"].as_str().expect("text").contains("once a month"), "{answer}");
    assert_eq!(lexicon.size(), loaded, "nothing more had to be loaded");
}
