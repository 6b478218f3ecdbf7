//! PDF through lopdf: the text layer page by page, laid out into lines by
//! the text positioning operators, lines into paragraphs by their spacing, and
//! lines set clearly larger than the body text into headings.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::content::Content;
use lopdf::{Document, Encoding, LoadOptions, Object};

use crate::document::Builder;
use crate::error::ExtractError;
use crate::extract::ExtractLimits;
use crate::text;

/// One line of a page as it was set: its text, where and how large.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    text: String,
    y: f32,
    size: f32,
}

/// A page's lines in content-stream order.
type Page = Vec<Line>;

pub(super) fn read(bytes: &[u8], limits: &ExtractLimits, builder: &mut Builder) -> Result<(), ExtractError> {
    // lopdf is a large parser of untrusted input. Should it ever panic on a
    // file it did not expect, the upload is refused as corrupt rather than
    // taking the ingestion worker down with it; nothing outlives the closure.
    let loaded = catch_unwind(AssertUnwindSafe(|| load(bytes, limits)))
        .unwrap_or_else(|_| Err(ExtractError::corrupt("The PDF could not be read.")))?;
    let (title, pages) = loaded;
    if let Some(title) = title {
        builder.set_title(&title);
    }
    let body_size = body_size(&pages);
    let heading_sizes = heading_sizes(&pages, body_size);
    for (number, lines) in pages {
        builder.set_page(number);
        let mut paragraph = String::new();
        let mut previous: Option<&Line> = None;
        for line in &lines {
            if let Some(level) = heading_sizes.iter().position(|size| (line.size - size).abs() < 0.5) {
                builder.paragraph(&paragraph)?;
                paragraph.clear();
                builder.heading(u8::try_from(level + 1).unwrap_or(6), &line.text)?;
                previous = None;
                continue;
            }
            // A gap clearly wider than the line spacing, or a jump back up
            // the page (a new column), starts a new paragraph.
            let breaks = previous.is_some_and(|before| {
                let gap = before.y - line.y;
                gap > before.size.max(line.size) * 1.8 || gap < -1.0
            });
            if breaks {
                builder.paragraph(&paragraph)?;
                paragraph.clear();
            }
            join_line(&mut paragraph, &line.text);
            previous = Some(line);
        }
        builder.paragraph(&paragraph)?;
    }
    Ok(())
}

/// Appends a line to a paragraph, mending a word hyphenated across the break.
fn join_line(paragraph: &mut String, line: &str) {
    let hyphenated = paragraph.ends_with('-')
        && paragraph.chars().rev().nth(1).is_some_and(char::is_alphabetic)
        && line.starts_with(|character: char| character.is_lowercase());
    if hyphenated {
        paragraph.pop();
    } else if !paragraph.is_empty() {
        paragraph.push(' ');
    }
    paragraph.push_str(line);
}

/// The size most characters are set in.
fn body_size(pages: &BTreeMap<u32, Page>) -> f32 {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for line in pages.values().flatten() {
        *counts.entry(size_key(line.size)).or_default() += line.text.chars().count();
    }
    counts.into_iter().max_by_key(|(size, count)| (*count, *size)).map_or(0.0, |(size, _)| size as f32 / 10.0)
}

fn size_key(size: f32) -> u32 {
    // Sizes are compared at a tenth of a point; the cast saturates on junk.
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a clamped, rounded font size")]
    let key = (size.clamp(0.0, 10_000.0) * 10.0).round() as u32;
    key
}

/// The sizes, largest first, that count as heading levels: clearly larger
/// than the body text and used for short lines only. At most three levels.
fn heading_sizes(pages: &BTreeMap<u32, Page>, body: f32) -> Vec<f32> {
    let mut sizes: Vec<u32> = Vec::new();
    for line in pages.values().flatten() {
        let short = line.text.chars().count() <= 120;
        let key = size_key(line.size);
        if short && line.size >= body * 1.15 && !sizes.contains(&key) {
            sizes.push(key);
        }
    }
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.truncate(3);
    sizes.into_iter().map(|key| key as f32 / 10.0).collect()
}

fn load(bytes: &[u8], limits: &ExtractLimits) -> Result<(Option<String>, BTreeMap<u32, Page>), ExtractError> {
    let options = LoadOptions { max_decompressed_size: Some(limits.max_unpacked_bytes), ..LoadOptions::default() };
    let document = Document::load_mem_with_options(bytes, options)
        .map_err(|_| ExtractError::corrupt("The file is not a readable PDF."))?;
    if document.is_encrypted() {
        return Err(ExtractError::corrupt("The PDF is encrypted; upload a copy without a password."));
    }
    let page_ids = document.get_pages();
    if page_ids.len() > usize::try_from(limits.max_pages).unwrap_or(usize::MAX) {
        return Err(ExtractError::too_large("max_pages", format!("The PDF has more than {} pages.", limits.max_pages)));
    }
    let title = info_title(&document);
    let mut pages = BTreeMap::new();
    let mut unpacked = 0_usize;
    for (number, page_id) in page_ids {
        let budget = limits.max_unpacked_bytes.saturating_sub(unpacked);
        let content = document.get_page_content_with_limit(page_id, budget).map_err(|_| {
            ExtractError::too_large("max_unpacked_bytes", "The PDF's pages unpack to more than the limit allows.")
        })?;
        unpacked = unpacked.saturating_add(content.len());
        // A page whose content cannot be parsed is skipped, not fatal: the
        // other pages are still worth reading.
        let Ok(content) = Content::decode(&content) else { continue };
        let fonts = document.get_page_fonts(page_id).unwrap_or_default();
        let encodings: BTreeMap<Vec<u8>, Encoding<'_>> = fonts
            .into_iter()
            .filter_map(|(name, font)| {
                font.get_font_encoding_with_limit(&document, limits.max_unpacked_bytes)
                    .ok()
                    .map(|encoding| (name, encoding))
            })
            .collect();
        pages.insert(number, page_lines(&content, &encodings));
    }
    Ok((title, pages))
}

fn info_title(document: &Document) -> Option<String> {
    let info = document.trailer.get(b"Info").ok()?;
    let info = match info {
        Object::Reference(id) => document.get_object(*id).ok()?,
        other => other,
    };
    let title = info.as_dict().ok()?.get(b"Title").ok()?;
    let title = lopdf::decode_text_string(title).ok()?;
    let title = text::collapse_whitespace(&title);
    (!title.is_empty()).then_some(title)
}

/// The text state the line layout needs: the font, its size, and where the
/// current line starts.
#[derive(Debug, Clone)]
struct State<'a> {
    encoding: Option<&'a Encoding<'a>>,
    font_size: f32,
    /// The vertical scale of the text matrix, which multiplies the font size.
    scale: f32,
    leading: f32,
    y: f32,
}

fn number(object: &Object) -> Option<f32> {
    match object {
        Object::Integer(value) => Some(*value as f32),
        Object::Real(value) => Some(*value),
        _ => None,
    }
}

fn page_lines(content: &Content, encodings: &BTreeMap<Vec<u8>, Encoding<'_>>) -> Page {
    let mut lines: Page = Vec::new();
    let mut current = String::new();
    let mut state = State { encoding: None, font_size: 0.0, scale: 1.0, leading: 0.0, y: 0.0 };
    let mut line_y = 0.0_f32;
    let mut line_size = 0.0_f32;
    let mut saved: Vec<State<'_>> = Vec::new();

    for operation in &content.operations {
        let operands = &operation.operands;
        let new_line = match operation.operator.as_str() {
            "BT" => {
                state.y = 0.0;
                state.scale = 1.0;
                true
            }
            "q" => {
                saved.push(state.clone());
                false
            }
            "Q" => {
                if let Some(restored) = saved.pop() {
                    state = restored;
                }
                false
            }
            "Tf" => {
                state.encoding =
                    operands.first().and_then(|name| name.as_name().ok()).and_then(|name| encodings.get(name));
                state.font_size = operands.get(1).and_then(number).unwrap_or(state.font_size);
                false
            }
            "TL" => {
                state.leading = operands.first().and_then(number).unwrap_or(state.leading);
                false
            }
            "Td" | "TD" => {
                let dy = operands.get(1).and_then(number).unwrap_or(0.0);
                if operation.operator == "TD" {
                    state.leading = -dy;
                }
                state.y += dy * state.scale;
                dy.abs() > 0.01
            }
            "Tm" => {
                state.scale = operands.get(3).and_then(number).map_or(1.0, f32::abs).max(0.01);
                let y = operands.get(5).and_then(number).unwrap_or(state.y);
                let moved = (y - state.y).abs() > 0.01;
                state.y = y;
                moved
            }
            "T*" | "'" | "\"" => {
                state.y -= state.leading * state.scale;
                true
            }
            _ => false,
        };
        if new_line {
            push_line(&mut lines, &mut current, line_y, line_size);
        }
        let shown: &[Object] = match operation.operator.as_str() {
            "Tj" | "TJ" | "'" => operands.first().map(std::slice::from_ref).unwrap_or_default(),
            "\"" => operands.get(2).map(std::slice::from_ref).unwrap_or_default(),
            _ => &[],
        };
        for object in shown {
            if current.is_empty() {
                line_y = state.y;
                line_size = state.font_size * state.scale;
            }
            show(&mut current, state.encoding, object);
        }
    }
    push_line(&mut lines, &mut current, line_y, line_size);
    lines
}

fn push_line(lines: &mut Page, current: &mut String, y: f32, size: f32) {
    let text = text::collapse_whitespace(current);
    current.clear();
    if !text.is_empty() {
        lines.push(Line { text, y, size: if size.is_finite() { size } else { 0.0 } });
    }
}

/// Appends the text of a `Tj` string or a `TJ` array. In an array, a large
/// negative adjustment is how many writers set a space between words.
fn show(out: &mut String, encoding: Option<&Encoding<'_>>, object: &Object) {
    match object {
        Object::String(bytes, _) => {
            let decoded = match encoding {
                Some(encoding) => Document::decode_text(encoding, bytes).unwrap_or_default(),
                None => String::from_utf8_lossy(bytes).into_owned(),
            };
            out.push_str(&decoded);
        }
        Object::Array(parts) => {
            for part in parts {
                if number(part).is_some_and(|adjustment| adjustment < -200.0) {
                    out.push(' ');
                } else {
                    show(out, encoding, part);
                }
            }
        }
        _ => {}
    }
}
