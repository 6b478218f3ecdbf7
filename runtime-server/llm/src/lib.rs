//! Animo's client side for language models.
//!
//! The runtime server asks a bot's [`Chain`] for an answer to a [`ChatRequest`] and forwards the
//! [`Chunk`]s it streams. A chain tries its providers in order and falls back when one fails or
//! is too slow before its first words; each provider retries transient failures (429, 5xx,
//! broken connections) with jittered exponential back-off, honouring `Retry-After`, and shares a
//! [`CircuitBreaker`] with every other request so a dead provider is skipped at once.
//!
//! Remote providers speak, over reqwest with streaming bodies and this crate's own
//! server-sent-events parser ([`sse`]):
//! - OpenAI Chat Completions (`RemoteKind::OpenAiCompatible`): OpenAI, Ollama, vLLM, llama.cpp
//!   server, OpenRouter;
//! - Anthropic Messages (`RemoteKind::Anthropic`);
//! - Google Gemini with an API key (`RemoteKind::Gemini`) or through Vertex AI (`RemoteKind::Vertex`).
//!
//! [`ScriptedProvider`] plays a script without a network, for tests and benchmarks.
//! [`count_tokens`] and [`trim_history`] fit a history into a context window, and [`PriceTable`]
//! turns usage into micro-dollars.
//!
//! Architecture invariant: no storage, no HTTP server framework, no knowledge of tenants or bots
//! beyond the chain entries of animo-shared; the offline responder belongs to the server.

#![deny(missing_docs)]

mod anthropic;
mod breaker;
mod chain;
mod config;
mod error;
mod gemini;
mod http;
mod openai;
mod prices;
mod provider;
mod scripted;
pub mod sse;
mod tokens;
mod types;

pub use breaker::{BreakerSettings, BreakerState, Breakers, CircuitBreaker, Permit};
pub use chain::{Chain, ChainLink, Registry};
pub use config::{ProviderConfig, RemoteKind, RetryPolicy, Secret, Timeouts, vertex_base_url};
pub use error::{LlmError, ProviderFailure, TimeoutKind};
pub use prices::{Cost, ModelPrice, PriceTable};
pub use provider::{Provider, build};
pub use scripted::{ScriptedProvider, Step};
pub use tokens::{Encoding, TOKENS_PER_MESSAGE, TOKENS_PER_REPLY, approximate_tokens, count_tokens, trim_history};
pub use types::{ChatMessage, ChatRequest, ChatRole, Chunk, ChunkStream, Usage};
