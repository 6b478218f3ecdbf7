//! Each format read into the blocks its fixture is known to hold.

use animo_knowledge::{BlockKind, ExtractErrorCode, ExtractLimits, Extracted, Format, QaPair, extract, extract_file};

use crate::fixtures;

fn read(format: Format, bytes: &[u8]) -> Extracted {
    extract(format, bytes, &ExtractLimits::default()).unwrap_or_else(|error| panic!("{format:?}: {error:?}"))
}

/// `(kind, text, section)` of each block, the shape most checks compare.
fn outline(extracted: &Extracted) -> Vec<(BlockKind, &str, Vec<&str>)> {
    extracted
        .blocks
        .iter()
        .map(|block| (block.kind, block.text.as_str(), block.section.iter().map(String::as_str).collect()))
        .collect()
}

const H1: BlockKind = BlockKind::Heading { level: 1 };
const H2: BlockKind = BlockKind::Heading { level: 2 };
const H3: BlockKind = BlockKind::Heading { level: 3 };
const P: BlockKind = BlockKind::Paragraph;
const LI: BlockKind = BlockKind::ListItem;
const TABLE: BlockKind = BlockKind::Table;
const CODE: BlockKind = BlockKind::Code;

#[test]
fn markdown_keeps_headings_lists_tables_and_code() {
    let extracted = read(Format::Markdown, &fixtures::file("guide.md"));
    assert_eq!(extracted.title, "Animo Café Guide");
    let guide = "Animo Café Guide";
    assert_eq!(
        outline(&extracted),
        vec![
            (H1, guide, vec![guide]),
            (P, "Welcome to the Animo Café. We serve coffee, cake and small lunches.", vec![guide]),
            (H2, "Opening hours", vec![guide, "Opening hours"]),
            (
                P,
                "We open at 8 am on weekdays. On Saturdays we open at 9 am. We are closed on Sundays.",
                vec![guide, "Opening hours"]
            ),
            (
                TABLE,
                "Day | Opens | Closes\nMonday | 08:00 | 18:00\nSaturday | 09:00 | 14:00",
                vec![guide, "Opening hours"]
            ),
            (H2, "Menu", vec![guide, "Menu"]),
            (LI, "Espresso", vec![guide, "Menu"]),
            (LI, "Flat white with oat milk", vec![guide, "Menu"]),
            (LI, "Nested: extra shot", vec![guide, "Menu"]),
            (LI, "Cheesecake", vec![guide, "Menu"]),
            (H3, "Allergens", vec![guide, "Menu", "Allergens"]),
            (
                P,
                "Our cakes contain gluten, eggs and milk. Ask us for the vegan option.",
                vec![guide, "Menu", "Allergens"]
            ),
            (CODE, "price(espresso) = 2.40", vec![guide, "Menu", "Allergens"]),
        ]
    );
    assert!(extracted.blocks.iter().all(|block| block.page.is_none()));
}

#[test]
fn html_reads_the_main_content_without_chrome() {
    let extracted = read(Format::Html, &fixtures::file("page.html"));
    assert_eq!(extracted.title, "Returns policy | Animo Shop");
    let all: String = extracted.blocks.iter().map(|block| block.text.as_str()).collect::<Vec<_>>().join("\n");
    for dropped in ["tracking", "color: red", "Home", "Hidden text", "Related:", "All rights reserved"] {
        assert!(!all.contains(dropped), "{dropped:?} should be dropped from:\n{all}");
    }
    let returns = "Returns policy";
    assert_eq!(
        outline(&extracted),
        vec![
            (H1, returns, vec![returns]),
            (P, "You can return any item within 30 days of delivery.", vec![returns]),
            (H2, "How to return", vec![returns, "How to return"]),
            (LI, "Pack the item in its original box.", vec![returns, "How to return"]),
            (LI, "Print the label from your account.", vec![returns, "How to return"]),
            (P, "Refunds reach your card within 5 working days.", vec![returns, "How to return"]),
            (H2, "Costs", vec![returns, "Costs"]),
            (TABLE, "Country | Cost\nGermany | free\nAustria | 4.90 EUR", vec![returns, "Costs"]),
            (CODE, "Return code: RET-2025", vec![returns, "Costs"]),
        ]
    );
}

#[test]
fn html_without_a_main_element_reads_the_body_and_its_inline_text() {
    let html = b"<html><body><div>Loose <b>bold</b> text<p>A paragraph.</p>tail</div><footer>f</footer></body></html>";
    let extracted = read(Format::Html, html);
    let texts: Vec<&str> = extracted.blocks.iter().map(|block| block.text.as_str()).collect();
    assert_eq!(texts, ["Loose bold text", "A paragraph.", "tail"]);
    assert_eq!(extracted.title, "");
}

#[test]
fn text_splits_paragraphs_at_blank_lines_and_finds_list_items() {
    let extracted = read(Format::Text, &fixtures::file("notes.txt"));
    assert_eq!(
        outline(&extracted),
        vec![
            (P, "Animo support notes", vec![]),
            (
                P,
                "Our support team answers e-mails within one working day. For urgent questions, call the hotline between 9 am and 5 pm.",
                vec![]
            ),
            (P, "Things to have ready:", vec![]),
            (LI, "your order number", vec![]),
            (LI, "the e-mail address of your account", vec![]),
            (LI, "Describe the problem.", vec![]),
            (LI, "Attach a screenshot if you can.", vec![]),
        ]
    );
}

#[test]
fn csv_with_question_and_answer_columns_becomes_qa() {
    let extracted = read(Format::Csv, &fixtures::file("faq.csv"));
    assert!(extracted.blocks.is_empty());
    assert_eq!(
        extracted.qa,
        [
            QaPair { question: "Wie lange dauert der Versand?".into(), answer: "Zwei bis drei Werktage.".into() },
            QaPair { question: "Kann ich mit Karte zahlen?".into(), answer: "Ja, mit allen gängigen Karten.".into() },
        ]
    );
    let english = read(Format::Csv, b"Q,A,Notes\nWhere are you?,In Berlin.,x\n");
    assert_eq!(english.qa, [QaPair { question: "Where are you?".into(), answer: "In Berlin.".into() }]);
}

#[test]
fn csv_without_qa_columns_becomes_table_rows() {
    let extracted = read(Format::Csv, &fixtures::file("prices.csv"));
    assert!(extracted.qa.is_empty());
    assert_eq!(
        outline(&extracted),
        vec![
            (TABLE, "Product | Size | Price", vec![]),
            (TABLE, "Espresso | small | 2.40", vec![]),
            (TABLE, "Flat white | medium, with oat milk | 3.90", vec![]),
        ]
    );
    let tabs = read(Format::Csv, b"a\tb\n1\t2\n");
    assert_eq!(tabs.blocks.iter().map(|block| block.text.as_str()).collect::<Vec<_>>(), ["a | b", "1 | 2"]);
}

#[test]
fn json_arrays_of_questions_and_answers_become_qa() {
    let extracted = read(Format::Json, &fixtures::file("faq.json"));
    assert_eq!(extracted.title, "Shop FAQ");
    assert_eq!(
        extracted.qa,
        [
            QaPair { question: "Do you ship abroad?".into(), answer: "Yes, to all EU countries.".into() },
            QaPair { question: "Can I pay by invoice?".into(), answer: "Yes, after your first order.".into() },
        ]
    );
    assert_eq!(outline(&extracted), vec![(P, "title: Shop FAQ", vec![]), (H1, "faq", vec!["faq"])]);
}

#[test]
fn json_objects_flatten_into_key_value_lines_under_their_keys() {
    let extracted = read(Format::Json, &fixtures::file("company.json"));
    assert!(extracted.qa.is_empty());
    assert_eq!(
        outline(&extracted),
        vec![
            // serde_json keeps an object's keys sorted, so the order is the same on every build.
            (P, "founded: 2024\nname: Animo GmbH\nproducts: Studio, Widget\nremote: true", vec![]),
            (H1, "address", vec!["address"]),
            (P, "city: Berlin\nstreet: Hauptstraße 1", vec!["address"]),
            (H1, "team", vec!["team"]),
            (P, "name: Ada\nrole: engineer", vec!["team"]),
            (P, "name: Grace\nrole: designer", vec!["team"]),
        ]
    );
}

#[test]
fn docx_reads_styles_lists_tables_and_the_core_title() {
    let extracted = read(Format::Docx, &fixtures::docx(&fixtures::DOCUMENT_XML));
    // The core properties name the document; the Title paragraph comes second.
    assert_eq!(extracted.title, "Animo staff handbook");
    let hours = "Working hours";
    assert_eq!(
        outline(&extracted),
        vec![
            (H1, hours, vec![hours]),
            (P, "Core hours are 10 to 4. Breaks & lunch are flexible.", vec![hours]),
            (LI, "Log your hours weekly.", vec![hours]),
            (H2, "Overtime", vec![hours, "Overtime"]),
            (P, "Overtime is paid at 125 percent.", vec![hours, "Overtime"]),
            (TABLE, "Role | Hours\nEngineer | 40\nDesigner (part time) | 32", vec![hours, "Overtime"]),
            (P, "Questions go to the office.", vec![hours, "Overtime"]),
        ]
    );
}

#[test]
fn pdf_reads_pages_headings_by_size_and_paragraphs_by_spacing() {
    for compressed in [true, false] {
        let extracted = read(Format::Pdf, &fixtures::pdf(compressed));
        assert_eq!(extracted.title, "Animo product sheet");
        let sheet = "Animo Product Sheet";
        let got: Vec<_> = extracted
            .blocks
            .iter()
            .map(|block| {
                (
                    block.kind,
                    block.text.as_str(),
                    block.section.iter().map(String::as_str).collect::<Vec<_>>(),
                    block.page,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (H1, sheet, vec![sheet], Some(1)),
                (H2, "Overview", vec![sheet, "Overview"], Some(1)),
                (
                    P,
                    "Animo gives every website an assistant with a 3D avatar and its own knowledge.",
                    vec![sheet, "Overview"],
                    Some(1)
                ),
                (P, "Setup takes ten minutes.", vec![sheet, "Overview"], Some(1)),
                (H2, "Pricing", vec![sheet, "Pricing"], Some(2)),
                (
                    P,
                    "Starter 10 EUR a month. Business plans include priority support and analytics.",
                    vec![sheet, "Pricing"],
                    Some(2)
                ),
            ],
            "compressed: {compressed}"
        );
    }
}

#[test]
fn every_fixture_extracts_to_its_snapshot() {
    for (name, format, bytes) in fixtures::all() {
        if name == "sheet-uncompressed.pdf" {
            continue;
        }
        let extracted = read(format, &bytes);
        insta::assert_json_snapshot!(format!("extract_{name}"), extracted);
    }
}

#[test]
fn errors_carry_their_codes() {
    let limits = ExtractLimits::default();
    let code = |format: Format, bytes: &[u8], limits: &ExtractLimits| {
        extract(format, bytes, limits).expect_err("refused").code
    };
    assert_eq!(code(Format::Pdf, b"not a pdf", &limits), ExtractErrorCode::CorruptFile);
    assert_eq!(code(Format::Docx, b"PK\x03\x04 broken", &limits), ExtractErrorCode::CorruptFile);
    assert_eq!(code(Format::Json, b"{\"a\": ", &limits), ExtractErrorCode::CorruptFile);
    assert_eq!(code(Format::Text, b" \n\n \t", &limits), ExtractErrorCode::EmptyDocument);
    assert_eq!(code(Format::Html, b"<script>only()</script>", &limits), ExtractErrorCode::EmptyDocument);
    assert_eq!(code(Format::Csv, b"", &limits), ExtractErrorCode::EmptyDocument);

    let small = ExtractLimits { max_bytes: 10, ..limits.clone() };
    let error = extract(Format::Text, b"eleven byte", &small).expect_err("too large");
    assert_eq!((error.code, error.limit), (ExtractErrorCode::DocumentTooLarge, Some("max_bytes")));

    let few_chars = ExtractLimits { max_chars: 20, ..limits.clone() };
    let error = extract(Format::Markdown, &fixtures::file("guide.md"), &few_chars).expect_err("too long");
    assert_eq!((error.code, error.limit), (ExtractErrorCode::DocumentTooLarge, Some("max_chars")));

    let one_page = ExtractLimits { max_pages: 1, ..limits.clone() };
    let error = extract(Format::Pdf, &fixtures::pdf(true), &one_page).expect_err("two pages");
    assert_eq!((error.code, error.limit), (ExtractErrorCode::DocumentTooLarge, Some("max_pages")));

    let tiny_unpacked = ExtractLimits { max_unpacked_bytes: 100, ..limits.clone() };
    let error = extract(Format::Docx, &fixtures::docx(&fixtures::DOCUMENT_XML), &tiny_unpacked).expect_err("unpacks");
    assert_eq!((error.code, error.limit), (ExtractErrorCode::DocumentTooLarge, Some("max_unpacked_bytes")));

    let error = extract_file("photo.png", Some("image/png"), b"\x89PNG\r\n\x1a\n\0\0", &limits).expect_err("png");
    assert_eq!(error.code, ExtractErrorCode::UnsupportedFormat);
    assert_eq!(error.code.as_str(), "unsupported_format");
}

#[test]
fn extract_file_detects_each_fixture() {
    for (name, format, bytes) in fixtures::all() {
        let (detected, _) = extract_file(name, None, &bytes, &ExtractLimits::default()).expect(name);
        assert_eq!(detected, format, "{name}");
        // The generated binaries are recognised by their signature alone.
        if matches!(format, Format::Pdf | Format::Docx) {
            assert_eq!(Format::detect("upload", None, &bytes), Some(format), "{name}");
        }
    }
}

#[test]
fn legacy_encodings_are_decoded() {
    let extracted = read(Format::Text, b"Caf\xE9 cr\xE8me");
    assert_eq!(extracted.blocks[0].text, "Café crème");
    let html =
        b"<html><head><meta charset=\"iso-8859-1\"><title>Gr\xFC\xDFe</title></head><body><p>x</p></body></html>";
    assert_eq!(read(Format::Html, html).title, "Grüße");
}
