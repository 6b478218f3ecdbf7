//! HTML through html5ever (via scraper): the page's readable content, without
//! scripts, styles, navigation, footers and asides.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use crate::document::Builder;
use crate::error::ExtractError;
use crate::text;

/// Elements whose content is never the page's prose: code and styling,
/// site chrome that repeats on every page, and controls.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "nav", "footer", "aside", "svg", "math", "iframe", "canvas",
    "button", "select", "textarea", "form", "dialog",
];

/// Elements that end the running paragraph; their text is a block of its own.
const BREAKING: &[&str] = &[
    "address",
    "article",
    "blockquote",
    "body",
    "br",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "header",
    "hr",
    "html",
    "main",
    "p",
    "section",
    "summary",
    "ul",
    "ol",
];

pub(super) fn read(bytes: &[u8], builder: &mut Builder) -> Result<(), ExtractError> {
    let content = text::decode(bytes, declared_charset(bytes).as_deref());
    let page = Html::parse_document(&content);
    read_page(&page, builder)
}

/// The `charset` a page declares in its first kilobyte, for pages that are
/// not UTF-8.
fn declared_charset(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(bytes.get(..1024).unwrap_or(bytes)).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let value: String = head
        .get(at..)?
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|character| character.is_ascii_alphanumeric() || matches!(character, '-' | '_'))
        .collect();
    (!value.is_empty()).then_some(value)
}

fn element_name<'a>(node: &NodeRef<'a, Node>) -> Option<&'a str> {
    node.value().as_element().map(|element| element.name())
}

fn is_hidden(node: &NodeRef<'_, Node>) -> bool {
    node.value()
        .as_element()
        .is_some_and(|element| element.attr("hidden").is_some() || element.attr("aria-hidden") == Some("true"))
}

/// The text of a subtree, without its dropped parts.
fn text_of(node: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in node.traverse() {
        match edge {
            Edge::Open(inner) => {
                if skipping.is_some() {
                    continue;
                }
                if element_name(&inner).is_some_and(|name| DROPPED.contains(&name)) || is_hidden(&inner) {
                    skipping = Some(inner.id());
                } else if let Some(part) = inner.value().as_text() {
                    out.push_str(part);
                } else if element_name(&inner).is_some_and(|name| BREAKING.contains(&name) || name == "li") {
                    out.push(' ');
                }
            }
            Edge::Close(inner) => {
                if skipping == Some(inner.id()) {
                    skipping = None;
                }
            }
        }
    }
    out
}

fn read_page(page: &Html, builder: &mut Builder) -> Result<(), ExtractError> {
    let root = page.tree.root();
    if let Some(title) = root.descendants().find(|node| element_name(node) == Some("title")) {
        builder.set_title(&text_of(title));
    }
    // Where the page marks its main content, the rest is chrome.
    let main = root.descendants().find(|node| {
        element_name(node) == Some("main")
            || node.value().as_element().is_some_and(|element| element.attr("role") == Some("main"))
    });
    if let Some(h1) = main.unwrap_or(root).descendants().find(|node| element_name(node) == Some("h1")) {
        builder.set_title(&text_of(h1));
    }

    let mut paragraph = String::new();
    // A subtree being skipped, or read whole as one block (headings, list
    // items, tables, preformatted text).
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in main.unwrap_or(root).traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                if let Some(part) = node.value().as_text() {
                    paragraph.push_str(part);
                    continue;
                }
                let Some(name) = element_name(&node) else { continue };
                if DROPPED.contains(&name) || is_hidden(&node) {
                    skipping = Some(node.id());
                    continue;
                }
                let whole = match name {
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "table" | "pre" => true,
                    _ => BREAKING.contains(&name),
                };
                if whole {
                    builder.paragraph(&paragraph)?;
                    paragraph.clear();
                }
                match name {
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                        let level = name.as_bytes().get(1).map_or(1, |digit| digit.saturating_sub(b'0'));
                        builder.heading(level, &text_of(node))?;
                        skipping = Some(node.id());
                    }
                    "li" => {
                        read_list_item(node, builder)?;
                        skipping = Some(node.id());
                    }
                    "table" => {
                        builder.table(&table_rows(node))?;
                        skipping = Some(node.id());
                    }
                    "pre" => {
                        builder.code(&text_of(node))?;
                        skipping = Some(node.id());
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                } else if skipping.is_none() && element_name(&node).is_some_and(|name| BREAKING.contains(&name)) {
                    builder.paragraph(&paragraph)?;
                    paragraph.clear();
                }
            }
        }
    }
    builder.paragraph(&paragraph)
}

/// A list item's own words, then its nested lists' items after it.
fn read_list_item(item: NodeRef<'_, Node>, builder: &mut Builder) -> Result<(), ExtractError> {
    let mut own = String::new();
    let mut nested = Vec::new();
    for child in item.children() {
        if matches!(element_name(&child), Some("ul" | "ol")) {
            nested.push(child);
        } else {
            own.push_str(&text_of(child));
        }
    }
    builder.list_item(&own)?;
    for list in nested {
        for child in list.children().filter(|child| element_name(child) == Some("li")) {
            // Deeper nesting is flattened here rather than followed by
            // recursion, so a page nested a million levels deep cannot
            // exhaust the stack.
            builder.list_item(&text_of(child))?;
        }
    }
    Ok(())
}

/// The rows of a table, each a list of cell texts; nested tables are read as
/// their cells' text.
fn table_rows(table: NodeRef<'_, Node>) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for row in table.descendants().filter(|node| element_name(node) == Some("tr")) {
        // Rows of a nested table belong to the cell that holds it.
        let owner = row.ancestors().find(|node| element_name(node) == Some("table"));
        if owner.map(|node| node.id()) != Some(table.id()) {
            continue;
        }
        let cells = row
            .children()
            .filter(|cell| matches!(element_name(cell), Some("td" | "th")))
            .map(|cell| text::collapse_whitespace(&text_of(cell)))
            .collect();
        rows.push(cells);
    }
    rows
}
