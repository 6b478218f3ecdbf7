//! Loading refuses incomplete or damaged model folders with the coded error, never a panic.

use std::fs;
use std::path::Path;

use animo_embed::{EmbedError, MiniLm, local_model_available};

fn load_error(dir: &Path) -> EmbedError {
    MiniLm::load(dir).expect_err("the folder holds no usable model")
}

#[test]
fn a_missing_folder_names_itself_and_the_setup_command() {
    let parent = tempfile::tempdir().expect("temporary folder");
    let dir = parent.path().join("absent");
    assert!(!local_model_available(&dir));
    let error = load_error(&dir);
    match &error {
        EmbedError::ModelMissing { dir: reported, missing } => {
            assert_eq!(reported, &dir);
            assert_eq!(*missing, "model.safetensors");
        }
        other => panic!("expected ModelMissing, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(&dir.display().to_string()), "{message}");
    assert!(message.contains("cargo xtask setup"), "{message}");
}

#[test]
fn weights_without_a_tokenizer_are_a_missing_model() {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(dir.path().join("model.safetensors"), b"not read").expect("write weights");
    assert!(!local_model_available(dir.path()));
    assert!(
        matches!(load_error(dir.path()), EmbedError::ModelMissing { missing: "tokenizer.json", .. }),
        "the tokenizer is what is missing"
    );
}

#[test]
fn damaged_files_are_unreadable_and_named() {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(dir.path().join("model.safetensors"), b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}").expect("write");
    fs::write(dir.path().join("tokenizer.json"), b"{\"version\": ").expect("write");
    assert!(local_model_available(dir.path()), "availability only looks for the files");
    match load_error(dir.path()) {
        EmbedError::ModelUnreadable { path, .. } => assert_eq!(path, dir.path().join("tokenizer.json")),
        other => panic!("expected ModelUnreadable, got {other:?}"),
    }

    fs::write(dir.path().join("config.json"), b"[1, 2]").expect("write");
    match load_error(dir.path()) {
        EmbedError::ModelUnreadable { path, .. } => assert_eq!(path, dir.path().join("config.json")),
        other => panic!("expected ModelUnreadable, got {other:?}"),
    }
}

#[test]
fn damaged_weights_beside_a_real_tokenizer_are_unreadable() {
    let model = crate::local_model::installed_dir();
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::copy(model.join("tokenizer.json"), dir.path().join("tokenizer.json")).expect("copy the tokenizer");
    fs::write(dir.path().join("model.safetensors"), b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}").expect("write");
    match load_error(dir.path()) {
        EmbedError::ModelUnreadable { path, .. } => assert_eq!(path, dir.path().join("model.safetensors")),
        other => panic!("expected ModelUnreadable, got {other:?}"),
    }
}
