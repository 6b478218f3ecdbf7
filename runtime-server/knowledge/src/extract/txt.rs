//! Plain text: paragraphs at blank lines; lines that start with a bullet or a
//! number are list items.

use crate::document::Builder;
use crate::error::ExtractError;
use crate::text;

pub(super) fn read(bytes: &[u8], builder: &mut Builder) -> Result<(), ExtractError> {
    let content = text::decode(bytes, None);
    let mut paragraph = String::new();
    for line in content.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            builder.paragraph(&paragraph)?;
            paragraph.clear();
        } else if let Some(item) = list_item(trimmed) {
            builder.paragraph(&paragraph)?;
            paragraph.clear();
            builder.list_item(item)?;
        } else {
            // Hard-wrapped lines of one paragraph are joined back into one.
            paragraph.push(' ');
            paragraph.push_str(trimmed);
        }
    }
    builder.paragraph(&paragraph)
}

/// The item's text when `line` is a list item: `- x`, `* x`, `• x`, `1. x`, `1) x`.
fn list_item(line: &str) -> Option<&str> {
    for bullet in ["- ", "* ", "• ", "– "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some(rest);
        }
    }
    let digits = line.len() - line.trim_start_matches(|character: char| character.is_ascii_digit()).len();
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = line.get(digits..)?;
    rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))
}
