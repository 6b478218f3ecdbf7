//! The widget's built files (`embed.js` and the content-hashed chunks under
//! `widget/`), loaded once at start-up from a folder or from the copy a
//! release binary carries, compressed once, and looked up by exact name.
//!
//! Lookups are by exact relative path in a table filled from the folder, so
//! a request can only ever reach a file that was in the set at start-up:
//! there is no path to resolve, hence no traversal to guard against.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

use animo_shared::EmbedId;
use animo_shared::bot::EmbedSnippet;
use bytes::Bytes;
use sha2::{Digest as _, Sha256};

use crate::config::WidgetSource;

/// The loader's name in the set, served at `/embed.js`.
pub const LOADER: &str = "embed.js";
/// The folder of the chunks in the set, served under `/widget/`.
pub const CHUNK_DIR: &str = "widget/";
/// More files than a widget build could hold means a wrong folder.
const MAX_FILES: usize = 2_000;
/// Likewise for bytes; the whole set stays in memory.
const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;

/// A content coding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The file as built.
    Identity,
    /// gzip, compressed at load.
    Gzip,
}

impl Encoding {
    /// The `Content-Encoding` value, when there is one.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
        }
    }
}

/// One file of the set in every coding worth sending.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Its media type, with the charset for text.
    pub content_type: &'static str,
    identity: Bytes,
    gzip: Option<Bytes>,
    /// The start of the SHA-256 of the file as built, in hex; each coding's
    /// strong ETag is derived from it.
    hash: String,
}

/// One coding of an asset, ready to send.
#[derive(Debug, Clone)]
pub struct Variant<'a> {
    /// Its coding.
    pub encoding: Encoding,
    /// Its bytes.
    pub body: &'a Bytes,
    /// Its strong ETag, quotes included. Different codings are different
    /// byte sequences, so they carry different tags.
    pub etag: String,
}

impl Asset {
    fn new(path: &str, bytes: Vec<u8>) -> Self {
        let content_type = content_type(path);
        let hash = hex::encode(&Sha256::digest(&bytes)[..16]);
        let gzip =
            if compressible(content_type) { gzip(&bytes).filter(|packed| packed.len() < bytes.len()) } else { None };
        Self { content_type, identity: Bytes::from(bytes), gzip: gzip.map(Bytes::from), hash }
    }

    /// The smallest coding the client accepts (`Accept-Encoding`), the file
    /// as built otherwise.
    pub fn variant(&self, accept_encoding: Option<&str>) -> Variant<'_> {
        match &self.gzip {
            Some(gzip) if accepts(accept_encoding, "gzip") => {
                Variant { encoding: Encoding::Gzip, body: gzip, etag: format!("\"{}-gz\"", self.hash) }
            }
            _ => Variant { encoding: Encoding::Identity, body: &self.identity, etag: format!("\"{}\"", self.hash) },
        }
    }

    /// Size as built.
    pub fn len(&self) -> usize {
        self.identity.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.identity.is_empty()
    }
}

/// The widget's files by relative path (`embed.js`, `widget/chat-1a2b.js`).
#[derive(Debug, Clone, Default)]
pub struct WidgetAssets {
    files: HashMap<String, Asset>,
}

impl WidgetAssets {
    /// Builds the set from files given by relative path with `/` separators.
    pub fn from_files<P: AsRef<str>, B: Into<Vec<u8>>>(files: impl IntoIterator<Item = (P, B)>) -> Self {
        let files = files
            .into_iter()
            .map(|(path, bytes)| {
                let path = path.as_ref().to_owned();
                let asset = Asset::new(&path, bytes.into());
                (path, asset)
            })
            .collect();
        Self { files }
    }

    /// Reads every regular file under `dir` (hidden ones skipped).
    pub fn load_dir(dir: &Path) -> anyhow::Result<Self> {
        let mut files = Vec::new();
        let mut total = 0;
        collect(dir, "", &mut files, &mut total)
            .map_err(|error| anyhow::anyhow!("reading the widget folder {}: {error}", dir.display()))?;
        Ok(Self::from_files(files))
    }

    /// The set the configuration names. A missing or unreadable set is not
    /// fatal: it is said once, here, and `/embed.js` then answers
    /// `widget_not_built`.
    pub fn load(source: &WidgetSource) -> Self {
        let loaded = match source {
            WidgetSource::Dir(dir) => Self::load_dir(dir).map(|set| (set, dir.display().to_string())),
            WidgetSource::Bundled => Ok((Self::from_files(bundled()), "the server binary".to_owned())),
            WidgetSource::Missing => Err(anyhow::anyhow!(
                "no widget folder is configured (ANIMO_WIDGET_DIR) and the workspace's widget/dist does not exist"
            )),
        };
        match loaded {
            Ok((set, _)) if set.get(LOADER).is_none() => {
                tracing::warn!(
                    files = set.files.len(),
                    "the widget's files have no {LOADER}: /embed.js answers widget_not_built until the widget is built (`npm run build` in widget/) and the server restarted"
                );
                set
            }
            Ok((set, from)) => {
                let bytes: usize = set.files.values().map(Asset::len).sum();
                tracing::info!(files = set.files.len(), bytes, %from, "widget files loaded");
                set
            }
            Err(error) => {
                tracing::warn!(%error, "the widget is not served: /embed.js answers widget_not_built");
                Self::default()
            }
        }
    }

    /// The file at this relative path, if the set has it.
    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.files.get(path)
    }

    /// Whether the loader is there; without it nothing of the widget works.
    pub fn is_built(&self) -> bool {
        self.files.contains_key(LOADER)
    }

    /// The relative paths in the set, sorted.
    pub fn paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self.files.keys().map(String::as_str).collect();
        paths.sort_unstable();
        paths
    }
}

fn collect(dir: &Path, prefix: &str, files: &mut Vec<(String, Vec<u8>)>, total: &mut u64) -> anyhow::Result<()> {
    let mut entries = std::fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            tracing::warn!(path = %entry.path().display(), "skipping a widget file whose name is not UTF-8");
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let path = format!("{prefix}{name}");
        let metadata = std::fs::metadata(entry.path())?;
        if metadata.is_dir() {
            collect(&entry.path(), &format!("{path}/"), files, total)?;
        } else if metadata.is_file() {
            *total += metadata.len();
            anyhow::ensure!(files.len() < MAX_FILES, "more than {MAX_FILES} files: is this the widget's dist folder?");
            anyhow::ensure!(
                *total <= MAX_TOTAL_BYTES,
                "more than {MAX_TOTAL_BYTES} bytes: is this the widget's dist folder?"
            );
            files.push((path, std::fs::read(entry.path())?));
        }
    }
    Ok(())
}

#[cfg(feature = "bundled-widget")]
mod bundle {
    // Written by build.rs from widget/dist: `pub static FILES: &[(&str, &[u8])]`.
    include!(concat!(env!("OUT_DIR"), "/widget_assets.rs"));
}

/// The files compiled into the binary (feature `bundled-widget`).
#[cfg(feature = "bundled-widget")]
fn bundled() -> Vec<(&'static str, &'static [u8])> {
    bundle::FILES.to_vec()
}

/// Without the feature the binary carries nothing.
#[cfg(not(feature = "bundled-widget"))]
fn bundled() -> Vec<(&'static str, &'static [u8])> {
    Vec::new()
}

/// The media type by extension; scripts as `text/javascript` (RFC 9239).
fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "wasm" => "application/wasm",
        "glb" => "model/gltf-binary",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Text and uncompressed binary formats shrink; images and fonts already are compressed.
fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || matches!(content_type, "application/json" | "image/svg+xml" | "application/wasm" | "model/gltf-binary")
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail; if it somehow did, the file is sent as built.
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// Whether an `Accept-Encoding` value accepts `coding` (`q=0` refuses it,
/// `*` stands for any coding not named).
fn accepts(header: Option<&str>, coding: &str) -> bool {
    let Some(header) = header else { return false };
    let mut wildcard = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let quality = parts
            .filter_map(|parameter| {
                let (key, value) = parameter.split_once('=')?;
                key.trim().eq_ignore_ascii_case("q").then(|| value.trim().parse::<f32>().ok()).flatten()
            })
            .next()
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return quality > 0.0;
        }
        if name == "*" {
            wildcard = Some(quality > 0.0);
        }
    }
    wildcard.unwrap_or(false)
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as RFC
/// 9110 prescribes for this header) or is `*`.
pub fn none_match(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// Escapes text for HTML content and double-quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The tag a site owner pastes to show the bot with this embed id, loading
/// the loader from the server at `public_url`.
pub fn snippet(public_url: &str, embed_id: &EmbedId) -> EmbedSnippet {
    let script_url = format!("{public_url}/{LOADER}");
    let snippet = format!(
        "<script async src=\"{}\" data-embed-id=\"{}\"></script>",
        escape_html(&script_url),
        escape_html(embed_id.as_str())
    );
    EmbedSnippet { embed_id: embed_id.clone(), script_url, snippet }
}

/// The snippet of one of the caller's bots, with its current embed id.
pub async fn bot_snippet(
    state: &crate::state::AppState,
    ctx: &crate::context::TenantCtx,
    bot: &animo_shared::BotId,
) -> crate::error::ApiResult<EmbedSnippet> {
    let bot = crate::bots::get(ctx, bot).await?;
    Ok(snippet(&state.public_url, &bot.embed_id))
}

/// The `/demo` page: a short text, the snippet as text, and the snippet
/// itself, which loads the widget. Everything inserted is escaped.
pub fn demo_page(public_url: &str, bot_name: &str, embed: &EmbedSnippet) -> String {
    let name = escape_html(bot_name);
    let shown = escape_html(&embed.snippet);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Animo demo</title>\n\
         <style>body{{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1.25rem;color:#1d1d1f}}\
         pre{{background:#f4f4f6;padding:1rem;border-radius:.5rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}}\
         code{{font:14px/1.5 ui-monospace,monospace}}</style>\n</head>\n<body>\n<main>\n\
         <h1>Animo demo</h1>\n\
         <p>This page is an ordinary website with the demo assistant, {name}, embedded. Open the launcher in the \
         corner and ask about the imaginary Animo Demo Shop: its opening hours, shipping or returns. The answers \
         come from the shop's knowledge document, with citations, and the avatar reacts as the conversation goes.</p>\n\
         <p>Any site listed among the bot's allowed origins shows it with this one tag, served by this server \
         at <code>{server}</code>:</p>\n\
         <pre><code>{shown}</code></pre>\n\
         <p>The Studio shows the same snippet for each of your bots.</p>\n\
         </main>\n{live}\n</body>\n</html>\n",
        server = escape_html(public_url),
        live = embed.snippet,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_with_its_qualities() {
        let cases = [
            (None, false),
            (Some(""), false),
            (Some("gzip"), true),
            (Some("br, gzip;q=0.8"), true),
            (Some("GZIP"), true),
            (Some("gzip;q=0"), false),
            (Some("gzip; q=0.000"), false),
            (Some("deflate, br"), false),
            (Some("*"), true),
            (Some("*;q=0"), false),
            (Some("*, gzip;q=0"), false),
            (Some("identity"), false),
        ];
        for (header, expected) in cases {
            assert_eq!(accepts(header, "gzip"), expected, "{header:?}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly_and_knows_the_wildcard() {
        assert!(none_match("\"abc\"", "\"abc\""));
        assert!(none_match("W/\"abc\"", "\"abc\""));
        assert!(none_match("\"x\", \"abc\"", "\"abc\""));
        assert!(none_match("*", "\"abc\""));
        assert!(!none_match("\"abcd\"", "\"abc\""));
        assert!(!none_match("abc", "\"abc\""));
    }

    #[test]
    fn text_is_compressed_once_and_tagged_per_coding() {
        let script = "console.log('animo');\n".repeat(50);
        let set = WidgetAssets::from_files([("embed.js", script.clone()), ("widget/a.png", "x".repeat(500))]);
        let asset = set.get("embed.js").expect("present");
        assert_eq!(asset.content_type, "text/javascript; charset=utf-8");
        let plain = asset.variant(Some("br"));
        let packed = asset.variant(Some("gzip, br"));
        assert_eq!(plain.encoding, Encoding::Identity);
        assert_eq!(plain.body.as_ref(), script.as_bytes());
        assert_eq!(packed.encoding, Encoding::Gzip);
        assert!(packed.body.len() < plain.body.len());
        assert_ne!(plain.etag, packed.etag);
        let mut unpacked = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(packed.body.as_ref()), &mut unpacked)
            .expect("valid gzip");
        assert_eq!(unpacked, script);
        // Images are not compressed again.
        assert_eq!(set.get("widget/a.png").expect("present").variant(Some("gzip")).encoding, Encoding::Identity);
        assert!(set.get("../embed.js").is_none() && set.get("/embed.js").is_none());
    }

    #[test]
    fn snippets_escape_what_they_embed() {
        let id = EmbedId::from_bytes(&[7; 20]);
        let made = snippet("https://animo.example.com", &id);
        assert_eq!(
            made.snippet,
            format!("<script async src=\"https://animo.example.com/embed.js\" data-embed-id=\"{id}\"></script>")
        );
        assert_eq!(escape_html("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
