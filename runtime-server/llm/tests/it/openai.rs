use serde_json::json;

use crate::server::{Part, Reply, TestServer};
use crate::{ask, config};
use animo_llm::{LlmError, RemoteKind, Usage};

/// A stream as OpenAI sends it for gpt-4o-mini with `stream_options.include_usage`.
pub const STREAM: &str = concat!(
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Yes, we \"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"repair e-bikes — \"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"all brands 🚲.\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[],\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":9,\"total_tokens\":50,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n",
    "data: [DONE]\n\n",
);

pub const ANSWER: &str = "Yes, we repair e-bikes — all brands 🚲.";

#[tokio::test]
async fn streams_text_and_usage_written_in_small_pieces() {
    // Five-byte writes split JSON, the multi-byte dash and the emoji across reads.
    let server = TestServer::start(vec![Reply::sse(STREAM, 5)]).await;
    let got = ask(config(RemoteKind::OpenAiCompatible, &format!("{}/v1", server.base), "gpt-4o-mini", Some("sk-test")))
        .await
        .expect("answer");
    assert_eq!(got.text, ANSWER);
    assert_eq!(got.pieces, 3);
    assert_eq!(got.usage, vec![Usage { input_tokens: 41, output_tokens: 9 }]);
    assert_eq!(got.error, None);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("POST", "/v1/chat/completions"));
    assert_eq!(sent.headers["authorization"], "Bearer sk-test");
    assert_eq!(sent.headers["content-type"], "application/json");
    assert_eq!(sent.headers["accept"], "text/event-stream");
    assert_eq!(
        sent.body,
        json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are Nova, the helpful assistant of Acme Bikes."},
                {"role": "user", "content": "Hi!"},
                {"role": "assistant", "content": "Hello! How can I help?"},
                {"role": "user", "content": "Do you repair e-bikes?"},
            ],
            "stream": true,
            "stream_options": {"include_usage": true},
            "max_tokens": 256,
            "temperature": 0.5,
        })
    );
}

#[tokio::test]
async fn a_local_server_without_a_key_gets_no_authorization_and_may_omit_done() {
    // llama.cpp server and some proxies close after the finishing chunk without `[DONE]`.
    let body = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hola\"},\"finish_reason\":null}],\"created\":1,\"model\":\"qwen2.5\",\"object\":\"chat.completion.chunk\"}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"created\":1,\"model\":\"qwen2.5\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":2,\"prompt_tokens\":30,\"total_tokens\":32}}\n\n",
    );
    let server = TestServer::start(vec![Reply::sse(body, 64)]).await;
    let got = ask(config(RemoteKind::OpenAiCompatible, &format!("{}/v1/", server.base), "qwen2.5", None))
        .await
        .expect("answer");
    assert_eq!(got.text, "Hola");
    assert_eq!(got.usage, vec![Usage { input_tokens: 30, output_tokens: 2 }]);
    assert_eq!(got.error, None);
    let sent = &server.requests()[0];
    assert_eq!(sent.target, "/v1/chat/completions", "a trailing slash in the base URL is tolerated");
    assert!(!sent.headers.contains_key("authorization"));
}

#[tokio::test]
async fn an_error_object_mid_stream_ends_the_stream_with_an_upstream_error() {
    let body = concat!(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Yes, \"},\"finish_reason\":null}]}\n\n",
        "data: {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"never shown\"},\"finish_reason\":null}]}\n\n",
    );
    let server = TestServer::start(vec![Reply::sse(body, 11)]).await;
    let got = ask(config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o", None)).await.expect("started");
    assert_eq!(got.text, "Yes, ");
    assert!(
        matches!(&got.error, Some(LlmError::Upstream { kind, message }) if kind == "server_error" && message.starts_with("The server had an error")),
        "{:?}",
        got.error
    );
}

#[tokio::test]
async fn a_malformed_chunk_after_text_is_a_malformed_stream_error() {
    let body = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\n\n",
    );
    let server = TestServer::start(vec![Reply::sse(body, 3)]).await;
    let got = ask(config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o", None)).await.expect("started");
    assert_eq!(got.text, "Hi");
    assert!(matches!(got.error, Some(LlmError::MalformedStream(_))), "{:?}", got.error);
}

#[tokio::test]
async fn a_malformed_first_chunk_fails_the_call_without_retrying() {
    let server = TestServer::start(vec![Reply::sse("data: [1, 2, 3]\n\n", 64), Reply::sse(STREAM, 64)]).await;
    let error = ask(config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o", None)).await.expect_err("malformed");
    assert!(matches!(error, LlmError::MalformedStream(_)), "{error:?}");
    assert_eq!(server.requests().len(), 1, "a broken stream is not a transient failure");
}

#[tokio::test]
async fn a_connection_cut_before_the_end_is_an_error_not_a_short_answer() {
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Half an\"},\"finish_reason\":null}]}\n\n";
    let server = TestServer::start(vec![Reply::sse(body, 64).then(Part::Cut)]).await;
    let got = ask(config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o", None)).await.expect("started");
    assert_eq!(got.text, "Half an");
    assert!(matches!(got.error, Some(LlmError::Network(_) | LlmError::MalformedStream(_))), "{:?}", got.error);
}

#[tokio::test]
async fn a_clean_close_without_finish_reason_or_done_is_a_malformed_stream() {
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Half an\"},\"finish_reason\":null}]}\n\n";
    let server = TestServer::start(vec![Reply::sse(body, 64)]).await;
    let got = ask(config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o", None)).await.expect("started");
    assert!(matches!(got.error, Some(LlmError::MalformedStream(_))), "{:?}", got.error);
}
