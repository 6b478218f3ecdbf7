//! Chunks stay inside their sections, within their token budget, overlap by
//! whole sentences, and point at their own text.

use animo_knowledge::{
    Block, BlockKind, Chunk, ChunkOptions, ExtractLimits, Extracted, Format, chunk, extract, plain_text,
};

use crate::fixtures;

/// One token per whitespace-separated word: simple enough that the
/// expectations below can be counted by eye.
fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

fn paragraph(text: &str, section: &[&str]) -> Block {
    Block {
        kind: BlockKind::Paragraph,
        text: text.to_owned(),
        section: section.iter().map(|part| (*part).to_owned()).collect(),
        page: None,
    }
}

fn heading(level: u8, section: &[&str]) -> Block {
    Block {
        kind: BlockKind::Heading { level },
        text: section.last().map(|last| (*last).to_owned()).unwrap_or_default(),
        ..paragraph("", section)
    }
}

fn document(blocks: Vec<Block>) -> Extracted {
    Extracted { title: "Doc".to_owned(), blocks, qa: Vec::new() }
}

/// The text `chunk` points at in the plain text, by its character offsets.
fn pointed_at(plain: &str, chunk: &Chunk) -> String {
    plain.chars().skip(chunk.char_start).take(chunk.char_end - chunk.char_start).collect()
}

/// Every property a chunking must have, checked on any document.
fn check_invariants(extracted: &Extracted, options: &ChunkOptions, chunks: &[Chunk]) {
    let plain = plain_text(extracted);
    // Where each block sits in the plain text, in characters.
    let mut spans = Vec::new();
    let mut at = 0;
    for block in &extracted.blocks {
        let length = block.text.chars().count();
        spans.push((at, at + length, block));
        at += length + 2;
    }
    for chunk in chunks {
        assert_eq!(pointed_at(&plain, chunk), chunk.text, "offsets point at the chunk's text");
        assert!(words(&chunk.text) <= options.max_tokens.max(1), "over budget: {chunk:?}");
        for (start, end, block) in &spans {
            if *start < chunk.char_end && chunk.char_start < *end {
                assert_eq!(block.section, chunk.section, "a chunk stays in one section: {chunk:?}");
            }
        }
        assert_eq!(chunk.title, extracted.title);
    }
    // Every word of the document is in some chunk.
    let characters: Vec<char> = plain.chars().collect();
    for (index, character) in characters.iter().enumerate() {
        if !character.is_whitespace() {
            assert!(
                chunks.iter().any(|chunk| (chunk.char_start..chunk.char_end).contains(&index)),
                "character {index} ({character:?}) is in no chunk"
            );
        }
    }
}

#[test]
fn chunks_never_span_sections_and_keep_the_heading_with_its_text() {
    let extracted = document(vec![
        heading(1, &["Intro"]),
        paragraph("One two three. Four five six.", &["Intro"]),
        heading(2, &["Intro", "Details"]),
        paragraph("Seven eight. Nine ten.", &["Intro", "Details"]),
    ]);
    let options = ChunkOptions { max_tokens: 100, overlap_tokens: 10 };
    let chunks = chunk(&extracted, &options, &words);
    let texts: Vec<(&str, Vec<String>)> =
        chunks.iter().map(|chunk| (chunk.text.as_str(), chunk.section.clone())).collect();
    assert_eq!(
        texts,
        [
            ("Intro\n\nOne two three. Four five six.", vec!["Intro".to_owned()]),
            ("Details\n\nSeven eight. Nine ten.", vec!["Intro".to_owned(), "Details".to_owned()]),
        ]
    );
    check_invariants(&extracted, &options, &chunks);
}

#[test]
fn long_sections_split_at_sentences_with_whole_sentence_overlap() {
    let sentences: Vec<String> = (1..=12).map(|number| format!("Sentence {number} has five words.")).collect();
    let extracted = document(vec![paragraph(&sentences.join(" "), &["S"])]);
    let options = ChunkOptions { max_tokens: 20, overlap_tokens: 5 };
    let chunks = chunk(&extracted, &options, &words);
    let texts: Vec<&str> = chunks.iter().map(|chunk| chunk.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Sentence 1 has five words. Sentence 2 has five words. Sentence 3 has five words. Sentence 4 has five words.",
            "Sentence 4 has five words. Sentence 5 has five words. Sentence 6 has five words. Sentence 7 has five words.",
            "Sentence 7 has five words. Sentence 8 has five words. Sentence 9 has five words. Sentence 10 has five words.",
            "Sentence 10 has five words. Sentence 11 has five words. Sentence 12 has five words.",
        ]
    );
    check_invariants(&extracted, &options, &chunks);

    let without_overlap = chunk(&extracted, &ChunkOptions { overlap_tokens: 0, ..options }, &words);
    assert_eq!(without_overlap.len(), 3);
    assert!(without_overlap.windows(2).all(|pair| pair[0].char_end < pair[1].char_start));
}

#[test]
fn a_sentence_over_the_budget_is_cut_between_words_and_a_word_between_characters() {
    let long_sentence = (1..=50).map(|number| format!("w{number}")).collect::<Vec<_>>().join(" ");
    let long_word = "x".repeat(500);
    let extracted = document(vec![paragraph(&long_sentence, &[]), paragraph(&long_word, &[])]);
    let options = ChunkOptions { max_tokens: 8, overlap_tokens: 2 };
    let chunks = chunk(&extracted, &options, &words);
    check_invariants(&extracted, &options, &chunks);
    // A counter that sees one token per four characters cuts the word too.
    let quarter = |text: &str| text.chars().count().div_ceil(4);
    let cut = chunk(&extracted, &options, &quarter);
    assert!(cut.iter().all(|chunk| quarter(&chunk.text) <= 8), "{cut:?}");
    assert!(cut.iter().filter(|chunk| chunk.text.starts_with('x')).count() >= 500 / 32);
}

#[test]
fn tables_and_code_are_cut_at_lines() {
    let rows = (1..=10).map(|row| format!("row{row} | a | b")).collect::<Vec<_>>().join("\n");
    let extracted = document(vec![Block { kind: BlockKind::Table, ..paragraph(&rows, &["T"]) }]);
    let options = ChunkOptions { max_tokens: 15, overlap_tokens: 0 };
    let chunks = chunk(&extracted, &options, &words);
    assert_eq!(chunks.len(), 4);
    assert!(chunks.iter().all(|chunk| chunk.text.starts_with("row")));
    assert_eq!(chunks[0].text, "row1 | a | b\nrow2 | a | b\nrow3 | a | b");
    check_invariants(&extracted, &options, &chunks);
}

#[test]
fn offsets_count_characters_not_bytes() {
    let extracted =
        document(vec![paragraph("Grüße aus Köln. Schöne Grüße.", &["Ä"]), paragraph("東京です。大阪です。", &["Ä"])]);
    let options = ChunkOptions { max_tokens: 3, overlap_tokens: 0 };
    let chunks = chunk(&extracted, &options, &words);
    assert!(chunks.len() >= 3);
    check_invariants(&extracted, &options, &chunks);
    let last = chunks.last().expect("chunks");
    assert_eq!(last.char_end, plain_text(&extracted).chars().count());
}

#[test]
fn chunking_is_deterministic_and_hashes_depend_on_text_and_section() {
    let extracted = extract(Format::Markdown, &fixtures::file("guide.md"), &ExtractLimits::default()).expect("guide");
    let options = ChunkOptions { max_tokens: 12, overlap_tokens: 4 };
    let first = chunk(&extracted, &options, &words);
    let second = chunk(&extracted.clone(), &options, &words);
    assert_eq!(first, second);
    check_invariants(&extracted, &options, &first);

    let same_text = document(vec![paragraph("Same words.", &["A"]), paragraph("Same words.", &["B"])]);
    let hashed = chunk(&same_text, &ChunkOptions::default(), &words);
    assert_eq!(hashed.len(), 2);
    assert_ne!(hashed[0].content_hash, hashed[1].content_hash, "the section is part of the hash");
    let moved = document(vec![paragraph("Other.", &["X"]), paragraph("Same words.", &["A"])]);
    assert_eq!(chunk(&moved, &ChunkOptions::default(), &words)[1].content_hash, hashed[0].content_hash);
    assert_eq!(hashed[0].content_hash.len(), 64);
}

#[test]
fn guide_chunks_snapshot() {
    let extracted = extract(Format::Markdown, &fixtures::file("guide.md"), &ExtractLimits::default()).expect("guide");
    let chunks = chunk(&extracted, &ChunkOptions { max_tokens: 12, overlap_tokens: 4 }, &words);
    insta::assert_json_snapshot!(chunks);
}

#[test]
fn pdf_chunks_carry_their_pages() {
    let extracted = extract(Format::Pdf, &fixtures::pdf(true), &ExtractLimits::default()).expect("pdf");
    let chunks = chunk(&extracted, &ChunkOptions::default(), &words);
    let pages: Vec<(Option<u32>, &str)> =
        chunks.iter().map(|chunk| (chunk.page, chunk.section.last().map_or("", String::as_str))).collect();
    assert_eq!(pages, [(Some(1), "Animo Product Sheet"), (Some(1), "Overview"), (Some(2), "Pricing")]);
}

#[test]
fn default_options_and_degenerate_budgets() {
    assert_eq!(ChunkOptions::default(), ChunkOptions { max_tokens: 200, overlap_tokens: 40 });
    let extracted = document(vec![paragraph("a b c. d e f.", &[])]);
    // A zero budget is treated as one token, and overlap never stalls progress.
    for options in
        [ChunkOptions { max_tokens: 0, overlap_tokens: 0 }, ChunkOptions { max_tokens: 1, overlap_tokens: 100 }]
    {
        let chunks = chunk(&extracted, &options, &words);
        assert_eq!(chunks.len(), 6, "{options:?}");
        check_invariants(&extracted, &options, &chunks);
    }
    assert!(chunk(&document(Vec::new()), &ChunkOptions::default(), &words).is_empty());
}

/// Random documents of random sentences, checked against the invariants.
#[test]
fn invariants_hold_for_generated_documents() {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % u64::try_from(bound).expect("bound")).expect("fits")
    };
    let vocabulary = ["alpha", "Beta", "gamma.", "delta!", "ε", "Zürich.", "x?", "long-word", "7.5", "ok"];
    for _ in 0..300 {
        let mut blocks = Vec::new();
        let sections = [vec![], vec!["A"], vec!["A", "B"], vec!["C"]];
        for _ in 0..1 + next(6) {
            let section = &sections[next(sections.len())];
            let text = (0..1 + next(40)).map(|_| vocabulary[next(vocabulary.len())]).collect::<Vec<_>>().join(" ");
            blocks.push(paragraph(&text, section));
        }
        let extracted = document(blocks);
        let options = ChunkOptions { max_tokens: 1 + next(20), overlap_tokens: next(10) };
        let chunks = chunk(&extracted, &options, &words);
        check_invariants(&extracted, &options, &chunks);
    }
}
