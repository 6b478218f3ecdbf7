//! The documents the tests read: text formats as files under
//! `tests/fixtures/`, and a docx and a PDF generated here from code, so that
//! every byte of them is the project's own and its content is known.

use std::io::Write;

use animo_knowledge::Format;
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

/// A fixture file's bytes.
pub fn file(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// Every fixture with its format, the generated ones included.
pub fn all() -> Vec<(&'static str, Format, Vec<u8>)> {
    vec![
        ("guide.md", Format::Markdown, file("guide.md")),
        ("page.html", Format::Html, file("page.html")),
        ("notes.txt", Format::Text, file("notes.txt")),
        ("faq.csv", Format::Csv, file("faq.csv")),
        ("prices.csv", Format::Csv, file("prices.csv")),
        ("faq.json", Format::Json, file("faq.json")),
        ("company.json", Format::Json, file("company.json")),
        ("handbook.docx", Format::Docx, docx(&DOCUMENT_XML)),
        ("sheet.pdf", Format::Pdf, pdf(true)),
        ("sheet-uncompressed.pdf", Format::Pdf, pdf(false)),
    ]
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// The body of the generated Word document: a Title paragraph, a heading
/// whose style id is German (`berschrift1`, as Word names "Überschrift 1")
/// and is only a heading by its name in styles.xml, runs split mid-sentence,
/// an entity, a tab, a numbered list paragraph, a heading known only by its
/// style id, and a table.
pub static DOCUMENT_XML: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W}"><w:body>
<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Handbook draft</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="berschrift1"/></w:pPr><w:r><w:t>Working hours</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Core hours are </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>10 to 4.</w:t></w:r><w:r><w:t xml:space="preserve"> Breaks &amp; lunch are flexible.</w:t></w:r></w:p>
<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>Log your hours weekly.</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Heading2"/></w:pPr><w:r><w:t>Overtime</w:t></w:r></w:p>
<w:p><w:r><w:t>Overtime is paid at</w:t></w:r><w:r><w:tab/><w:t>125 percent.</w:t></w:r></w:p>
<w:tbl>
<w:tr><w:tc><w:p><w:r><w:t>Role</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Hours</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Engineer</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>40</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Designer</w:t></w:r></w:p><w:p><w:r><w:t>(part time)</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>32</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl>
<w:p><w:r><w:t>Questions go to the office.</w:t></w:r></w:p>
<w:sectPr/>
</w:body></w:document>"#
    )
});

/// A Word document around `document_xml`, deflated as Word writes it.
pub fn docx(document_xml: &str) -> Vec<u8> {
    let styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<w:styles xmlns:w="{W}">
<w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
</w:styles>"#
    );
    let core = r#"<?xml version="1.0" encoding="UTF-8"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Animo staff handbook</dc:title></cp:coreProperties>"#;
    let content_types = r#"<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in [
        ("[Content_Types].xml", content_types),
        ("word/document.xml", document_xml),
        ("word/styles.xml", styles.as_str()),
        ("docProps/core.xml", core),
    ] {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(content.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

fn text_line(size: i64, y: i64, text: &str) -> Vec<Operation> {
    vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), size.into()]),
        Operation::new("Td", vec![72.into(), y.into()]),
        Operation::new("Tj", vec![Object::string_literal(text)]),
        Operation::new("ET", vec![]),
    ]
}

/// A two-page PDF with a 24-point title, 16-point section headings and
/// 11-point body text: page 1 has two paragraphs (the first over two lines),
/// page 2 a `TJ` line with a word-space adjustment and a word hyphenated
/// across a `T*` line break. `compress` deflates the content streams.
pub fn pdf(compress: bool) -> Vec<u8> {
    let mut document = Document::with_version("1.5");
    let pages_id = document.new_object_id();
    let font_id = document.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = document.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });

    let page_one: Vec<Operation> = [
        text_line(24, 760, "Animo Product Sheet"),
        text_line(16, 720, "Overview"),
        text_line(11, 700, "Animo gives every website an assistant with a"),
        text_line(11, 686, "3D avatar and its own knowledge."),
        text_line(11, 650, "Setup takes ten minutes."),
    ]
    .concat();
    let page_two: Vec<Operation> = [
        text_line(16, 760, "Pricing"),
        vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 11.into()]),
            Operation::new("TL", vec![14.into()]),
            Operation::new("Td", vec![72.into(), 740.into()]),
            Operation::new(
                "TJ",
                vec![Object::Array(vec![
                    Object::string_literal("Starter"),
                    (-3000).into(),
                    Object::string_literal("10 EUR a month."),
                ])],
            ),
            Operation::new("T*", vec![]),
            Operation::new("Tj", vec![Object::string_literal("Business plans include priority sup-")]),
            Operation::new("T*", vec![]),
            Operation::new("Tj", vec![Object::string_literal("port and analytics.")]),
            Operation::new("ET", vec![]),
        ],
    ]
    .concat();

    let mut kids = Vec::new();
    for operations in [page_one, page_two] {
        let content = Content { operations }.encode().expect("content encodes");
        let content_id = document.add_object(Stream::new(dictionary! {}, content));
        let page_id = document.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(Object::Reference(page_id));
    }
    document.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => 2,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    document.trailer.set("Root", catalog_id);
    let info_id = document.add_object(dictionary! { "Title" => Object::string_literal("Animo product sheet") });
    document.trailer.set("Info", info_id);
    if compress {
        document.compress();
    }
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).expect("the PDF saves");
    bytes
}
