//! Project automation, run as `cargo xtask <task>` (the alias lives in
//! `.cargo/config.toml`).
//!
//! Keeping these tasks in Rust rather than in shell scripts means they run the
//! same way on every machine that can build the workspace, and CI runs exactly
//! what a developer runs: `.ci/run` is `cargo xtask test`.

mod bench;
mod checks;
mod codegen;
mod demo_avatar;
mod icons;
mod ipc;
mod process;
mod run;
mod setup;
mod studio;
mod webdriver;
mod widget;

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Animo's project automation.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Install the missing system packages and the front-ends' npm dependencies.
    ///
    /// Safe to run again: it only installs what is missing.
    Setup,
    /// Write the TypeScript declarations generated from animo-shared into the
    /// widget and the Studio front-end.
    Codegen {
        /// Write nothing; fail if a generated file differs from what codegen would write.
        #[arg(long)]
        check: bool,
    },
    /// Generate Animo's demo avatar, a skinned and animated box robot with one
    /// clip per slot, into runtime-server/assets/demo-avatar.glb.
    DemoAvatar {
        /// Write nothing; fail if the committed avatar differs from what the generator produces.
        #[arg(long)]
        check: bool,
    },
    /// Generate the Studio's icons (every size the bundle needs) from
    /// icons/source.png, drawing the source first when it is missing.
    Icons {
        /// Write nothing; fail if an icon differs from what would be generated.
        #[arg(long)]
        check: bool,
        /// Draw icons/source.png again from its code.
        #[arg(long)]
        redraw_source: bool,
    },
    /// The Studio end to end: the real app in a (virtual) display driven by
    /// tauri-driver, with screenshots in <target>/studio-artifacts/.
    StudioE2e,
    /// Run every check, in CI's order: setup, formatting, clippy, the Rust
    /// tests, then the front-ends' type checks and tests.
    Test,
    /// Build the widget, seed the demo tenant and bot, and start the server.
    Run {
        /// Passed on to `animo-server serve`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        serve_args: Vec<String>,
    },
    /// What `.ci/run` calls: exactly the checks of `test`.
    Ci,
    /// Measure the server under load; see docs/benchmarks.md for the figures.
    Bench {
        #[command(subcommand)]
        bench: Bench,
    },
    /// Retrieval quality on a BEIR folder through the real ingestion and search
    /// of a release server: prints nDCG@10 and recall@10, the last line being
    /// `ndcg@10=… recall@10=…`.
    BenchRetrieval(bench::retrieval::RetrievalArgs),
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Authenticated control-plane reads and writes from many concurrent
    /// clients against a real server on the embedded on-disk engine.
    ///
    /// Ends with one machine-readable line:
    /// `reads_p99_ms=… writes_p99_ms=… throughput_rps=… errors=…`.
    ControlPlane(bench::ControlPlaneArgs),
    /// Visitors' chat WebSocket sessions: how many the server holds, its
    /// memory per idle session, and messages/s with the time to the first
    /// token frame at a fixed offered load, answered by the offline responder.
    ///
    /// Ends with one machine-readable line: `sessions_held=…
    /// idle_kib_per_session=… messages_per_s=… first_token_p50_ms=…
    /// first_token_p99_ms=… first_token_max_ms=… errors=…`.
    Chat(bench::chat::ChatArgs),
    /// The Studio: cold start to the first interactive screen, viewport
    /// frames per second delivered to the webview and input-to-frame latency
    /// at 640x480, measured in the real app (release build).
    ///
    /// Ends with one machine-readable line: `cold_start_ms=… fps=…
    /// input_to_frame_p50_ms=… input_to_frame_p95_ms=… …`.
    Studio(studio::StudioBenchArgs),
    /// The widget in Chromium against a real server with the demo seeded:
    /// builds the widget and runs `npm run bench` in widget/ (chunk sizes,
    /// time to the launcher, time to the first avatar frame).
    Widget(widget::WidgetBenchArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = project_root();
    match cli.task {
        Task::Setup => setup::setup(&root),
        Task::Codegen { check: false } => codegen::write(&root),
        Task::Codegen { check: true } => codegen::check(&root),
        Task::DemoAvatar { check: false } => demo_avatar::write(&root),
        Task::DemoAvatar { check: true } => demo_avatar::check(&root),
        Task::Icons { check: false, redraw_source } => icons::write(&root, redraw_source),
        Task::Icons { check: true, .. } => icons::check(&root),
        Task::StudioE2e => studio::end_to_end(&root),
        // CI must not drift from the command the README gives developers, so
        // both names lead to the same function.
        Task::Test | Task::Ci => checks::test(&root),
        Task::Run { serve_args } => run::run(&root, &serve_args),
        Task::Bench { bench: Bench::ControlPlane(args) } => bench::control_plane(&root, &args),
        Task::Bench { bench: Bench::Chat(args) } => bench::chat::chat(&root, &args),
        Task::Bench { bench: Bench::Studio(args) } => studio::bench(&root, &args),
        Task::Bench { bench: Bench::Widget(args) } => widget::bench(&root, &args),
        Task::BenchRetrieval(args) => bench::retrieval::bench_retrieval(&root, &args),
    }
}

/// The workspace root, which every task works from whatever the caller's
/// current directory is.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask/ sits inside the workspace root").to_path_buf()
}
