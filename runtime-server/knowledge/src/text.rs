//! Text helpers shared by the readers and the chunker: decoding bytes,
//! whitespace, sentences.

use std::ops::Range;

/// Decodes a text file: a byte-order mark wins (UTF-8, UTF-16LE/BE), then
/// valid UTF-8, then `fallback_label` (an HTML `charset`, say), then
/// Windows-1252, which is what legacy Western files almost always are and
/// which maps every byte to some character.
pub(crate) fn decode(bytes: &[u8], fallback_label: Option<&str>) -> String {
    if let Some((encoding, bom_length)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = bytes.get(bom_length..).unwrap_or_default();
        return encoding.decode_without_bom_handling(body).0.into_owned();
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    let encoding = fallback_label
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::WINDOWS_1252);
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Control characters other than tab and newline are noise from damaged or
/// binary input; they become spaces.
fn is_noise(character: char) -> bool {
    character.is_control() && character != '\n' && character != '\t'
}

/// One line: runs of whitespace (and control characters) become one space,
/// and the ends are trimmed.
pub(crate) fn collapse_whitespace(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in raw.split(|character: char| character.is_whitespace() || is_noise(character)) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Code keeps its lines and indentation, loses trailing spaces and the empty
/// lines around it.
pub(crate) fn clean_code(raw: &str) -> String {
    let lines: Vec<String> = raw
        .lines()
        .map(|line| line.chars().map(|character| if is_noise(character) { ' ' } else { character }).collect::<String>())
        .map(|line| line.trim_end().to_owned())
        .collect();
    let first = lines.iter().position(|line| !line.is_empty());
    let last = lines.iter().rposition(|line| !line.is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines.get(first..=last).unwrap_or_default().join("\n"),
        _ => String::new(),
    }
}

/// The byte ranges of the sentences of one line of prose. A sentence ends
/// after `.`, `!`, `?`, `…` or their CJK forms (with any closing quotes and
/// brackets) when whitespace follows and the next word does not start with a
/// lowercase letter or a digit, so "e.g. this" and "3.5 kg" stay whole. Each
/// range starts and ends on non-whitespace; together they cover every word.
pub(crate) fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, character)) = chars.next() {
        if character.is_whitespace() {
            continue;
        }
        let begun = *start.get_or_insert(at);
        let mut end = at + character.len_utf8();
        let terminal = matches!(character, '.' | '!' | '?' | '…' | '。' | '！' | '？');
        if !terminal {
            continue;
        }
        while let Some(&(next_at, next)) = chars.peek() {
            if matches!(next, '"' | '\'' | ')' | ']' | '»' | '”' | '’' | '.' | '!' | '?') {
                end = next_at + next.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let rest = text.get(end..).unwrap_or_default();
        let next_word = rest.trim_start();
        let followed_by_space = rest.starts_with(char::is_whitespace);
        let cjk = matches!(character, '。' | '！' | '？');
        let continues = next_word.starts_with(|next: char| next.is_lowercase() || next.is_ascii_digit());
        if next_word.is_empty() || ((followed_by_space || cjk) && !continues) {
            ranges.push(begun..end);
            start = None;
        }
    }
    if let Some(begun) = start {
        let end = text.trim_end().len().max(begun);
        ranges.push(begun..end);
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[&str]) {
        let got: Vec<&str> = sentences(text).into_iter().map(|range| &text[range]).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn sentences_split_at_terminals_followed_by_a_new_sentence() {
        check("One. Two! Three? Four", &["One.", "Two!", "Three?", "Four"]);
        check("He said \"stop.\" Then left.", &["He said \"stop.\"", "Then left."]);
        check("Use e.g. this one. It weighs 3.5 kg. Done.", &["Use e.g. this one.", "It weighs 3.5 kg.", "Done."]);
        check("  padded.  ", &["padded."]);
        check("東京です。大阪です。", &["東京です。", "大阪です。"]);
        check("", &[]);
        check("Wait... what? Yes.", &["Wait... what?", "Yes."]);
    }

    #[test]
    fn whitespace_collapses_and_noise_goes() {
        assert_eq!(collapse_whitespace("  a \t b\n\nc\u{0}d  "), "a b c d");
        assert_eq!(clean_code("\n\n  fn main() {}  \n    x\n\n"), "  fn main() {}\n    x");
    }

    #[test]
    fn decoding_honours_boms_and_falls_back_to_windows_1252() {
        assert_eq!(decode(b"\xEF\xBB\xBFhello", None), "hello");
        assert_eq!(decode(b"\xFF\xFEh\0i\0", None), "hi");
        assert_eq!(decode(b"caf\xE9", None), "café");
        assert_eq!(decode("café".as_bytes(), None), "café");
    }
}
