//! The widget against a real server: `cargo xtask test`'s end-to-end step
//! (`npm run e2e` in widget/) and `cargo xtask bench widget` (`npm run
//! bench`). Both build the widget, seed the demo into a fresh on-disk
//! database, serve it on loopback, and hand the browser scripts the server's
//! address and the demo's embed id through the environment:
//!
//! - `ANIMO_E2E_BASE`: `http://127.0.0.1:PORT`, which also serves `/demo`;
//! - `ANIMO_E2E_EMBED_ID`: the demo bot's embed id;
//! - `ANIMO_E2E_ARTIFACTS`: a folder for screenshots and reports.
//!
//! The server is stopped afterwards whatever happens (it is killed when its
//! handle is dropped).

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use clap::Args;

use crate::bench::{Profile, Server, build_server, storage_args, target_dir, wait_until_ready};
use crate::process::{command, describe, output, run};

/// Options of `cargo xtask bench widget`.
#[derive(Debug, Args)]
pub struct WidgetBenchArgs {
    /// The cargo profile the server is built with; the widget's figures hardly depend on it.
    #[arg(long, value_enum, default_value_t = Profile::Dev)]
    profile: Profile,
    /// Use this server binary instead of building one (`--profile` is then ignored).
    #[arg(long, value_name = "PATH")]
    server_bin: Option<PathBuf>,
}

/// `npm run e2e` against the demo.
pub fn end_to_end(root: &Path) -> Result<()> {
    with_demo_server(root, None, Profile::Dev, "e2e")
}

/// `cargo xtask bench widget`: `npm run bench` against the demo.
pub fn bench(root: &Path, args: &WidgetBenchArgs) -> Result<()> {
    with_demo_server(root, args.server_bin.as_deref(), args.profile, "bench")
}

/// Builds the widget and the server, seeds the demo, serves it, and runs
/// `npm run <script>` in widget/ against it.
fn with_demo_server(root: &Path, server_bin: Option<&Path>, profile: Profile, script: &str) -> Result<()> {
    let widget = root.join("widget");
    run(command(&widget, "npm").args(["run", "build"])).context("could not build the widget")?;
    let binary = match server_bin {
        Some(path) => std::path::absolute(path).with_context(|| format!("could not resolve {}", path.display()))?,
        None => build_server(root, profile)?,
    };
    anyhow::ensure!(binary.is_file(), "the server binary {} does not exist", binary.display());
    let artifacts = artifacts_dir(root)?;
    std::fs::create_dir_all(&artifacts).with_context(|| format!("could not create {}", artifacts.display()))?;

    // The server is declared after the folder so that it is killed before
    // its database folder is removed, on every way out of this function.
    let workdir =
        tempfile::Builder::new().prefix("animo-widget-").tempdir().context("could not create a temporary folder")?;
    // The demo bot allows the origin it is seeded for, so the port is chosen
    // first and both commands get it. Another program could take the port in
    // between; `serve` then fails saying so, and a second run picks another.
    let listen = free_loopback_port()?;
    let dist = widget.join("dist");
    let embed_id = seed_demo(&binary, workdir.path(), listen, &dist)?;
    let dist_text = dist.to_string_lossy().into_owned();
    let server = Server::start_on(&binary, workdir.path(), &[("ANIMO_WIDGET_DIR", &dist_text)], &listen.to_string())?;
    let base = format!("http://{}", server.addr());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let client = reqwest::Client::builder().no_proxy().build().context("could not build the HTTP client")?;
    runtime.block_on(wait_until_ready(&client, &base))?;
    println!("widget: {} serving the demo at {base}/demo (embed id {embed_id})", binary.display());

    let mut browser = command(&widget, "npm");
    browser
        .args(["run", script])
        .env("ANIMO_E2E_BASE", &base)
        .env("ANIMO_E2E_EMBED_ID", &embed_id)
        .env("ANIMO_E2E_ARTIFACTS", &artifacts);
    let outcome = run(&mut browser);
    let mut server = server;
    // A server that died during the run explains a failure better than the browser does.
    let alive = server.ensure_running();
    server.stop()?;
    alive?;
    outcome.with_context(|| format!("`{}` failed; artifacts are in {}", describe(&browser), artifacts.display()))
}

/// A loopback port nobody listens on right now.
fn free_loopback_port() -> Result<SocketAddr> {
    let probe = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("could not find a free loopback port")?;
    probe.local_addr().context("could not read the free port")
}

/// Runs `animo-server demo` on the database in `dir` for a server at
/// `listen`, and returns the demo's embed id from what it prints.
fn seed_demo(binary: &Path, dir: &Path, listen: SocketAddr, dist: &Path) -> Result<String> {
    let mut demo = Command::new(binary);
    demo.arg("demo").arg("--listen").arg(listen.to_string()).args(storage_args(dir)?).arg("--widget-dir").arg(dist);
    let printed = output(&mut demo).context("could not seed the demo")?;
    embed_id(&printed).with_context(|| format!("`animo-server demo` printed no embed id:\n{printed}"))
}

/// The value of the `embed id:` line of `animo-server demo`'s output.
fn embed_id(printed: &str) -> Option<String> {
    printed
        .lines()
        .find_map(|line| line.trim().strip_prefix("embed id:"))
        .map(|id| id.trim().to_owned())
        .filter(|id| id.starts_with("em_"))
}

/// Where the browser scripts put screenshots and reports: beside the build,
/// so that CI can keep the folder and a person can look.
fn artifacts_dir(root: &Path) -> Result<PathBuf> {
    Ok(target_dir(root)?.join("widget-artifacts"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embed_id_is_read_from_the_demo_output() {
        let printed = "demo created\n  owner e-mail:  demo@animo.localhost\n  embed id:      em_0123abcd\n";
        assert_eq!(embed_id(printed).as_deref(), Some("em_0123abcd"));
        assert_eq!(embed_id("demo created\n  embed id:  \n"), None);
        assert_eq!(embed_id(""), None);
    }
}
