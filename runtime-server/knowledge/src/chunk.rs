//! Heading-aware chunking with sentence overlap, and the plain text that
//! chunk offsets point into.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::document::Extracted;
use crate::text;

/// How large chunks are, in the tokens of the caller's counter (the
/// embedding model's tokenizer, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkOptions {
    /// The most tokens a chunk holds. A single word longer than this is cut.
    pub max_tokens: usize,
    /// The most tokens of whole sentences a chunk repeats from the end of the
    /// chunk before it in the same section, so that a passage cut in two can
    /// still be found whole. Capped at half of `max_tokens`.
    pub overlap_tokens: usize,
}

impl Default for ChunkOptions {
    /// 200 tokens with 40 of overlap: passages short enough to cite, long
    /// enough to answer from, within all-MiniLM-L6-v2's 256-token window.
    fn default() -> Self {
        Self { max_tokens: 200, overlap_tokens: 40 }
    }
}

/// A passage of a document, ready to embed and index, that knows where it
/// came from so that a citation can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// The passage exactly as it stands in [`plain_text`]; nothing is
    /// prepended (the caller adds title and section to what it embeds).
    pub text: String,
    /// The heading path of the passage; every block of a chunk shares it.
    pub section: Vec<String>,
    /// The document's title.
    pub title: String,
    /// The page the passage starts on, for paged formats.
    pub page: Option<u32>,
    /// Where the passage starts in [`plain_text`], in characters (Unicode
    /// scalar values), not bytes.
    pub char_start: usize,
    /// Where the passage ends in [`plain_text`], exclusive, in characters.
    pub char_end: usize,
    /// The SHA-256, as lowercase hex, of the section path and the text: each
    /// section heading followed by U+001F, then U+001E, then the text. Equal
    /// passages under equal headings hash equally, whatever document or
    /// position they come from.
    pub content_hash: String,
}

/// The text of a document that chunk offsets refer to: its blocks' texts in
/// order, separated by a blank line. Q&A pairs are not part of it; they are
/// curated answers, stored and matched on their own.
pub fn plain_text(extracted: &Extracted) -> String {
    let mut plain = String::new();
    for (index, block) in extracted.blocks.iter().enumerate() {
        if index > 0 {
            plain.push_str("\n\n");
        }
        plain.push_str(&block.text);
    }
    plain
}

/// A run of text that is never split unless it alone is too long: a
/// sentence, a table row, a line of code.
#[derive(Debug, Clone)]
struct Unit {
    /// Byte range in the plain text.
    bytes: Range<usize>,
    /// Character range in the plain text.
    chars: Range<usize>,
    block: usize,
    tokens: usize,
}

/// Cuts a document into chunks that never cross from one section into
/// another, end at sentence (or row, or line) boundaries unless one sentence
/// alone is over `max_tokens`, hold at most `max_tokens` as `count_tokens`
/// counts them, and overlap by whole sentences. The same input always gives
/// the same chunks.
pub fn chunk(extracted: &Extracted, options: &ChunkOptions, count_tokens: &dyn Fn(&str) -> usize) -> Vec<Chunk> {
    let max_tokens = options.max_tokens.max(1);
    let overlap_tokens = options.overlap_tokens.min(max_tokens / 2);
    let plain = plain_text(extracted);
    let units = units(extracted, &plain, max_tokens, count_tokens);

    let mut chunks = Vec::new();
    let mut group_start = 0;
    while group_start < units.len() {
        let section = |unit: &Unit| extracted.blocks.get(unit.block).map(|block| &block.section);
        let first_section = units.get(group_start).and_then(section);
        let group_end = units
            .iter()
            .enumerate()
            .skip(group_start)
            .find(|(_, unit)| section(unit) != first_section)
            .map_or(units.len(), |(index, _)| index);
        let group = units.get(group_start..group_end).unwrap_or_default();
        for range in pack(group, &plain, max_tokens, overlap_tokens, count_tokens) {
            if let Some(chunk) = make_chunk(extracted, &plain, group.get(range).unwrap_or_default()) {
                chunks.push(chunk);
            }
        }
        group_start = group_end;
    }
    chunks
}

fn make_chunk(extracted: &Extracted, plain: &str, units: &[Unit]) -> Option<Chunk> {
    let (first, last) = (units.first()?, units.last()?);
    let block = extracted.blocks.get(first.block)?;
    let text = plain.get(first.bytes.start..last.bytes.end)?.to_owned();
    let mut hasher = Sha256::new();
    for heading in &block.section {
        hasher.update(heading.as_bytes());
        hasher.update("\u{1f}".as_bytes());
    }
    hasher.update("\u{1e}".as_bytes());
    hasher.update(text.as_bytes());
    Some(Chunk {
        text,
        section: block.section.clone(),
        title: extracted.title.clone(),
        page: block.page,
        char_start: first.chars.start,
        char_end: last.chars.end,
        content_hash: hex::encode(hasher.finalize()),
    })
}

/// The document's units in order, each at most `max_tokens` long.
fn units(extracted: &Extracted, plain: &str, max_tokens: usize, count_tokens: &dyn Fn(&str) -> usize) -> Vec<Unit> {
    let mut ranges: Vec<(Range<usize>, usize)> = Vec::new();
    let mut block_start = 0;
    for (block_index, block) in extracted.blocks.iter().enumerate() {
        let mut line_start = block_start;
        for line in block.text.split('\n') {
            for sentence in text::sentences(line) {
                let absolute = line_start + sentence.start..line_start + sentence.end;
                for piece in fit(plain, absolute, max_tokens, count_tokens) {
                    ranges.push((piece, block_index));
                }
            }
            line_start += line.len() + 1;
        }
        block_start += block.text.len() + 2;
    }

    // Character offsets, walking the plain text once: units are in order.
    let mut units = Vec::with_capacity(ranges.len());
    let (mut byte_at, mut char_at) = (0_usize, 0_usize);
    let mut advance = |to: usize| {
        char_at += plain.get(byte_at..to).map_or(0, |skipped| skipped.chars().count());
        byte_at = to;
        char_at
    };
    for (bytes, block) in ranges {
        let start = advance(bytes.start);
        let end = advance(bytes.end);
        let tokens = plain.get(bytes.clone()).map_or(0, count_tokens);
        units.push(Unit { bytes, chars: start..end, block, tokens });
    }
    units
}

/// A sentence cut into pieces of at most `max_tokens`: at spaces between
/// words, and inside a word only when the word alone is too long.
fn fit(plain: &str, range: Range<usize>, max_tokens: usize, count_tokens: &dyn Fn(&str) -> usize) -> Vec<Range<usize>> {
    let Some(sentence) = plain.get(range.clone()) else { return Vec::new() };
    if count_tokens(sentence) <= max_tokens {
        return vec![range];
    }
    let mut pieces = Vec::new();
    let mut piece: Option<Range<usize>> = None;
    for word in words(sentence) {
        let word = range.start + word.start..range.start + word.end;
        if let Some(current) = &piece {
            let grown = current.start..word.end;
            if plain.get(grown.clone()).map_or(usize::MAX, count_tokens) <= max_tokens {
                piece = Some(grown);
                continue;
            }
            pieces.push(current.clone());
            piece = None;
        }
        if plain.get(word.clone()).map_or(usize::MAX, count_tokens) <= max_tokens {
            piece = Some(word);
        } else {
            pieces.extend(cut_word(plain, word, max_tokens, count_tokens));
        }
    }
    pieces.extend(piece);
    pieces
}

/// The byte ranges of the whitespace-separated words of `text`.
fn words(text: &str) -> Vec<Range<usize>> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, character) in text.char_indices() {
        match (character.is_whitespace(), start) {
            (true, Some(begun)) => {
                words.push(begun..at);
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(begun) = start {
        words.push(begun..text.len());
    }
    words
}

/// A word over `max_tokens` cut into runs of characters that fit: each run
/// starts as long as the word's average suggests and halves until it fits.
fn cut_word(
    plain: &str,
    word: Range<usize>,
    max_tokens: usize,
    count_tokens: &dyn Fn(&str) -> usize,
) -> Vec<Range<usize>> {
    let Some(text) = plain.get(word.clone()) else { return Vec::new() };
    let boundaries: Vec<usize> = text.char_indices().map(|(at, _)| at).chain([text.len()]).collect();
    let characters = boundaries.len().saturating_sub(1);
    let tokens = count_tokens(text).max(1);
    let guess = (characters.saturating_mul(max_tokens) / tokens).max(1);
    let mut pieces = Vec::new();
    let mut from = 0;
    while from < characters {
        let mut length = guess.min(characters - from);
        while let (Some(&start), Some(&end)) = (boundaries.get(from), boundaries.get(from + length)) {
            if length == 1 || text.get(start..end).map_or(0, count_tokens) <= max_tokens {
                pieces.push(word.start + start..word.start + end);
                break;
            }
            length /= 2;
        }
        from += length.max(1);
    }
    pieces
}

/// Index ranges into `units`: each chunk as many whole units as fit, the
/// next one starting with as many of the previous chunk's last units as fit
/// in `overlap_tokens`, and always bringing at least one new unit.
fn pack(
    units: &[Unit],
    plain: &str,
    max_tokens: usize,
    overlap_tokens: usize,
    count_tokens: &dyn Fn(&str) -> usize,
) -> Vec<Range<usize>> {
    let mut prefix = vec![0_usize];
    for unit in units {
        prefix.push(prefix.last().copied().unwrap_or(0).saturating_add(unit.tokens));
    }
    let sum = |range: Range<usize>| {
        prefix.get(range.end).copied().unwrap_or(0).saturating_sub(prefix.get(range.start).copied().unwrap_or(0))
    };
    let real =
        |range: Range<usize>| match (units.get(range.start), range.end.checked_sub(1).and_then(|last| units.get(last)))
        {
            (Some(first), Some(last)) => plain.get(first.bytes.start..last.bytes.end).map_or(0, count_tokens),
            _ => 0,
        };

    let mut ranges = Vec::new();
    let (mut first, mut covered) = (0, 0);
    while covered < units.len() {
        let mut end = covered + 1;
        while first < covered && sum(first..end) > max_tokens {
            first += 1;
        }
        while end < units.len() && sum(first..end + 1) <= max_tokens {
            end += 1;
        }
        // Units were counted apart; the separators between them can add a
        // token here and there, so the chunk is counted as it will be embedded.
        while real(first..end) > max_tokens {
            if end > covered + 1 {
                end -= 1;
            } else if first < covered {
                first += 1;
            } else {
                break;
            }
        }
        ranges.push(first..end);
        covered = end;
        let mut next = end;
        while next > first && sum(next - 1..end) <= overlap_tokens && next - 1 > first {
            next -= 1;
        }
        first = if overlap_tokens == 0 { end } else { next };
    }
    ranges
}
