use serde_json::json;

use crate::server::{Reply, TestServer};
use crate::{ask, config};
use animo_llm::{LlmError, RemoteKind, Usage};

/// A stream as the Messages API sends it, ping and block boundaries included.
pub const STREAM: &str = concat!(
    "event: message_start\n",
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":38,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":4,\"output_tokens\":1}}}\n\n",
    "event: content_block_start\n",
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    "event: ping\n",
    "data: {\"type\": \"ping\"}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Yes — we \"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"repair e-bikes.\"}}\n\n",
    "event: content_block_stop\n",
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    "event: message_delta\n",
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":12}}\n\n",
    "event: message_stop\n",
    "data: {\"type\":\"message_stop\"}\n\n",
);

#[tokio::test]
async fn streams_text_and_usage_written_in_small_pieces() {
    let server = TestServer::start(vec![Reply::sse(STREAM, 4)]).await;
    let got = ask(config(RemoteKind::Anthropic, &server.base, "claude-sonnet-4-5", Some("sk-ant-test")))
        .await
        .expect("answer");
    assert_eq!(got.text, "Yes — we repair e-bikes.");
    assert_eq!(got.usage, vec![Usage { input_tokens: 42, output_tokens: 12 }], "cache reads count as input");
    assert_eq!(got.error, None);

    let sent = &server.requests()[0];
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("POST", "/v1/messages"));
    assert_eq!(sent.headers["x-api-key"], "sk-ant-test");
    assert_eq!(sent.headers["anthropic-version"], "2023-06-01");
    assert!(!sent.headers.contains_key("authorization"));
    assert_eq!(
        sent.body,
        json!({
            "model": "claude-sonnet-4-5",
            "system": "You are Nova, the helpful assistant of Acme Bikes.",
            "messages": [
                {"role": "user", "content": "Hi!"},
                {"role": "assistant", "content": "Hello! How can I help?"},
                {"role": "user", "content": "Do you repair e-bikes?"},
            ],
            "max_tokens": 256,
            "stream": true,
            "temperature": 0.5,
        })
    );
}

#[tokio::test]
async fn an_error_event_mid_stream_ends_the_stream_with_its_type() {
    let body = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Let me\"}}\n\n",
        "event: error\n",
        "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
    );
    let server = TestServer::start(vec![Reply::sse(body, 9)]).await;
    let got = ask(config(RemoteKind::Anthropic, &server.base, "claude-haiku-4-5", None)).await.expect("started");
    assert_eq!(got.text, "Let me");
    assert_eq!(got.usage, vec![], "no usage for an answer that broke off");
    assert_eq!(got.error, Some(LlmError::Upstream { kind: "overloaded_error".into(), message: "Overloaded".into() }));
}

#[tokio::test]
async fn an_error_event_before_any_text_fails_the_call() {
    let body = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}\n\n";
    let server = TestServer::start(vec![Reply::sse(body, 64)]).await;
    let error = ask(config(RemoteKind::Anthropic, &server.base, "claude-haiku-4-5", None)).await.expect_err("failed");
    assert_eq!(error, LlmError::Upstream { kind: "api_error".into(), message: "Internal server error".into() });
}

#[tokio::test]
async fn thinking_and_unknown_events_are_skipped_and_a_malformed_event_is_reported() {
    let body = concat!(
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"The visitor asks…\"}}\n\n",
        "event: some_future_event\n",
        "data: {\"type\":\"some_future_event\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Sure\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"!\"\n\n",
    );
    let server = TestServer::start(vec![Reply::sse(body, 16)]).await;
    let got = ask(config(RemoteKind::Anthropic, &server.base, "claude-sonnet-4-5", None)).await.expect("started");
    assert_eq!(got.text, "Sure");
    assert!(matches!(got.error, Some(LlmError::MalformedStream(_))), "{:?}", got.error);
}
