//! Markdown through pulldown-cmark: CommonMark with tables, strikethrough
//! and front matter (which is skipped).

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::document::Builder;
use crate::error::ExtractError;
use crate::text;

/// What the text being collected will become when its element ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Heading(u8),
    Paragraph,
    Item,
    Code,
    Cell,
    Skip,
}

pub(super) fn read(bytes: &[u8], builder: &mut Builder) -> Result<(), ExtractError> {
    let content = text::decode(bytes, None);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let mut buffer = String::new();
    let mut targets: Vec<Target> = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut item_depth = 0_usize;

    for event in Parser::new_ext(&content, options) {
        match event {
            Event::Start(tag) => {
                let target = match tag {
                    Tag::Heading { level, .. } => Some(Target::Heading(heading_level(level))),
                    // Paragraphs inside a list item belong to the item.
                    Tag::Paragraph if item_depth == 0 => Some(Target::Paragraph),
                    Tag::Item => {
                        // A nested list starts: what the outer item said so far is complete.
                        flush_item(builder, &mut buffer, &targets)?;
                        item_depth += 1;
                        Some(Target::Item)
                    }
                    Tag::CodeBlock(_) => Some(Target::Code),
                    Tag::TableCell => Some(Target::Cell),
                    Tag::MetadataBlock(_) => Some(Target::Skip),
                    Tag::TableRow | Tag::TableHead => {
                        rows.push(Vec::new());
                        None
                    }
                    Tag::List(_) => {
                        flush_item(builder, &mut buffer, &targets)?;
                        None
                    }
                    _ => None,
                };
                if let Some(target) = target {
                    if target != Target::Item {
                        buffer.clear();
                    }
                    targets.push(target);
                }
            }
            Event::End(end) => {
                let closes = match end {
                    TagEnd::Heading(_) => true,
                    TagEnd::Paragraph => item_depth == 0,
                    TagEnd::Item => {
                        item_depth = item_depth.saturating_sub(1);
                        true
                    }
                    TagEnd::CodeBlock | TagEnd::TableCell | TagEnd::MetadataBlock(_) => true,
                    TagEnd::Table => {
                        builder.table(&rows)?;
                        rows.clear();
                        false
                    }
                    _ => false,
                };
                if closes && let Some(target) = targets.pop() {
                    let collected = std::mem::take(&mut buffer);
                    match target {
                        Target::Heading(level) => builder.heading(level, &collected)?,
                        Target::Paragraph => builder.paragraph(&collected)?,
                        Target::Item => builder.list_item(&collected)?,
                        Target::Code => builder.code(&collected)?,
                        Target::Cell => {
                            if let Some(row) = rows.last_mut() {
                                row.push(text::collapse_whitespace(&collected));
                            }
                        }
                        Target::Skip => {}
                    }
                }
            }
            Event::Text(part) | Event::Code(part) => buffer.push_str(&part),
            Event::SoftBreak | Event::HardBreak => {
                let in_code = targets.last() == Some(&Target::Code);
                buffer.push(if in_code { '\n' } else { ' ' });
            }
            // Raw HTML and footnote markers are not prose.
            _ => {}
        }
    }
    Ok(())
}

/// Emits the words an open list item has collected before a nested list.
fn flush_item(builder: &mut Builder, buffer: &mut String, targets: &[Target]) -> Result<(), ExtractError> {
    if targets.last() == Some(&Target::Item) {
        builder.list_item(buffer)?;
        buffer.clear();
    }
    Ok(())
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}
