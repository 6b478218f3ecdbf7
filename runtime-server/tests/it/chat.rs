//! Conversations over a real WebSocket and SSE against a real database:
//! origins, visitor tokens, frame order, idempotent retries, resume, rate
//! limits, budgets and provider fallback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::common::{Session, TestServer, assert_error};

const SHOP: &str = "https://shop.example";

/// A published bot with curated Q&A, embeddable on [`SHOP`].
async fn published_bot(server: &TestServer, owner: &Session, model: Option<Value>) -> (String, String) {
    let mut body = json!({
        "personality": {
            "name": "Ava",
            "faq": [
                { "question": "What are your opening hours?", "answer": "We are open from 9 to 5, Monday to Friday. On Saturdays we open at 10." },
                { "question": "Do you ship abroad?", "answer": "Yes, we ship to every EU country. Shipping takes 3 to 5 days." },
            ],
        },
        "allowed_origins": [SHOP],
    });
    if let Some(model) = model {
        body["model"] = model;
    }
    let (status, bot) = server.post("/v1/bots", &owner.access, body).await;
    assert_eq!(status, StatusCode::CREATED, "{bot}");
    let id = bot["id"].as_str().expect("id").to_owned();
    let (status, published) = server.post(&format!("/v1/bots/{id}/publish"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    (id, bot["embed_id"].as_str().expect("embed id").to_owned())
}

async fn embed_config(server: &TestServer, embed: &str, origin: Option<&str>, query: &str) -> (StatusCode, Value) {
    let mut request = server.client.get(server.url(&format!("/v1/embed/{embed}/config{query}")));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    (status, response.json().await.expect("json body"))
}

async fn visitor_token(server: &TestServer, embed: &str) -> (String, String) {
    let (status, config) = embed_config(server, embed, Some(SHOP), "").await;
    assert_eq!(status, StatusCode::OK, "{config}");
    let visitor = &config["visitor"];
    (visitor["token"].as_str().expect("token").to_owned(), visitor["visitor_id"].as_str().expect("id").to_owned())
}

struct Chat {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Chat {
    async fn connect(server: &TestServer, token: &str, origin: &str) -> Result<(Self, Value), u16> {
        let url = format!("{}/v1/chat?token={token}", server.url("").replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert("origin", origin.parse().expect("header"));
        match tokio_tungstenite::connect_async(request).await {
            Ok((socket, _)) => {
                let mut chat = Self { socket };
                let ready = chat.next().await;
                assert_eq!(ready["type"], "ready", "{ready}");
                Ok((chat, ready))
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
            Err(other) => panic!("connect failed: {other}"),
        }
    }

    async fn send(&mut self, frame: Value) {
        self.socket.send(Message::Text(frame.to_string().into())).await.expect("frame sent");
    }

    async fn say(&mut self, client_msg_id: &str, text: &str) {
        self.send(json!({ "type": "user_message", "client_msg_id": client_msg_id, "text": text })).await;
    }

    async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(15), self.socket.next())
                .await
                .expect("a frame within 15 s")
                .expect("socket open")
                .expect("frame read");
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).expect("frames are JSON");
            }
        }
    }

    /// Frames up to and including the first of type `last` (or an error).
    async fn until(&mut self, last: &str) -> Vec<Value> {
        let mut frames = Vec::new();
        loop {
            let frame = self.next().await;
            let stop = frame["type"] == last || frame["type"] == "error";
            frames.push(frame);
            if stop {
                return frames;
            }
        }
    }
}

/// The `type` of each frame, in order.
pub(crate) fn types(frames: &[Value]) -> Vec<&str> {
    frames.iter().map(|frame| frame["type"].as_str().unwrap_or("?")).collect()
}

/// The answer the `token` frames spell.
pub(crate) fn answer_text(frames: &[Value]) -> String {
    frames.iter().filter(|frame| frame["type"] == "token").filter_map(|frame| frame["text"].as_str()).collect()
}

#[tokio::test]
async fn embed_config_checks_the_origin_and_binds_the_token_to_it() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-origin@example.com", "Origin Shop").await;
    let (_, embed) = published_bot(&server, &owner, None).await;

    let (status, body) = embed_config(&server, &embed, Some("https://evil.example"), "").await;
    assert_error(status, &body, 403, "origin_not_allowed");
    let (status, body) = embed_config(&server, &embed, None, "").await;
    assert_error(status, &body, 403, "origin_not_allowed");
    let (status, body) = embed_config(&server, "em_0000000000000000000000000000000000000000", Some(SHOP), "").await;
    assert_error(status, &body, 404, "not_found");

    let (status, config) = embed_config(&server, &embed, Some(SHOP), "").await;
    assert_eq!(status, StatusCode::OK, "{config}");
    assert_eq!(config["bot_name"], "Ava");
    assert_eq!(config["version"], 1);
    let token = config["visitor"]["token"].as_str().expect("token");
    // The same visitor keeps their id when the widget sends it back.
    let visitor = config["visitor"]["visitor_id"].as_str().expect("visitor");
    let (_, again) = embed_config(&server, &embed, Some(SHOP), &format!("?visitor_id={visitor}")).await;
    assert_eq!(again["visitor"]["visitor_id"], visitor);

    // A token lifted from the shop does not work from another site.
    assert_eq!(Chat::connect(&server, token, "https://evil.example").await.err(), Some(403));
    assert!(Chat::connect(&server, token, SHOP).await.is_ok());

    // A bot without allowed origins is embeddable only on the tenant's test origins.
    let (status, bot) = server.post("/v1/bots", &owner.access, json!({ "personality": { "name": "Test" } })).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = bot["id"].as_str().expect("id");
    server.post(&format!("/v1/bots/{id}/publish"), &owner.access, json!({})).await;
    let test_embed = bot["embed_id"].as_str().expect("embed");
    let (status, body) = embed_config(&server, test_embed, Some("http://localhost:3000"), "").await;
    assert_error(status, &body, 403, "origin_not_allowed");
    let (status, _) = server
        .call(
            reqwest::Method::PUT,
            "/v1/tenant/test-origins",
            Some(&owner.access),
            Some(json!({ "origins": ["http://localhost:3000"] })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = embed_config(&server, test_embed, Some("http://localhost:3000"), "").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_same_origin_page_without_an_origin_header_is_the_servers_own() {
    // Browsers send no Origin header on a same-origin GET, such as the
    // server's own /demo page fetching its config (regression: refused).
    let server = TestServer::start().await;
    let owner = server.signup("chat-same-origin@example.com", "Same Origin").await;
    let own_origin = server.server.url();
    let (status, bot) = server
        .post("/v1/bots", &owner.access, json!({ "personality": { "name": "Home" }, "allowed_origins": [own_origin] }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{bot}");
    let id = bot["id"].as_str().expect("id");
    let (status, _) = server.post(&format!("/v1/bots/{id}/publish"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let config_url = server.url(&format!("/v1/embed/{}/config", bot["embed_id"].as_str().expect("embed")));

    let same_origin = server.client.get(&config_url).header("sec-fetch-site", "same-origin").send().await;
    let same_origin = same_origin.expect("sent");
    assert_eq!(same_origin.status(), StatusCode::OK);
    let token =
        same_origin.json::<Value>().await.expect("json")["visitor"]["token"].as_str().expect("token").to_owned();
    let history = server.client.get(server.url(&format!("/v1/chat/history?token={token}")));
    let history = history.header("sec-fetch-site", "same-origin").send().await.expect("sent");
    assert_eq!(history.status(), StatusCode::OK);

    // Another site's page says cross-site, and a request that says nothing proves nothing.
    for site in [Some("cross-site"), None] {
        let mut request = server.client.get(&config_url);
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        let response = request.send().await.expect("sent");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{site:?}");
    }
}

#[tokio::test]
async fn tampered_and_expired_visitor_tokens_are_refused() {
    let secret = b"a-test-signing-secret-of-32-bytes-or-more".to_vec();
    let server = TestServer::start_with(|config| config.jwt_secret = Some(secret.clone())).await;
    let owner = server.signup("chat-token@example.com", "Token Shop").await;
    let (bot, embed) = published_bot(&server, &owner, None).await;
    let (token, visitor) = visitor_token(&server, &embed).await;

    let mut tampered = token.clone();
    let last = tampered.pop().expect("non-empty");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let history = |token: &str| format!("/v1/chat/history?token={token}");
    let call = |path: String| {
        let request = server.client.get(server.url(&path)).header("origin", SHOP);
        async move {
            let response = request.send().await.expect("sent");
            (response.status(), response.json::<Value>().await.expect("json"))
        }
    };
    let (status, body) = call(history(&tampered)).await;
    assert_error(status, &body, 401, "visitor_token_invalid");
    assert_eq!(Chat::connect(&server, &tampered, SHOP).await.err(), Some(401));

    let claims = animo_server::chat::embed::VisitorClaims {
        aud: "animo-visitor".into(),
        emb: embed.parse().expect("embed id"),
        tid: owner.tenant_id.parse().expect("tenant id"),
        bot: bot.parse().expect("bot id"),
        org: SHOP.into(),
        vis: visitor.parse().expect("visitor id"),
        uid: None,
        exp: time::OffsetDateTime::now_utc().unix_timestamp() - 10,
    };
    let expired = animo_server::crypto::JwtKeys::new(&secret).sign_claims(&claims).expect("signed");
    let (status, body) = call(history(&expired)).await;
    assert_error(status, &body, 401, "visitor_token_expired");

    // An owner's access token is no visitor token.
    let (status, body) = call(history(&owner.access)).await;
    assert_error(status, &body, 401, "visitor_token_invalid");
    let (status, body) = call(history(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn each_sentence_is_cued_before_its_words_and_the_answer_is_stored() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-order@example.com", "Order Shop").await;
    let (_, embed) = published_bot(&server, &owner, None).await;
    let (token, _) = visitor_token(&server, &embed).await;
    let (mut chat, ready) = Chat::connect(&server, &token, SHOP).await.expect("connects");
    assert_eq!(ready["conversation_id"], Value::Null);

    chat.say("m1", "When are you open?").await;
    let frames = chat.until("done").await;
    let kinds = types(&frames);
    assert_eq!(kinds.first(), Some(&"ack"), "{frames:?}");
    assert_eq!(frames[0]["client_msg_id"], "m1");
    assert_eq!(frames[0]["duplicate"], false);
    assert_eq!(kinds.get(1), Some(&"cue"), "the visitor's message gets a cue at once");
    assert_eq!(frames[1]["slot"], "thinking", "a question makes the avatar think");
    assert_eq!(kinds.last(), Some(&"done"));
    // Every run of tokens follows a cue, and sources come after the words.
    let mut seen_cue = false;
    for kind in &kinds[2..] {
        match *kind {
            "cue" => seen_cue = true,
            "token" => assert!(seen_cue, "a token before any reply cue: {kinds:?}"),
            _ => {}
        }
    }
    let sources_at = kinds.iter().position(|kind| *kind == "sources").expect("sources are sent");
    assert!(kinds.iter().rposition(|kind| *kind == "token").expect("tokens") < sources_at);
    let text = answer_text(&frames);
    assert!(text.starts_with("We are open from 9 to 5"), "{text}");
    assert!(text.ends_with("[1]"), "{text}");

    // Two sentences, two reply cues, each right before its first token.
    let reply_cues = kinds[2..].iter().filter(|kind| **kind == "cue").count();
    assert_eq!(reply_cues, 2, "{kinds:?}");

    let history = server.get_from_page(&format!("/v1/chat/history?token={token}"), SHOP).await;
    let messages = history["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2, "{history}");
    assert_eq!(messages[0]["text"], "When are you open?");
    assert_eq!(messages[1]["text"], text.as_str());
    assert_eq!(messages[1]["seq"], 2);
}

#[tokio::test]
async fn an_open_conversation_follows_publishes_and_ends_when_the_bot_is_archived() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-live@example.com", "Live Shop").await;
    let (id, embed) = published_bot(&server, &owner, None).await;
    let (token, _) = visitor_token(&server, &embed).await;
    let (mut chat, _) = Chat::connect(&server, &token, SHOP).await.expect("connects");
    chat.say("l1", "When are you open?").await;
    assert!(answer_text(&chat.until("done").await).starts_with("We are open from 9 to 5"));

    // A new version answers the next message of the same connection.
    let faq = json!([{ "question": "What are your opening hours?", "answer": "We are open from 8 to 4 every day." }]);
    let (status, body) = server
        .patch(&format!("/v1/bots/{id}"), &owner.access, json!({ "personality": { "name": "Ava", "faq": faq } }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server.post(&format!("/v1/bots/{id}/publish"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    chat.say("l2", "When are you open?").await;
    let text = answer_text(&chat.until("done").await);
    assert!(text.starts_with("We are open from 8 to 4"), "the new version answers: {text}");

    // Archived, the bot stops answering even on a connection opened before.
    let (status, _) = server.call(reqwest::Method::DELETE, &format!("/v1/bots/{id}"), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::OK);
    chat.say("l3", "When are you open?").await;
    let frames = chat.until("done").await;
    assert_eq!(types(&frames), vec!["error"], "{frames:?}");
    assert_eq!(frames[0]["code"], "not_found", "{frames:?}");
}

#[tokio::test]
async fn a_retried_message_is_stored_and_answered_once() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-retry@example.com", "Retry Shop").await;
    let (_, embed) = published_bot(&server, &owner, None).await;
    let (token, _) = visitor_token(&server, &embed).await;
    let (mut chat, _) = Chat::connect(&server, &token, SHOP).await.expect("connects");

    chat.say("same-id", "Do you ship abroad?").await;
    let first = chat.until("done").await;
    chat.say("same-id", "Do you ship abroad?").await;
    let second = chat.until("message").await;
    assert_eq!(types(&second), ["ack", "message"], "a retry replays the stored answer: {second:?}");
    assert_eq!(second[0]["duplicate"], true);
    assert_eq!(second[0]["message_id"], first[0]["message_id"]);
    assert_eq!(second[1]["message"]["text"], answer_text(&first).as_str());

    // Concurrent retries over two connections store it once too.
    let (mut other, _) = Chat::connect(&server, &token, SHOP).await.expect("connects");
    chat.say("race", "What are your opening hours?").await;
    other.say("race", "What are your opening hours?").await;
    let a = chat.until("ack").await;
    let b = other.until("ack").await;
    assert_eq!(a.last().expect("ack")["message_id"], b.last().expect("ack")["message_id"]);

    let (mut reader, ready) = Chat::connect(&server, &token, SHOP).await.expect("connects");
    let conversation = ready["conversation_id"].as_str().expect("conversation").to_owned();
    // Wait for both answers to be written, then count what is stored.
    tokio::time::sleep(Duration::from_millis(300)).await;
    reader.send(json!({ "type": "resume", "conversation_id": conversation, "after": 0 })).await;
    let mut visitor_texts = Vec::new();
    for _ in 0..4 {
        let frame = reader.next().await;
        assert_eq!(frame["type"], "message", "{frame}");
        if frame["message"]["author"] == "visitor" {
            visitor_texts.push(frame["message"]["client_msg_id"].as_str().expect("client id").to_owned());
        }
    }
    assert_eq!(visitor_texts, ["same-id", "race"]);
}

#[tokio::test]
async fn concurrent_conversations_store_every_message_in_sequence() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-many@example.com", "Busy Shop").await;
    let (_, embed) = published_bot(&server, &owner, None).await;
    // Many visitors at once, so their writes share transactions: each
    // conversation must still get its own messages, numbered 1, 2, 3, ...
    let visitors = (0..12).map(|n| {
        let server = &server;
        let embed = embed.as_str();
        async move {
            let (token, _) = visitor_token(server, embed).await;
            let (mut chat, _) = Chat::connect(server, &token, SHOP).await.expect("connects");
            let mut seqs = Vec::new();
            for turn in 0..3 {
                chat.say(&format!("v{n}-{turn}"), &format!("Do you ship abroad? ({n}, {turn})")).await;
                let frames = chat.until("done").await;
                assert_eq!(frames.first().expect("ack")["type"], "ack", "{frames:?}");
                assert_eq!(frames.last().expect("done")["type"], "done", "{frames:?}");
                seqs.push(frames[0]["seq"].as_u64().expect("seq"));
                seqs.push(frames.last().expect("done")["seq"].as_u64().expect("seq"));
            }
            // A retry after the answers is still the first message, answered once.
            chat.say(&format!("v{n}-0"), "Do you ship abroad?").await;
            let retry = chat.until("message").await;
            assert_eq!(retry[0]["duplicate"], true, "{retry:?}");
            assert_eq!(retry[0]["seq"], 1, "{retry:?}");
            let history: Value = server.get_from_page(&format!("/v1/chat/history?token={token}"), SHOP).await;
            (n, seqs, history)
        }
    });
    for (n, seqs, history) in futures::future::join_all(visitors).await {
        assert_eq!(seqs, [1, 2, 3, 4, 5, 6], "visitor {n}");
        let messages = history["messages"].as_array().expect("messages");
        let stored: Vec<(u64, &str)> =
            messages.iter().map(|m| (m["seq"].as_u64().expect("seq"), m["author"].as_str().expect("author"))).collect();
        let expected: Vec<(u64, &str)> =
            (1..=6).map(|seq| (seq, if seq % 2 == 1 { "visitor" } else { "bot" })).collect();
        assert_eq!(stored, expected, "visitor {n}: {history}");
        let texts: Vec<&str> =
            messages.iter().filter(|m| m["author"] == "visitor").filter_map(|m| m["text"].as_str()).collect();
        let asked: Vec<String> = (0..3).map(|turn| format!("Do you ship abroad? ({n}, {turn})")).collect();
        assert_eq!(texts, asked, "visitor {n}");
    }
}

#[tokio::test]
async fn reconnect_and_resume_replay_everything_missed() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-resume@example.com", "Resume Shop").await;
    let (_, embed) = published_bot(&server, &owner, None).await;
    let (token, _) = visitor_token(&server, &embed).await;

    let (mut chat, _) = Chat::connect(&server, &token, SHOP).await.expect("connects");
    chat.say("r1", "Do you ship abroad?").await;
    let ack = chat.until("ack").await;
    let conversation = ack.last().expect("ack")["conversation_id"].as_str().expect("conversation").to_owned();
    // The connection drops before the answer arrives.
    drop(chat);

    let (mut chat, ready) = Chat::connect(&server, &token, SHOP).await.expect("reconnects");
    assert_eq!(ready["conversation_id"], conversation.as_str());
    chat.send(json!({ "type": "resume", "conversation_id": conversation, "after": 1 })).await;
    let replayed = chat.next().await;
    assert_eq!(replayed["type"], "message", "{replayed}");
    assert_eq!(replayed["message"]["author"], "bot");
    assert_eq!(replayed["message"]["seq"], 2);
    assert!(replayed["message"]["text"].as_str().expect("text").starts_with("Yes, we ship"));

    // Someone else's conversation cannot be resumed.
    let (other_token, _) = visitor_token(&server, &embed).await;
    let (mut stranger, _) = Chat::connect(&server, &other_token, SHOP).await.expect("connects");
    stranger.send(json!({ "type": "resume", "conversation_id": conversation, "after": 0 })).await;
    let refused = stranger.next().await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["code"], "not_found");
}

/// Sends one message as a new visitor; the code of its refusal, or None when acknowledged.
async fn one_message(server: &TestServer, embed: &str, id: &str) -> Option<String> {
    let (token, _) = visitor_token(server, embed).await;
    let (mut chat, _) = Chat::connect(server, &token, SHOP).await.expect("connects");
    chat.say(id, "When do you open?").await;
    let frames = chat.until("done").await;
    let first = frames.first().expect("a frame");
    match first["type"].as_str() {
        Some("ack") => None,
        _ => Some(first["code"].as_str().unwrap_or("?").to_owned()),
    }
}

#[tokio::test]
async fn monthly_and_daily_message_limits_hold_exactly_under_concurrency() {
    let server = TestServer::start_with(|config| {
        let default_plan = config.default_plan.clone();
        for plan in config.plans.iter_mut().filter(|plan| plan.name == default_plan) {
            plan.monthly_messages = 5;
        }
        config.chat_limits.bot_per_day = 3;
    })
    .await;
    let owner = server.signup("chat-meters@example.com", "Meter Shop").await;
    let (_, first_embed) = published_bot(&server, &owner, None).await;
    let (_, second_embed) = published_bot(&server, &owner, None).await;

    // Ten visitors at once on one bot: its daily limit of 3 lets exactly three in.
    let outcomes = futures::future::join_all((0..10).map(|n| {
        let embed = first_embed.clone();
        let server = &server;
        async move { one_message(server, &embed, &format!("m{n}")).await }
    }))
    .await;
    assert_eq!(outcomes.iter().filter(|outcome| outcome.is_none()).count(), 3, "{outcomes:?}");
    assert!(outcomes.iter().flatten().all(|code| code == "rate_limited"), "{outcomes:?}");

    // The other bot has its own day, but the tenant's month ends at 5.
    let outcomes = futures::future::join_all((0..6).map(|n| {
        let embed = second_embed.clone();
        let server = &server;
        async move { one_message(server, &embed, &format!("n{n}")).await }
    }))
    .await;
    assert_eq!(outcomes.iter().filter(|outcome| outcome.is_none()).count(), 2, "{outcomes:?}");
    assert!(outcomes.iter().flatten().all(|code| code == "quota_exceeded"), "{outcomes:?}");
    let (_, tenant) = server.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["usage"]["monthly_messages"], 5, "{tenant}");

    // Turns keep the plan's limit in memory; an operator's plan change
    // replaces it, so the next message passes under the larger plan.
    let operator = server.signup("chat-meters-ops@example.com", "Platform").await;
    let email = animo_shared::text::Email::try_from("chat-meters-ops@example.com").expect("email");
    assert!(animo_server::accounts::grant_operator(&server.server.state, &email).await.expect("grant"));
    let path = format!("/v1/admin/tenants/{}", owner.tenant_id);
    let (status, body) = server.patch(&path, &operator.access, json!({ "plan": "pro" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(one_message(&server, &second_embed, "after-upgrade").await, None);
    let (_, tenant) = server.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["usage"]["monthly_messages"], 6, "{tenant}");
}

#[tokio::test]
async fn rate_limits_and_bad_frames_answer_with_coded_errors() {
    let server = TestServer::start_with(|config| config.chat_limits.visitor_per_minute = 3).await;
    let owner = server.signup("chat-limits@example.com", "Limit Shop").await;
    let (_, embed) = published_bot(&server, &owner, None).await;
    let (token, _) = visitor_token(&server, &embed).await;
    let (mut chat, _) = Chat::connect(&server, &token, SHOP).await.expect("connects");

    chat.send(json!({ "type": "user_message", "text": "no id" })).await;
    assert_eq!(chat.next().await["code"], "invalid_request");
    chat.socket.send(Message::Text("{not json".into())).await.expect("sent");
    assert_eq!(chat.next().await["code"], "malformed_json");
    chat.say("empty", "   ").await;
    assert_eq!(chat.next().await["code"], "invalid_request");

    for n in 0..3 {
        chat.say(&format!("ok-{n}"), "Do you ship abroad?").await;
        let frames = chat.until("done").await;
        assert_eq!(types(&frames).last(), Some(&"done"), "{frames:?}");
    }
    chat.say("too-many", "Do you ship abroad?").await;
    let refused = chat.next().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "rate_limited");

    // The SSE fallback answers with the same frames, and the same limit.
    let response = server
        .client
        .post(server.url("/v1/chat/messages"))
        .header("origin", SHOP)
        .json(&json!({ "token": token, "client_msg_id": "sse-1", "text": "Hi" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let body = response.text().await.expect("stream read");
    let frames: Vec<Value> = body
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).expect("each data line is one JSON frame"))
        .collect();
    assert_eq!(types(&frames), ["error"], "{body}");
    assert_eq!(frames[0]["code"], "rate_limited");
}

#[tokio::test]
async fn sse_streams_the_same_frames_as_the_websocket() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-sse@example.com", "SSE Shop").await;
    let (_, embed) = published_bot(&server, &owner, None).await;
    let (token, _) = visitor_token(&server, &embed).await;
    let response = server
        .client
        .post(server.url("/v1/chat/messages"))
        .header("origin", SHOP)
        .json(&json!({ "token": token, "client_msg_id": "s1", "text": "What are your opening hours?" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.expect("stream read");
    let frames: Vec<Value> = body
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).expect("JSON frame"))
        .collect();
    let kinds = types(&frames);
    assert_eq!(kinds.first(), Some(&"ack"), "{body}");
    assert_eq!(kinds.last(), Some(&"done"), "{body}");
    assert!(answer_text(&frames).starts_with("We are open"));
}

/// A model server speaking OpenAI's streaming chat-completions format,
/// answering every request the same way (or, when `silent`, never).
pub(crate) struct FakeModel {
    pub(crate) url: String,
    pub(crate) requests: Arc<AtomicUsize>,
}

impl FakeModel {
    pub(crate) async fn start(reply: &'static str, silent: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/v1", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    read_request(&mut socket).await;
                    if silent {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    let mut body =
                        String::from("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n");
                    for word in reply.split_inclusive(' ') {
                        let chunk = json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": null}]});
                        body.push_str(&format!("data: {chunk}\n\n"));
                    }
                    let usage = json!({"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}});
                    body.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
                    // The client may hang up early; the fake does not care.
                    let _sent = socket.write_all(body.as_bytes()).await;
                    let _closed = socket.shutdown().await;
                });
            }
        });
        Self { url, requests }
    }
}

async fn read_request(socket: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let Ok(read) = socket.read(&mut buffer).await else { return };
        if read == 0 {
            return;
        }
        seen.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&seen);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase().strip_prefix("content-length:").map(str::trim).map(String::from)
                })
                .and_then(|value| value.parse::<usize>().ok())
                .unwrap_or(0);
            if seen.len() >= end + 4 + length {
                return;
            }
        }
    }
}

pub(crate) fn openai(url: &str) -> Value {
    json!({ "provider": "openai", "model": "gpt-4o-mini", "base_url": url })
}

#[tokio::test]
async fn a_silent_provider_falls_back_to_the_next_after_the_first_token_timeout() {
    let server = TestServer::start_with(|config| {
        config.llm.first_token_timeout = Duration::from_millis(400);
        config.llm.attempts = 1;
    })
    .await;
    let owner = server.signup("chat-fallback@example.com", "Fallback Shop").await;
    let silent = FakeModel::start("never", true).await;
    let working = FakeModel::start("We open at nine. [1]", false).await;
    let (_, embed) =
        published_bot(&server, &owner, Some(json!({ "chain": [openai(&silent.url), openai(&working.url)] }))).await;
    let (token, _) = visitor_token(&server, &embed).await;
    let (mut chat, _) = Chat::connect(&server, &token, SHOP).await.expect("connects");

    let started = Instant::now();
    chat.say("f1", "When do you open?").await;
    let mut frames = Vec::new();
    let mut first_token = None;
    loop {
        let frame = chat.next().await;
        if frame["type"] == "token" && first_token.is_none() {
            first_token = Some(started.elapsed());
        }
        let done = frame["type"] == "done" || frame["type"] == "error";
        frames.push(frame);
        if done {
            break;
        }
    }
    let first_token = first_token.expect("an answer streamed");
    // Well under the 20 s default: the configured first-token timeout gave
    // up on the silent provider (a tighter bound fails on a loaded machine).
    assert!(first_token < Duration::from_secs(5), "fell back after {first_token:?}");
    assert_eq!(answer_text(&frames), "We open at nine. [1]");
    let done = frames.last().expect("done");
    assert_eq!(done["usage"]["input_tokens"], 1000);
    assert!(done["usage"]["cost_micro_usd"].as_u64().expect("cost") > 0, "gpt-4o-mini is priced: {done}");
    assert_eq!(silent.requests.load(Ordering::SeqCst), 1);
    assert_eq!(working.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_exhausted_budget_refuses_or_answers_offline_as_configured() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-budget@example.com", "Budget Shop").await;
    let model = FakeModel::start("Paid answer.", false).await;
    let (_, embed) = published_bot(&server, &owner, Some(json!({ "chain": [openai(&model.url)] }))).await;
    let (token, _) = visitor_token(&server, &embed).await;
    let set_budget = |action: &'static str| {
        server.call(
            reqwest::Method::PUT,
            "/v1/tenant/budget",
            Some(&owner.access),
            Some(json!({ "tenant_monthly_micro_usd": 1, "when_exhausted": action })),
        )
    };
    let (status, body) = set_budget("refuse").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, audit) = server.get("/v1/audit", &owner.access).await;
    assert!(audit.to_string().contains("tenant.budget"), "budget changes are audited: {audit}");

    let (mut chat, _) = Chat::connect(&server, &token, SHOP).await.expect("connects");
    chat.say("b1", "Tell me something").await;
    let paid = chat.until("done").await;
    assert_eq!(answer_text(&paid), "Paid answer.");
    // That answer used up the budget of one micro-dollar.
    chat.say("b2", "Tell me more").await;
    let refused = chat.until("done").await;
    assert_eq!(types(&refused).last(), Some(&"error"), "{refused:?}");
    assert_eq!(refused.last().expect("error")["code"], "budget_exhausted");
    assert_eq!(types(&refused).first(), Some(&"ack"), "the message itself was stored");

    let (status, _) = set_budget("offline").await;
    assert_eq!(status, StatusCode::OK);
    chat.say("b3", "Do you ship abroad?").await;
    let offline = chat.until("done").await;
    assert!(answer_text(&offline).starts_with("Yes, we ship"), "{offline:?}");
    assert_eq!(model.requests.load(Ordering::SeqCst), 1, "no paid call past the budget");
}

#[tokio::test]
async fn a_verified_user_keeps_one_conversation_across_devices() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-identity@example.com", "Identity Shop").await;
    let (_, embed) = published_bot(&server, &owner, None).await;
    let query = |hash: &str| format!("?user_id=user-42&user_hash={hash}");
    let (status, body) = embed_config(&server, &embed, Some(SHOP), &query("00")).await;
    assert_error(status, &body, 403, "identity_invalid");

    let (status, secret) = server.post("/v1/tenant/identity-secret", &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{secret}");
    let hash = animo_server::crypto::hmac_hex(secret["secret"].as_str().expect("secret").as_bytes(), b"user-42");
    let (status, body) = embed_config(&server, &embed, Some(SHOP), &query(&"0".repeat(64))).await;
    assert_error(status, &body, 403, "identity_invalid");

    let (_, phone) = embed_config(&server, &embed, Some(SHOP), &query(&hash)).await;
    let (_, laptop) = embed_config(&server, &embed, Some(SHOP), &query(&hash)).await;
    assert_eq!(phone["visitor"]["user_id"], "user-42");
    assert_ne!(phone["visitor"]["visitor_id"], laptop["visitor"]["visitor_id"], "two devices");
    let token = |config: &Value| config["visitor"]["token"].as_str().expect("token").to_owned();
    let (mut chat, _) = Chat::connect(&server, &token(&phone), SHOP).await.expect("connects");
    chat.say("p1", "Do you ship abroad?").await;
    let frames = chat.until("done").await;
    let conversation = &frames[0]["conversation_id"];
    let (_, ready) = Chat::connect(&server, &token(&laptop), SHOP).await.expect("connects");
    assert_eq!(&ready["conversation_id"], conversation, "the laptop continues the phone's conversation");
    assert_eq!(ready["last_seq"], 2);
}

#[tokio::test]
async fn analytics_count_what_is_stored_and_erasure_removes_a_visitor_everywhere() {
    let server = TestServer::start().await;
    let owner = server.signup("chat-analytics@example.com", "Analytics Shop").await;
    let (bot, embed) = published_bot(&server, &owner, None).await;
    let (alice, alice_id) = visitor_token(&server, &embed).await;
    let (bob, _) = visitor_token(&server, &embed).await;

    let (mut chat, _) = Chat::connect(&server, &alice, SHOP).await.expect("connects");
    chat.say("a1", "Do you ship abroad?").await;
    let answered = chat.until("done").await;
    let answer_id = answered.last().expect("done")["message_id"].as_str().expect("id").to_owned();
    chat.send(json!({ "type": "feedback", "message_id": answer_id, "rating": "up" })).await;
    chat.say("a2", "Can I pay with bitcoin?").await;
    chat.until("done").await;
    let (mut other, _) = Chat::connect(&server, &bob, SHOP).await.expect("connects");
    other.say("b1", "do you ship ABROAD").await;
    other.until("done").await;

    let today = time::OffsetDateTime::now_utc().date().to_string();
    let path = format!("/v1/bots/{bot}/analytics?from={today}&to={today}");
    let (status, stats) = server.get(&path, &owner.access).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let totals = &stats["totals"];
    assert_eq!(totals["visitor_messages"], 3, "{stats}");
    assert_eq!(totals["answers"], 3);
    assert_eq!(totals["unique_visitors"], 2);
    assert_eq!(totals["conversations"], 2);
    assert_eq!(totals["unanswered"], 1);
    assert_eq!(totals["feedback_up"], 1);
    assert_eq!(stats["days"][0]["day"], today.as_str());
    assert_eq!(stats["top_questions"][0], json!({ "question": "Do you ship abroad?", "count": 2 }));
    assert_eq!(stats["unanswered_questions"][0]["question"], "Can I pay with bitcoin?");
    let (_, tenant) = server.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["usage"]["monthly_messages"], 3);

    let (status, body) =
        server.get(&format!("/v1/bots/{bot}/analytics?from={today}&to=2020-01-01"), &owner.access).await;
    assert_error(status, &body, 422, "invalid_request");

    let (status, data) = server.get(&format!("/v1/visitors/{alice_id}"), &owner.access).await;
    assert_eq!(status, StatusCode::OK, "{data}");
    assert_eq!(data["conversations"].as_array().expect("list").len(), 1);
    assert_eq!(data["messages"].as_array().expect("list").len(), 4);
    assert_eq!(data["cached_answers"].as_array().expect("list").len(), 1, "Alice's opening question was cached");

    let (status, erased) =
        server.call(reqwest::Method::DELETE, &format!("/v1/visitors/{alice_id}"), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert_eq!(erased, json!({ "conversations": 1, "messages": 4, "cached_answers": 1 }));
    let (_, data) = server.get(&format!("/v1/visitors/{alice_id}"), &owner.access).await;
    assert_eq!(data["messages"], json!([]));
    let (_, stats) = server.get(&path, &owner.access).await;
    assert_eq!(stats["totals"]["visitor_messages"], 1, "analytics lose Alice's share");
    assert_eq!(stats["totals"]["unique_visitors"], 1);
    let history: Value = server.get_from_page(&format!("/v1/chat/history?token={bob}"), SHOP).await;
    assert_eq!(history["messages"].as_array().expect("list").len(), 2, "Bob keeps his");
    // Alice is still connected: her next message starts her conversation
    // afresh instead of continuing the erased one's numbering.
    chat.say("a3", "Hello again").await;
    chat.until("done").await;
    let (_, data) = server.get(&format!("/v1/visitors/{alice_id}"), &owner.access).await;
    let seqs: Vec<u64> =
        data["messages"].as_array().expect("list").iter().filter_map(|message| message["seq"].as_u64()).collect();
    assert_eq!(seqs, [1, 2], "{data}");
    // Erasure is audited; the audit entry names the visitor id, not the content.
    let (_, audit) = server.get("/v1/audit", &owner.access).await;
    assert!(audit.to_string().contains("visitor.erase"), "{audit}");

    // A designer may read analytics but not export visitors.
    let designer = server.add_member(&owner, "designer-analytics@example.com", "designer").await;
    let (status, _) = server.get(&path, &designer.access).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = server.get(&format!("/v1/visitors/{alice_id}"), &designer.access).await;
    assert_error(status, &body, 403, "forbidden");
}
