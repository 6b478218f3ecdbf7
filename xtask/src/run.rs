//! `cargo xtask run`: the product on this machine, from a fresh clone, in one
//! command.

use std::path::Path;

use anyhow::{Context, Result};

use crate::process::{cargo, command, run as run_command};
use crate::setup::setup;

/// Builds the widget the server serves (from widget/dist, the server's
/// default widget folder in a development build), seeds the demo tenant and
/// bot (the server's `demo` command is idempotent and prints the credentials
/// and the demo page's address), then serves until interrupted.
///
/// The demo is seeded with the same options as the server, so a `--listen`
/// or `--public-url` given here also decides the origin the demo bot allows.
pub fn run(root: &Path, serve_args: &[String]) -> Result<()> {
    setup(root)?;
    run_command(command(&root.join("widget"), "npm").args(["run", "build"])).context("could not build the widget")?;
    run_command(cargo(root).args(["run", "--package", "animo-server", "--", "demo"]).args(serve_args))
        .context("could not seed the demo tenant")?;
    let mut serve = cargo(root);
    serve.args(["run", "--package", "animo-server", "--", "serve"]).args(serve_args);
    if crate::studio::has_display() {
        return crate::studio::serve_with_studio(root, &mut serve);
    }
    println!("run: no display, so the Studio is not opened; starting the server only");
    run_command(&mut serve).context("the server stopped with an error")
}
