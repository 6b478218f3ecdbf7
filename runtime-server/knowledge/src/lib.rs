//! Knowledge extraction and chunking for Animo's bots.
//!
//! Bytes come in, values go out: this crate reads uploaded documents (txt, md,
//! html, pdf, docx, csv, json) into structured text ([`extract`]), cuts that
//! text into heading-aware chunks that remember where they came from
//! ([`chunk`]), and answers the two questions a same-site crawl asks of a page
//! ([`html_links`], [`robots_allows`]). It does no I/O, keeps no state and
//! knows nothing of storage, HTTP or embeddings: the server fetches, stores,
//! embeds and retrieves.
//!
//! Every function here is total: any input, however broken, gives a value or
//! an [`ExtractError`], never a panic.

#![deny(missing_docs)]

mod chunk;
mod document;
mod error;
mod extract;
mod format;
mod text;
mod web;

pub use chunk::{Chunk, ChunkOptions, chunk, plain_text};
pub use document::{Block, BlockKind, Extracted, QaPair};
pub use error::{ExtractError, ExtractErrorCode};
pub use extract::{ExtractLimits, extract, extract_file};
pub use format::Format;
pub use web::{html_links, robots_allows};

use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes` as lowercase hex: a whole document's identity, so
/// that re-ingesting unchanged content can be recognised and skipped.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
