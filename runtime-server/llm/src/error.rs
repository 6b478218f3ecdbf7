//! The one error type of the crate.

use std::fmt;
use std::time::Duration;

/// Which time limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutKind {
    /// Opening the TCP (and TLS) connection.
    Connect,
    /// From sending the request to the answer's first words.
    FirstToken,
    /// The whole exchange, retries and streaming included.
    Total,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connect",
            Self::FirstToken => "first token",
            Self::Total => "total",
        })
    }
}

/// Why one provider of a chain was not used.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderFailure {
    /// Position in the chain.
    pub index: usize,
    /// The provider's label (`openai`, `anthropic`…).
    pub label: String,
    /// The model that was asked.
    pub model: String,
    /// What went wrong.
    pub error: LlmError,
}

/// Everything that can go wrong when asking a model.
///
/// It is `Clone` and holds only text, so it can be logged, stored and scripted; it never holds
/// an API key (error bodies are cut short and scrubbed of the key before they land here).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// A time limit ran out.
    #[error("{which} timeout after {after:?}")]
    Timeout {
        /// Which limit.
        which: TimeoutKind,
        /// The limit that was exceeded.
        after: Duration,
    },
    /// The provider answered 429 (or said so in the stream) and retries did not help in time.
    #[error("rate limited by the provider{}", retry_after.map(|d| format!(", retry after {d:?}")).unwrap_or_default())]
    RateLimited {
        /// What the provider's `Retry-After` asked for, when it said.
        retry_after: Option<Duration>,
    },
    /// The provider answered with an unexpected HTTP status.
    #[error("HTTP {status}: {excerpt}")]
    Http {
        /// The status code.
        status: u16,
        /// The start of the response body, at most a few hundred characters.
        excerpt: String,
    },
    /// The provider reported an error inside the stream (an `error` event, an `error` object).
    #[error("provider error {kind}: {message}")]
    Upstream {
        /// The provider's error type, such as `overloaded_error`.
        kind: String,
        /// The provider's message, cut short.
        message: String,
    },
    /// The stream did not follow the provider's format, or ended before its end marker.
    #[error("malformed stream: {0}")]
    MalformedStream(String),
    /// The connection failed or broke.
    #[error("network error: {0}")]
    Network(String),
    /// The provider's circuit breaker is open after repeated failures; it was not called.
    #[error("circuit open, next try in {retry_in:?}")]
    CircuitOpen {
        /// Time until the breaker lets a probe through.
        retry_in: Duration,
    },
    /// Every provider of a chain failed before saying anything.
    #[error("all providers failed: {}", summary(.0))]
    AllFailed(Vec<ProviderFailure>),
    /// The configuration cannot work (empty model, bad base URL…).
    #[error("invalid provider configuration: {0}")]
    Config(String),
}

fn summary(failures: &[ProviderFailure]) -> String {
    failures.iter().map(|f| format!("#{} {} {}: {}", f.index, f.label, f.model, f.error)).collect::<Vec<_>>().join("; ")
}

impl LlmError {
    /// Whether trying the same provider again soon may succeed: 429, 5xx, connection failures.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Network(_) => true,
            Self::Timeout { which, .. } => *which == TimeoutKind::Connect,
            Self::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// The longest piece of a provider's error text kept in an error.
pub(crate) const EXCERPT_CHARS: usize = 300;

/// Cuts provider text down to an excerpt and removes the API key wherever it appears, since
/// some providers echo the key (or part of the request) back in their error bodies.
pub(crate) fn excerpt(text: &str, secret: Option<&str>) -> String {
    let mut text = text.trim().to_owned();
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        text = text.replace(secret, "[redacted]");
    }
    let mut cut: String = text.chars().take(EXCERPT_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_removes_the_key_and_cuts_long_bodies() {
        let body = format!("invalid key sk-secret-123 {}", "x".repeat(1000));
        let cut = excerpt(&body, Some("sk-secret-123"));
        assert!(!cut.contains("sk-secret-123"));
        assert!(cut.starts_with("invalid key [redacted] xx"));
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn retryable_errors_are_rate_limits_server_errors_and_connection_failures() {
        assert!(LlmError::RateLimited { retry_after: None }.is_retryable());
        assert!(LlmError::Http { status: 503, excerpt: String::new() }.is_retryable());
        assert!(LlmError::Network("reset".into()).is_retryable());
        assert!(!LlmError::Http { status: 401, excerpt: String::new() }.is_retryable());
        let slow = LlmError::Timeout { which: TimeoutKind::FirstToken, after: Duration::from_secs(1) };
        assert!(!slow.is_retryable());
        assert!(LlmError::Timeout { which: TimeoutKind::Connect, after: Duration::from_secs(1) }.is_retryable());
    }
}
