/**
 * The avatar viewport: a canvas that pulls frames from the Studio's
 * offscreen renderer as raw RGBA over the `preview` URI scheme and sends
 * mouse input back as commands.
 *
 * Each frame is asked for only after the previous one is drawn, so a busy
 * webview skips frames instead of queueing them. A frame's 24-byte header
 * (little endian) gives its width and height (u32), its index and the
 * newest input sequence number it shows (u64); the pixels follow.
 */
import { convertFileSrc } from "@tauri-apps/api/core";
import { viewportInput } from "./generated/commands";
import type { ViewportInput } from "./generated/studio";

const HEADER_BYTES = 24;
/** Radians of orbit per pixel dragged. */
const ORBIT_PER_PIXEL = 0.01;
/** A press that moves less than this many pixels is a click, not a drag. */
const CLICK_SLOP = 4;

export interface ViewportStats {
  /** Frames drawn since the viewport started. */
  drawn: number;
  /** Frames the renderer made that this canvas never drew. */
  skipped: number;
  /** Frames drawn in the last full second. */
  fps: number;
  /** Milliseconds from sending an input to drawing the first frame showing it. */
  latencies: number[];
  /** Bytes received. */
  bytes: number;
}

export class Viewport {
  readonly canvas: HTMLCanvasElement;
  readonly stats: ViewportStats = { drawn: 0, skipped: 0, fps: 0, latencies: [], bytes: 0 };
  private readonly context: CanvasRenderingContext2D;
  private readonly frameUrl = convertFileSrc("frame", "preview");
  private running = false;
  private lastIndex: number | null = null;
  private sequence = 0;
  private readonly sentAt = new Map<number, number>();
  private secondStart = performance.now();
  private secondFrames = 0;
  private resizeTimer: number | undefined;
  private readonly onError: (message: string) => void;

  constructor(onError: (message: string) => void) {
    this.onError = onError;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "viewport-canvas";
    this.canvas.dataset["testid"] = "viewport";
    this.canvas.width = 640;
    this.canvas.height = 480;
    const context = this.canvas.getContext("2d", { alpha: false });
    if (context === null) throw new Error("this webview cannot draw on a canvas");
    this.context = context;
    this.bindInput();
  }

  /** The size frames should have: the canvas's on-screen size in CSS pixels. */
  size(): { width: number; height: number } {
    const box = this.canvas.getBoundingClientRect();
    const width = Math.max(1, Math.min(2048, Math.round(box.width || 640)));
    const height = Math.max(1, Math.min(2048, Math.round(box.height || 480)));
    return { width, height };
  }

  /** Starts pulling frames; safe to call again. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.pull();
  }

  stop(): void {
    this.running = false;
  }

  /** Sends input numbered so that latency can be measured when a frame shows it. */
  send(input: ViewportInput): Promise<void> {
    this.sequence += 1;
    const sequence = this.sequence;
    this.sentAt.set(sequence, performance.now());
    return viewportInput(input, sequence).catch((error: unknown) => {
      this.sentAt.delete(sequence);
      throw error;
    });
  }

  /** Re-renders at the canvas's size after it stops changing. */
  followResize(): void {
    new ResizeObserver(() => {
      window.clearTimeout(this.resizeTimer);
      this.resizeTimer = window.setTimeout(() => {
        const { width, height } = this.size();
        if (width === this.canvas.width && height === this.canvas.height) return;
        this.send({ kind: "resize", width, height }).catch((error: unknown) => this.onError(String(error)));
      }, 150);
    }).observe(this.canvas);
  }

  private async pull(): Promise<void> {
    while (this.running) {
      try {
        const query = this.lastIndex === null ? "" : `?after=${this.lastIndex}`;
        const response = await fetch(`${this.frameUrl}${query}`, { cache: "no-store" });
        if (response.status === 204) {
          // No renderer yet, or no new frame within the wait: ask again shortly.
          await delay(50);
          continue;
        }
        if (!response.ok) throw new Error(`frame request answered ${response.status}`);
        this.draw(await response.arrayBuffer());
      } catch (error) {
        this.onError(`viewport: ${String(error)}`);
        await delay(500);
      }
    }
  }

  private draw(buffer: ArrayBuffer): void {
    if (buffer.byteLength < HEADER_BYTES) throw new Error("a frame shorter than its header");
    const header = new DataView(buffer, 0, HEADER_BYTES);
    const width = header.getUint32(0, true);
    const height = header.getUint32(4, true);
    const index = Number(header.getBigUint64(8, true));
    const applied = Number(header.getBigUint64(16, true));
    if (buffer.byteLength !== HEADER_BYTES + width * height * 4) throw new Error("a frame of the wrong length");
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    const pixels = new Uint8ClampedArray(buffer, HEADER_BYTES, width * height * 4);
    this.context.putImageData(new ImageData(pixels, width, height), 0, 0);
    const now = performance.now();
    if (this.lastIndex !== null && index > this.lastIndex + 1) this.stats.skipped += index - this.lastIndex - 1;
    this.lastIndex = index;
    this.stats.drawn += 1;
    this.stats.bytes += buffer.byteLength;
    for (const [sequence, sent] of this.sentAt) {
      if (sequence > applied) continue;
      this.stats.latencies.push(now - sent);
      this.sentAt.delete(sequence);
    }
    this.secondFrames += 1;
    if (now - this.secondStart >= 1000) {
      this.stats.fps = (this.secondFrames * 1000) / (now - this.secondStart);
      this.secondStart = now;
      this.secondFrames = 0;
      this.canvas.dispatchEvent(new CustomEvent("stats"));
    }
  }

  /** Canvas pixels to frame pixels (the canvas may be scaled by CSS). */
  private framePoint(event: MouseEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / Math.max(1, box.width)) * this.canvas.width,
      y: ((event.clientY - box.top) / Math.max(1, box.height)) * this.canvas.height,
    };
  }

  private bindInput(): void {
    let press: { x: number; y: number; lastX: number; lastY: number; dragged: boolean } | null = null;
    const report = (error: unknown): void => this.onError(String(error));
    this.canvas.addEventListener("pointerdown", (event) => {
      this.canvas.setPointerCapture(event.pointerId);
      press = { x: event.clientX, y: event.clientY, lastX: event.clientX, lastY: event.clientY, dragged: false };
    });
    this.canvas.addEventListener("pointermove", (event) => {
      if (press === null) return;
      if (Math.hypot(event.clientX - press.x, event.clientY - press.y) > CLICK_SLOP) press.dragged = true;
      if (!press.dragged) return;
      const yaw = -(event.clientX - press.lastX) * ORBIT_PER_PIXEL;
      const pitch = (event.clientY - press.lastY) * ORBIT_PER_PIXEL;
      press.lastX = event.clientX;
      press.lastY = event.clientY;
      this.send({ kind: "orbit", yaw, pitch }).catch(report);
    });
    this.canvas.addEventListener("pointerup", (event) => {
      if (press !== null && !press.dragged) {
        const { x, y } = this.framePoint(event);
        this.send({ kind: "click", x, y }).catch(report);
      }
      press = null;
    });
    this.canvas.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        this.send({ kind: "zoom", factor: Math.exp(event.deltaY * 0.001) }).catch(report);
      },
      { passive: false },
    );
    this.canvas.addEventListener("dblclick", () => {
      this.send({ kind: "reset_camera" }).catch(report);
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

/** The p-th percentile (0–100) of `values`, or null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? null;
}
