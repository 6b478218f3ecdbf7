//! all-MiniLM-L6-v2 on the CPU: candle's BERT encoder, mean pooling over the real tokens, L2
//! normalisation — the way sentence-transformers defines this model's sentence embeddings.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{Encoding, Tokenizer, TruncationParams};

use crate::paths::REQUIRED_FILES;
use crate::{EmbedError, Embedder, l2_normalise};

/// The longest input the model reads, in tokens including `[CLS]` and `[SEP]`; the rest of a
/// longer text is ignored. sentence-transformers uses 256 for this model: it was trained on
/// texts of at most 128 tokens, and quality drops well before the 512 positions BERT has.
const MAX_TOKENS: usize = 256;

/// How many token positions (texts × the longest text's tokens) go through the model together.
/// Texts are sorted by length first, so a batch holds texts of similar length and pads little, and
/// short texts (queries, Q&A) go many at a time. Smaller bounds were measured slower on two cores
/// (thinner matrix products, more thread hand-offs per token): 512 positions cost 1.6 times the CPU
/// of 3,400 per passage, 1,024 positions 1.13 times (`cargo bench -p animo-embed`).
pub const DEFAULT_BATCH_TOKENS: usize = 4096;

/// all-MiniLM-L6-v2 run locally: 384-dimensional sentence embeddings.
///
/// Cloning is cheap (the weights are shared), so one loaded model serves every request.
/// Inference runs on tokio's blocking threads, never on the async workers.
#[derive(Clone)]
pub struct MiniLm {
    inner: Arc<Inner>,
    batch_tokens: usize,
}

struct Inner {
    dir: PathBuf,
    model: BertModel,
    /// Truncates to [`MAX_TOKENS`]; what the model reads.
    tokenizer: Tokenizer,
    /// The same without truncation, for counting a text's tokens.
    counter: Tokenizer,
    dimensions: usize,
}

impl MiniLm {
    /// What [`Embedder::id`] answers for this model.
    pub const ID: &'static str = "local:all-MiniLM-L6-v2";

    /// Loads the model from `dir`, which holds `model.safetensors`, `tokenizer.json` and
    /// optionally `config.json` (without it, all-MiniLM-L6-v2's configuration is assumed).
    ///
    /// This reads about 90 MB and takes a moment: call it once, at start-up, from a blocking
    /// context (or `spawn_blocking`).
    pub fn load(dir: &Path) -> Result<MiniLm, EmbedError> {
        for name in REQUIRED_FILES {
            if !dir.join(name).is_file() {
                return Err(EmbedError::ModelMissing { dir: dir.to_path_buf(), missing: name });
            }
        }
        let config = read_config(dir)?;

        let tokenizer_path = dir.join("tokenizer.json");
        let unreadable_tokenizer =
            |reason: String| EmbedError::ModelUnreadable { path: tokenizer_path.clone(), reason };
        let mut counter =
            Tokenizer::from_file(&tokenizer_path).map_err(|error| unreadable_tokenizer(error.to_string()))?;
        // The file asks for padding to a fixed 128 tokens and truncation at 128; batches are
        // padded here to their longest text instead, and the counter must see whole texts.
        counter.with_padding(None);
        counter.with_truncation(None).map_err(|error| unreadable_tokenizer(error.to_string()))?;
        let mut tokenizer = counter.clone();
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..TruncationParams::default() }))
            .map_err(|error| unreadable_tokenizer(error.to_string()))?;
        if tokenizer.get_vocab_size(true) > config.vocab_size {
            return Err(unreadable_tokenizer(format!(
                "its vocabulary of {} tokens is larger than the model's {}",
                tokenizer.get_vocab_size(true),
                config.vocab_size
            )));
        }

        let weights_path = dir.join("model.safetensors");
        let unreadable_weights = |reason: String| EmbedError::ModelUnreadable { path: weights_path.clone(), reason };
        let weights = std::fs::read(&weights_path).map_err(|error| unreadable_weights(error.to_string()))?;
        // Reading into memory rather than mapping the file keeps this crate free of unsafe code;
        // the weights are held in memory either way.
        let variables = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|error| unreadable_weights(error.to_string()))?;
        let model = BertModel::load(variables, &config).map_err(|error| unreadable_weights(error.to_string()))?;

        Ok(MiniLm {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                model,
                tokenizer,
                counter,
                dimensions: config.hidden_size,
            }),
            batch_tokens: DEFAULT_BATCH_TOKENS,
        })
    }

    /// The same model with batches of at most `tokens` positions (texts × the longest text's
    /// tokens; a text longer than that goes alone). For measuring; the default suits ingestion.
    #[must_use]
    pub fn with_batch_tokens(mut self, tokens: usize) -> MiniLm {
        self.batch_tokens = tokens.max(1);
        self
    }

    /// How many tokens the model would see for `text`, including `[CLS]` and `[SEP]`, before
    /// truncation: a text longer than 256 is embedded from its first 256 tokens only.
    pub fn count_tokens(&self, text: &str) -> Result<usize, EmbedError> {
        let encoding =
            self.inner.counter.encode_fast(text, true).map_err(|error| EmbedError::Inference(error.to_string()))?;
        Ok(encoding.len())
    }
}

impl fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiniLm")
            .field("dir", &self.inner.dir)
            .field("dimensions", &self.inner.dimensions)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Embedder for MiniLm {
    fn id(&self) -> &str {
        Self::ID
    }

    fn dimensions(&self) -> usize {
        self.inner.dimensions
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let inner = Arc::clone(&self.inner);
        let texts = texts.to_vec();
        let batch_tokens = self.batch_tokens;
        tokio::task::spawn_blocking(move || inner.embed(texts, batch_tokens))
            .await
            .map_err(|error| EmbedError::Inference(format!("the embedding task ended abnormally: {error}")))?
    }
}

impl Inner {
    fn embed(&self, texts: Vec<String>, batch_tokens: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        let count = texts.len();
        let encodings = self.tokenizer.encode_batch_fast(texts, true).map_err(inference)?;
        // Batching texts of similar length together wastes little work on padding.
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_by_key(|&index| encodings[index].len());

        let mut vectors = vec![Vec::new(); count];
        let mut start = 0;
        while start < count {
            // Sorted by length, so the last text of a batch is its longest.
            let mut end = start + 1;
            while end < count && (end + 1 - start) * encodings[order[end]].len() <= batch_tokens {
                end += 1;
            }
            let batch = &order[start..end];
            start = end;
            let batch_encodings: Vec<&Encoding> = batch.iter().map(|&index| &encodings[index]).collect();
            let pooled = self.embed_batch(&batch_encodings)?;
            for (&index, mut vector) in batch.iter().zip(pooled) {
                if !l2_normalise(&mut vector) {
                    return Err(EmbedError::Inference("the model produced a vector of zero length".to_owned()));
                }
                vectors[index] = vector;
            }
        }
        Ok(vectors)
    }

    /// Runs one padded batch through the encoder and mean-pools each text's real tokens.
    fn embed_batch(&self, encodings: &[&Encoding]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let rows = encodings.len();
        let columns = encodings.iter().map(|encoding| encoding.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows * columns);
        let mut mask = Vec::with_capacity(rows * columns);
        for encoding in encodings {
            let padding = columns - encoding.len();
            ids.extend_from_slice(encoding.get_ids());
            ids.extend(std::iter::repeat_n(0_u32, padding));
            mask.extend_from_slice(encoding.get_attention_mask());
            mask.extend(std::iter::repeat_n(0_u32, padding));
        }
        let device = Device::Cpu;
        let ids = Tensor::from_vec(ids, (rows, columns), &device).map_err(inference)?;
        let mask = Tensor::from_vec(mask, (rows, columns), &device).map_err(inference)?;
        let token_types = ids.zeros_like().map_err(inference)?;

        let hidden = self.model.forward(&ids, &token_types, Some(&mask)).map_err(inference)?;
        // Mean over the tokens the mask keeps: padding contributes nothing.
        let weights = mask.to_dtype(DType::F32).and_then(|mask| mask.unsqueeze(2)).map_err(inference)?;
        let summed = hidden.broadcast_mul(&weights).and_then(|masked| masked.sum(1)).map_err(inference)?;
        let counts = weights.sum(1).map_err(inference)?;
        let means = summed.broadcast_div(&counts).map_err(inference)?;
        means.to_vec2::<f32>().map_err(inference)
    }
}

fn inference(error: impl fmt::Display) -> EmbedError {
    EmbedError::Inference(error.to_string())
}

/// The model's configuration from `config.json`, or all-MiniLM-L6-v2's when the folder has none.
fn read_config(dir: &Path) -> Result<Config, EmbedError> {
    let path = dir.join("config.json");
    let config = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice::<Config>(&bytes)
            .map_err(|error| EmbedError::ModelUnreadable { path: path.clone(), reason: error.to_string() })?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => minilm_l6_config(),
        Err(error) => return Err(EmbedError::ModelUnreadable { path, reason: error.to_string() }),
    };
    if config.hidden_size == 0
        || config.num_attention_heads == 0
        || config.hidden_size % config.num_attention_heads != 0
    {
        return Err(EmbedError::ModelUnreadable {
            path,
            reason: format!(
                "a hidden size of {} cannot be split into {} attention heads",
                config.hidden_size, config.num_attention_heads
            ),
        });
    }
    if config.max_position_embeddings < MAX_TOKENS {
        return Err(EmbedError::ModelUnreadable {
            path,
            reason: format!(
                "the model reads at most {} tokens, fewer than {MAX_TOKENS}",
                config.max_position_embeddings
            ),
        });
    }
    Ok(config)
}

/// all-MiniLM-L6-v2's published configuration (a six-layer, 384-wide BERT with the uncased
/// English WordPiece vocabulary).
fn minilm_l6_config() -> Config {
    Config {
        vocab_size: 30522,
        hidden_size: 384,
        num_hidden_layers: 6,
        num_attention_heads: 12,
        intermediate_size: 1536,
        max_position_embeddings: 512,
        ..Config::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_configuration_is_minilm_l6() {
        let config = minilm_l6_config();
        assert_eq!(
            (config.hidden_size, config.num_hidden_layers, config.num_attention_heads, config.intermediate_size),
            (384, 6, 12, 1536)
        );
        assert_eq!((config.vocab_size, config.max_position_embeddings, config.type_vocab_size), (30522, 512, 2));
        assert_eq!(config.layer_norm_eps, 1e-12);
    }

    #[test]
    fn a_folder_without_config_json_uses_the_built_in_configuration() {
        let dir = tempfile::tempdir().expect("temporary folder");
        assert_eq!(read_config(dir.path()).expect("configuration"), minilm_l6_config());
    }

    #[test]
    fn a_config_json_that_cannot_split_its_heads_is_refused() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mut config = serde_json::json!({
            "vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
            "intermediate_size": 1536, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "max_position_embeddings": 512, "type_vocab_size": 2, "initializer_range": 0.02,
            "layer_norm_eps": 1e-12, "pad_token_id": 0
        });
        std::fs::write(dir.path().join("config.json"), config.to_string()).expect("write configuration");
        assert_eq!(read_config(dir.path()).expect("a valid configuration").hidden_size, 384);

        config["num_attention_heads"] = 7.into();
        std::fs::write(dir.path().join("config.json"), config.to_string()).expect("write configuration");
        let error = read_config(dir.path()).expect_err("7 heads do not divide 384");
        assert!(matches!(error, EmbedError::ModelUnreadable { .. }), "{error:?}");
    }
}
