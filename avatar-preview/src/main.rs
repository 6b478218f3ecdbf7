//! `animo-preview`: look at an avatar, audition its clips and edit its slot
//! mapping in a window; render one frame offscreen to a PNG; or print the
//! avatar's inspection report.

#![allow(
    elided_lifetimes_in_paths,
    reason = "Bevy system parameters are written without their lifetimes, as in Bevy's own code"
)]
#![allow(
    clippy::too_many_arguments,
    reason = "Bevy systems take one parameter per resource, query and message they use"
)]

mod panel;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use animo_preview::error::PreviewError;
use animo_preview::headless::{Clock, Frame, HeadlessPreview, PreviewConfig, PreviewInput};
use animo_shared::ErrorCode;
use animo_shared::avatar::inspect::{InspectLimits, inspect_glb};
use animo_shared::avatar::mapping::AnimationMapping;
use animo_shared::avatar::slots::Slot;
use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;

/// Look at an Animo avatar: a window to audition clips and edit the slot
/// mapping, an offscreen screenshot, or the inspection report.
#[derive(Debug, Parser)]
#[command(name = "animo-preview", version)]
struct Cli {
    /// The avatar, a binary glTF (.glb) file.
    file: PathBuf,
    /// Print the inspection report as JSON and exit.
    #[arg(long, conflicts_with_all = ["headless", "slot", "frames", "screenshot", "size"])]
    inspect: bool,
    /// Render offscreen, without a window, and write one PNG.
    #[arg(long, requires = "screenshot")]
    headless: bool,
    /// The slot to play first.
    #[arg(long, default_value = "idle")]
    slot: String,
    /// How many frames to render before the screenshot; offscreen, time
    /// advances 1/30 s per frame.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    frames: u64,
    /// Write a PNG after --frames frames and exit: of the offscreen frame
    /// with --headless, else of the whole window, panel included.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// The frame size, WIDTHxHEIGHT (with --headless).
    #[arg(long, requires = "headless", default_value = "640x480")]
    size: String,
    /// An animation mapping as JSON; without it the mapping suggested from the
    /// clip names is used.
    #[arg(long)]
    mapping: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("animo-preview: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let glb = std::fs::read(&cli.file).with_context(|| format!("could not read {}", cli.file.display()))?;
    if cli.inspect {
        let report = inspect_glb(&glb, &InspectLimits::default())
            .map_err(|error| anyhow!("{}", PreviewError::Inspect(error)))
            .with_context(|| format!("{} cannot be used as an avatar", cli.file.display()))?;
        println!("{}", serde_json::to_string_pretty(&report).context("could not write the report as JSON")?);
        return Ok(());
    }
    let mapping = cli.mapping.as_deref().map(read_mapping).transpose()?;
    let (report, mapping) = animo_preview::avatar::prepare(&glb, mapping)
        .map_err(|error| anyhow!("{error}"))
        .with_context(|| format!("{} cannot be previewed", cli.file.display()))?;
    let slot = parse_slot(&cli.slot)?;
    if cli.headless {
        let screenshot = cli.screenshot.as_deref().context("--headless needs --screenshot OUT.png")?;
        let (width, height) = parse_size(&cli.size)?;
        let frame = render_offscreen(glb.into(), mapping, slot, cli.frames, width, height)?;
        write_png(screenshot, &frame)?;
        println!("wrote {} ({}x{}, frame {})", screenshot.display(), frame.width, frame.height, frame.index + 1);
        return Ok(());
    }
    let capture = cli.screenshot.map(|path| panel::WindowCapture { path, frames: cli.frames });
    panel::run_window(&cli.file, glb.into(), report, mapping, cli.mapping, slot, capture)
}

fn read_mapping(path: &Path) -> Result<AnimationMapping> {
    let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
    serde_json::from_str(&text).map_err(|error| {
        anyhow!("{}: {} is not a valid animation mapping: {error}", ErrorCode::InvalidRequest.name(), path.display())
    })
}

fn parse_slot(name: &str) -> Result<Slot> {
    Slot::ALL.iter().copied().find(|slot| slot.name() == name).ok_or_else(|| {
        let names: Vec<&str> = Slot::ALL.iter().map(|slot| slot.name()).collect();
        anyhow!("{}: unknown slot {name:?}; the slots are {}", ErrorCode::InvalidRequest.name(), names.join(", "))
    })
}

fn parse_size(size: &str) -> Result<(u32, u32)> {
    let parsed =
        size.split_once(['x', 'X']).and_then(|(width, height)| Some((width.parse().ok()?, height.parse().ok()?)));
    match parsed {
        Some((width @ 1..=8192, height @ 1..=8192)) => Ok((width, height)),
        _ => bail!(
            "{}: --size must be WIDTHxHEIGHT with each from 1 to 8192, such as 640x480",
            ErrorCode::InvalidRequest.name()
        ),
    }
}

/// Renders `frames` frames at a fixed 30 animated frames per second with
/// `slot` playing and returns the last one.
fn render_offscreen(
    glb: Arc<[u8]>,
    mapping: AnimationMapping,
    slot: Slot,
    frames: u64,
    width: u32,
    height: u32,
) -> Result<Frame> {
    const TIMEOUT: Duration = Duration::from_secs(600);
    let config = PreviewConfig {
        mapping: Some(mapping),
        width,
        height,
        // As fast as the renderer goes: time is fixed per frame anyway.
        max_fps: 240.0,
        clock: Clock::Fixed(Duration::from_secs(1) / 30),
        // One picture: smooth edges are worth their cost.
        antialias: true,
        ..PreviewConfig::new(glb)
    };
    let (preview, frame_receiver) = HeadlessPreview::spawn(config).map_err(|error| anyhow!("{error}"))?;
    preview.send(PreviewInput::PlaySlot(slot)).map_err(|error| anyhow!("{error}"))?;
    preview.wait_for_frame(&frame_receiver, frames - 1, TIMEOUT).map_err(|error| anyhow!("{error}"))
}

fn write_png(path: &Path, frame: &Frame) -> Result<()> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("could not create {}", parent.display()))?;
    }
    frame.write_png(path).with_context(|| format!("could not write {}", path.display()))
}
