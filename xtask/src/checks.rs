//! `cargo xtask test` (and `ci`, which is the same): every check, in order,
//! stopping at the first failure.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::process::{cargo, command, describe, on_path, run, succeeds};
use crate::setup::setup;

/// Runs the checks that gate a change. Cheap, likely-to-fail checks come
/// first so that a formatting slip is reported in seconds, not after the tests.
pub fn test(root: &Path) -> Result<()> {
    let started = Instant::now();
    let widget = root.join("widget");
    let studio_ui = root.join("studio/ui");

    step("setup", || setup(root))?;
    check(root, cargo(root).args(["fmt", "--all", "--check"]))?;
    // The Studio embeds its built front-end at compile time, so it is built
    // before anything compiles the Studio.
    check(root, command(&studio_ui, "npm").args(["run", "build"]))?;
    check(root, cargo(root).args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    if succeeds(cargo(root).args(["nextest", "--version"])) {
        // nextest does not run doctests, so cargo test runs just those. They go
        // first so that the log's last Rust summary is nextest's count of all
        // the other tests.
        check(root, cargo(root).args(["test", "--workspace", "--doc"]))?;
        check(root, &mut with_display(root, cargo(root).args(["nextest", "run", "--workspace"])))?;
    } else {
        check(root, &mut with_display(root, cargo(root).args(["test", "--workspace"])))?;
    }
    check(root, command(&widget, "npm").args(["run", "typecheck"]))?;
    check(root, command(&widget, "npm").arg("test"))?;
    step("widget end-to-end in Chromium against a real server (npm run e2e in widget/)", || {
        crate::widget::end_to_end(root)
    })?;
    check(root, command(&studio_ui, "npm").args(["run", "typecheck"]))?;
    check(root, command(&studio_ui, "npm").arg("test"))?;
    step("Studio end-to-end under a virtual display against a real server (tauri-driver)", || {
        crate::studio::end_to_end(root)
    })?;

    println!("\nall checks passed in {:.1?}", started.elapsed());
    Ok(())
}

/// The avatar preview's window test needs an X display; on a machine without
/// one (CI) the tests run inside a virtual X server.
fn with_display(root: &Path, inner: &Command) -> Command {
    if std::env::var_os("DISPLAY").is_some() || !on_path("xvfb-run") {
        let mut same = Command::new(inner.get_program());
        same.args(inner.get_args());
        if let Some(dir) = inner.get_current_dir() {
            same.current_dir(dir);
        }
        return same;
    }
    let mut wrapped = command(root, "xvfb-run");
    wrapped.arg("--auto-servernum").arg(inner.get_program()).args(inner.get_args());
    wrapped
}

/// Runs `command` as a step titled by the command line and, outside the
/// root, the folder it runs in.
fn check(root: &Path, command: &mut Command) -> Result<()> {
    let folder = command
        .get_current_dir()
        .and_then(|dir| dir.strip_prefix(root).ok())
        .filter(|relative| !relative.as_os_str().is_empty());
    let title = match folder {
        Some(folder) => format!("{} (in {}/)", describe(command), folder.display()),
        None => describe(command),
    };
    step(&title, || run(command))
}

/// Runs one step between a header line and its elapsed time, so a long log
/// shows where each step starts and which one failed.
fn step(title: &str, action: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("\n==> {title}");
    let started = Instant::now();
    let result = action();
    let elapsed = started.elapsed();
    match &result {
        Ok(()) => println!("<== {title}: ok in {elapsed:.1?}"),
        Err(_) => println!("<== {title}: FAILED after {elapsed:.1?}"),
    }
    result.with_context(|| format!("step `{title}` failed"))
}
