//! Inspection time for a real avatar: `cargo bench -p animo-shared --bench inspect`.
//!
//! Reads `../shared/fixtures/avatars/RobotExpressive.glb` (beside the
//! workspace), inspects it repeatedly and prints the distribution. The
//! target is under 5 ms per inspection in a release build.

use std::time::{Duration, Instant};

use animo_shared::avatar::inspect::{InspectLimits, inspect_glb};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/avatars/RobotExpressive.glb");

fn main() {
    let bytes = match std::fs::read(FIXTURE) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("cannot read {FIXTURE}: {error}");
            std::process::exit(1);
        }
    };
    let limits = InspectLimits::default();
    // Warm caches and the allocator before measuring.
    for _ in 0..20 {
        if let Err(error) = inspect_glb(&bytes, &limits) {
            eprintln!("the fixture does not inspect: {error}");
            std::process::exit(1);
        }
    }
    let mut times: Vec<Duration> = (0..500)
        .map(|_| {
            let started = Instant::now();
            let report = inspect_glb(&bytes, &limits);
            let elapsed = started.elapsed();
            std::hint::black_box(report).ok();
            elapsed
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().sum::<Duration>() / u32::try_from(times.len()).unwrap_or(1);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!("inspect RobotExpressive.glb ({} bytes), {} runs", bytes.len(), times.len());
    println!(
        "inspect_mean_ms={:.3} inspect_p50_ms={:.3} inspect_p99_ms={:.3} inspect_max_ms={:.3}",
        ms(mean),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(times[times.len() - 1])
    );
}
