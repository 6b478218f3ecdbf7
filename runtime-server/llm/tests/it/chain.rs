use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::server::{Reply, TestServer};
use crate::{collect, config, openai, request};
use animo_llm::{
    BreakerSettings, BreakerState, Chain, ChainLink, LlmError, Provider, Registry, RemoteKind, ScriptedProvider, Step,
    TimeoutKind, Usage,
};

#[tokio::test]
async fn a_slow_first_token_falls_back_to_the_second_provider_within_a_second() {
    let slow = TestServer::start(vec![Reply::sse(openai::STREAM, 64).body_delayed(Duration::from_secs(5))]).await;
    let fast = TestServer::start(vec![Reply::sse(crate::anthropic::STREAM, 64)]).await;
    let mut first = config(RemoteKind::OpenAiCompatible, &slow.base, "gpt-4o-mini", None);
    first.timeouts.first_token = Duration::from_millis(400);
    let second = config(RemoteKind::Anthropic, &fast.base, "claude-haiku-4-5", None);
    let registry = Registry::default();
    let chain = registry.chain(&[first, second]).expect("valid chain");

    let started = Instant::now();
    let (index, stream) = chain.stream(&request()).await.expect("the second answers");
    assert_eq!(index, 1);
    let got = collect(stream).await;
    assert!(started.elapsed() < Duration::from_secs(1), "answered after {:?}", started.elapsed());
    assert_eq!(got.text, "Yes — we repair e-bikes.");
    assert_eq!(slow.requests().len(), 1);
}

#[tokio::test]
async fn a_failing_provider_is_skipped_without_waiting_once_its_breaker_opens() {
    // The dead provider answers 503 to everything; the breaker opens after two failed requests.
    let dead = TestServer::start((0..10).map(|_| Reply::status(503, "{}")).collect()).await;
    let mut dead_config = config(RemoteKind::OpenAiCompatible, &dead.base, "gpt-4o", None);
    dead_config.retry.max_attempts = 1;
    let registry = Registry::new(BreakerSettings { failure_threshold: 2, cool_down: Duration::from_secs(60) });
    let backup: Arc<dyn Provider> = Arc::new(ScriptedProvider::instant("From the backup."));
    let links = || -> Chain {
        let dead_link = ChainLink {
            provider: registry.provider(&dead_config).expect("valid"),
            breaker: registry.breakers().get(&dead_config.breaker_key()),
        };
        let backup_link = ChainLink { provider: Arc::clone(&backup), breaker: registry.breakers().get("backup") };
        Chain::new(vec![dead_link, backup_link])
    };

    for _ in 0..2 {
        let (index, stream) = links().stream(&request()).await.expect("backup answers");
        assert_eq!(index, 1);
        assert_eq!(collect(stream).await.text, "From the backup.");
    }
    assert_eq!(dead.requests().len(), 2);
    let breaker = registry.breakers().get(&dead_config.breaker_key());
    assert_eq!(breaker.state(), BreakerState::Open);

    let started = Instant::now();
    let (index, _) = links().stream(&request()).await.expect("backup answers");
    assert_eq!(index, 1);
    // Far below any of the dead provider's time limits.
    assert!(started.elapsed() < Duration::from_millis(200), "skipping took {:?}", started.elapsed());
    assert_eq!(dead.requests().len(), 2, "the dead provider was not called");
}

#[tokio::test]
async fn when_every_provider_fails_each_cause_is_reported() {
    let down = TestServer::start(vec![Reply::status(500, "{}")]).await;
    let mut down_config = config(RemoteKind::Gemini, &down.base, "gemini-2.5-flash", None);
    down_config.retry.max_attempts = 1;
    let registry = Registry::new(BreakerSettings { failure_threshold: 1, cool_down: Duration::from_secs(60) });
    let chain = registry.chain(&[down_config.clone()]).expect("valid");
    let error = chain.stream(&request()).await.map(|_| ()).expect_err("down");
    let LlmError::AllFailed(failures) = &error else { panic!("{error:?}") };
    assert_eq!(failures.len(), 1);
    assert_eq!(
        (failures[0].index, failures[0].label.as_str(), failures[0].model.as_str()),
        (0, "gemini", "gemini-2.5-flash")
    );
    assert!(matches!(failures[0].error, LlmError::Http { status: 500, .. }));

    // Its breaker is now open, so the next attempt reports that instead of calling.
    let scripted: Arc<dyn Provider> = Arc::new(
        ScriptedProvider::new("slowpoke", vec![Step::Delay(Duration::from_secs(5)), Step::Text("late".into())])
            .with_first_token_timeout(Duration::from_millis(100)),
    );
    let chain = Chain::new(vec![
        chain.links()[0].clone(),
        ChainLink { provider: scripted, breaker: registry.breakers().get("slowpoke") },
    ]);
    let error = chain.stream(&request()).await.map(|_| ()).expect_err("both fail");
    let LlmError::AllFailed(failures) = &error else { panic!("{error:?}") };
    assert!(matches!(failures[0].error, LlmError::CircuitOpen { retry_in } if retry_in > Duration::from_secs(50)));
    assert_eq!(
        failures[1].error,
        LlmError::Timeout { which: TimeoutKind::FirstToken, after: Duration::from_millis(100) }
    );
    assert_eq!(down.requests().len(), 1);
    assert!(error.to_string().contains("#1 scripted slowpoke: first token timeout"), "{error}");
}

#[tokio::test]
async fn an_error_after_the_first_words_is_surfaced_without_fallback() {
    let breaking = Arc::new(ScriptedProvider::new(
        "breaks",
        vec![Step::Text("Our shop ".into()), Step::Fail(LlmError::Network("connection reset".into()))],
    ));
    let backup = Arc::new(ScriptedProvider::instant("Backup answer."));
    let registry = Registry::new(BreakerSettings { failure_threshold: 1, cool_down: Duration::from_secs(60) });
    let breaker = registry.breakers().get("breaks");
    let chain = Chain::new(vec![
        ChainLink { provider: Arc::clone(&breaking) as Arc<dyn Provider>, breaker: Arc::clone(&breaker) },
        ChainLink { provider: Arc::clone(&backup) as Arc<dyn Provider>, breaker: registry.breakers().get("backup") },
    ]);
    let (index, stream) = chain.stream(&request()).await.expect("started");
    assert_eq!(index, 0);
    let got = collect(stream).await;
    assert_eq!(got.text, "Our shop ");
    assert_eq!(got.error, Some(LlmError::Network("connection reset".into())));
    assert_eq!(backup.calls(), 0, "the words were already out, so no second voice");
    assert_eq!(breaker.state(), BreakerState::Open, "a provider that breaks off answers counts as failing");
}

#[tokio::test]
async fn a_half_open_probe_that_succeeds_closes_the_breaker() {
    let flaky_server = TestServer::start(vec![Reply::status(502, "{}"), Reply::sse(openai::STREAM, 64)]).await;
    let mut flaky = config(RemoteKind::OpenAiCompatible, &flaky_server.base, "gpt-4o-mini", None);
    flaky.retry.max_attempts = 1;
    let registry = Registry::new(BreakerSettings { failure_threshold: 1, cool_down: Duration::from_millis(200) });
    let chain = registry.chain(&[flaky.clone()]).expect("valid");
    chain.stream(&request()).await.map(|_| ()).expect_err("502");
    let breaker = registry.breakers().get(&flaky.breaker_key());
    assert_eq!(breaker.state(), BreakerState::Open);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let (_, stream) = chain.stream(&request()).await.expect("the probe succeeds");
    assert_eq!(breaker.state(), BreakerState::Closed);
    assert_eq!(collect(stream).await.text, openai::ANSWER);
}

#[tokio::test]
async fn the_instant_provider_streams_words_and_plausible_usage() {
    let provider = ScriptedProvider::instant("Hello there, visitor.");
    let started = Instant::now();
    let got = collect(provider.stream(&request()).await.expect("scripted")).await;
    assert!(started.elapsed() < Duration::from_millis(200), "{:?}", started.elapsed());
    assert_eq!(got.text, "Hello there, visitor.");
    assert_eq!(got.pieces, 3);
    let Usage { input_tokens, output_tokens } = got.usage[0];
    assert_eq!(output_tokens, 6);
    assert!(input_tokens > 20, "the prompt is estimated: {input_tokens}");
    assert_eq!(provider.calls(), 1);
}
