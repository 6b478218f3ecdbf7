//! CSV: a FAQ when the header names a question and an answer column,
//! otherwise a table whose rows become blocks.

use crate::document::Builder;
use crate::error::ExtractError;
use crate::extract::{is_answer_name, is_question_name};
use crate::text;

pub(super) fn read(bytes: &[u8], builder: &mut Builder) -> Result<(), ExtractError> {
    let content = text::decode(bytes, None);
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter(&content))
        .has_headers(false)
        .flexible(true)
        .from_reader(content.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(record)) => record.iter().map(str::to_owned).collect(),
        Some(Err(_)) => return Err(ExtractError::corrupt("The CSV file cannot be read.")),
        None => return Ok(()),
    };
    let question = header.iter().position(|name| is_question_name(name));
    let answer = header.iter().position(|name| is_answer_name(name));

    if let (Some(question), Some(answer)) = (question, answer) {
        for record in records {
            let record = record.map_err(|_| ExtractError::corrupt("The CSV file cannot be read."))?;
            builder.qa(record.get(question).unwrap_or_default(), record.get(answer).unwrap_or_default())?;
        }
        return Ok(());
    }

    builder.table(&[header])?;
    for record in records {
        let record = record.map_err(|_| ExtractError::corrupt("The CSV file cannot be read."))?;
        builder.table(&[record.iter().map(str::to_owned).collect()])?;
    }
    Ok(())
}

/// The separator of the first line: the most frequent of comma, semicolon
/// (what spreadsheet software writes in much of Europe) and tab, outside
/// quotes; comma when there is none.
fn delimiter(content: &str) -> u8 {
    let first_line = content.lines().next().unwrap_or_default();
    let mut counts = [(b',', 0_usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in first_line.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(entry) = counts.iter_mut().find(|(separator, _)| *separator == byte) {
            entry.1 += 1;
        }
    }
    counts
        .iter()
        .filter(|(_, count)| *count > 0)
        .max_by_key(|(_, count)| *count)
        .map_or(b',', |(separator, _)| *separator)
}
