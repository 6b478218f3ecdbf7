//! A bot's configuration: personality, model settings, widget look, allowed
//! origins and placement rules. The draft and every published version hold
//! one [`BotConfig`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{BotId, EmbedId};
use crate::text::{Label, ValidationError, bounded_text};
use crate::time::Timestamp;

bounded_text!(
    /// The bot's name, as visitors see it.
    BotName, 1, 80, multiline = false, default = "Assistant"
);
bounded_text!(
    /// The bot's role in one line, e.g. "Customer support for Acme bikes".
    BotRole, 0, 160, multiline = false, default = "Helpful website assistant"
);
bounded_text!(
    /// Free instructions describing who the bot is and how it behaves.
    PersonaPrompt, 0, 8000, multiline = true, default = ""
);
bounded_text!(
    /// The first message a visitor sees.
    Greeting, 0, 500, multiline = true, default = "Hi! How can I help you today?"
);
bounded_text!(
    /// What the bot says when it has no grounded answer.
    FallbackMessage, 1, 500, multiline = true,
    default = "I'm sorry, I don't know that yet. Could you rephrase, or ask me something else?"
);
bounded_text!(
    /// One guardrail rule, e.g. "Never give legal advice".
    GuardrailRule, 1, 300, multiline = false, default = "Stay on topic"
);
bounded_text!(
    /// A topic the bot must decline to discuss.
    ForbiddenTopic, 1, 100, multiline = false, default = "politics"
);
bounded_text!(
    /// A provider's model name, e.g. `gpt-4o-mini` or `llama3.2`.
    ModelName, 1, 200, multiline = false, default = "offline"
);
bounded_text!(
    /// A question of the bot's curated Q&A, as visitors might ask it.
    FaqQuestion, 1, 300, multiline = false, default = "What are your opening hours?"
);
bounded_text!(
    /// The curated answer to a Q&A question.
    FaqAnswer, 1, 2000, multiline = true, default = "We are open from 9 to 5, Monday to Friday."
);
bounded_text!(
    /// The text on the closed widget's launcher button.
    LauncherText, 0, 40, multiline = false, default = "Chat with us"
);

macro_rules! bounded_list {
    ($(#[$doc:meta])* $name:ident, $item:ty, $vec:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(try_from = $vec, into = $vec)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(Vec<$item>);

        impl $name {
            /// Most entries allowed.
            pub const MAX_ITEMS: usize = $max;

            /// The entries.
            pub fn items(&self) -> &[$item] {
                &self.0
            }
        }

        impl TryFrom<Vec<$item>> for $name {
            type Error = ValidationError;
            fn try_from(items: Vec<$item>) -> Result<Self, Self::Error> {
                if items.len() > $max {
                    return Err(ValidationError::new(
                        stringify!($name),
                        format!("must have at most {} entries (got {})", $max, items.len()),
                    ));
                }
                Ok(Self(items))
            }
        }

        impl From<$name> for Vec<$item> {
            fn from(list: $name) -> Self {
                list.0
            }
        }
    };
}

bounded_list!(
    /// Guardrail rules the bot must follow.
    Guardrails, GuardrailRule, "Vec<GuardrailRule>", 30
);
bounded_list!(
    /// Topics the bot declines.
    ForbiddenTopics, ForbiddenTopic, "Vec<ForbiddenTopic>", 50
);
bounded_list!(
    /// The bot's curated questions and answers.
    Faq, FaqEntry, "Vec<FaqEntry>", 200
);
bounded_list!(
    /// Origins allowed to embed the bot.
    AllowedOrigins, Origin, "Vec<Origin>", 50
);
bounded_list!(
    /// URL patterns for placement rules.
    UrlPatterns, UrlPattern, "Vec<UrlPattern>", 50
);

/// One curated question and its answer; the offline responder answers from
/// these, and model prompts include them as a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaqEntry {
    /// The question.
    pub question: FaqQuestion,
    /// The answer.
    pub answer: FaqAnswer,
}

/// How the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Tone {
    /// Warm and informal.
    #[default]
    Friendly,
    /// Polite and businesslike.
    Professional,
    /// Light-hearted, with some humour.
    Playful,
    /// As short as possible.
    Concise,
    /// Patient and reassuring.
    Empathetic,
}

/// A BCP 47 language tag such as `en` or `pt-BR`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LanguageTag(String);

impl LanguageTag {
    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LanguageTag {
    type Error = ValidationError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let mut parts = text.split('-');
        let primary_ok =
            parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
        let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if primary_ok && rest_ok && text.len() <= 35 {
            Ok(Self(text))
        } else {
            Err(ValidationError::new("LanguageTag", "must be a language tag such as `en` or `pt-BR`"))
        }
    }
}

impl From<LanguageTag> for String {
    fn from(tag: LanguageTag) -> String {
        tag.0
    }
}

impl Default for LanguageTag {
    fn default() -> Self {
        Self("en".to_owned())
    }
}

/// Sampling temperature, from 0 (deterministic) to 2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Temperature(f64);

impl Temperature {
    /// The value.
    pub fn value(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Temperature {
    type Error = ValidationError;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        if (0.0..=2.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(ValidationError::new("Temperature", "must be between 0 and 2"))
        }
    }
}

impl From<Temperature> for f64 {
    fn from(value: Temperature) -> f64 {
        value.0
    }
}

impl Default for Temperature {
    fn default() -> Self {
        Self(0.3)
    }
}

/// The longest reply the bot may give, in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyTokenLimit(u32);

impl ReplyTokenLimit {
    /// Smallest limit allowed.
    pub const MIN: u32 = 16;
    /// Largest limit allowed.
    pub const MAX: u32 = 4096;

    /// The value.
    pub fn value(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for ReplyTokenLimit {
    type Error = ValidationError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        if (Self::MIN..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(ValidationError::new("ReplyTokenLimit", format!("must be between {} and {}", Self::MIN, Self::MAX)))
        }
    }
}

impl From<ReplyTokenLimit> for u32 {
    fn from(value: ReplyTokenLimit) -> u32 {
        value.0
    }
}

impl Default for ReplyTokenLimit {
    fn default() -> Self {
        Self(400)
    }
}

/// Who the bot is and how it talks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Personality {
    /// The name visitors see.
    pub name: BotName,
    /// The role in one line.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub role: BotRole,
    /// Free instructions for the model.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub persona_prompt: PersonaPrompt,
    /// How the bot speaks.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub tone: Tone,
    /// The language the bot answers in.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub language: LanguageTag,
    /// The first message a visitor sees.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub greeting: Greeting,
    /// What the bot says when it has no grounded answer.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub fallback_message: FallbackMessage,
    /// Rules the bot must follow.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub guardrails: Guardrails,
    /// Topics the bot declines.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub forbidden_topics: ForbiddenTopics,
    /// Sampling temperature.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub temperature: Temperature,
    /// The longest reply, in tokens.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_reply_tokens: ReplyTokenLimit,
    /// Curated questions and answers.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub faq: Faq,
}

impl Personality {
    /// A personality with the given name and every other field at its default.
    pub fn named(name: BotName) -> Self {
        Self {
            name,
            role: BotRole::default(),
            persona_prompt: PersonaPrompt::default(),
            tone: Tone::default(),
            language: LanguageTag::default(),
            greeting: Greeting::default(),
            fallback_message: FallbackMessage::default(),
            guardrails: Guardrails::default(),
            forbidden_topics: ForbiddenTopics::default(),
            temperature: Temperature::default(),
            max_reply_tokens: ReplyTokenLimit::default(),
            faq: Faq::default(),
        }
    }
}

/// The kinds of language-model provider a bot can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProviderKind {
    /// The built-in responder that answers from the bot's knowledge, no API key needed.
    Offline,
    /// Any OpenAI-compatible chat-completions API (OpenAI, Ollama, vLLM, llama.cpp…).
    Openai,
    /// Anthropic's Messages API.
    Anthropic,
    /// Google Gemini (API key or Vertex).
    Gemini,
}

/// An `http` or `https` URL with a host, at most 2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HttpUrl(String);

impl HttpUrl {
    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HttpUrl {
    type Error = ValidationError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
        let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
        let ok = host.is_some_and(|h| !h.is_empty() && !h.starts_with(':'))
            && text.len() <= 2000
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(text))
        } else {
            Err(ValidationError::new("HttpUrl", "must be an http:// or https:// URL with a host"))
        }
    }
}

impl From<HttpUrl> for String {
    fn from(url: HttpUrl) -> String {
        url.0
    }
}

/// One provider in a bot's chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderChoice {
    /// Which API to call.
    pub provider: ProviderKind,
    /// The model to ask; required for every provider but `offline`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub model: Option<ModelName>,
    /// Where the API lives, when not the provider's public endpoint.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub base_url: Option<HttpUrl>,
}

/// Which providers to try, in order, falling back on failure or timeout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelSettings {
    /// The chain, first choice first.
    pub chain: ProviderChain,
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            chain: ProviderChain(vec![ProviderChoice { provider: ProviderKind::Offline, model: None, base_url: None }]),
        }
    }
}

/// A validated provider chain: one to four entries, each with a model unless offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<ProviderChoice>", into = "Vec<ProviderChoice>")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderChain(Vec<ProviderChoice>);

impl ProviderChain {
    /// Most providers in one chain.
    pub const MAX_ITEMS: usize = 4;

    /// The providers, first choice first.
    pub fn items(&self) -> &[ProviderChoice] {
        &self.0
    }
}

impl TryFrom<Vec<ProviderChoice>> for ProviderChain {
    type Error = ValidationError;
    fn try_from(items: Vec<ProviderChoice>) -> Result<Self, Self::Error> {
        if items.is_empty() || items.len() > Self::MAX_ITEMS {
            return Err(ValidationError::new("ProviderChain", format!("must have 1 to {} providers", Self::MAX_ITEMS)));
        }
        for (index, choice) in items.iter().enumerate() {
            let needs_model = choice.provider != ProviderKind::Offline;
            if needs_model && choice.model.is_none() {
                return Err(ValidationError::new(
                    "ProviderChain",
                    format!("entry {index} ({:?}) needs a model name", choice.provider),
                ));
            }
            if !needs_model && (choice.model.is_some() || choice.base_url.is_some()) {
                return Err(ValidationError::new(
                    "ProviderChain",
                    format!("entry {index} is the offline responder, which takes no model or base_url"),
                ));
            }
        }
        Ok(Self(items))
    }
}

impl From<ProviderChain> for Vec<ProviderChoice> {
    fn from(chain: ProviderChain) -> Self {
        chain.0
    }
}

/// A colour as `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HexColor(String);

impl HexColor {
    fn constant(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl TryFrom<String> for HexColor {
    type Error = ValidationError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let text = text.to_lowercase();
        let ok = text.len() == 7 && text.starts_with('#') && text[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if ok { Ok(Self(text)) } else { Err(ValidationError::new("HexColor", "must be a colour like #1f6feb")) }
    }
}

impl From<HexColor> for String {
    fn from(color: HexColor) -> String {
        color.0
    }
}

/// Light, dark, or follow the visitor's system setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    #[default]
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// A corner of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Corner {
    /// Bottom right.
    #[default]
    BottomRight,
    /// Bottom left.
    BottomLeft,
    /// Top right.
    TopRight,
    /// Top left.
    TopLeft,
}

/// How the widget looks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WidgetLook {
    /// Brand colour of the launcher and the visitor's bubbles.
    pub primary_color: HexColor,
    /// Text colour on the primary colour.
    pub on_primary_color: HexColor,
    /// Light, dark or automatic.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub theme: Theme,
    /// The corner the launcher sits in.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub position: Corner,
    /// Text on the launcher button.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub launcher_text: LauncherText,
}

impl Default for WidgetLook {
    fn default() -> Self {
        Self {
            primary_color: HexColor::constant("#1f6feb"),
            on_primary_color: HexColor::constant("#ffffff"),
            theme: Theme::Auto,
            position: Corner::BottomRight,
            launcher_text: LauncherText::default(),
        }
    }
}

/// A web origin allowed to embed a bot: `https://shop.example.com`,
/// `http://localhost:3000`, or a wildcard `https://*.example.com` that
/// matches any subdomain (not the bare domain).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Origin(String);

impl Origin {
    /// The origin as written (lower-case).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a browser's `Origin` header value is allowed by this entry.
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        match self.0.split_once("://*.") {
            None => origin == self.0,
            Some((scheme, suffix)) => origin
                .strip_prefix(scheme)
                .and_then(|rest| rest.strip_prefix("://"))
                .and_then(|host| host.strip_suffix(suffix))
                .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1 && !sub[..sub.len() - 1].contains(['/', ':'])),
        }
    }
}

impl TryFrom<String> for Origin {
    type Error = ValidationError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let text = text.trim().to_ascii_lowercase();
        let invalid = || {
            ValidationError::new(
                "Origin",
                "must be an origin like https://shop.example.com or https://*.example.com (no path)",
            )
        };
        let (scheme, authority) = text.split_once("://").ok_or_else(invalid)?;
        if scheme != "http" && scheme != "https" {
            return Err(invalid());
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let host = host.strip_prefix("*.").unwrap_or(host);
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty() && label.len() <= 63 && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
        if host_ok && port_ok { Ok(Self(text)) } else { Err(invalid()) }
    }
}

impl From<Origin> for String {
    fn from(origin: Origin) -> String {
        origin.0
    }
}

/// A page pattern for placement rules. `*` matches any run of characters.
/// A pattern starting with `/` is matched against the page's path and query;
/// any other pattern against the full URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UrlPattern(String);

impl UrlPattern {
    /// Whether the pattern matches `subject` (a path+query or a full URL, as the pattern demands).
    pub fn matches(&self, subject: &str) -> bool {
        glob_match(self.0.as_bytes(), subject.as_bytes())
    }
}

/// Iterative glob matching with `*` only, linear in practice and free of
/// the exponential backtracking of the naive recursive form.
fn glob_match(pattern: &[u8], subject: &[u8]) -> bool {
    let (mut p, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < subject.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, s));
            p += 1;
        } else if p < pattern.len() && pattern[p] == subject[s] {
            p += 1;
            s += 1;
        } else if let Some((star_p, star_s)) = star {
            p = star_p + 1;
            s = star_s + 1;
            star = Some((star_p, star_s + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

impl TryFrom<String> for UrlPattern {
    type Error = ValidationError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let ok = !text.is_empty() && text.len() <= 500 && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(text))
        } else {
            Err(ValidationError::new("UrlPattern", "must be 1 to 500 characters with no spaces"))
        }
    }
}

impl From<UrlPattern> for String {
    fn from(pattern: UrlPattern) -> String {
        pattern.0
    }
}

/// Where and when the widget appears.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacementRules {
    /// Show only on pages matching one of these (empty: every page).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub include: UrlPatterns,
    /// Never show on pages matching one of these; wins over `include`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub exclude: UrlPatterns,
    /// Open the chat by itself after this many milliseconds (at most 10 minutes).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub auto_open_delay_ms: Option<AutoOpenDelay>,
}

impl PlacementRules {
    /// Whether the widget shows on a page, given the pattern subject for its URL.
    pub fn shows_on(&self, path_and_query: &str, full_url: &str) -> bool {
        let hit =
            |pattern: &UrlPattern| pattern.matches(if pattern.0.starts_with('/') { path_and_query } else { full_url });
        let included = self.include.items().is_empty() || self.include.items().iter().any(hit);
        included && !self.exclude.items().iter().any(hit)
    }
}

/// A delay of at most ten minutes, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoOpenDelay(u32);

impl TryFrom<u32> for AutoOpenDelay {
    type Error = ValidationError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        if value <= 600_000 {
            Ok(Self(value))
        } else {
            Err(ValidationError::new("AutoOpenDelay", "must be at most 600000 ms"))
        }
    }
}

impl From<AutoOpenDelay> for u32 {
    fn from(value: AutoOpenDelay) -> u32 {
        value.0
    }
}

/// Everything a bot is made of; the draft and each published version hold one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotConfig {
    /// Who the bot is.
    pub personality: Personality,
    /// Which models answer.
    pub model: ModelSettings,
    /// How the widget looks.
    pub widget: WidgetLook,
    /// Origins allowed to embed the bot. Empty means only the tenant's test origins.
    pub allowed_origins: AllowedOrigins,
    /// Where and when the widget appears.
    pub placement: PlacementRules,
    /// The avatar and its slot mapping; without one the widget shows a 2D poster.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub avatar: Option<crate::avatar::BotAvatar>,
    /// The avatar's idle pose as a PNG, the widget's 2D fallback; set by
    /// `PUT /v1/bots/{bot_id}/poster` and frozen into each published version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub poster: Option<crate::chat::PosterView>,
}

impl BotConfig {
    /// A configuration with this personality and defaults for the rest.
    pub fn with_personality(personality: Personality) -> Self {
        Self {
            personality,
            model: ModelSettings::default(),
            widget: WidgetLook::default(),
            allowed_origins: AllowedOrigins::default(),
            placement: PlacementRules::default(),
            avatar: None,
            poster: None,
        }
    }
}

/// Whether a bot is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BotStatus {
    /// Editable and, once published, answering.
    Active,
    /// Kept for the record; no longer answers and cannot be edited.
    Archived,
}

/// A bot as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotView {
    /// The bot's id.
    pub id: BotId,
    /// The public id websites embed.
    pub embed_id: EmbedId,
    /// Active or archived.
    pub status: BotStatus,
    /// The configuration being edited.
    pub draft: BotConfig,
    /// The version embeds serve, if any was published.
    pub live_version: Option<u32>,
    /// When the bot was created.
    pub created_at: Timestamp,
    /// When the draft last changed.
    pub updated_at: Timestamp,
}

/// Creates a bot. Only the personality's name is required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateBotRequest {
    /// Who the bot is.
    pub personality: Personality,
    /// Which models answer (default: the offline responder).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub model: Option<ModelSettings>,
    /// How the widget looks.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub widget: Option<WidgetLook>,
    /// Origins allowed to embed the bot.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub allowed_origins: Option<AllowedOrigins>,
    /// Where and when the widget appears.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub placement: Option<PlacementRules>,
}

/// Changes a bot's draft: each section given replaces that section whole.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateBotRequest {
    /// New personality.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub personality: Option<Personality>,
    /// New model settings.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub model: Option<ModelSettings>,
    /// New widget look.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub widget: Option<WidgetLook>,
    /// New allowed origins.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub allowed_origins: Option<AllowedOrigins>,
    /// New placement rules.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub placement: Option<PlacementRules>,
}

impl UpdateBotRequest {
    /// Applies the change to a configuration.
    pub fn apply(self, config: &mut BotConfig) {
        if let Some(personality) = self.personality {
            config.personality = personality;
        }
        if let Some(model) = self.model {
            config.model = model;
        }
        if let Some(widget) = self.widget {
            config.widget = widget;
        }
        if let Some(origins) = self.allowed_origins {
            config.allowed_origins = origins;
        }
        if let Some(placement) = self.placement {
            config.placement = placement;
        }
    }
}

/// Publishes the draft as a new immutable version.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishRequest {
    /// A note for the version list, e.g. "new greeting".
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<Label>,
}

/// Makes an earlier version live again by publishing a copy of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RollbackRequest {
    /// The version to bring back.
    pub version: u32,
}

/// One immutable published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotVersionView {
    /// The bot.
    pub bot_id: BotId,
    /// 1, 2, 3… in publishing order.
    pub version: u32,
    /// The configuration frozen at publishing.
    pub config: BotConfig,
    /// When it was published.
    pub published_at: Timestamp,
    /// Who published it (an account or API key id).
    pub published_by: String,
    /// The publisher's note.
    pub note: Label,
    /// Set when this version was made by rolling back to an earlier one.
    pub rolled_back_from: Option<u32>,
}

/// The versions of a bot, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotVersionList {
    /// The version embeds serve.
    pub live_version: Option<u32>,
    /// Every version, newest first.
    pub versions: Vec<BotVersionView>,
}

/// A tenant's bots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotList {
    /// Bots, oldest first; archived ones only when asked for.
    pub bots: Vec<BotView>,
}

/// The rotated embed id of a bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmbedIdView {
    /// The new embed id; the old one stops working at once.
    pub embed_id: EmbedId,
}

/// The snippet a site owner pastes into their pages to show a bot's widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmbedSnippet {
    /// The bot's current embed id.
    pub embed_id: EmbedId,
    /// Where the loader script lives: the server's public URL followed by `/embed.js`.
    pub script_url: String,
    /// The whole tag, `<script async src="…/embed.js" data-embed-id="…"></script>`, ready to paste.
    pub snippet: String,
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Offline => "offline",
            Self::Openai => "openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_create_request_fills_defaults() {
        let request: CreateBotRequest = serde_json::from_str(r#"{"personality":{"name":"Ava"}}"#).expect("valid");
        assert_eq!(request.personality.name.as_str(), "Ava");
        assert_eq!(request.personality.tone, Tone::Friendly);
        assert!(serde_json::from_str::<CreateBotRequest>(r#"{"personality":{"name":"Ava","colour":1}}"#).is_err());
        assert!(serde_json::from_str::<CreateBotRequest>(r#"{"personality":{"name":""}}"#).is_err());
        assert!(serde_json::from_str::<CreateBotRequest>(r#"{"personality":{"name":"Ava","temperature":3}}"#).is_err());
    }

    #[test]
    fn provider_chain_rules() {
        let ok: ModelSettings =
            serde_json::from_str(r#"{"chain":[{"provider":"openai","model":"gpt-4o-mini"},{"provider":"offline"}]}"#)
                .expect("valid");
        assert_eq!(ok.chain.items().len(), 2);
        for bad in [
            r#"{"chain":[]}"#,
            r#"{"chain":[{"provider":"openai"}]}"#,
            r#"{"chain":[{"provider":"offline","model":"x"}]}"#,
            r#"{"chain":[{"provider":"openai","model":"m","base_url":"ftp://x"}]}"#,
        ] {
            assert!(serde_json::from_str::<ModelSettings>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins_and_wildcards() {
        let exact = Origin::try_from("https://Shop.Example.com".to_owned()).expect("valid");
        assert!(exact.allows("https://shop.example.com"));
        assert!(!exact.allows("http://shop.example.com"));
        let wild = Origin::try_from("https://*.example.com".to_owned()).expect("valid");
        assert!(wild.allows("https://a.example.com"));
        assert!(wild.allows("https://a.b.example.com"));
        assert!(!wild.allows("https://example.com"));
        assert!(!wild.allows("https://evilexample.com"));
        assert!(!wild.allows("https://a.example.com.evil.io"));
        assert!(Origin::try_from("http://localhost:3000".to_owned()).is_ok());
        for bad in ["example.com", "https://example.com/path", "ftp://example.com", "https://", "https://a:0"] {
            assert!(Origin::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn placement_patterns() {
        let rules: PlacementRules = serde_json::from_str(
            r#"{"include":["/shop/*","https://blog.example.com/*"],"exclude":["/shop/checkout*"]}"#,
        )
        .expect("valid");
        assert!(rules.shows_on("/shop/bikes", "https://example.com/shop/bikes"));
        assert!(!rules.shows_on("/shop/checkout?step=2", "https://example.com/shop/checkout?step=2"));
        assert!(rules.shows_on("/post/1", "https://blog.example.com/post/1"));
        assert!(!rules.shows_on("/about", "https://example.com/about"));
        assert!(PlacementRules::default().shows_on("/anything", "https://x.io/anything"));
        let long = "a".repeat(400);
        assert!(!glob_match(format!("{}b", "*a".repeat(40)).as_bytes(), long.as_bytes()));
    }
}
