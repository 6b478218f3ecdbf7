//! The structured text every format is read into, and the builder the
//! format readers share so that sections, limits and whitespace are handled
//! the same way for all of them.

use serde::{Deserialize, Serialize};

use crate::error::ExtractError;
use crate::text;

/// A document read into structured text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extracted {
    /// The document's own title: `<title>` or the first `<h1>` for HTML, the
    /// core properties or a Title-styled paragraph for docx, the Info
    /// dictionary for PDF, a top-level `title` for JSON, and otherwise the
    /// first heading. Empty when the document names none; the caller then
    /// falls back to the file name or URL.
    pub title: String,
    /// The text in reading order.
    pub blocks: Vec<Block>,
    /// Curated question/answer pairs found in a CSV or JSON file. Their text
    /// is not repeated in `blocks`.
    pub qa: Vec<QaPair>,
}

/// One question and its curated answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaPair {
    /// The question as written in the source.
    pub question: String,
    /// The answer as written in the source.
    pub answer: String,
}

/// A piece of a document's text with its place in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// What kind of text this is.
    pub kind: BlockKind,
    /// The text, never empty, with whitespace collapsed within lines.
    /// Headings and list items are one line; paragraphs are one line except
    /// for a JSON object's `key: value` lines; tables hold one `a | b | c` row
    /// per line; code keeps its lines and indentation.
    pub text: String,
    /// The heading path this block sits under, outermost first. A heading's
    /// own section ends with the heading itself, so that a heading and the
    /// text below it share one section.
    pub section: Vec<String>,
    /// The 1-based page the block starts on, for formats that have pages (PDF).
    pub page: Option<u32>,
}

/// The kinds of [`Block`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum BlockKind {
    /// A heading; level 1 is the outermost.
    Heading {
        /// 1 to 6.
        level: u8,
    },
    /// A paragraph of prose.
    Paragraph,
    /// One item of a bulleted or numbered list.
    ListItem,
    /// A table, one row per line with cells separated by ` | `.
    Table,
    /// Preformatted text or source code.
    Code,
}

/// Collects blocks while keeping the heading path and the character budget.
#[derive(Debug)]
pub(crate) struct Builder {
    title: String,
    blocks: Vec<Block>,
    qa: Vec<QaPair>,
    headings: Vec<(u8, String)>,
    chars: usize,
    max_chars: usize,
    page: Option<u32>,
}

impl Builder {
    pub(crate) fn new(max_chars: usize) -> Self {
        Self {
            title: String::new(),
            blocks: Vec::new(),
            qa: Vec::new(),
            headings: Vec::new(),
            chars: 0,
            max_chars,
            page: None,
        }
    }

    /// Sets the page the following blocks are on.
    pub(crate) fn set_page(&mut self, page: u32) {
        self.page = Some(page);
    }

    /// Sets the title unless one is set already; the first source wins.
    pub(crate) fn set_title(&mut self, title: &str) {
        if self.title.is_empty() {
            self.title = text::collapse_whitespace(title);
        }
    }

    pub(crate) fn heading(&mut self, level: u8, raw: &str) -> Result<(), ExtractError> {
        let text = text::collapse_whitespace(raw);
        if text.is_empty() {
            return Ok(());
        }
        let level = level.clamp(1, 6);
        while self.headings.last().is_some_and(|(open, _)| *open >= level) {
            self.headings.pop();
        }
        self.headings.push((level, text.clone()));
        self.push_normalized(BlockKind::Heading { level }, text)
    }

    pub(crate) fn paragraph(&mut self, raw: &str) -> Result<(), ExtractError> {
        self.push_normalized(BlockKind::Paragraph, text::collapse_whitespace(raw))
    }

    /// One paragraph of several lines, kept apart (a JSON object's fields).
    pub(crate) fn paragraph_lines(&mut self, lines: &[String]) -> Result<(), ExtractError> {
        let lines: Vec<String> =
            lines.iter().map(|line| text::collapse_whitespace(line)).filter(|line| !line.is_empty()).collect();
        self.push_normalized(BlockKind::Paragraph, lines.join("\n"))
    }

    pub(crate) fn list_item(&mut self, raw: &str) -> Result<(), ExtractError> {
        self.push_normalized(BlockKind::ListItem, text::collapse_whitespace(raw))
    }

    /// A table from its rows of cells; empty cells are kept so columns line
    /// up, empty rows are dropped.
    pub(crate) fn table(&mut self, rows: &[Vec<String>]) -> Result<(), ExtractError> {
        let lines: Vec<String> = rows
            .iter()
            .map(|row| row.iter().map(|cell| text::collapse_whitespace(cell)).collect::<Vec<_>>())
            .filter(|cells| cells.iter().any(|cell| !cell.is_empty()))
            .map(|cells| cells.join(" | "))
            .collect();
        self.push_normalized(BlockKind::Table, lines.join("\n"))
    }

    pub(crate) fn code(&mut self, raw: &str) -> Result<(), ExtractError> {
        self.push_normalized(BlockKind::Code, text::clean_code(raw))
    }

    pub(crate) fn qa(&mut self, question: &str, answer: &str) -> Result<(), ExtractError> {
        let question = text::collapse_whitespace(question);
        let answer = text::collapse_whitespace(answer);
        if question.is_empty() || answer.is_empty() {
            return Ok(());
        }
        self.charge(question.chars().count() + answer.chars().count())?;
        self.qa.push(QaPair { question, answer });
        Ok(())
    }

    fn charge(&mut self, chars: usize) -> Result<(), ExtractError> {
        self.chars = self.chars.saturating_add(chars);
        if self.chars > self.max_chars {
            return Err(ExtractError::too_large(
                "max_chars",
                format!("The document has more than {} characters of text.", self.max_chars),
            ));
        }
        Ok(())
    }

    fn push_normalized(&mut self, kind: BlockKind, text: String) -> Result<(), ExtractError> {
        if text.is_empty() {
            return Ok(());
        }
        self.charge(text.chars().count())?;
        let section = self.headings.iter().map(|(_, heading)| heading.clone()).collect();
        self.blocks.push(Block { kind, text, section, page: self.page });
        Ok(())
    }

    /// The document, or [`ExtractError::empty`] when it holds no text.
    pub(crate) fn finish(mut self) -> Result<Extracted, ExtractError> {
        if self.blocks.is_empty() && self.qa.is_empty() {
            return Err(ExtractError::empty());
        }
        if self.title.is_empty()
            && let Some(first) = self.blocks.iter().find(|block| matches!(block.kind, BlockKind::Heading { .. }))
        {
            self.title = first.text.clone();
        }
        Ok(Extracted { title: self.title, blocks: self.blocks, qa: self.qa })
    }
}
