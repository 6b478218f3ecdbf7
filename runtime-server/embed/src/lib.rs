//! Animo's text embeddings: the vectors that knowledge retrieval compares.
//!
//! An [`Embedder`] turns texts into L2-normalised vectors of a fixed length, so that the dot
//! product of two vectors is their cosine similarity. Two kinds exist:
//! - [`MiniLm`], the default: all-MiniLM-L6-v2 (384 dimensions) run locally on the CPU in pure
//!   Rust (candle's BERT and the `tokenizers` crate), loaded from a model folder. Nothing is
//!   downloaded at run time: `cargo xtask setup` installs the model into [`model_dir`]`(None)`,
//!   and [`local_model_available`] tells the server whether it is there.
//! - [`OpenAiEmbedder`], for any service that speaks OpenAI's `POST /embeddings`.
//!
//! Architecture invariant: no storage, no HTTP server framework, no tenants or bots. The server
//! decides which embedder a bot uses, stores the vectors together with [`Embedder::id`] (vectors
//! of different embedders are never compared), and runs retrieval on BM25 alone when no embedder
//! is available; nothing here ever makes up a vector.

#![deny(missing_docs)]

mod error;
mod minilm;
mod openai;
mod paths;
mod vector;

use async_trait::async_trait;

pub use error::EmbedError;
pub use minilm::{DEFAULT_BATCH_TOKENS, MiniLm};
pub use openai::OpenAiEmbedder;
pub use paths::{MODEL_NAME, local_model_available, model_dir};
pub use vector::{cosine, l2_normalise};

/// Something that turns texts into vectors for retrieval.
///
/// Implementations are shared by every request of the server (behind an `Arc`), hence `Send +
/// Sync`, and say what they are in `Debug` without revealing secrets.
#[async_trait]
pub trait Embedder: Send + Sync + std::fmt::Debug {
    /// Names the model that makes the vectors, such as `local:all-MiniLM-L6-v2` or
    /// `openai:text-embedding-3-small`. Vectors are comparable only when their ids are equal, so
    /// the server stores it beside them and re-embeds when it changes.
    fn id(&self) -> &str;

    /// The length of every vector this embedder returns.
    fn dimensions(&self) -> usize;

    /// One vector per text, in the order of `texts`, each of [`Self::dimensions`] values and of
    /// unit Euclidean length. An empty slice gives an empty answer without any work.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}
