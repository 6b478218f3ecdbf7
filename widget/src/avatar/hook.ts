/**
 * What the avatar tells the page it lives in: the hook the browser test
 * reads and the drag offset the host may apply itself (see index.ts for
 * what both promise).
 */
import type { Offset } from "./placement";
import type { Play } from "./player";

/** Offers the drag offset to the host; true when the host moved things itself. */
export function movedByHost(container: HTMLElement, offset: Offset): boolean {
  const event = new CustomEvent("animo-avatar-move", {
    bubbles: true,
    composed: true,
    cancelable: true,
    detail: { x: offset.x, y: offset.y },
  });
  return !container.dispatchEvent(event);
}

/**
 * Whether the container or anything around it, across shadow roots, has a
 * `data-animo-test` attribute: a test page marks its own `<html>` and so
 * reaches an avatar mounted deep inside the widget's shadow DOM.
 */
export function inTestMode(container: Element): boolean {
  let node: Element | null = container;
  while (node !== null) {
    if (node.hasAttribute("data-animo-test")) return true;
    const root = node.getRootNode();
    node = node.parentElement ?? (root instanceof ShadowRoot ? root.host : null);
  }
  return false;
}

/** Tells the page a slot started: `data-animo-slot` and an `animo-avatar` event that reaches the document. */
export function announce(container: HTMLElement, play: Play): void {
  container.dataset.animoSlot = play.requested;
  container.dispatchEvent(
    new CustomEvent("animo-avatar", {
      bubbles: true,
      composed: true,
      detail: { slot: play.requested, resolved: play.resolved, clip: play.clip, source: play.source },
    }),
  );
}

/** Counts a drawn frame, for a test that waits for frames before reading pixels. */
export function countFrame(container: HTMLElement, frames: number): void {
  container.dataset.animoFrames = String(frames);
  container.dispatchEvent(new CustomEvent("animo-avatar-frame", { bubbles: true, composed: true }));
}
