/**
 * The avatar chunk, loaded only when the bot has an avatar and the device can
 * afford it. Its one export mounts the model in a container the chat gives
 * it and plays the published mapping there.
 *
 * Dragging: a press on the model that moves drags the avatar. Each move
 * dispatches a cancelable `animo-avatar-move` CustomEvent on the container
 * (bubbling, composed) with `detail` `{x, y}`, the offset in CSS pixels from
 * where the container was laid out, kept inside the viewport. When no
 * listener cancels it, the avatar moves the container itself with
 * `transform: translate(x, y)`; a host that wants to move more (the whole
 * panel, the launcher) cancels it and moves an ancestor of the container by
 * the same offset. The offset is stored under `animo:avatar-offset` (see
 * placement.ts) and applied again at the next mount.
 *
 * Battery: frames are drawn only while the page is visible and the canvas is
 * on screen, at most {@link FRAMES_PER_SECOND} a second, at a device pixel
 * ratio of at most 1.5.
 *
 * Test hook: after a frame in which a slot started, the container gets
 * `data-animo-slot="<slot asked for>"` and an `animo-avatar` CustomEvent
 * (bubbling and composed, so it reaches the document from inside a shadow
 * root) with `detail` `{slot, resolved, clip, source}`. When the container
 * or an ancestor (across shadow roots, so a test page can mark its `<html>`)
 * has a `data-animo-test` attribute at mount time, the canvas keeps its
 * drawing buffer (`preserveDrawingBuffer`) so a test can read its pixels at
 * any time, and every frame sets `data-animo-frames` to the count of frames
 * drawn and dispatches `animo-avatar-frame`. Without the attribute the
 * drawing buffer is not preserved, which is cheaper.
 */
import type { AvatarHandle, ConversationPhase, MountAvatar } from "../avatar-api";
import type { WidgetEvent } from "../generated/animo";
import { announce, countFrame, inTestMode, movedByHost } from "./hook";
import { clampOffset, lookDirection, readOffset, writeOffset, type Offset } from "./placement";
import { MappingPlayer } from "./player";
import { createScene } from "./scene";

const FRAMES_PER_SECOND = 30;
/** A press that moves farther than this is a drag, not a click. */
const DRAG_THRESHOLD_PX = 6;
/** The least time between two hover events sent for the same visitor. */
const HOVER_EVENT_SECS = 10;
/** How often the pointer is tested against the model while it moves over the canvas. */
const HOVER_PROBE_MS = 100;
/** The head looks ahead again when the pointer has not moved for this long. */
const LOOK_TIMEOUT_MS = 4000;

export const mountAvatar: MountAvatar = async (container, options) => {
  const testing = inTestMode(container);
  const scene = await createScene(options.modelUrl, testing);
  const seconds = (): number => performance.now() / 1000;
  const player = new MappingPlayer({ mapping: options.mapping, clips: scene.clips, now: seconds() });

  const canvas = scene.canvas;
  // The canvas is a picture of the assistant; the chat next to it carries
  // everything a keyboard or screen-reader user needs.
  canvas.setAttribute("aria-hidden", "true");
  canvas.style.cssText = "display:block;width:100%;height:100%;touch-action:none;user-select:none";
  container.appendChild(canvas);

  let disposed = false;
  const storage = safeStorage();
  let offset: Offset = { x: 0, y: 0 };
  const viewport = (): { width: number; height: number } => ({ width: window.innerWidth, height: window.innerHeight });
  const moveTo = (wanted: Offset): void => {
    const rect = container.getBoundingClientRect();
    const home = {
      left: rect.left - offset.x,
      top: rect.top - offset.y,
      right: rect.right - offset.x,
      bottom: rect.bottom - offset.y,
    };
    // A container not laid out yet (inside a closed panel) has no box to
    // keep in view; clamping it would throw the remembered place away.
    const laidOut = rect.width > 0 || rect.height > 0;
    offset = laidOut ? clampOffset(wanted, home, viewport()) : wanted;
    if (!movedByHost(container, offset)) {
      container.style.transform = offset.x === 0 && offset.y === 0 ? "" : `translate(${offset.x}px, ${offset.y}px)`;
    }
  };
  const stored = readOffset(storage);
  if (stored.x !== 0 || stored.y !== 0) moveTo(stored);

  const emit = (kind: WidgetEvent): void => {
    player.react(kind, seconds());
    try {
      options.onEvent(kind);
    } catch (error) {
      // The chat's handler failing must not stop the avatar.
      console.warn("animo: the avatar's event handler failed", error);
    }
  };

  // Pointer: a press on the model is a click, or a drag once it moves.
  let press: { id: number; x: number; y: number; from: Offset; dragging: boolean } | null = null;
  let hovering = false;
  let lastHoverEvent = -Infinity;
  let lastProbe = 0;
  let pointer: { x: number; y: number; at: number } | null = null;

  const onPointerDown = (event: PointerEvent): void => {
    if (press !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
    if (!scene.hits(event.clientX, event.clientY)) return;
    press = { id: event.pointerId, x: event.clientX, y: event.clientY, from: offset, dragging: false };
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
  };
  const onPointerMove = (event: PointerEvent): void => {
    if (press !== null && event.pointerId === press.id) {
      const dx = event.clientX - press.x;
      const dy = event.clientY - press.y;
      if (!press.dragging) {
        if (Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
        press.dragging = true;
        canvas.style.cursor = "grabbing";
        emit("drag_start");
      }
      moveTo({ x: press.from.x + dx, y: press.from.y + dy });
      return;
    }
    if (event.timeStamp - lastProbe < HOVER_PROBE_MS) return;
    lastProbe = event.timeStamp;
    const hit = scene.hits(event.clientX, event.clientY);
    canvas.style.cursor = hit ? "pointer" : "";
    if (hit && !hovering && seconds() - lastHoverEvent >= HOVER_EVENT_SECS) {
      lastHoverEvent = seconds();
      emit("hover");
    }
    hovering = hit;
  };
  const endPress = (event: PointerEvent, cancelled: boolean): void => {
    if (press === null || event.pointerId !== press.id) return;
    const ended = press;
    press = null;
    canvas.style.cursor = "";
    if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
    if (ended.dragging) {
      writeOffset(storage, offset);
      emit("drag_end");
    } else if (!cancelled && scene.hits(event.clientX, event.clientY)) {
      emit("click");
    }
  };
  const onPointerUp = (event: PointerEvent): void => endPress(event, false);
  const onPointerCancel = (event: PointerEvent): void => endPress(event, true);
  const onPointerLeave = (): void => {
    hovering = false;
    if (press === null) canvas.style.cursor = "";
  };
  const onWindowPointer = (event: PointerEvent): void => {
    pointer = { x: event.clientX, y: event.clientY, at: event.timeStamp };
  };
  const onWindowResize = (): void => moveTo(offset);

  canvas.addEventListener("pointerdown", onPointerDown);
  canvas.addEventListener("pointermove", onPointerMove);
  canvas.addEventListener("pointerup", onPointerUp);
  canvas.addEventListener("pointercancel", onPointerCancel);
  canvas.addEventListener("pointerleave", onPointerLeave);
  window.addEventListener("pointermove", onWindowPointer, { passive: true });
  window.addEventListener("resize", onWindowResize, { passive: true });

  const look = (): { x: number; y: number } | null => {
    if (pointer === null || performance.now() - pointer.at > LOOK_TIMEOUT_MS) return null;
    return lookDirection(pointer, scene.headOnPage(), viewport());
  };

  // Frames.
  let frames = 0;
  const draw = (delta: number): void => {
    const now = seconds();
    player.update(now);
    const started = player.drain();
    for (const play of started) scene.play(play);
    scene.frame(delta, player.expression(now), look());
    frames += 1;
    for (const play of started) announce(container, play);
    if (testing) countFrame(container, frames);
  };

  let pageVisible = document.visibilityState !== "hidden";
  let onScreen = true;
  let request = 0;
  let last = 0;
  const interval = 1000 / FRAMES_PER_SECOND;
  const running = (): boolean => !disposed && pageVisible && onScreen;
  const tick = (time: number): void => {
    request = 0;
    if (!running()) return;
    // A millisecond of slack so a 60 Hz display gives every second frame.
    if (last !== 0 && time - last < interval - 1) {
      schedule();
      return;
    }
    // A long pause (hidden tab) must not make the animation jump.
    const delta = last === 0 ? 0 : Math.min(0.1, (time - last) / 1000);
    last = time;
    draw(delta);
    schedule();
  };
  const schedule = (): void => {
    if (request === 0 && running()) request = requestAnimationFrame(tick);
  };
  const pause = (): void => {
    if (request !== 0) cancelAnimationFrame(request);
    request = 0;
    last = 0;
  };
  const onVisibility = (): void => {
    pageVisible = document.visibilityState !== "hidden";
    if (pageVisible) schedule();
    else pause();
  };
  document.addEventListener("visibilitychange", onVisibility);

  const intersection =
    typeof IntersectionObserver === "function"
      ? new IntersectionObserver((entries) => {
          const entry = entries[entries.length - 1];
          if (entry === undefined) return;
          onScreen = entry.isIntersecting;
          if (onScreen) schedule();
          else pause();
        })
      : null;
  intersection?.observe(canvas);

  const sizeToContainer = (): void => {
    const rect = container.getBoundingClientRect();
    scene.resize(rect.width, rect.height);
  };
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(sizeToContainer) : null;
  resize?.observe(container);
  sizeToContainer();

  // The first frame is drawn before resolving, so "mounted" means "shown".
  draw(0);
  schedule();

  const handle: AvatarHandle = {
    setPhase(phase: ConversationPhase) {
      if (!disposed) player.setPhase(phase, seconds());
    },
    cue(cue) {
      if (!disposed) player.cue(cue, seconds());
    },
    react(event) {
      if (!disposed) player.react(event, seconds());
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      pause();
      intersection?.disconnect();
      resize?.disconnect();
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("pointermove", onWindowPointer);
      window.removeEventListener("resize", onWindowResize);
      canvas.removeEventListener("pointerdown", onPointerDown);
      canvas.removeEventListener("pointermove", onPointerMove);
      canvas.removeEventListener("pointerup", onPointerUp);
      canvas.removeEventListener("pointercancel", onPointerCancel);
      canvas.removeEventListener("pointerleave", onPointerLeave);
      // The container keeps its transform: the launcher stays where the visitor put the avatar.
      scene.dispose();
    },
  };
  return handle;
};


function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    // Reading the property itself throws where storage is blocked.
    return null;
  }
}
