//! Where the local model lives.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The local model's name, which is also the name of its folder.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// The files without which the local model cannot be loaded. `config.json` is optional: without
/// it the model's known configuration is used.
pub(crate) const REQUIRED_FILES: [&str; 2] = ["model.safetensors", "tokenizer.json"];

/// The folder the local model is loaded from: `explicit` when given, otherwise
/// `$XDG_CACHE_HOME/animo/models/all-MiniLM-L6-v2`, or `~/.cache/animo/models/all-MiniLM-L6-v2`
/// when `XDG_CACHE_HOME` is unset or not absolute (as the XDG specification asks).
///
/// `cargo xtask setup` installs the model into the same folder (its `embedding_model_dir` must
/// agree with this). With neither variable set, the folder is `.cache/animo/models/…` relative to
/// the working directory, where loading will report the model missing with that path.
pub fn model_dir(explicit: Option<&Path>) -> PathBuf {
    let xdg_cache_home = std::env::var_os("XDG_CACHE_HOME");
    let home = std::env::var_os("HOME");
    model_dir_from(explicit, xdg_cache_home.as_deref(), home.as_deref())
}

fn model_dir_from(explicit: Option<&Path>, xdg_cache_home: Option<&OsStr>, home: Option<&OsStr>) -> PathBuf {
    if let Some(explicit) = explicit {
        return explicit.to_path_buf();
    }
    let cache = match xdg_cache_home.map(Path::new) {
        Some(cache) if cache.is_absolute() => cache.to_path_buf(),
        _ => home.filter(|home| !home.is_empty()).map(Path::new).unwrap_or(Path::new("")).join(".cache"),
    };
    cache.join("animo").join("models").join(MODEL_NAME)
}

/// Whether `dir` holds the files [`MiniLm::load`](crate::MiniLm::load) needs. It does not read
/// them: a damaged file is reported by loading.
pub fn local_model_available(dir: &Path) -> bool {
    REQUIRED_FILES.iter().all(|name| dir.join(name).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(explicit: Option<&str>, xdg: Option<&str>, home: Option<&str>, expected: &str) {
        let dir = model_dir_from(explicit.map(Path::new), xdg.map(OsStr::new), home.map(OsStr::new));
        assert_eq!(dir, Path::new(expected), "explicit {explicit:?}, XDG_CACHE_HOME {xdg:?}, HOME {home:?}");
    }

    #[test]
    fn the_explicit_folder_wins_then_the_xdg_cache_then_home() {
        check(Some("/models/minilm"), Some("/xdg"), Some("/home/a"), "/models/minilm");
        check(None, Some("/xdg"), Some("/home/a"), "/xdg/animo/models/all-MiniLM-L6-v2");
        check(None, None, Some("/home/a"), "/home/a/.cache/animo/models/all-MiniLM-L6-v2");
    }

    #[test]
    fn a_relative_or_empty_xdg_cache_home_is_ignored() {
        check(None, Some("relative"), Some("/home/a"), "/home/a/.cache/animo/models/all-MiniLM-L6-v2");
        check(None, Some(""), Some("/home/a"), "/home/a/.cache/animo/models/all-MiniLM-L6-v2");
    }

    #[test]
    fn without_any_home_the_folder_is_relative() {
        check(None, None, None, ".cache/animo/models/all-MiniLM-L6-v2");
        check(None, None, Some(""), ".cache/animo/models/all-MiniLM-L6-v2");
    }

    #[test]
    fn availability_needs_both_the_weights_and_the_tokenizer() {
        let dir = tempfile::tempdir().expect("temporary folder");
        assert!(!local_model_available(dir.path()));
        std::fs::write(dir.path().join("model.safetensors"), b"x").expect("write weights");
        assert!(!local_model_available(dir.path()));
        std::fs::write(dir.path().join("tokenizer.json"), b"{}").expect("write tokenizer");
        assert!(local_model_available(dir.path()));
    }
}
