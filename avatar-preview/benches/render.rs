//! Offscreen rendering figures for docs/benchmarks.md:
//!
//! - the time from GLB bytes to the first frame that shows the avatar, with
//!   a fresh renderer each time (the Studio opening an avatar);
//! - the sustained frame rate at 640×480 including the GPU readback and the
//!   hand-over of packed RGBA frames to the host.
//!
//! `cargo bench -p animo-preview --bench render` (under `xvfb-run -a` where no
//! Vulkan device is available without a display).

use std::time::{Duration, Instant};

use animo_preview::prelude::*;
use animo_shared::avatar::slots::Slot;

const AVATARS: &[(&str, &str)] = &[
    ("demo avatar", concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime-server/assets/demo-avatar.glb")),
    ("RobotExpressive", concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/avatars/RobotExpressive.glb")),
];
const RUNS: usize = 3;
const MEASURE: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(120);

fn main() {
    for (name, path) in AVATARS {
        let glb: std::sync::Arc<[u8]> = std::fs::read(path).expect("avatar fixture").into();
        let mut firsts: Vec<Duration> = (0..RUNS).map(|_| time_to_first_frame(&glb)).collect();
        firsts.sort();
        println!(
            "{name}: GLB bytes to first frame showing the avatar (640x480): median {:.0} ms, best {:.0} ms, worst {:.0} ms over {RUNS} runs",
            ms(firsts[RUNS / 2]),
            ms(firsts[0]),
            ms(firsts[RUNS - 1])
        );
        for antialias in [true, false] {
            let (rendered, received) = sustained_rate(&glb, antialias);
            let msaa = if antialias { "4x MSAA" } else { "no MSAA" };
            println!(
                "{name}: sustained 640x480 ({msaa}) with readback: {rendered:.1} frames/s rendered and read back, {received:.1} frames/s received by the host"
            );
        }
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn config(glb: &std::sync::Arc<[u8]>) -> PreviewConfig {
    PreviewConfig { max_fps: 240.0, ..PreviewConfig::new(glb.clone()) }
}

fn shows_avatar(frame: &Frame) -> bool {
    let corner = &frame.rgba[..4];
    let centre = ((frame.height / 2 * frame.width + frame.width / 2) * 4) as usize;
    frame.rgba[centre..centre + 4].iter().zip(corner).any(|(a, b)| a.abs_diff(*b) > 12)
}

fn time_to_first_frame(glb: &std::sync::Arc<[u8]>) -> Duration {
    let started = Instant::now();
    let (preview, frames) = HeadlessPreview::spawn(config(glb)).expect("preview starts");
    loop {
        let frame = preview.wait_for_frame(&frames, 0, TIMEOUT).expect("frames arrive");
        if shows_avatar(&frame) {
            return started.elapsed();
        }
    }
}

fn sustained_rate(glb: &std::sync::Arc<[u8]>, antialias: bool) -> (f64, f64) {
    let (preview, frames) = HeadlessPreview::spawn(PreviewConfig { antialias, ..config(glb) }).expect("preview starts");
    preview.send(PreviewInput::PlaySlot(Slot::Talking)).expect("send");
    let first = preview.wait_for_frame(&frames, 30, TIMEOUT).expect("warm-up");
    let started = Instant::now();
    let mut received = 0_u32;
    let mut last = first.index;
    while started.elapsed() < MEASURE {
        let frame = preview.wait_for_frame(&frames, 0, TIMEOUT).expect("frames arrive");
        assert_eq!(frame.rgba.len(), 640 * 480 * 4);
        received += 1;
        last = frame.index;
    }
    let seconds = started.elapsed().as_secs_f64();
    ((last - first.index) as f64 / seconds, f64::from(received) / seconds)
}
