//! What a conversation looks like to a model, and what comes back.

use std::pin::Pin;

use futures::Stream;
use serde::{Deserialize, Serialize};

use crate::LlmError;

/// Who said a message of the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatRole {
    /// The visitor.
    User,
    /// The bot.
    Assistant,
}

/// One turn of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who said it.
    pub role: ChatRole,
    /// What was said, as plain text.
    pub content: String,
}

impl ChatMessage {
    /// A visitor's turn.
    pub fn user(content: impl Into<String>) -> Self {
        Self { role: ChatRole::User, content: content.into() }
    }

    /// A bot's turn.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self { role: ChatRole::Assistant, content: content.into() }
    }
}

/// One question to a model: the system prompt, the history ending with the visitor's message, and limits.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// Persona, guardrails and retrieved context; sent the way each API expects system text
    /// (a system message, Anthropic's `system`, Gemini's `systemInstruction`). Empty means none.
    pub system: String,
    /// The history, oldest first; the last one is normally the visitor's question.
    pub messages: Vec<ChatMessage>,
    /// Upper bound of the answer's length in tokens.
    pub max_output_tokens: u32,
    /// Sampling temperature; `None` leaves the provider's default.
    pub temperature: Option<f32>,
}

/// Tokens a provider reports for one answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens of the prompt (system, history and question), cached or not.
    pub input_tokens: u32,
    /// Tokens of the answer, including hidden reasoning the provider bills.
    pub output_tokens: u32,
}

/// One piece of a streamed answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// Words of the answer, to be shown in order.
    Text(String),
    /// The provider's token count for the whole exchange. Streams from this crate send it at most
    /// once, after the last text.
    Usage(Usage),
}

/// A streamed answer. After an `Err` item the stream ends.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<Chunk, LlmError>> + Send>>;
