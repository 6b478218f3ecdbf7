use serde_json::json;

use crate::server::{Reply, TestServer};
use crate::{ask, config};
use animo_llm::{LlmError, RemoteKind, Usage};

/// A stream as `streamGenerateContent?alt=sse` sends it: CRLF line ends, cumulative usage, the
/// finish reason on the last chunk.
pub const STREAM: &str = concat!(
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Yes, we repair\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 35,\"candidatesTokenCount\": 3,\"totalTokenCount\": 38},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"f0nGaN3bA8mP1MkP7o2r6Qo\"}\r\n\r\n",
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" e-bikes of all brands — ça roule!\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 35,\"candidatesTokenCount\": 12,\"totalTokenCount\": 71,\"thoughtsTokenCount\": 24},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"f0nGaN3bA8mP1MkP7o2r6Qo\"}\r\n\r\n",
);

pub const ANSWER: &str = "Yes, we repair e-bikes of all brands — ça roule!";

fn expected_body() -> serde_json::Value {
    json!({
        "systemInstruction": {"parts": [{"text": "You are Nova, the helpful assistant of Acme Bikes."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Hi!"}]},
            {"role": "model", "parts": [{"text": "Hello! How can I help?"}]},
            {"role": "user", "parts": [{"text": "Do you repair e-bikes?"}]},
        ],
        "generationConfig": {"maxOutputTokens": 256, "temperature": 0.5},
    })
}

#[tokio::test]
async fn gemini_api_streams_text_and_usage_with_the_key_in_a_header() {
    let server = TestServer::start(vec![Reply::sse(STREAM, 6)]).await;
    let base = format!("{}/v1beta", server.base);
    let got = ask(config(RemoteKind::Gemini, &base, "gemini-2.5-flash", Some("AIza-test-key"))).await.expect("answer");
    assert_eq!(got.text, ANSWER);
    assert_eq!(got.usage, vec![Usage { input_tokens: 35, output_tokens: 36 }], "thinking tokens are billed output");
    assert_eq!(got.error, None);

    let sent = &server.requests()[0];
    assert_eq!(sent.target, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    assert_eq!(sent.headers["x-goog-api-key"], "AIza-test-key");
    assert!(!sent.target.contains("AIza"), "the key never goes in the URL");
    assert_eq!(sent.body, expected_body());
}

#[tokio::test]
async fn vertex_uses_the_project_path_and_a_bearer_token() {
    let server = TestServer::start(vec![Reply::sse(STREAM, 50)]).await;
    let base = format!("{}/v1/projects/acme-prod/locations/europe-west4", server.base);
    let got = ask(config(RemoteKind::Vertex, &base, "gemini-2.5-flash", Some("ya29.token"))).await.expect("answer");
    assert_eq!(got.text, ANSWER);

    let sent = &server.requests()[0];
    assert_eq!(
        sent.target,
        "/v1/projects/acme-prod/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(sent.headers["authorization"], "Bearer ya29.token");
    assert!(!sent.headers.contains_key("x-goog-api-key"));
    assert_eq!(sent.body, expected_body());
}

#[tokio::test]
async fn thought_parts_are_not_part_of_the_answer() {
    let body = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"**Considering repairs**\", \"thought\": true}, {\"text\": \"We do.\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 5,\"candidatesTokenCount\": 2,\"totalTokenCount\": 7}}\r\n\r\n";
    let server = TestServer::start(vec![Reply::sse(body, 64)]).await;
    let got = ask(config(RemoteKind::Gemini, &server.base, "gemini-2.5-pro", None)).await.expect("answer");
    assert_eq!(got.text, "We do.");
    assert_eq!(got.usage, vec![Usage { input_tokens: 5, output_tokens: 2 }]);
}

#[tokio::test]
async fn an_error_object_mid_stream_ends_the_stream() {
    let body = concat!(
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Yes\"}],\"role\": \"model\"},\"index\": 0}]}\r\n\r\n",
        "data: {\"error\": {\"code\": 503, \"message\": \"The model is overloaded. Please try again later.\", \"status\": \"UNAVAILABLE\"}}\r\n\r\n",
    );
    let server = TestServer::start(vec![Reply::sse(body, 13)]).await;
    let got = ask(config(RemoteKind::Gemini, &server.base, "gemini-2.5-flash", None)).await.expect("started");
    assert_eq!(got.text, "Yes");
    assert_eq!(
        got.error,
        Some(LlmError::Upstream {
            kind: "UNAVAILABLE".into(),
            message: "The model is overloaded. Please try again later.".into()
        })
    );
}

#[tokio::test]
async fn a_stream_ending_without_a_finish_reason_is_malformed_and_garbage_is_too() {
    let cut = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Yes\"}],\"role\": \"model\"},\"index\": 0}]}\r\n\r\n";
    let garbage = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Yes\"}]}}]}\r\n\r\ndata: <html>502 Bad Gateway</html>\r\n\r\n";
    let server = TestServer::start(vec![Reply::sse(cut, 64), Reply::sse(garbage, 7)]).await;
    for _ in 0..2 {
        let got = ask(config(RemoteKind::Gemini, &server.base, "gemini-2.5-flash", None)).await.expect("started");
        assert_eq!(got.text, "Yes");
        assert!(matches!(got.error, Some(LlmError::MalformedStream(_))), "{:?}", got.error);
    }
}

#[tokio::test]
async fn a_blocked_prompt_fails_the_call() {
    let body = "data: {\"promptFeedback\": {\"blockReason\": \"SAFETY\"},\"usageMetadata\": {\"promptTokenCount\": 9,\"totalTokenCount\": 9}}\r\n\r\n";
    let server = TestServer::start(vec![Reply::sse(body, 64)]).await;
    let error = ask(config(RemoteKind::Gemini, &server.base, "gemini-2.5-flash", None)).await.expect_err("blocked");
    assert_eq!(error, LlmError::Upstream { kind: "prompt_blocked".into(), message: "SAFETY".into() });
}
