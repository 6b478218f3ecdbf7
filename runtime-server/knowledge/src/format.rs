//! Which reader a file goes to.

use serde::{Deserialize, Serialize};

/// The document formats Animo reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Plain text; paragraphs are separated by blank lines.
    Text,
    /// CommonMark with tables.
    Markdown,
    /// An HTML page.
    Html,
    /// A PDF with a text layer (scans without one come out empty).
    Pdf,
    /// A Word document (Office Open XML).
    Docx,
    /// Comma-, semicolon- or tab-separated values with a header row.
    Csv,
    /// JSON.
    Json,
}

impl Format {
    /// Every format, for listings and tests.
    pub const ALL: [Format; 7] =
        [Format::Text, Format::Markdown, Format::Html, Format::Pdf, Format::Docx, Format::Csv, Format::Json];

    /// The format's lowercase name, as the file extension it is best known by.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// Decides a file's format, or `None` when it is none Animo reads.
    ///
    /// The file's own signature comes first, because it cannot lie: a PDF
    /// (`%PDF-` near the start) or a Word document (a ZIP holding
    /// `word/document.xml`) is read as such whatever its name. Then the file
    /// name's extension, then the content type (parameters such as `charset`
    /// ignored). A file that none of these place is sniffed: HTML by its
    /// doctype or `<html>` tag, JSON when it parses, and otherwise text when it
    /// is text (no NUL bytes near the start). Other binaries get `None`.
    pub fn detect(file_name: &str, content_type: Option<&str>, bytes: &[u8]) -> Option<Format> {
        if is_pdf(bytes) {
            return Some(Format::Pdf);
        }
        if is_docx(bytes) {
            return Some(Format::Docx);
        }
        if let Some(format) = from_extension(file_name) {
            return Some(format);
        }
        if let Some(format) = content_type.and_then(Format::from_content_type) {
            return Some(format);
        }
        sniff(bytes)
    }

    /// The format a Content-Type names (parameters such as `charset` and
    /// letter case ignored), or `None` for one Animo does not read. The one
    /// place that maps media types to formats: upload detection and the
    /// crawler's download filter both ask it.
    pub fn from_content_type(content_type: &str) -> Option<Format> {
        let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let format = match essence.as_str() {
            "text/plain" => Format::Text,
            "text/markdown" | "text/x-markdown" => Format::Markdown,
            "text/html" | "application/xhtml+xml" => Format::Html,
            "application/pdf" => Format::Pdf,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => Format::Docx,
            "text/csv" | "application/csv" | "text/tab-separated-values" => Format::Csv,
            "application/json" | "text/json" => Format::Json,
            other if other.ends_with("+json") => Format::Json,
            _ => return None,
        };
        Some(format)
    }
}

fn is_pdf(bytes: &[u8]) -> bool {
    // Some writers put junk before the header; readers accept it within the first kilobyte.
    let head = bytes.get(..1024).unwrap_or(bytes);
    head.windows(5).any(|window| window == b"%PDF-")
}

fn is_docx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") && bytes.windows(17).any(|window| window == b"word/document.xml")
}

fn from_extension(file_name: &str) -> Option<Format> {
    let (_, extension) = file_name.rsplit_once('.')?;
    let format = match extension.to_ascii_lowercase().as_str() {
        "txt" | "text" => Format::Text,
        "md" | "markdown" | "mdown" | "mkd" => Format::Markdown,
        "html" | "htm" | "xhtml" => Format::Html,
        "pdf" => Format::Pdf,
        "docx" => Format::Docx,
        "csv" | "tsv" => Format::Csv,
        "json" => Format::Json,
        _ => return None,
    };
    Some(format)
}

fn sniff(bytes: &[u8]) -> Option<Format> {
    let head = bytes.get(..8192).unwrap_or(bytes);
    if head.contains(&0) && encoding_rs::Encoding::for_bom(bytes).is_none() {
        return None;
    }
    let text = crate::text::decode(head, None);
    let start = text.trim_start().get(..15).unwrap_or(text.trim_start()).to_ascii_lowercase();
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        return Some(Format::Html);
    }
    if (start.starts_with('{') || start.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(&crate::text::decode(bytes, None)).is_ok()
    {
        return Some(Format::Json);
    }
    Some(Format::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_beat_names() {
        assert_eq!(Format::detect("scan.txt", None, b"%PDF-1.7\n..."), Some(Format::Pdf));
        let docx = b"PK\x03\x04....word/document.xml....";
        assert_eq!(Format::detect("upload.bin", Some("application/octet-stream"), docx), Some(Format::Docx));
        // A ZIP that is not a Word document is not one.
        assert_eq!(Format::detect("archive.zip", None, b"PK\x03\x04\x00\x00other.xml\x00"), None);
    }

    #[test]
    fn extensions_then_content_types_then_sniffing() {
        assert_eq!(Format::detect("README.MD", None, b"# Hi"), Some(Format::Markdown));
        assert_eq!(Format::detect("faq.tsv", None, b"q\ta"), Some(Format::Csv));
        assert_eq!(Format::detect("page", Some("text/html; charset=utf-8"), b"hi"), Some(Format::Html));
        assert_eq!(Format::detect("data", Some("application/ld+json"), b"{}"), Some(Format::Json));
        assert_eq!(Format::detect("x", None, b"  <!DOCTYPE html><p>hi"), Some(Format::Html));
        assert_eq!(Format::detect("x", None, b"[{\"a\": 1}]"), Some(Format::Json));
        assert_eq!(Format::detect("x", None, b"[not json"), Some(Format::Text));
        assert_eq!(Format::detect("photo.png", Some("image/png"), b"\x89PNG\r\n\x1a\n\0\0\0"), None);
        assert_eq!(Format::detect("empty", None, b""), Some(Format::Text));
    }

    #[test]
    fn content_types_map_to_formats_whatever_their_parameters_and_case() {
        let cases = [
            ("text/plain", Some(Format::Text)),
            ("Text/Markdown; charset=UTF-8", Some(Format::Markdown)),
            ("text/x-markdown", Some(Format::Markdown)),
            (" text/html ;charset=utf-8", Some(Format::Html)),
            ("application/xhtml+xml", Some(Format::Html)),
            ("application/pdf", Some(Format::Pdf)),
            ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", Some(Format::Docx)),
            ("text/csv; header=present", Some(Format::Csv)),
            ("application/csv", Some(Format::Csv)),
            ("text/tab-separated-values", Some(Format::Csv)),
            ("application/json", Some(Format::Json)),
            ("text/json", Some(Format::Json)),
            ("application/problem+json", Some(Format::Json)),
            ("image/png", None),
            ("application/zip", None),
            ("application/octet-stream", None),
            ("video/mp4", None),
            ("", None),
            (";", None),
        ];
        for (content_type, expected) in cases {
            assert_eq!(Format::from_content_type(content_type), expected, "{content_type:?}");
        }
    }
}
