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
    let artifacts = artifacts_dir(root)?;
    std::fs::create_dir_all(&artifacts).with_context(|| format!("could not create {}", artifacts.display()))?;
    let demo = DemoServer::start(root, server_bin, profile)?;
    println!("widget: serving the demo at {}/demo (embed id {})", demo.base, demo.embed_id);

    let mut browser = command(&widget, "npm");
    browser
        .args(["run", script])
        .env("ANIMO_E2E_BASE", &demo.base)
        .env("ANIMO_E2E_EMBED_ID", &demo.embed_id)
        .env("ANIMO_E2E_ARTIFACTS", &artifacts);
    let outcome = run(&mut browser);
    demo.stop()?;
    outcome.with_context(|| format!("`{}` failed; artifacts are in {}", describe(&browser), artifacts.display()))
}

/// The server with the demo seeded into a fresh on-disk database, serving
/// the built widget (widget/dist) on a free loopback port. Killed when
/// dropped; [`DemoServer::stop`] also says whether it was still running.
#[derive(Debug)]
pub struct DemoServer {
    // Declared before the folder so that it is killed before its database
    // folder is removed, on every way out.
    server: Server,
    _workdir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The demo bot's embed id.
    pub embed_id: String,
}

impl DemoServer {
    /// Builds the server with `profile` (or uses `server_bin`), seeds the
    /// demo and waits until it answers.
    pub fn start(root: &Path, server_bin: Option<&Path>, profile: Profile) -> Result<Self> {
        let binary = match server_bin {
            Some(path) => std::path::absolute(path).with_context(|| format!("could not resolve {}", path.display()))?,
            None => build_server(root, profile)?,
        };
        anyhow::ensure!(binary.is_file(), "the server binary {} does not exist", binary.display());
        let workdir =
            tempfile::Builder::new().prefix("animo-demo-").tempdir().context("could not create a temporary folder")?;
        // The demo bot allows the origin it is seeded for, so the port is chosen
        // first and both commands get it. Another program could take the port in
        // between; `serve` then fails saying so, and a second run picks another.
        let listen = free_loopback_port()?;
        let dist = root.join("widget/dist");
        let embed_id = seed_demo(&binary, workdir.path(), listen, &dist)?;
        let dist_text = dist.to_string_lossy().into_owned();
        let server =
            Server::start_on(&binary, workdir.path(), &[("ANIMO_WIDGET_DIR", &dist_text)], &listen.to_string())?;
        let base = format!("http://{}", server.addr());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("could not start the async runtime")?;
        let client = reqwest::Client::builder().no_proxy().build().context("could not build the HTTP client")?;
        runtime.block_on(wait_until_ready(&client, &base))?;
        Ok(Self { server, _workdir: workdir, base, embed_id })
    }

    /// Stops the server; an error when it had died meanwhile, which explains
    /// a failure better than the client that saw it.
    pub fn stop(mut self) -> Result<()> {
        let alive = self.server.ensure_running();
        self.server.stop()?;
        alive
    }
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
