//! Word documents: the ZIP's `word/document.xml` read with quick-xml, with
//! heading levels taken from the paragraph styles (`word/styles.xml` names
//! them, whatever the language of the style ids) and the title from
//! `docProps/core.xml`.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::document::Builder;
use crate::error::ExtractError;
use crate::extract::ExtractLimits;

/// What a paragraph style says about the paragraphs that use it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Style {
    heading: Option<u8>,
    title: bool,
    list: bool,
}

pub(super) fn read(bytes: &[u8], limits: &ExtractLimits, builder: &mut Builder) -> Result<(), ExtractError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| ExtractError::corrupt("The file is not a readable docx."))?;
    let document = part(&mut archive, "word/document.xml", limits)?
        .ok_or_else(|| ExtractError::corrupt("The docx has no word/document.xml."))?;
    // Styles and properties are optional: without them, headings fall back to
    // the style ids and the title to the first heading.
    let styles = part(&mut archive, "word/styles.xml", limits)?.map(|xml| read_styles(&xml)).unwrap_or_default();
    if let Some(title) = part(&mut archive, "docProps/core.xml", limits)?.and_then(|xml| core_title(&xml)) {
        builder.set_title(&title);
    }
    read_body(&document, &styles, builder)
}

/// A part of the package, `None` when absent, bounded by `max_unpacked_bytes`.
fn part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    limits: &ExtractLimits,
) -> Result<Option<String>, ExtractError> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(_) => return Err(ExtractError::corrupt("The docx's parts cannot be read.")),
    };
    let limit = u64::try_from(limits.max_unpacked_bytes).unwrap_or(u64::MAX);
    let mut content = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(|_| ExtractError::corrupt("The docx's parts cannot be unpacked."))?;
    if content.len() > limits.max_unpacked_bytes {
        return Err(ExtractError::too_large("max_unpacked_bytes", "The docx unpacks to more than the limit allows."));
    }
    Ok(Some(crate::text::decode(&content, None)))
}

/// The `w:val` (or any `val`) attribute of an element.
fn val(element: &BytesStart<'_>) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.local_name().as_ref() == b"val")
        .and_then(|attribute| attribute.unescape_value().ok().map(|value| value.into_owned()))
}

fn attribute(element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.local_name().as_ref() == name)
        .and_then(|attribute| attribute.unescape_value().ok().map(|value| value.into_owned()))
}

/// A heading level from a style's display name or id: `heading 2`, `Heading2`.
fn heading_from_name(name: &str) -> Option<u8> {
    let lower = name.to_ascii_lowercase().replace(' ', "");
    let digits = lower.strip_prefix("heading")?;
    digits.parse::<u8>().ok().filter(|level| (1..=9).contains(level))
}

/// `w:outlineLvl` counts from 0 for level 1; 9 means body text.
fn heading_from_outline(value: &str) -> Option<u8> {
    value.parse::<u8>().ok().filter(|level| *level < 9).map(|level| level + 1)
}

fn read_styles(xml: &str) -> HashMap<String, Style> {
    let mut styles = HashMap::new();
    let mut reader = Reader::from_str(xml);
    let mut current: Option<(String, Style)> = None;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(element) | Event::Empty(element) => match element.local_name().as_ref() {
                b"style" => current = attribute(&element, b"styleId").map(|id| (id, Style::default())),
                b"name" => {
                    if let (Some((_, style)), Some(name)) = (current.as_mut(), val(&element)) {
                        style.heading = style.heading.or(heading_from_name(&name));
                        style.title |= name.eq_ignore_ascii_case("title");
                        style.list |= name.to_ascii_lowercase().contains("list");
                    }
                }
                b"outlineLvl" => {
                    if let (Some((_, style)), Some(level)) = (current.as_mut(), val(&element)) {
                        style.heading = style.heading.or(heading_from_outline(&level));
                    }
                }
                _ => {}
            },
            Event::End(element) if element.local_name().as_ref() == b"style" => {
                if let Some((id, style)) = current.take() {
                    styles.insert(id, style);
                }
            }
            _ => {}
        }
    }
    styles
}

fn core_title(xml: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    let mut in_title = false;
    let mut title = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Start(element)) => in_title = element.local_name().as_ref() == b"title",
            Ok(Event::End(_)) => in_title = false,
            Ok(Event::Text(text)) if in_title => title.push_str(&text.xml_content().unwrap_or_default()),
            Ok(Event::GeneralRef(reference)) if in_title => push_reference(&mut title, &reference),
            Ok(_) => {}
        }
    }
    let title = title.trim().to_owned();
    (!title.is_empty()).then_some(title)
}

fn push_reference(out: &mut String, reference: &quick_xml::events::BytesRef<'_>) {
    if let Ok(Some(character)) = reference.resolve_char_ref() {
        out.push(character);
    } else if let Ok(name) = reference.decode()
        && let Some(resolved) = quick_xml::escape::resolve_predefined_entity(&name)
    {
        out.push_str(resolved);
    }
}

/// The paragraph being read: its words and what its properties say.
#[derive(Debug, Default)]
struct Paragraph {
    text: String,
    style: Option<String>,
    outline: Option<u8>,
    numbered: bool,
}

/// The table being read: finished rows, and the row and cell in progress.
#[derive(Debug, Default)]
struct Table {
    rows: Vec<Vec<String>>,
}

fn read_body(xml: &str, styles: &HashMap<String, Style>, builder: &mut Builder) -> Result<(), ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut paragraph = Paragraph::default();
    let mut in_text = false;
    let mut table = Table::default();
    let mut table_depth = 0_usize;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(event) => event,
            Err(_) => return Err(ExtractError::corrupt("The docx's document.xml is not well-formed XML.")),
        };
        match event {
            Event::Start(element) => match element.local_name().as_ref() {
                b"p" => paragraph = Paragraph::default(),
                b"t" => in_text = true,
                b"tbl" => {
                    table_depth += 1;
                    if table_depth == 1 {
                        table = Table::default();
                    }
                }
                b"tr" if table_depth == 1 => table.rows.push(Vec::new()),
                b"tc" if table_depth == 1 => {
                    if let Some(row) = table.rows.last_mut() {
                        row.push(String::new());
                    }
                }
                other => paragraph_property(&mut paragraph, other, &element),
            },
            Event::Empty(element) => match element.local_name().as_ref() {
                b"tab" | b"br" | b"cr" => paragraph.text.push(' '),
                other => paragraph_property(&mut paragraph, other, &element),
            },
            Event::Text(text) if in_text => paragraph.text.push_str(&text.xml_content().unwrap_or_default()),
            Event::GeneralRef(reference) if in_text => push_reference(&mut paragraph.text, &reference),
            Event::End(element) => match element.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    let finished = std::mem::take(&mut paragraph);
                    if table_depth > 0 {
                        // A cell's paragraphs (and nested tables) make one cell.
                        if let Some(cell) = table.rows.last_mut().and_then(|row| row.last_mut()) {
                            cell.push(' ');
                            cell.push_str(&finished.text);
                        }
                    } else {
                        emit(finished, styles, builder)?;
                    }
                }
                b"tbl" => {
                    table_depth = table_depth.saturating_sub(1);
                    if table_depth == 0 {
                        builder.table(&std::mem::take(&mut table.rows))?;
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    Ok(())
}

fn paragraph_property(paragraph: &mut Paragraph, name: &[u8], element: &BytesStart<'_>) {
    match name {
        b"pStyle" => paragraph.style = val(element),
        b"outlineLvl" => paragraph.outline = val(element).and_then(|value| heading_from_outline(&value)),
        b"numPr" => paragraph.numbered = true,
        _ => {}
    }
}

fn emit(paragraph: Paragraph, styles: &HashMap<String, Style>, builder: &mut Builder) -> Result<(), ExtractError> {
    let style = paragraph.style.as_deref().map(|id| {
        let mut style = styles.get(id).copied().unwrap_or_default();
        style.heading = style.heading.or(heading_from_name(id));
        style.title |= id.eq_ignore_ascii_case("title");
        style
    });
    let style = style.unwrap_or_default();
    if style.title {
        builder.set_title(&paragraph.text);
        return Ok(());
    }
    match paragraph.outline.or(style.heading) {
        Some(level) => builder.heading(level.min(6), &paragraph.text),
        None if paragraph.numbered || style.list => builder.list_item(&paragraph.text),
        None => builder.paragraph(&paragraph.text),
    }
}
