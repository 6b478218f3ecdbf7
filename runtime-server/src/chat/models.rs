//! Asking language models: which chain a bot uses, the prompt, the
//! history that fits, and the cost of what came back.

use std::sync::Arc;

use animo_llm::{
    BreakerSettings, Chain, ChatMessage as LlmMessage, ChatRequest, PriceTable, ProviderConfig, Registry, Secret,
};
use animo_shared::bot::{BotConfig, ProviderChoice, ProviderKind};
use animo_shared::chat::{Author, ChatMessage};

use super::offline::Passage;
use crate::config::{Config, LlmDefault};

/// The context window assumed for models whose window is not known.
const DEFAULT_CONTEXT_WINDOW: u32 = 8_192;
/// Most earlier messages considered for the prompt before trimming.
pub const HISTORY_MESSAGES: u32 = 30;

/// Model clients shared by every conversation: providers (with their
/// connection pools and circuit breakers) and the price table.
#[derive(Debug)]
pub struct Models {
    registry: Registry,
    prices: PriceTable,
    default: LlmDefault,
}

/// The chain a bot's answer goes through.
#[derive(Debug)]
pub struct BotChain {
    /// The providers, in order.
    pub chain: Chain,
    /// The model of each link, for pricing and records.
    pub models: Vec<String>,
}

impl Models {
    /// Clients for this configuration; fails on an unreadable price table.
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let prices = match &config.prices {
            Some(path) => PriceTable::load(path).map_err(|error| anyhow::anyhow!("{error}"))?,
            None => PriceTable::built_in(),
        };
        Ok(Self { registry: Registry::new(BreakerSettings::default()), prices, default: config.llm.clone() })
    }

    /// The price table.
    pub fn prices(&self) -> &PriceTable {
        &self.prices
    }

    /// The remote providers a bot asks, in order, or `None` when it answers
    /// offline only. A bot whose chain is only the offline responder (the
    /// default) uses the operator's default provider when one is set; an
    /// offline entry ends a chain, since everything after it would never be asked.
    pub fn chain_for(&self, config: &BotConfig) -> Result<Option<BotChain>, animo_llm::LlmError> {
        let items = config.model.chain.items();
        let operator_default;
        let choices: &[ProviderChoice] = if items.iter().all(|choice| choice.provider == ProviderKind::Offline) {
            match self.default_choice() {
                Some(choice) => {
                    operator_default = [choice];
                    &operator_default
                }
                None => return Ok(None),
            }
        } else {
            items
        };
        let mut configs = Vec::new();
        for choice in choices.iter().take_while(|choice| choice.provider != ProviderKind::Offline) {
            let key = (choice.provider == self.default.provider).then(|| self.default.api_key.clone()).flatten();
            if let Some(mut config) = ProviderConfig::from_choice(choice, key.map(Secret::new)) {
                config.timeouts.first_token = self.default.first_token_timeout;
                config.retry.max_attempts = self.default.attempts;
                configs.push(config);
            }
        }
        if configs.is_empty() {
            return Ok(None);
        }
        let models = configs.iter().map(|config| config.model.clone()).collect();
        Ok(Some(BotChain { chain: self.registry.chain(&configs)?, models }))
    }

    fn default_choice(&self) -> Option<ProviderChoice> {
        if self.default.provider == ProviderKind::Offline {
            return None;
        }
        let choice = serde_json::json!({
            "provider": self.default.provider,
            "model": self.default.model,
            "base_url": self.default.base_url,
        });
        // The configuration was validated at start-up; an invalid URL or
        // model name is reported by the chain as a configuration error.
        serde_json::from_value(choice).ok()
    }
}

/// The system prompt: who the bot is, its rules, and the numbered sources
/// it may cite.
pub fn system_prompt(config: &BotConfig, sources: &[Passage]) -> String {
    let personality = &config.personality;
    let mut prompt = format!(
        "You are {}, {}. Answer in the language with tag \"{}\", in a {:?} tone, briefly, in plain text without HTML.\n",
        personality.name.as_str(),
        personality.role.as_str(),
        personality.language.as_str(),
        personality.tone,
    );
    if !personality.persona_prompt.as_str().is_empty() {
        prompt.push_str(personality.persona_prompt.as_str());
        prompt.push('\n');
    }
    let rules = personality.guardrails.items();
    if !rules.is_empty() {
        prompt.push_str("Rules you must follow:\n");
        for rule in rules {
            prompt.push_str(&format!("- {}\n", rule.as_str()));
        }
    }
    let topics = personality.forbidden_topics.items();
    if !topics.is_empty() {
        let names: Vec<&str> = topics.iter().map(|topic| topic.as_str()).collect();
        prompt.push_str(&format!("Politely decline to discuss: {}.\n", names.join(", ")));
    }
    if sources.is_empty() {
        prompt.push_str("No sources match this question. ");
    } else {
        prompt.push_str("Answer only from these sources and cite them by number like [1]:\n");
        for (index, source) in sources.iter().enumerate() {
            prompt.push_str(&format!("[{}] {}\n{}\n", index + 1, source.title, source.text));
        }
    }
    prompt.push_str(&format!(
        "If the sources do not answer the question, say exactly: \"{}\"\n",
        personality.fallback_message.as_str()
    ));
    prompt
}

/// The request for a model: the prompt, the conversation so far trimmed to
/// the model's window, and the new question.
pub fn request(config: &BotConfig, model: &str, system: String, history: &[ChatMessage]) -> ChatRequest {
    let messages: Vec<LlmMessage> = history
        .iter()
        .map(|message| match message.author {
            Author::Visitor => LlmMessage::user(message.text.clone()),
            Author::Bot => LlmMessage::assistant(message.text.clone()),
        })
        .collect();
    let reserve = u32::from(config.personality.max_reply_tokens);
    let messages = animo_llm::trim_history(&system, &messages, context_window(model), reserve, |text| {
        animo_llm::count_tokens(model, text)
    });
    ChatRequest {
        system,
        messages,
        max_output_tokens: reserve,
        #[expect(clippy::cast_possible_truncation, reason = "temperatures are between 0 and 2")]
        temperature: Some(config.personality.temperature.value() as f32),
    }
}

/// The context window of well-known model families.
fn context_window(model: &str) -> u32 {
    let model = model.to_ascii_lowercase();
    let families: [(&str, u32); 7] = [
        ("gpt-4o", 128_000),
        ("gpt-4.1", 1_000_000),
        ("gpt-5", 400_000),
        ("claude", 200_000),
        ("gemini", 1_000_000),
        ("llama3", 128_000),
        ("gpt-3.5", 16_385),
    ];
    families.iter().find(|(prefix, _)| model.starts_with(prefix)).map_or(DEFAULT_CONTEXT_WINDOW, |(_, window)| *window)
}

/// Shared model clients.
pub type SharedModels = Arc<Models>;
