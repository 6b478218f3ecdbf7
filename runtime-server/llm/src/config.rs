//! How to reach one provider: kind, endpoint, key, model, time limits and retries.

use std::fmt;
use std::time::Duration;

use animo_shared::bot::{ProviderChoice, ProviderKind};

use crate::LlmError;

/// Which wire protocol a remote provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemoteKind {
    /// OpenAI Chat Completions with server-sent events: OpenAI itself, Ollama, vLLM, llama.cpp
    /// server, OpenRouter and the many others that copy it.
    OpenAiCompatible,
    /// Anthropic's Messages API.
    Anthropic,
    /// Google's Gemini API with an API key (`generativelanguage.googleapis.com`).
    Gemini,
    /// Gemini through Google Cloud Vertex AI, with an OAuth bearer token; the base URL holds the
    /// project and location (see [`vertex_base_url`]).
    Vertex,
}

impl RemoteKind {
    /// The provider's public endpoint, used when no base URL is configured. Vertex has none
    /// without a project, so its default is the global location's root; build a real one with
    /// [`vertex_base_url`].
    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::OpenAiCompatible => "https://api.openai.com/v1",
            Self::Anthropic => "https://api.anthropic.com",
            Self::Gemini => "https://generativelanguage.googleapis.com/v1beta",
            Self::Vertex => "https://aiplatform.googleapis.com/v1",
        }
    }

    /// A short stable name for logs, metrics and breaker keys.
    pub fn label(self) -> &'static str {
        match self {
            Self::OpenAiCompatible => "openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::Vertex => "vertex",
        }
    }
}

/// The Vertex AI base URL of a project and location (`global` or a region such as `us-central1`).
pub fn vertex_base_url(project: &str, location: &str) -> String {
    let host = if location == "global" {
        "aiplatform.googleapis.com".to_owned()
    } else {
        format!("{location}-aiplatform.googleapis.com")
    };
    format!("https://{host}/v1/projects/{project}/locations/{location}")
}

/// A credential. `Debug` never shows it; read it with [`Secret::expose`] where it is sent.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, for the one place that puts it into a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Time limits of one provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timeouts {
    /// Opening the connection (TCP and TLS).
    pub connect: Duration,
    /// From sending one attempt's request to the answer's first words. Past it the attempt is
    /// abandoned and, in a chain, the next provider is asked.
    pub first_token: Duration,
    /// The whole exchange from the call to `stream`: every attempt, every back-off wait and the
    /// streaming of the answer.
    pub total: Duration,
}

impl Default for Timeouts {
    /// 5 s to connect, 20 s to the first words (large models under load can think that long),
    /// 120 s in all.
    fn default() -> Self {
        Self { connect: Duration::from_secs(5), first_token: Duration::from_secs(20), total: Duration::from_secs(120) }
    }
}

/// How a provider's transient failures before the first token are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included; 1 means no retry.
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles for each further one.
    pub initial_backoff: Duration,
    /// The longest computed wait. A provider's `Retry-After` may ask for longer and is honoured
    /// while it fits in the total time limit.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 250 ms then 500 ms (each with jitter), at most 4 s.
    fn default() -> Self {
        Self { max_attempts: 3, initial_backoff: Duration::from_millis(250), max_backoff: Duration::from_secs(4) }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` after `attempt` failed (1-based), without jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(20);
        self.initial_backoff.saturating_mul(1 << doublings).min(self.max_backoff)
    }
}

/// Everything needed to talk to one remote provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProviderConfig {
    /// The wire protocol.
    pub kind: RemoteKind,
    /// The API root, without a trailing slash: `https://api.openai.com/v1`,
    /// `http://localhost:11434/v1` for Ollama, `https://api.anthropic.com`…
    pub base_url: String,
    /// The API key (OpenAI-compatible, Anthropic, Gemini) or bearer token (Vertex). Local
    /// servers usually need none.
    pub api_key: Option<Secret>,
    /// The model to ask.
    pub model: String,
    /// Time limits.
    pub timeouts: Timeouts,
    /// Retries before the first token.
    pub retry: RetryPolicy,
}

impl ProviderConfig {
    /// A configuration with the provider's public endpoint and the default limits.
    pub fn new(kind: RemoteKind, model: impl Into<String>, api_key: Option<Secret>) -> Self {
        Self {
            kind,
            base_url: kind.default_base_url().to_owned(),
            api_key,
            model: model.into(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// The configuration for one entry of a bot's chain, or `None` for the offline responder,
    /// which is the server's own. A Gemini entry whose base URL is a Vertex AI endpoint
    /// (`…aiplatform.googleapis.com…`) speaks Vertex, with the key taken as a bearer token.
    pub fn from_choice(choice: &ProviderChoice, api_key: Option<Secret>) -> Option<Self> {
        let base_url = choice.base_url.as_ref().map(|url| url.as_str());
        let kind = match choice.provider {
            ProviderKind::Offline => return None,
            ProviderKind::Openai => RemoteKind::OpenAiCompatible,
            ProviderKind::Anthropic => RemoteKind::Anthropic,
            ProviderKind::Gemini if base_url.is_some_and(|url| url.contains("aiplatform.googleapis.com")) => {
                RemoteKind::Vertex
            }
            ProviderKind::Gemini => RemoteKind::Gemini,
        };
        let model = choice.model.as_ref().map(|m| m.as_str().to_owned()).unwrap_or_default();
        let mut config = Self::new(kind, model, api_key);
        if let Some(url) = base_url {
            config.base_url = url.to_owned();
        }
        Some(config)
    }

    /// The key under which this provider's circuit breaker is shared: the same endpoint and model
    /// fail together whichever bot asks.
    pub fn breaker_key(&self) -> String {
        format!("{}|{}|{}", self.kind.label(), self.base_url.trim_end_matches('/'), self.model)
    }

    /// Refuses configurations that cannot work, so mistakes show when a chain is built rather
    /// than as a failure on every visitor's message.
    pub fn validate(&self) -> Result<(), LlmError> {
        let url = &self.base_url;
        let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
            return Err(LlmError::Config(format!("base URL {url:?} must be an http:// or https:// URL with a host")));
        }
        if self.model.trim().is_empty() || self.model.chars().any(|c| c.is_whitespace() || c == '?' || c == '#') {
            return Err(LlmError::Config(format!("model name {:?} is empty or has spaces, ? or #", self.model)));
        }
        if self.kind == RemoteKind::Vertex && !url.contains("/projects/") {
            return Err(LlmError::Config(
                "a Vertex base URL names its project and location: /v1/projects/P/locations/L".into(),
            ));
        }
        let t = self.timeouts;
        if t.connect.is_zero() || t.first_token.is_zero() || t.total.is_zero() {
            return Err(LlmError::Config("timeouts must be longer than zero".into()));
        }
        if self.retry.max_attempts == 0 {
            return Err(LlmError::Config("max_attempts must be at least 1".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let config = ProviderConfig::new(RemoteKind::Anthropic, "claude-sonnet-4-5", Some(Secret::new("sk-ant-xyz")));
        let shown = format!("{config:?}");
        assert!(!shown.contains("sk-ant-xyz"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 9,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(450),
        };
        let waits: Vec<u128> = (1..=5).map(|a| policy.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 450, 450]);
    }

    #[test]
    fn vertex_urls_name_project_and_location() {
        assert_eq!(
            vertex_base_url("acme", "europe-west4"),
            "https://europe-west4-aiplatform.googleapis.com/v1/projects/acme/locations/europe-west4"
        );
        assert_eq!(
            vertex_base_url("acme", "global"),
            "https://aiplatform.googleapis.com/v1/projects/acme/locations/global"
        );
    }

    #[test]
    fn validation_refuses_what_cannot_work() {
        let good = ProviderConfig::new(RemoteKind::OpenAiCompatible, "gpt-4o-mini", None);
        assert_eq!(good.validate(), Ok(()));
        let mut bad = good.clone();
        bad.base_url = "localhost:11434".into();
        assert!(matches!(bad.validate(), Err(LlmError::Config(_))));
        let mut bad = good.clone();
        bad.model = "  ".into();
        assert!(matches!(bad.validate(), Err(LlmError::Config(_))));
        let vertex = ProviderConfig::new(RemoteKind::Vertex, "gemini-2.5-flash", None);
        assert!(matches!(vertex.validate(), Err(LlmError::Config(_))));
    }

    #[test]
    fn chain_entries_become_configs() {
        let choice: ProviderChoice = serde_json::from_value(serde_json::json!({
            "provider": "gemini",
            "model": "gemini-2.5-flash",
            "base_url": "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1"
        }))
        .expect("valid choice");
        let config = ProviderConfig::from_choice(&choice, Some(Secret::new("token"))).expect("remote");
        assert_eq!(config.kind, RemoteKind::Vertex);
        assert_eq!(config.model, "gemini-2.5-flash");
        let offline: ProviderChoice =
            serde_json::from_value(serde_json::json!({"provider": "offline"})).expect("valid choice");
        assert_eq!(ProviderConfig::from_choice(&offline, None), None);
        let openai: ProviderChoice =
            serde_json::from_value(serde_json::json!({"provider": "openai", "model": "gpt-4o"})).expect("valid choice");
        let config = ProviderConfig::from_choice(&openai, None).expect("remote");
        assert_eq!(config.base_url, "https://api.openai.com/v1");
        assert_eq!(config.breaker_key(), "openai|https://api.openai.com/v1|gpt-4o");
    }
}
