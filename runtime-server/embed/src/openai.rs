//! Embeddings from any service that speaks OpenAI's `POST /embeddings`: OpenAI itself, Azure's
//! OpenAI-compatible endpoint, Ollama, vLLM, llama.cpp server, LocalAI and others.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;

use crate::{EmbedError, Embedder, l2_normalise};

/// How long one request may take, from connecting to the last byte of the answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How much of an error answer's body is kept for the error message.
const EXCERPT_CHARS: usize = 300;

/// An embedding model behind an OpenAI-compatible HTTP API.
///
/// Sends `{"model", "input": [...], "encoding_format": "float"}` to `{base_url}/embeddings`,
/// with `Authorization: Bearer <api_key>` when a key is given, at most
/// [`Self::MAX_INPUTS_PER_REQUEST`] texts per request. The `dimensions` request field is not
/// sent, as many compatible servers refuse it; instead every answer is checked against the
/// configured number of dimensions. Vectors are normalised here, whatever the service does.
#[derive(Clone)]
pub struct OpenAiEmbedder {
    client: reqwest::Client,
    url: String,
    api_key: Option<String>,
    model: String,
    dimensions: usize,
    id: String,
}

impl OpenAiEmbedder {
    /// The most texts sent in one request; longer lists are split. OpenAI accepts 2048, smaller
    /// servers less, and a smaller request fails (and is retried by the caller) more cheaply.
    pub const MAX_INPUTS_PER_REQUEST: usize = 256;

    /// An embedder for `model` at `base_url` (such as `https://api.openai.com/v1` or
    /// `http://127.0.0.1:11434/v1`), whose vectors have `dimensions` values.
    pub fn new(base_url: &str, api_key: Option<String>, model: &str, dimensions: usize) -> Result<Self, EmbedError> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| EmbedError::ProviderUnreachable(error_chain(&error)))?;
        Ok(OpenAiEmbedder {
            client,
            url: format!("{}/embeddings", base_url.trim_end_matches('/')),
            api_key: api_key.filter(|key| !key.is_empty()),
            model: model.to_owned(),
            dimensions,
            id: format!("openai:{model}"),
        })
    }

    async fn embed_request(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let body = serde_json::json!({ "model": self.model, "input": texts, "encoding_format": "float" });
        let mut request = self.client.post(&self.url).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|error| EmbedError::ProviderUnreachable(error_chain(&error)))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|error| EmbedError::ProviderUnreachable(error_chain(&error)))?;
        let text = String::from_utf8_lossy(&body);
        if !status.is_success() {
            return Err(EmbedError::ProviderHttp { status: status.as_u16(), excerpt: self.excerpt(&text) });
        }
        let answer: EmbeddingsAnswer = serde_json::from_str(&text)
            .map_err(|error| EmbedError::MalformedResponse(format!("{error} in {}", self.excerpt(&text))))?;
        self.vectors_in_order(answer, texts.len())
    }

    /// The answer's vectors placed by their `index`, checked and normalised.
    fn vectors_in_order(&self, answer: EmbeddingsAnswer, expected: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        if answer.data.len() != expected {
            return Err(EmbedError::MalformedResponse(format!("{} vectors for {expected} texts", answer.data.len())));
        }
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; expected];
        for item in answer.data {
            if item.embedding.len() != self.dimensions {
                return Err(EmbedError::DimensionMismatch { expected: self.dimensions, actual: item.embedding.len() });
            }
            let slot = vectors
                .get_mut(item.index)
                .ok_or_else(|| EmbedError::MalformedResponse(format!("index {} for {expected} texts", item.index)))?;
            if slot.is_some() {
                return Err(EmbedError::MalformedResponse(format!("index {} appears twice", item.index)));
            }
            let mut vector = item.embedding;
            if !l2_normalise(&mut vector) {
                return Err(EmbedError::MalformedResponse(format!(
                    "the vector at index {} has zero length",
                    item.index
                )));
            }
            *slot = Some(vector);
        }
        // Every slot is filled: there were `expected` items, each in range and none twice.
        Ok(vectors.into_iter().flatten().collect())
    }

    /// The start of a body for an error message, never showing the API key even when a server
    /// echoes the request's headers.
    fn excerpt(&self, body: &str) -> String {
        let mut excerpt: String = body.chars().take(EXCERPT_CHARS).collect();
        if let Some(key) = &self.api_key {
            excerpt = excerpt.replace(key.as_str(), "[redacted]");
        }
        if body.chars().nth(EXCERPT_CHARS).is_some() {
            excerpt.push('…');
        }
        excerpt
    }
}

impl fmt::Debug for OpenAiEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiEmbedder")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("model", &self.model)
            .field("dimensions", &self.dimensions)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut vectors = Vec::with_capacity(texts.len());
        for request in texts.chunks(Self::MAX_INPUTS_PER_REQUEST) {
            vectors.extend(self.embed_request(request).await?);
        }
        Ok(vectors)
    }
}

/// The documented answer, of which only the vectors and their positions matter.
#[derive(Deserialize)]
struct EmbeddingsAnswer {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    index: usize,
    embedding: Vec<f32>,
}

/// An error with its causes, as reqwest's own message ("error sending request") names none.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
