use std::time::Duration;

use tokio::time::Instant;

use crate::server::{Reply, TestServer};
use crate::{ask, config, openai};
use animo_llm::{LlmError, RemoteKind, TimeoutKind};

#[tokio::test]
async fn a_429_with_retry_after_waits_that_long_then_succeeds() {
    let limited = Reply::status(429, r#"{"error":{"message":"Rate limit reached","type":"requests"}}"#)
        .with_header("retry-after", "1");
    let server = TestServer::start(vec![limited, Reply::sse(openai::STREAM, 64)]).await;
    let got = ask(config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o-mini", None)).await.expect("answer");
    assert_eq!(got.text, openai::ANSWER);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - requests[0].at;
    // Far beyond the 40–200 ms back-off this configuration would otherwise use.
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    assert!(waited < Duration::from_millis(2500), "retried after {waited:?}");
}

#[tokio::test]
async fn a_500_is_retried_after_a_short_backoff() {
    let server =
        TestServer::start(vec![Reply::status(500, r#"{"error":"boom"}"#), Reply::sse(crate::anthropic::STREAM, 64)])
            .await;
    let got = ask(config(RemoteKind::Anthropic, &server.base, "claude-haiku-4-5", None)).await.expect("answer");
    assert_eq!(got.text, "Yes — we repair e-bikes.");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - requests[0].at;
    // The first back-off is 40 ms with jitter: between 20 and 40 ms, plus scheduling.
    assert!(waited >= Duration::from_millis(20) && waited < Duration::from_millis(500), "retried after {waited:?}");
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    let overloaded =
        || Reply::status(529, r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#);
    let server = TestServer::start(vec![overloaded(), overloaded(), overloaded(), overloaded()]).await;
    let error = ask(config(RemoteKind::Anthropic, &server.base, "claude-haiku-4-5", None)).await.expect_err("failed");
    assert!(
        matches!(&error, LlmError::Http { status: 529, excerpt } if excerpt.contains("overloaded_error")),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_retry_after_beyond_the_total_budget_fails_at_once() {
    let limited = Reply::status(429, "{}").with_header("retry-after", "3600");
    let server = TestServer::start(vec![limited, Reply::sse(openai::STREAM, 64)]).await;
    let started = Instant::now();
    let error = ask(config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o", None)).await.expect_err("limited");
    assert_eq!(error, LlmError::RateLimited { retry_after: Some(Duration::from_secs(3600)) });
    assert!(started.elapsed() < Duration::from_millis(500), "gave up after {:?}", started.elapsed());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_client_error_is_not_retried_and_its_excerpt_never_shows_the_key() {
    let body = r#"{"error":{"message":"Incorrect API key provided: sk-live-abcdef123. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","code":"invalid_api_key"}}"#;
    let server = TestServer::start(vec![Reply::status(401, body), Reply::sse(openai::STREAM, 64)]).await;
    let error = ask(config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o", Some("sk-live-abcdef123")))
        .await
        .expect_err("refused");
    let LlmError::Http { status, excerpt } = &error else { panic!("{error:?}") };
    assert_eq!(*status, 401);
    assert!(excerpt.contains("invalid_api_key") && excerpt.contains("[redacted]"), "{excerpt}");
    assert!(!error.to_string().contains("sk-live-abcdef123"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_as_a_network_error() {
    // A port that was just free and is closed again refuses connections.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let started = Instant::now();
    let error = ask(config(RemoteKind::OpenAiCompatible, &base, "gpt-4o", None)).await.expect_err("refused");
    assert!(matches!(&error, LlmError::Network(message) if message.to_lowercase().contains("refused")), "{error:?}");
    // Two back-offs of 20–40 and 40–80 ms were waited.
    assert!(started.elapsed() >= Duration::from_millis(60), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_silent_server_hits_the_first_token_timeout() {
    let server = TestServer::start(vec![Reply::sse(openai::STREAM, 64).head_delayed(Duration::from_secs(5))]).await;
    let mut config = config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o", None);
    config.timeouts.first_token = Duration::from_millis(300);
    let started = Instant::now();
    let error = ask(config).await.expect_err("too slow");
    assert_eq!(error, LlmError::Timeout { which: TimeoutKind::FirstToken, after: Duration::from_millis(300) });
    let elapsed = started.elapsed();
    // Bounded by the limit, not by the server's 5 s silence.
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(server.requests().len(), 1, "a slow provider is not asked again; the chain moves on");
}

#[tokio::test]
async fn a_stream_that_stalls_after_its_first_words_hits_the_total_timeout() {
    let first = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Well\"},\"finish_reason\":null}]}\n\n";
    let server =
        TestServer::start(vec![Reply::sse(first, 64).then(crate::server::Part::Delay(Duration::from_secs(5)))]).await;
    let mut config = config(RemoteKind::OpenAiCompatible, &server.base, "gpt-4o", None);
    config.timeouts.total = Duration::from_millis(500);
    let started = Instant::now();
    let got = ask(config).await.expect("started");
    assert_eq!(got.text, "Well");
    assert_eq!(got.error, Some(LlmError::Timeout { which: TimeoutKind::Total, after: Duration::from_millis(500) }));
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}
