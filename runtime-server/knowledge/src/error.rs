//! Why a document could not be read.

use std::fmt;

/// What went wrong, as a stable code the server maps to its own error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtractErrorCode {
    /// The file is of a kind Animo does not read (or its format was not recognised).
    UnsupportedFormat,
    /// The file claims a format but cannot be read as one: truncated, damaged,
    /// encrypted, or not that format at all.
    CorruptFile,
    /// The file was read but holds no text (a scanned PDF, an empty table…).
    EmptyDocument,
    /// The file is over one of the [`ExtractLimits`](crate::ExtractLimits).
    DocumentTooLarge,
}

impl ExtractErrorCode {
    /// The code's stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnsupportedFormat => "unsupported_format",
            Self::CorruptFile => "corrupt_file",
            Self::EmptyDocument => "empty_document",
            Self::DocumentTooLarge => "document_too_large",
        }
    }
}

impl fmt::Display for ExtractErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A document that could not be extracted: a code for machines, a sentence
/// for the person who uploaded it, and for [`ExtractErrorCode::DocumentTooLarge`]
/// the name of the limit that was crossed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExtractError {
    /// What kind of failure this is.
    pub code: ExtractErrorCode,
    /// A one-sentence explanation meant for the uploader; it never quotes the
    /// document's content.
    pub message: String,
    /// The [`ExtractLimits`](crate::ExtractLimits) field that was exceeded
    /// (`max_bytes`, `max_pages`, `max_chars` or `max_unpacked_bytes`).
    pub limit: Option<&'static str>,
}

impl ExtractError {
    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        Self { code: ExtractErrorCode::UnsupportedFormat, message: message.into(), limit: None }
    }

    pub(crate) fn corrupt(message: impl Into<String>) -> Self {
        Self { code: ExtractErrorCode::CorruptFile, message: message.into(), limit: None }
    }

    pub(crate) fn empty() -> Self {
        Self {
            code: ExtractErrorCode::EmptyDocument,
            message: "The document contains no text.".to_owned(),
            limit: None,
        }
    }

    pub(crate) fn too_large(limit: &'static str, message: impl Into<String>) -> Self {
        Self { code: ExtractErrorCode::DocumentTooLarge, message: message.into(), limit: Some(limit) }
    }
}
