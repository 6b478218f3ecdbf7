//! Broken copies of every fixture must be answered with a value or an error,
//! never a panic; and whatever extracts must chunk with its invariants.

use std::panic::{AssertUnwindSafe, catch_unwind};

use animo_knowledge::{ChunkOptions, ExtractLimits, Format, chunk, extract, html_links, plain_text, robots_allows};

use crate::fixtures;

/// The seed every iteration's generator is derived from; an iteration is
/// reproduced from this and its number alone.
const SEED: u64 = 0x0A41_5EED_D0C5_2025;
const ITERATIONS: u64 = 4000;

/// xorshift64*, seeded through SplitMix64 so neighbouring iterations differ.
struct Rng(u64);

impl Rng {
    fn for_iteration(iteration: u64) -> Self {
        let mut z = SEED ^ iteration.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..bound`; `bound` must not be 0.
    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(bound).unwrap()).unwrap()
    }
}

/// Bytes that mean something to one of the parsers.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</p>",
    b"<table>",
    b"<li>",
    b"<script>",
    b"&amp;",
    b"&#x0;",
    b"\"",
    b";",
    b",",
    b"\n",
    b"\r\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b"#",
    b"|",
    b"```",
    b"- ",
    b"1. ",
    b"\xFF",
    b"\xC3",
    b"\0",
    b"obj",
    b"endobj",
    b"stream",
    b"endstream",
    b"/Length 99999",
    b"BT",
    b"Tj",
    b"TJ",
    b"T*",
    b"Tf",
    b"Td",
    b"Tm",
    b"(",
    b")",
    b"-1e39",
    b"NaN",
    b"xref",
    b"trailer",
    b"<w:p>",
    b"<w:tbl>",
    b"<w:tc>",
    b"</w:t>",
    b"PK\x03\x04",
];

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len().max(1);
        match rng.below(6) {
            0 => bytes.truncate(rng.below(len)),
            1 => {
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(len);
                    if let Some(byte) = bytes.get_mut(at) {
                        *byte ^= 1 << rng.below(8);
                    }
                }
            }
            2 => {
                let at = rng.below(len).min(bytes.len());
                let token = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, token.iter().copied());
            }
            3 => {
                let start = rng.below(len).min(bytes.len());
                let end = (start + rng.below(64)).min(bytes.len());
                bytes.drain(start..end);
            }
            4 => {
                let start = rng.below(len).min(bytes.len());
                let end = (start + rng.below(256)).min(bytes.len());
                let copy: Vec<u8> = bytes[start..end].to_vec();
                let at = rng.below(len).min(bytes.len());
                bytes.splice(at..at, copy);
            }
            _ => {
                let at = rng.below(len);
                if let Some(byte) = bytes.get_mut(at) {
                    *byte = u8::try_from(rng.below(256)).unwrap();
                }
            }
        }
    }
    bytes
}

/// Runs everything the crate offers on one input and checks what comes out.
fn exercise(format: Format, bytes: &[u8]) {
    let _ = Format::detect("upload", None, bytes);
    let limits = ExtractLimits { max_chars: 200_000, max_unpacked_bytes: 4 << 20, ..ExtractLimits::default() };
    if let Ok(extracted) = extract(format, bytes, &limits) {
        let options = ChunkOptions { max_tokens: 12, overlap_tokens: 4 };
        let count = |text: &str| text.split_whitespace().count();
        let chunks = chunk(&extracted, &options, &count);
        let plain: Vec<char> = plain_text(&extracted).chars().collect();
        for piece in &chunks {
            let pointed: String = plain[piece.char_start..piece.char_end].iter().collect();
            assert_eq!(pointed, piece.text);
            assert!(count(&piece.text) <= options.max_tokens);
        }
    }
    let text = String::from_utf8_lossy(bytes);
    let _ = html_links(&text, "https://animo.example/a/b");
    let _ = robots_allows(&text, "AnimoBot/1.0", "/a/b?c");
}

#[test]
fn mutated_fixtures_never_panic() {
    let originals = fixtures::all();
    // The Word document's XML is mutated and packed again too, so the XML
    // reader sees damage and not only the ZIP's checksums.
    let xml = fixtures::DOCUMENT_XML.as_bytes().to_vec();
    for iteration in 0..ITERATIONS {
        let mut rng = Rng::for_iteration(iteration);
        let pick = rng.below(originals.len() + 1);
        let (name, format, bytes) = if pick == originals.len() {
            let damaged = String::from_utf8_lossy(&mutate(&mut rng, &xml)).into_owned();
            ("handbook.docx with damaged XML", Format::Docx, fixtures::docx(&damaged))
        } else {
            let (name, format, original) = &originals[pick];
            (*name, *format, mutate(&mut rng, original))
        };
        // Now and then a file is read as a format it is not.
        let format = if rng.below(8) == 0 { Format::ALL[rng.below(Format::ALL.len())] } else { format };
        let outcome = catch_unwind(AssertUnwindSafe(|| exercise(format, &bytes)));
        assert!(outcome.is_ok(), "iteration {iteration} ({name} as {format:?}) panicked");
    }
}

#[test]
fn every_prefix_of_the_binary_fixtures_is_answered() {
    for (name, format, bytes) in fixtures::all() {
        if !matches!(format, Format::Pdf | Format::Docx) {
            continue;
        }
        let step = (bytes.len() / 200).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let outcome = catch_unwind(AssertUnwindSafe(|| exercise(format, &bytes[..cut])));
            assert!(outcome.is_ok(), "{name} cut at {cut} panicked");
        }
    }
}
