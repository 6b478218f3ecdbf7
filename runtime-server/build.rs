//! With the feature `bundled-widget` (release builds that deploy as one
//! binary), compiles the built widget, `widget/dist`, into the server: it
//! writes `$OUT_DIR/widget_assets.rs` with one `include_bytes!` per file.
//! Without the feature it does nothing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() -> Result<(), String> {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_BUNDLED_WIDGET").is_none() {
        return Ok(());
    }
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").ok_or("cargo did not set CARGO_MANIFEST_DIR")?;
    let dist = Path::new(&manifest).join("../widget/dist");
    let dist = dist.canonicalize().map_err(|error| missing(&dist, &error.to_string()))?;
    println!("cargo::rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    collect(&dist, "", &mut files).map_err(|error| missing(&dist, &error))?;
    if !files.iter().any(|(name, _)| name == "embed.js") {
        return Err(missing(&dist, "it has no embed.js"));
    }
    let mut code =
        String::from("/// The built widget's files by relative path.\npub static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        println!("cargo::rerun-if-changed={}", path.display());
        // Debug formatting quotes and escapes both strings for Rust source.
        let _infallible = writeln!(code, "    ({name:?}, include_bytes!({:?})),", path.display().to_string());
    }
    code.push_str("];\n");
    let out = std::env::var_os("OUT_DIR").ok_or("cargo did not set OUT_DIR")?;
    std::fs::write(Path::new(&out).join("widget_assets.rs"), code)
        .map_err(|error| format!("cannot write the widget table: {error}"))
}

fn missing(dist: &Path, why: &str) -> String {
    format!(
        "the feature bundled-widget compiles the built widget into the server, but {} cannot be used ({why}); \
         run `npm ci && npm run build` in widget/ first",
        dist.display()
    )
}

/// Every regular, non-hidden file under `dir`, by path relative to the top, sorted.
fn collect(dir: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(|error| format!("cannot list {}: {error}", dir.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().into_string().map_err(|name| format!("{name:?} is not UTF-8"))?;
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(&path, &format!("{prefix}{name}/"), files)?;
        } else if path.is_file() {
            files.push((format!("{prefix}{name}"), path));
        }
    }
    Ok(())
}
