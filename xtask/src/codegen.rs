//! `cargo xtask codegen`: the TypeScript declarations generated from
//! animo-shared, committed in the widget and the Studio front-end so that
//! neither needs a Rust toolchain to type-check, and checked fresh by a test.
//! The Studio front-end also gets the Studio core's types (its command and
//! event payloads), which import the shared ones, and typed functions for
//! the app's commands and events over both.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Every file `codegen` writes with its content: animo-shared's bundle in the
/// widget and the Studio front-end, the Studio core's beside it, and the
/// Studio's typed command and event bindings over both (see [`crate::ipc`]).
pub fn generated_files(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let shared = animo_shared::typescript::bundle();
    let studio = animo_studio_core::typescript::bundle();
    let mut declared = BTreeMap::new();
    for (bundle, module) in [(&shared, "./animo"), (&studio, "./studio")] {
        for name in crate::ipc::exported_types(bundle) {
            if let Some(other) = declared.insert(name.clone(), module) {
                bail!("{name} is declared in both {other} and {module}");
            }
        }
    }
    let commands = crate::ipc::bindings(root, &declared)?;
    Ok(vec![
        (root.join("widget/src/generated/animo.ts"), shared.clone()),
        (root.join("studio/ui/src/generated/animo.ts"), shared),
        (root.join("studio/ui/src/generated/studio.ts"), studio),
        (root.join(crate::ipc::BINDINGS), commands),
    ])
}

/// Writes the declarations, leaving files that are already fresh untouched so
/// that their modification times do not wake up watchers and builds.
pub fn write(root: &Path) -> Result<()> {
    for (path, bundle) in generated_files(root)? {
        let shown = relative(root, &path);
        if is_fresh(&path, &bundle)? {
            println!("codegen: {shown} is up to date");
            continue;
        }
        let dir = path.parent().expect("a generated file sits in a folder");
        fs::create_dir_all(dir).with_context(|| format!("could not create {}", relative(root, dir)))?;
        fs::write(&path, &bundle).with_context(|| format!("could not write {shown}"))?;
        println!("codegen: wrote {shown}");
    }
    Ok(())
}

/// Fails, naming each stale file, when a generated file differs from what
/// `write` would put there.
pub fn check(root: &Path) -> Result<()> {
    let stale = stale_files(root)?;
    if !stale.is_empty() {
        bail!("{}", stale_message(&stale));
    }
    println!("codegen: generated TypeScript is up to date");
    Ok(())
}

/// The generated files, relative to `root`, whose content is not the current
/// bundle (a missing file counts as stale).
fn stale_files(root: &Path) -> Result<Vec<String>> {
    let mut stale = Vec::new();
    for (path, bundle) in generated_files(root)? {
        if !is_fresh(&path, &bundle)? {
            stale.push(relative(root, &path));
        }
    }
    Ok(stale)
}

fn stale_message(stale: &[String]) -> String {
    format!("generated TypeScript is stale: {}; run `cargo xtask codegen` and commit the result", stale.join(", "))
}

fn is_fresh(path: &Path, bundle: &str) -> Result<bool> {
    match fs::read_to_string(path) {
        Ok(current) => Ok(current == bundle),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error).with_context(|| format!("could not read {}", path.display())),
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widget and the Studio front-end type-check against the committed
    /// files, so a change to animo-shared that is not regenerated would let
    /// them drift from the server without any check noticing.
    #[test]
    fn generated_typescript_is_fresh() {
        let stale = stale_files(&crate::project_root()).expect("the generated files can be read");
        assert!(stale.is_empty(), "{}", stale_message(&stale));
    }
}
