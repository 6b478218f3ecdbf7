//! Offscreen rendering figures for docs/benchmarks.md:
//!
//! - the time from GLB bytes to the first frame that shows the avatar, with
//!   a fresh renderer each time (the Studio opening an avatar);
//! - the sustained frame rate at 640×480 including the GPU readback and the
//!   hand-over of packed RGBA frames to the host, with the CPU time the
//!   process spends per frame (all its threads: Bevy's, the renderer's and
//!   Mesa's rasterizer threads), which says more than the rate on a machine
//!   that other work shares.
//!
//! `cargo bench -p animo-preview --bench render` (under `xvfb-run -a` where no
//! Vulkan device is available without a display). `-- --quick` measures only
//! the sustained rate without MSAA.

use std::collections::BTreeMap;
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
    let quick = std::env::args().any(|arg| arg == "--quick");
    for (name, path) in AVATARS {
        let glb: std::sync::Arc<[u8]> = std::fs::read(path).expect("avatar fixture").into();
        if !quick {
            let mut firsts: Vec<Duration> = (0..RUNS).map(|_| time_to_first_frame(&glb)).collect();
            firsts.sort();
            println!(
                "{name}: GLB bytes to first frame showing the avatar (640x480): median {:.0} ms, best {:.0} ms, worst {:.0} ms over {RUNS} runs",
                ms(firsts[RUNS / 2]),
                ms(firsts[0]),
                ms(firsts[RUNS - 1])
            );
        }
        let modes: &[bool] = if quick { &[false] } else { &[true, false] };
        for &antialias in modes {
            let rate = sustained_rate(&glb, antialias);
            let msaa = if antialias { "4x MSAA" } else { "no MSAA" };
            println!(
                "{name}: sustained 640x480 ({msaa}) with readback: {:.1} frames/s rendered and read back, {:.1} frames/s received by the host",
                rate.rendered, rate.received
            );
            if let Some(cpu) = rate.cpu {
                let per_frame = |ns: u64| ns as f64 / 1e6 / rate.frames as f64;
                let threads: Vec<String> = cpu
                    .by_thread
                    .iter()
                    .filter(|(_, ns)| per_frame(**ns) >= 0.05)
                    .map(|(thread, ns)| format!("{thread} {:.2}", per_frame(*ns)))
                    .collect();
                println!(
                    "{name}: ({msaa}) CPU time per frame {:.2} ms ({:.2} cores busy); by thread, ms per frame: {}",
                    per_frame(cpu.total),
                    cpu.total as f64 / 1e9 / rate.seconds,
                    threads.join(", ")
                );
            }
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

struct Rate {
    rendered: f64,
    received: f64,
    frames: u64,
    seconds: f64,
    cpu: Option<CpuTime>,
}

fn sustained_rate(glb: &std::sync::Arc<[u8]>, antialias: bool) -> Rate {
    let (preview, frames) = HeadlessPreview::spawn(PreviewConfig { antialias, ..config(glb) }).expect("preview starts");
    preview.send(PreviewInput::PlaySlot(Slot::Talking)).expect("send");
    let first = preview.wait_for_frame(&frames, 30, TIMEOUT).expect("warm-up");
    let cpu_before = threads_cpu();
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
    let cpu = cpu_before.zip(threads_cpu()).map(|(before, after)| CpuTime::between(&before, &after));
    let frames = last - first.index;
    Rate { rendered: frames as f64 / seconds, received: f64::from(received) / seconds, frames, seconds, cpu }
}

/// CPU time of the process's threads over an interval, in nanoseconds.
struct CpuTime {
    total: u64,
    /// By thread name with trailing digits dropped, so that pools of threads
    /// (`llvmpipe-0`, `llvmpipe-1`, …) count together.
    by_thread: BTreeMap<String, u64>,
}

impl CpuTime {
    fn between(before: &BTreeMap<u64, (String, u64)>, after: &BTreeMap<u64, (String, u64)>) -> Self {
        let mut by_thread = BTreeMap::new();
        let mut total = 0;
        for (tid, (name, ns)) in after {
            let spent = ns - before.get(tid).map_or(0, |(_, ns)| *ns);
            total += spent;
            let group =
                name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == ' ' || c == '(' || c == ')');
            *by_thread.entry(group.to_owned()).or_insert(0) += spent;
        }
        Self { total, by_thread }
    }
}

/// Each live thread's name and time on a CPU so far, from Linux's
/// `/proc/self/task/*/schedstat`; `None` where that is not available.
fn threads_cpu() -> Option<BTreeMap<u64, (String, u64)>> {
    let mut threads = BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let dir = entry.ok()?.path();
        let Some(tid) = dir.file_name().and_then(|name| name.to_str()).and_then(|name| name.parse().ok()) else {
            continue;
        };
        // A thread that ended meanwhile has no files left: skip it.
        let (Ok(name), Ok(stat)) =
            (std::fs::read_to_string(dir.join("comm")), std::fs::read_to_string(dir.join("schedstat")))
        else {
            continue;
        };
        let ns = stat.split_whitespace().next()?.parse().ok()?;
        threads.insert(tid, (name.trim().to_owned(), ns));
    }
    Some(threads)
}
