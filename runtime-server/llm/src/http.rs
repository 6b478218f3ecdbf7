//! The HTTP machinery the remote providers share: one attempt, retries, error mapping and
//! turning a server-sent-events body into chunks. What differs between providers (endpoint,
//! headers, request body, event meaning) is a [`Wire`].

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

use crate::config::ProviderConfig;
use crate::error::excerpt;
use crate::provider::{Provider, until_first_text, with_deadline};
use crate::sse::{SseEvent, SseParser};
use crate::{ChatRequest, Chunk, ChunkStream, LlmError, TimeoutKind};

/// What one provider's protocol looks like on the wire.
pub(crate) trait Wire: Send + Sync + 'static {
    /// The streaming endpoint for this configuration.
    fn url(&self, config: &ProviderConfig) -> String;
    /// Authentication and version headers.
    fn headers(&self, config: &ProviderConfig) -> Vec<(&'static str, String)>;
    /// The JSON body asking for a streamed answer.
    fn body(&self, config: &ProviderConfig, request: &ChatRequest) -> serde_json::Value;
    /// A fresh reader for one response's events.
    fn decoder(&self) -> Box<dyn Decoder>;
}

/// Reads one response's events into chunks.
pub(crate) trait Decoder: Send {
    /// Handles one event; returns `true` once the protocol's end marker has been seen.
    fn event(&mut self, event: SseEvent, out: &mut VecDeque<Result<Chunk, LlmError>>) -> bool;
    /// The body ended without the end marker. The default treats that as a cut-off answer.
    fn end_without_marker(&mut self, out: &mut VecDeque<Result<Chunk, LlmError>>) {
        out.push_back(Err(LlmError::MalformedStream("the stream ended before its end marker".into())));
    }
}

/// Parses an event's data as a JSON object, or explains why it is not one.
pub(crate) fn json_object(event: &SseEvent) -> Result<serde_json::Map<String, serde_json::Value>, LlmError> {
    match serde_json::from_str::<serde_json::Value>(&event.data) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => {
            Err(LlmError::MalformedStream(format!("event data is not a JSON object: {}", excerpt(&event.data, None))))
        }
        Err(error) => Err(LlmError::MalformedStream(format!("{error} in event data {}", excerpt(&event.data, None)))),
    }
}

/// Reads a token count that may be missing or null.
pub(crate) fn count(value: Option<&serde_json::Value>) -> Option<u32> {
    value.and_then(serde_json::Value::as_u64).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// A provider reached over HTTP with streaming bodies.
pub(crate) struct HttpProvider<W> {
    config: ProviderConfig,
    wire: W,
    client: reqwest::Client,
    url: String,
    headers: HeaderMap,
}

impl<W> std::fmt::Debug for HttpProvider<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProvider").field("config", &self.config).field("url", &self.url).finish_non_exhaustive()
    }
}

impl<W: Wire> HttpProvider<W> {
    pub(crate) fn new(config: ProviderConfig, wire: W) -> Result<Self, LlmError> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .build()
            .map_err(|error| LlmError::Config(format!("HTTP client: {error}")))?;
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static("text/event-stream"));
        for (name, value) in wire.headers(&config) {
            let mut value = HeaderValue::from_str(&value).map_err(|_| {
                LlmError::Config(format!("the value for header {name} has characters HTTP cannot carry"))
            })?;
            if name == "authorization" || name.contains("key") {
                value.set_sensitive(true);
            }
            headers.insert(HeaderName::from_static(name), value);
        }
        let url = wire.url(&config);
        Ok(Self { config, wire, client, url, headers })
    }

    fn secret(&self) -> Option<&str> {
        self.config.api_key.as_ref().map(|key| key.expose())
    }

    /// One request: waits for the response head and then the first text, within the attempt's
    /// first-token deadline and the exchange's total deadline.
    async fn attempt(&self, body: Bytes, total_deadline: Instant) -> Result<ChunkStream, LlmError> {
        let timeouts = self.config.timeouts;
        let first_deadline = Instant::now() + timeouts.first_token;
        let (deadline, missed) = if total_deadline <= first_deadline {
            (total_deadline, LlmError::Timeout { which: TimeoutKind::Total, after: timeouts.total })
        } else {
            (first_deadline, LlmError::Timeout { which: TimeoutKind::FirstToken, after: timeouts.first_token })
        };
        let send = self.client.post(&self.url).headers(self.headers.clone()).body(body).send();
        let response = match tokio::time::timeout_at(deadline, send).await {
            Err(_) => return Err(missed),
            Ok(Err(error)) => return Err(self.network_error(&error)),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if !status.is_success() {
            return Err(self.status_error(response, deadline).await);
        }
        let body = response.bytes_stream().map(|piece| piece.map_err(|error| error.to_string()));
        let chunks = decode_events(Box::pin(body), self.wire.decoder(), self.secret().map(str::to_owned));
        let chunks = with_deadline(chunks, total_deadline, timeouts.total);
        until_first_text(chunks, Some((first_deadline, timeouts.first_token))).await
    }

    async fn status_error(&self, response: reqwest::Response, deadline: Instant) -> LlmError {
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return LlmError::RateLimited { retry_after: retry_after(response.headers()) };
        }
        // The body explains the refusal; read a little of it, but never wait past the deadline
        // nor read a huge body for an excerpt.
        let mut text = Vec::new();
        let mut body = response.bytes_stream();
        let read = async {
            while let Some(Ok(piece)) = body.next().await {
                text.extend_from_slice(&piece);
                if text.len() > 4096 {
                    break;
                }
            }
        };
        // A body that does not arrive in time leaves the excerpt short; the status says enough.
        let _ = tokio::time::timeout_at(deadline, read).await;
        LlmError::Http { status: status.as_u16(), excerpt: excerpt(&String::from_utf8_lossy(&text), self.secret()) }
    }

    fn network_error(&self, error: &reqwest::Error) -> LlmError {
        if error.is_connect() && error.is_timeout() {
            return LlmError::Timeout { which: TimeoutKind::Connect, after: self.config.timeouts.connect };
        }
        // reqwest's own message is generic ("error sending request"); the cause is in the chain.
        let mut message = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        LlmError::Network(excerpt(&message, self.secret()))
    }
}

/// Reads `Retry-After` (whole or fractional seconds; the HTTP-date form is ignored as no model
/// provider uses it) or OpenAI's `retry-after-ms`.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    header("retry-after").and_then(|v| v.parse::<f64>().ok()).and_then(|s| Duration::try_from_secs_f64(s).ok())
}

/// Waits `base` halved plus a random part of the other half, so that clients that failed together
/// do not retry together.
fn jittered(base: Duration) -> Duration {
    let half = base / 2;
    let extra = rand::random_range(0..=half.as_micros().min(u128::from(u64::MAX)) as u64);
    half + Duration::from_micros(extra)
}

#[async_trait]
impl<W: Wire> Provider for HttpProvider<W> {
    fn label(&self) -> &str {
        self.config.kind.label()
    }

    fn model(&self) -> &str {
        &self.config.model
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, LlmError> {
        let total_deadline = Instant::now() + self.config.timeouts.total;
        let body = serde_json::to_vec(&self.wire.body(&self.config, request))
            .map_err(|error| LlmError::Config(format!("request body: {error}")))?;
        let body = Bytes::from(body);
        let policy = self.config.retry;
        let mut attempt = 1;
        loop {
            let error = match self.attempt(body.clone(), total_deadline).await {
                Ok(stream) => return Ok(stream),
                Err(error) => error,
            };
            if attempt >= policy.max_attempts || !error.is_retryable() {
                return Err(error);
            }
            let wait = match &error {
                LlmError::RateLimited { retry_after: Some(wait) } => *wait,
                _ => jittered(policy.backoff(attempt)),
            };
            if Instant::now() + wait >= total_deadline {
                return Err(error);
            }
            tracing::debug!(provider = self.label(), model = %self.config.model, attempt, ?wait, %error, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

type Body = Pin<Box<dyn Stream<Item = Result<Bytes, String>> + Send>>;

struct Decoding {
    body: Body,
    parser: SseParser,
    decoder: Box<dyn Decoder>,
    events: Vec<SseEvent>,
    queue: VecDeque<Result<Chunk, LlmError>>,
    finished: bool,
    secret: Option<String>,
}

/// Turns a body of server-sent events into chunks; the stream ends after the protocol's end
/// marker, or after the first error.
pub(crate) fn decode_events(body: Body, decoder: Box<dyn Decoder>, secret: Option<String>) -> ChunkStream {
    let state = Decoding {
        body,
        parser: SseParser::new(),
        decoder,
        events: Vec::new(),
        queue: VecDeque::new(),
        finished: false,
        secret,
    };
    Box::pin(futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.queue.pop_front() {
                if item.is_err() {
                    state.queue.clear();
                    state.finished = true;
                }
                return Some((item, state));
            }
            if state.finished {
                return None;
            }
            state.read_more().await;
        }
    }))
}

impl Decoding {
    async fn read_more(&mut self) {
        match self.body.next().await {
            Some(Ok(bytes)) => {
                if let Err(error) = self.parser.feed(&bytes, &mut self.events) {
                    self.queue.push_back(Err(LlmError::MalformedStream(error.to_string())));
                    return;
                }
                for event in self.events.drain(..) {
                    if self.decoder.event(event, &mut self.queue) {
                        self.finished = true;
                        break;
                    }
                }
            }
            Some(Err(error)) => {
                self.queue.push_back(Err(LlmError::Network(excerpt(&error, self.secret.as_deref()))));
            }
            None => {
                self.parser.finish();
                self.decoder.end_without_marker(&mut self.queue);
                self.finished = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_milliseconds() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after", HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn jitter_stays_between_half_and_the_whole_wait() {
        let base = Duration::from_millis(400);
        for _ in 0..200 {
            let wait = jittered(base);
            assert!(wait >= base / 2 && wait <= base, "{wait:?}");
        }
    }
}
