//! What can go wrong when embedding.

use std::path::PathBuf;

/// Why an embedder could not be built or could not embed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model folder lacks a file the local model needs; `cargo xtask setup` installs it.
    #[error("no local embedding model in {dir}: {missing} is missing; run `cargo xtask setup` to install it")]
    ModelMissing {
        /// The folder that was searched.
        dir: PathBuf,
        /// The file that is not there.
        missing: &'static str,
    },
    /// A model file is there but cannot be read or does not describe a usable model.
    #[error("the embedding model file {path} cannot be used: {reason}")]
    ModelUnreadable {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The local model failed while tokenizing or computing.
    #[error("the local embedding model failed: {0}")]
    Inference(String),
    /// The provider answered with an HTTP error status.
    #[error("the embedding provider answered HTTP {status}: {excerpt}")]
    ProviderHttp {
        /// The HTTP status code.
        status: u16,
        /// The start of the answer's body, with the API key blanked out.
        excerpt: String,
    },
    /// The provider could not be reached or did not answer in time.
    #[error("the embedding provider could not be reached: {0}")]
    ProviderUnreachable(String),
    /// The provider's answer is not the documented JSON (wrong shape, wrong number of vectors,
    /// duplicate indexes, a vector of zero length).
    #[error("the embedding provider's answer is malformed: {0}")]
    MalformedResponse(String),
    /// A vector has another length than the embedder was configured for.
    #[error("an embedding has {actual} dimensions where {expected} were expected")]
    DimensionMismatch {
        /// The configured number of dimensions.
        expected: usize,
        /// The number of dimensions received.
        actual: usize,
    },
}
