//! From a file's bytes to [`Extracted`] text, one reader per format.

mod csv;
mod docx;
mod html;
mod json;
mod markdown;
mod pdf;
mod txt;

use crate::document::{Builder, Extracted};
use crate::error::ExtractError;
use crate::format::Format;

/// How much one document may hold. Every limit is checked while reading, so
/// an oversized document is refused before it costs more than its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractLimits {
    /// The file's size in bytes.
    pub max_bytes: usize,
    /// The pages of a PDF.
    pub max_pages: u32,
    /// The characters of extracted text, Q&A included.
    pub max_chars: usize,
    /// The bytes that compressed parts may unpack to: a docx's XML parts, a
    /// PDF page's content streams. This is what stops a small file that
    /// inflates to gigabytes.
    pub max_unpacked_bytes: usize,
}

impl Default for ExtractLimits {
    /// 64 MiB files, 2,000 pages, 5 million characters (about a thousand
    /// dense pages), 256 MiB unpacked.
    fn default() -> Self {
        Self { max_bytes: 64 << 20, max_pages: 2000, max_chars: 5_000_000, max_unpacked_bytes: 256 << 20 }
    }
}

/// Reads `bytes` as `format` into structured text.
///
/// The result keeps the document's structure (headings as section paths,
/// paragraphs, list items, tables as `a | b | c` rows, PDF page numbers) and
/// any curated Q&A of a CSV or JSON file. Errors say whether the file is
/// corrupt, empty or over a limit; no input makes this panic.
pub fn extract(format: Format, bytes: &[u8], limits: &ExtractLimits) -> Result<Extracted, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(ExtractError::too_large(
            "max_bytes",
            format!("The file is larger than {} bytes.", limits.max_bytes),
        ));
    }
    let mut builder = Builder::new(limits.max_chars);
    match format {
        Format::Text => txt::read(bytes, &mut builder)?,
        Format::Markdown => markdown::read(bytes, &mut builder)?,
        Format::Html => html::read(bytes, &mut builder)?,
        Format::Pdf => pdf::read(bytes, limits, &mut builder)?,
        Format::Docx => docx::read(bytes, limits, &mut builder)?,
        Format::Csv => csv::read(bytes, &mut builder)?,
        Format::Json => json::read(bytes, &mut builder)?,
    }
    builder.finish()
}

/// Detects a file's format with [`Format::detect`] and reads it with
/// [`extract`]: the one call an upload needs. A file of no known format is
/// refused with [`ExtractErrorCode::UnsupportedFormat`](crate::ExtractErrorCode::UnsupportedFormat).
pub fn extract_file(
    file_name: &str,
    content_type: Option<&str>,
    bytes: &[u8],
    limits: &ExtractLimits,
) -> Result<(Format, Extracted), ExtractError> {
    let format = Format::detect(file_name, content_type, bytes).ok_or_else(|| {
        ExtractError::unsupported("The file is not a format Animo reads (txt, md, html, pdf, docx, csv, json).")
    })?;
    Ok((format, extract(format, bytes, limits)?))
}

/// Header names (and JSON keys) that mark a question or an answer, compared
/// without case and surrounding space. English and German, the languages of
/// Animo's first tenants.
const QUESTION_NAMES: &[&str] = &["question", "questions", "q", "frage", "fragen"];
const ANSWER_NAMES: &[&str] = &["answer", "answers", "a", "antwort", "antworten"];

fn is_name_in(name: &str, names: &[&str]) -> bool {
    let name = name.trim().trim_start_matches('\u{feff}').to_lowercase();
    names.contains(&name.as_str())
}

pub(crate) fn is_question_name(name: &str) -> bool {
    is_name_in(name, QUESTION_NAMES)
}

pub(crate) fn is_answer_name(name: &str) -> bool {
    is_name_in(name, ANSWER_NAMES)
}
