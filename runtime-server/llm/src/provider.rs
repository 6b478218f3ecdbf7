//! The provider trait, and the stream adapters every provider shares.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use tokio::time::Instant;

use crate::config::{ProviderConfig, RemoteKind};
use crate::http::HttpProvider;
use crate::{ChatRequest, Chunk, ChunkStream, LlmError, TimeoutKind};

/// A language model that streams answers.
///
/// Contract: `stream` resolves only once the answer's first text has arrived (or the answer
/// ended without any), having retried what is worth retrying. An `Err` therefore means the
/// visitor has seen nothing yet and another provider may be asked; errors after that point come
/// as an `Err` item of the stream, after which the stream ends.
#[async_trait]
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// A short name for logs and metrics (`openai`, `anthropic`, `gemini`, `vertex`, `scripted`).
    fn label(&self) -> &str;
    /// The model asked.
    fn model(&self) -> &str;
    /// Asks for an answer.
    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, LlmError>;
}

/// Builds the provider a configuration describes. Refuses configurations that cannot work
/// ([`ProviderConfig::validate`]).
///
/// Each provider owns a connection pool; build a provider once per configuration and share the
/// `Arc` (the [`crate::Registry`] does this), rather than once per message.
pub fn build(config: ProviderConfig) -> Result<Arc<dyn Provider>, LlmError> {
    config.validate()?;
    let provider: Arc<dyn Provider> = match config.kind {
        RemoteKind::OpenAiCompatible => Arc::new(HttpProvider::new(config, crate::openai::OpenAi)?),
        RemoteKind::Anthropic => Arc::new(HttpProvider::new(config, crate::anthropic::Anthropic)?),
        RemoteKind::Gemini | RemoteKind::Vertex => Arc::new(HttpProvider::new(config, crate::gemini::Gemini)?),
    };
    Ok(provider)
}

/// Reads `stream` until its first text, then hands back a stream that replays what was read and
/// goes on. An error or a missed `first_token` deadline before the first text is returned as `Err`,
/// so the caller can try elsewhere.
pub(crate) async fn until_first_text(
    mut stream: ChunkStream,
    first_token: Option<(Instant, Duration)>,
) -> Result<ChunkStream, LlmError> {
    let mut seen = Vec::new();
    loop {
        let next = match first_token {
            Some((deadline, after)) => tokio::time::timeout_at(deadline, stream.next())
                .await
                .map_err(|_| LlmError::Timeout { which: TimeoutKind::FirstToken, after })?,
            None => stream.next().await,
        };
        match next {
            Some(Ok(chunk)) => {
                let is_text = matches!(&chunk, Chunk::Text(text) if !text.is_empty());
                seen.push(Ok(chunk));
                if is_text {
                    return Ok(Box::pin(futures::stream::iter(seen).chain(stream)));
                }
            }
            Some(Err(error)) => return Err(error),
            None => return Ok(Box::pin(futures::stream::iter(seen))),
        }
    }
}

/// Ends `stream` with a total-timeout error if it is still going at `deadline`.
pub(crate) fn with_deadline(stream: ChunkStream, deadline: Instant, after: Duration) -> ChunkStream {
    let state = Some(stream);
    Box::pin(futures::stream::unfold(state, move |state| async move {
        let mut stream = state?;
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(stream))),
            Ok(Some(Err(error))) => Some((Err(error), None)),
            Ok(None) => None,
            Err(_) => Some((Err(LlmError::Timeout { which: TimeoutKind::Total, after }), None)),
        }
    }))
}
