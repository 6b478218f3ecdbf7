//! Test chat with a bot's draft: answered by the draft without publishing,
//! streamed as SSE frames in the chat protocol's order, members only, kept
//! out of analytics and message counts, counted against budgets.

use std::sync::atomic::Ordering;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::chat::{FakeModel, answer_text, openai, types};
use crate::common::{Session, TestServer, assert_error};

const HOURS: &str = "We are open from 9 to 5, Monday to Friday.";

/// A bot that is never published, with one curated answer.
async fn draft_bot(server: &TestServer, owner: &Session, model: Option<Value>) -> String {
    let mut body = json!({
        "personality": {
            "name": "Ava",
            "faq": [{ "question": "What are your opening hours?", "answer": HOURS }],
        },
    });
    if let Some(model) = model {
        body["model"] = model;
    }
    let (status, bot) = server.post("/v1/bots", &owner.access, body).await;
    assert_eq!(status, StatusCode::CREATED, "{bot}");
    bot["id"].as_str().expect("id").to_owned()
}

/// Sends a test message; the status and, on success, the frames, else the error body.
async fn say(server: &TestServer, token: &str, bot: &str, body: Value) -> (StatusCode, Result<Vec<Value>, Value>) {
    let response = server
        .client
        .post(server.url(&format!("/v1/bots/{bot}/test-chat")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let is_stream = response
        .headers()
        .get("content-type")
        .is_some_and(|value| value.to_str().unwrap_or_default().starts_with("text/event-stream"));
    let text = response.text().await.expect("body read");
    if !is_stream {
        return (status, Err(serde_json::from_str(&text).unwrap_or(Value::String(text))));
    }
    let frames = text
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| serde_json::from_str(data.trim_start()).expect("JSON frame"))
        .collect();
    (status, Ok(frames))
}

#[tokio::test]
async fn test_chat_answers_from_the_draft_in_order_and_stays_out_of_analytics() {
    let server = TestServer::start().await;
    let owner = server.signup("test-chat@example.com", "Test Chat Shop").await;
    let bot = draft_bot(&server, &owner, None).await;

    let (status, frames) = say(&server, &owner.access, &bot, json!({ "text": "When are you open?" })).await;
    assert_eq!(status, StatusCode::OK);
    let frames = frames.expect("a stream");
    let kinds = types(&frames);
    assert_eq!(kinds.first(), Some(&"ack"), "{frames:?}");
    assert_eq!(kinds.get(1), Some(&"cue"), "the member's message is cued at once: {kinds:?}");
    assert_eq!(frames[1]["slot"], "thinking");
    assert_eq!(kinds.last(), Some(&"done"), "{kinds:?}");
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
    assert!(answer_text(&frames).starts_with(HOURS), "{frames:?}");
    let conversation = frames[0]["conversation_id"].as_str().expect("conversation").to_owned();

    // A draft edit answers the next test message, with nothing published.
    let (status, body) = server
        .patch(
            &format!("/v1/bots/{bot}"),
            &owner.access,
            json!({ "personality": { "name": "Ava", "faq": [{ "question": "What are your opening hours?", "answer": "We now open at 7 every day." }] } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["live_version"], Value::Null);
    let (status, frames) = say(
        &server,
        &owner.access,
        &bot,
        json!({ "text": "When are you open?", "conversation_id": conversation, "client_msg_id": "t2" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let frames = frames.expect("a stream");
    assert!(answer_text(&frames).starts_with("We now open at 7"), "{frames:?}");
    assert_eq!(frames[0]["conversation_id"], conversation.as_str(), "a follow-up continues the conversation");
    assert_eq!(frames[0]["seq"], 3);

    // A designer may test too, in a conversation of their own.
    let designer = server.add_member(&owner, "test-chat-designer@example.com", "designer").await;
    let (status, frames) = say(&server, &designer.access, &bot, json!({ "text": "Hello" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(frames.expect("a stream")[0]["conversation_id"], conversation.as_str());
    let (status, body) =
        say(&server, &designer.access, &bot, json!({ "text": "Hi", "conversation_id": conversation })).await;
    assert_error(status, &body.expect_err("refused"), 404, "not_found");

    // Tests are not visitor traffic: no analytics, no message count.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let (status, stats) = server.get(&format!("/v1/bots/{bot}/analytics?from={today}&to={today}"), &owner.access).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["totals"]["visitor_messages"], 0, "{stats}");
    assert_eq!(stats["totals"]["answers"], 0, "{stats}");
    let (_, tenant) = server.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["usage"]["monthly_messages"], 0, "{tenant}");
}

#[tokio::test]
async fn test_chat_refuses_viewers_other_tenants_bad_bodies_and_floods() {
    let server = TestServer::start_with(|config| config.chat_limits.visitor_per_minute = 2).await;
    let owner = server.signup("test-chat-refusals@example.com", "Refusals Shop").await;
    let bot = draft_bot(&server, &owner, None).await;

    let viewer = server.add_member(&owner, "test-chat-viewer@example.com", "viewer").await;
    let (status, body) = say(&server, &viewer.access, &bot, json!({ "text": "Hello" })).await;
    assert_error(status, &body.expect_err("refused"), 403, "forbidden");

    let stranger = server.signup("test-chat-stranger@example.com", "Other Shop").await;
    let (status, body) = say(&server, &stranger.access, &bot, json!({ "text": "Hello" })).await;
    assert_error(status, &body.expect_err("refused"), 404, "not_found");

    let (status, body) = say(&server, &owner.access, &bot, json!({ "text": "   " })).await;
    assert_error(status, &body.expect_err("refused"), 422, "invalid_request");
    let (status, body) = say(&server, &owner.access, &bot, json!({ "message": "Hello" })).await;
    assert_error(status, &body.expect_err("refused"), 422, "invalid_request");
    let (status, body) = say(&server, &owner.access, &bot, json!({ "text": "x".repeat(20_000) })).await;
    assert_error(status, &body.expect_err("refused"), 422, "invalid_request");
    let response = server
        .client
        .post(server.url(&format!("/v1/bots/{bot}/test-chat")))
        .bearer_auth(&owner.access)
        .header("content-type", "application/json")
        .body("{\"text\": ")
        .send()
        .await
        .expect("sent");
    let status = response.status();
    assert_error(status, &response.json().await.expect("json"), 400, "malformed_json");
    let (status, body) = say(
        &server,
        &owner.access,
        &bot,
        json!({ "text": "Hello", "conversation_id": "cv_0123456789abcdef0123456789abcdef" }),
    )
    .await;
    assert_error(status, &body.expect_err("refused"), 404, "not_found");
    let (status, body) = server.call(Method::POST, &format!("/v1/bots/{bot}/test-chat"), None, None).await;
    assert_error(status, &body, 401, "unauthenticated");

    // Refused requests were not counted; two messages a minute are allowed.
    for _ in 0..2 {
        let (status, _) = say(&server, &owner.access, &bot, json!({ "text": "Hello" })).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = say(&server, &owner.access, &bot, json!({ "text": "Hello" })).await;
    let body = body.expect_err("refused");
    assert_error(status, &body, 429, "rate_limited");
    assert_eq!(body["details"]["limit"], "member_per_minute");

    let (status, _) = server.call(Method::DELETE, &format!("/v1/bots/{bot}"), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::OK);
    let other = server.signup("test-chat-archived@example.com", "Archived Shop").await;
    let archived = draft_bot(&server, &other, None).await;
    let (status, _) = server.call(Method::DELETE, &format!("/v1/bots/{archived}"), Some(&other.access), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = say(&server, &other.access, &archived, json!({ "text": "Hello" })).await;
    assert_error(status, &body.expect_err("refused"), 409, "bot_archived");
}

#[tokio::test]
async fn test_chat_spending_counts_against_the_budget() {
    let server = TestServer::start().await;
    let owner = server.signup("test-chat-budget@example.com", "Budget Test Shop").await;
    let model = FakeModel::start("Paid draft answer.", false).await;
    let bot = draft_bot(&server, &owner, Some(json!({ "chain": [openai(&model.url)] }))).await;
    let (status, body) = server
        .call(
            Method::PUT,
            "/v1/tenant/budget",
            Some(&owner.access),
            Some(json!({ "tenant_monthly_micro_usd": 1, "when_exhausted": "refuse" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (_, frames) = say(&server, &owner.access, &bot, json!({ "text": "Tell me something" })).await;
    let frames = frames.expect("a stream");
    assert_eq!(answer_text(&frames), "Paid draft answer.");
    assert!(frames.last().expect("done")["usage"]["cost_micro_usd"].as_u64().expect("cost") > 0);

    // That test used up the budget: the next one is refused like a visitor's.
    let (status, frames) = say(&server, &owner.access, &bot, json!({ "text": "Tell me more" })).await;
    assert_eq!(status, StatusCode::OK);
    let frames = frames.expect("a stream");
    assert_eq!(types(&frames).first(), Some(&"ack"));
    let last = frames.last().expect("error");
    assert_eq!(last["type"], "error", "{frames:?}");
    assert_eq!(last["code"], "budget_exhausted");
    assert_eq!(model.requests.load(Ordering::SeqCst), 1, "no paid call past the budget");
}
