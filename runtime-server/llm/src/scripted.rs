//! A provider that plays a script: no network, exact timing, chosen failures. The server's tests
//! and its load benchmark use it as the instant test provider.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::provider::{Provider, until_first_text, with_deadline};
use crate::tokens::approximate_tokens;
use crate::{ChatRequest, Chunk, ChunkStream, LlmError, Usage};

/// One step of a script.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Wait this long.
    Delay(Duration),
    /// Send words.
    Text(String),
    /// Send a usage report.
    Usage(Usage),
    /// Fail with this error and end. Before any text it is the call's error; after, the stream's.
    Fail(LlmError),
}

/// A provider that plays the same script for every request.
#[derive(Debug)]
pub struct ScriptedProvider {
    label: String,
    model: String,
    steps: Vec<Step>,
    first_token_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    calls: AtomicU32,
}

impl ScriptedProvider {
    /// A provider labelled `scripted` that plays `steps`.
    pub fn new(model: impl Into<String>, steps: Vec<Step>) -> Self {
        Self {
            label: "scripted".to_owned(),
            model: model.into(),
            steps,
            first_token_timeout: None,
            total_timeout: None,
            calls: AtomicU32::new(0),
        }
    }

    /// Answers `text` at once, a word per chunk, followed by an estimated usage report: the
    /// instant provider for tests and benchmarks of everything around the model.
    pub fn instant(text: &str) -> Self {
        let mut steps: Vec<Step> = text.split_inclusive(' ').map(|word| Step::Text(word.to_owned())).collect();
        steps.push(Step::Usage(Usage { input_tokens: 0, output_tokens: approximate_tokens(text) }));
        Self::new("scripted", steps)
    }

    /// Gives up with a first-token timeout, as a remote provider does, when no text has come
    /// within `limit`.
    #[must_use]
    pub fn with_first_token_timeout(mut self, limit: Duration) -> Self {
        self.first_token_timeout = Some(limit);
        self
    }

    /// Ends with a total timeout when the script runs longer than `limit`.
    #[must_use]
    pub fn with_total_timeout(mut self, limit: Duration) -> Self {
        self.total_timeout = Some(limit);
        self
    }

    /// Uses `label` in logs and failures instead of `scripted`.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// How many times `stream` was called.
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl Provider for ScriptedProvider {
    fn label(&self) -> &str {
        &self.label
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, LlmError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let start = Instant::now();
        // The prompt's size is estimated so usage-driven code (budgets) sees plausible numbers.
        let prompt = approximate_tokens(&request.system)
            + request.messages.iter().map(|m| approximate_tokens(&m.content)).sum::<u32>();
        let steps = self.steps.clone().into_iter().map(move |step| match step {
            Step::Usage(usage) if usage.input_tokens == 0 => Step::Usage(Usage { input_tokens: prompt, ..usage }),
            step => step,
        });
        let played = futures::stream::unfold(Some(steps), |steps| async move {
            let mut steps = steps?;
            loop {
                match steps.next()? {
                    Step::Delay(wait) => tokio::time::sleep(wait).await,
                    Step::Text(text) => return Some((Ok(Chunk::Text(text)), Some(steps))),
                    Step::Usage(usage) => return Some((Ok(Chunk::Usage(usage)), Some(steps))),
                    // Nothing follows an error.
                    Step::Fail(error) => return Some((Err(error), None)),
                }
            }
        });
        let mut stream: ChunkStream = Box::pin(played);
        if let Some(limit) = self.total_timeout {
            stream = with_deadline(stream, start + limit, limit);
        }
        until_first_text(stream, self.first_token_timeout.map(|limit| (start + limit, limit))).await
    }
}
