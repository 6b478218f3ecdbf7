/**
 * The viewport benchmark, run by the Studio when started for `cargo xtask
 * bench studio`: opens the demo avatar at 640×480, then for a fixed time
 * counts the frames drawn in this webview and measures, for an orbit input
 * sent every 200 ms, the time until a drawn frame shows it.
 */
import { benchFinish } from "./generated/commands";
import type { AvatarScreen } from "./screens/avatar";
import { percentile } from "./viewport";

const WARM_UP_MS = 3000;
const MEASURE_MS = 20000;
const INPUT_EVERY_MS = 200;

export async function runViewportBench(avatar: AvatarScreen): Promise<void> {
  const { viewport } = avatar;
  const openedAt = performance.now();
  const opened = await avatar.open({ kind: "demo" });
  if (opened === null) {
    await benchFinish({ error: "the demo avatar did not open" });
    return;
  }
  while (viewport.stats.drawn === 0) await sleep(10);
  const firstFrameMs = performance.now() - openedAt;
  await sleep(WARM_UP_MS);
  const startDrawn = viewport.stats.drawn;
  const startSkipped = viewport.stats.skipped;
  const startBytes = viewport.stats.bytes;
  viewport.stats.latencies.length = 0;
  const started = performance.now();
  let turns = 0;
  while (performance.now() - started < MEASURE_MS) {
    turns += 1;
    await viewport.send({ kind: "orbit", yaw: turns % 2 === 0 ? 0.05 : -0.05, pitch: 0 });
    await sleep(INPUT_EVERY_MS);
  }
  const seconds = (performance.now() - started) / 1000;
  const drawn = viewport.stats.drawn - startDrawn;
  const latencies = viewport.stats.latencies;
  const round = (value: number | null): number | null => (value === null ? null : Math.round(value * 10) / 10);
  await benchFinish({
    width: viewport.canvas.width,
    height: viewport.canvas.height,
    seconds: round(seconds),
    first_frame_ms: round(firstFrameMs),
    frames_drawn: drawn,
    fps: round(drawn / seconds),
    frames_skipped: viewport.stats.skipped - startSkipped,
    mib_per_s: round((viewport.stats.bytes - startBytes) / seconds / (1024 * 1024)),
    inputs_sent: turns,
    inputs_shown: latencies.length,
    latency_p50_ms: round(percentile(latencies, 50)),
    latency_p95_ms: round(percentile(latencies, 95)),
    latency_max_ms: round(percentile(latencies, 100)),
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}
