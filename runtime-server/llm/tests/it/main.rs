//! Protocol tests: each provider against a local server that speaks its streaming format byte
//! for byte, and chains, retries, timeouts and breakers over those servers.

mod anthropic;
mod chain;
mod gemini;
mod openai;
mod retries;
mod server;

use std::time::Duration;

use animo_llm::{
    ChatMessage, ChatRequest, Chunk, ChunkStream, LlmError, ProviderConfig, RemoteKind, RetryPolicy, Secret, Timeouts,
    Usage,
};
use futures::StreamExt;

/// What a stream delivered.
#[derive(Debug, Default)]
pub struct Collected {
    pub text: String,
    pub pieces: usize,
    pub usage: Vec<Usage>,
    pub error: Option<LlmError>,
}

pub async fn collect(mut stream: ChunkStream) -> Collected {
    let mut out = Collected::default();
    while let Some(item) = stream.next().await {
        assert!(out.error.is_none(), "nothing may follow an error, got {item:?}");
        match item {
            Ok(Chunk::Text(text)) => {
                assert!(out.usage.is_empty(), "text after usage: {text:?}");
                out.text.push_str(&text);
                out.pieces += 1;
            }
            Ok(Chunk::Usage(usage)) => out.usage.push(usage),
            Err(error) => out.error = Some(error),
        }
    }
    out
}

/// A configuration for a local test server: short limits so failures show quickly.
pub fn config(kind: RemoteKind, base_url: &str, model: &str, key: Option<&str>) -> ProviderConfig {
    ProviderConfig {
        kind,
        base_url: base_url.to_owned(),
        api_key: key.map(Secret::new),
        model: model.to_owned(),
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            first_token: Duration::from_secs(3),
            total: Duration::from_secs(10),
        },
        retry: RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(40),
            max_backoff: Duration::from_millis(200),
        },
    }
}

pub fn request() -> ChatRequest {
    ChatRequest {
        system: "You are Nova, the helpful assistant of Acme Bikes.".into(),
        messages: vec![
            ChatMessage::user("Hi!"),
            ChatMessage::assistant("Hello! How can I help?"),
            ChatMessage::user("Do you repair e-bikes?"),
        ],
        max_output_tokens: 256,
        temperature: Some(0.5),
    }
}

pub async fn ask(config: ProviderConfig) -> Result<Collected, LlmError> {
    let provider = animo_llm::build(config).expect("valid config");
    let stream = provider.stream(&request()).await?;
    Ok(collect(stream).await)
}
