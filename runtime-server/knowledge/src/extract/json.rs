//! JSON: arrays of `{question, answer}` objects become Q&A; everything else
//! is flattened into `key: value` lines, with nested objects as sections.

use serde_json::{Map, Value};

use crate::document::Builder;
use crate::error::ExtractError;
use crate::extract::{is_answer_name, is_question_name};
use crate::text;

pub(super) fn read(bytes: &[u8], builder: &mut Builder) -> Result<(), ExtractError> {
    // serde_json refuses nesting deeper than 128, which also bounds the
    // recursion below.
    let value: Value = serde_json::from_str(&text::decode(bytes, None))
        .map_err(|_| ExtractError::corrupt("The file is not valid JSON."))?;
    if let Some(title) = value.get("title").and_then(Value::as_str) {
        builder.set_title(title);
    }
    walk(&value, 1, builder)
}

/// The question and answer of an object that is a Q&A entry.
fn qa_entry(value: &Value) -> Option<(String, String)> {
    let object = value.as_object()?;
    let question = object.iter().find(|(key, _)| is_question_name(key)).map(|(_, value)| scalar(value))?;
    let answer = object.iter().find(|(key, _)| is_answer_name(key)).map(|(_, value)| scalar(value))?;
    Some((question?, answer?))
}

/// A value that reads as one line of text.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null => Some(String::new()),
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(scalar).collect();
            parts.map(|parts| parts.into_iter().filter(|part| !part.is_empty()).collect::<Vec<_>>().join(", "))
        }
        Value::Object(_) => None,
    }
}

fn walk(value: &Value, depth: u8, builder: &mut Builder) -> Result<(), ExtractError> {
    match value {
        Value::Object(members) => walk_object(members, depth, builder),
        Value::Array(items) => {
            let entries: Option<Vec<(String, String)>> = items.iter().map(qa_entry).collect();
            match entries {
                Some(entries) if !entries.is_empty() => {
                    for (question, answer) in entries {
                        builder.qa(&question, &answer)?;
                    }
                }
                _ => {
                    for item in items {
                        match scalar(item) {
                            Some(line) => builder.list_item(&line)?,
                            None => walk(item, depth, builder)?,
                        }
                    }
                }
            }
            Ok(())
        }
        other => builder.paragraph(&scalar(other).unwrap_or_default()),
    }
}

/// Scalar members first as `key: value` paragraphs, then each nested object
/// or array under a heading named after its key.
fn walk_object(members: &Map<String, Value>, depth: u8, builder: &mut Builder) -> Result<(), ExtractError> {
    let mut lines = Vec::new();
    for (key, value) in members {
        if let Some(line) = scalar(value)
            && !line.is_empty()
        {
            lines.push(format!("{key}: {line}"));
        }
    }
    // One object's fields stay together as one block: they describe one thing.
    builder.paragraph_lines(&lines)?;
    for (key, value) in members {
        if scalar(value).is_none() {
            builder.heading(depth, key)?;
            walk(value, depth.saturating_add(1), builder)?;
        }
    }
    Ok(())
}
