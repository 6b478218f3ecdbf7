/**
 * Where the visitor dragged the avatar. The avatar moves the container it
 * was given with a CSS `transform: translate(x, y)` (the container's
 * transform belongs to the avatar) and remembers the offset in the page's
 * localStorage under {@link OFFSET_KEY}, as JSON `{"x": px, "y": px}`, so the
 * loader can place the launcher beside it on the next page.
 */

/** The localStorage key of the avatar's offset. */
export const OFFSET_KEY = "animo:avatar-offset";

export interface Offset {
  x: number;
  y: number;
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The stored offset, or none when nothing (or nothing sensible) is stored or storage is refused. */
export function readOffset(storage: Pick<Storage, "getItem"> | null): Offset {
  try {
    const raw = storage?.getItem(OFFSET_KEY);
    if (raw === null || raw === undefined) return { x: 0, y: 0 };
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === "object" && parsed !== null && "x" in parsed && "y" in parsed) {
      const { x, y } = parsed;
      if (typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y)) return { x, y };
    }
  } catch {
    // Storage can be refused (sandboxed frames, privacy modes) or hold junk:
    // the avatar then simply starts in its corner.
  }
  return { x: 0, y: 0 };
}

export function writeOffset(storage: Pick<Storage, "setItem"> | null, offset: Offset): void {
  try {
    storage?.setItem(OFFSET_KEY, JSON.stringify({ x: Math.round(offset.x), y: Math.round(offset.y) }));
  } catch {
    // A full or refused storage only means the position is not remembered.
  }
}

/**
 * The offset closest to `wanted` that keeps a box, which sits at `home` with
 * no offset, inside the viewport; a box larger than the viewport keeps its
 * top-left corner in view.
 */
export function clampOffset(wanted: Offset, home: Box, viewport: { width: number; height: number }): Offset {
  return {
    x: within(wanted.x, -home.left, viewport.width - home.right, -home.left),
    y: within(wanted.y, -home.top, viewport.height - home.bottom, -home.top),
  };
}

function within(value: number, min: number, max: number, whenTooBig: number): number {
  if (max < min) return whenTooBig;
  return Math.min(max, Math.max(min, value));
}

/** The pointer's direction from the head, from -1 to 1 on each axis, scaled to the viewport. */
export function lookDirection(pointer: Offset, head: Offset, viewport: { width: number; height: number }): Offset {
  const scaleX = Math.max(1, viewport.width / 2);
  const scaleY = Math.max(1, viewport.height / 2);
  return {
    x: Math.max(-1, Math.min(1, (pointer.x - head.x) / scaleX)),
    y: Math.max(-1, Math.min(1, (pointer.y - head.y) / scaleY)),
  };
}
