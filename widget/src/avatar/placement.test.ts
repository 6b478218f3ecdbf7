import { describe, expect, it } from "vitest";
import { OFFSET_KEY, clampOffset, lookDirection, readOffset, writeOffset } from "./placement";

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

describe("offset storage", () => {
  it("round-trips a rounded offset under the documented key", () => {
    const storage = new MemoryStorage();
    writeOffset(storage, { x: -120.4, y: 33.6 });
    expect(storage.items.get(OFFSET_KEY)).toBe('{"x":-120,"y":34}');
    expect(readOffset(storage)).toEqual({ x: -120, y: 34 });
  });

  it("starts at no offset for missing, junk or refused storage", () => {
    const storage = new MemoryStorage();
    expect(readOffset(storage)).toEqual({ x: 0, y: 0 });
    for (const junk of ["{", "null", "[1,2]", '{"x":"1","y":2}', '{"x":1e999,"y":0}']) {
      storage.items.set(OFFSET_KEY, junk);
      expect(readOffset(storage)).toEqual({ x: 0, y: 0 });
    }
    const refusing = {
      getItem(): string | null {
        throw new Error("SecurityError");
      },
      setItem(): void {
        throw new Error("QuotaExceededError");
      },
    };
    expect(readOffset(refusing)).toEqual({ x: 0, y: 0 });
    expect(() => writeOffset(refusing, { x: 1, y: 1 })).not.toThrow();
    expect(readOffset(null)).toEqual({ x: 0, y: 0 });
  });
});

describe("clampOffset", () => {
  const viewport = { width: 1000, height: 800 };
  // A 200×300 avatar in the bottom-right corner.
  const home = { left: 780, top: 480, right: 980, bottom: 780 };

  it("keeps the box inside the viewport", () => {
    expect(clampOffset({ x: -100, y: -50 }, home, viewport)).toEqual({ x: -100, y: -50 });
    expect(clampOffset({ x: -5000, y: -5000 }, home, viewport)).toEqual({ x: -780, y: -480 });
    expect(clampOffset({ x: 500, y: 500 }, home, viewport)).toEqual({ x: 20, y: 20 });
  });

  it("keeps the top-left corner in view when the box is larger than the viewport", () => {
    expect(clampOffset({ x: 300, y: 300 }, home, { width: 150, height: 200 })).toEqual({ x: -780, y: -480 });
  });
});

describe("lookDirection", () => {
  it("points from the head to the pointer, saturating at the viewport's half", () => {
    const viewport = { width: 1000, height: 800 };
    expect(lookDirection({ x: 500, y: 400 }, { x: 500, y: 400 }, viewport)).toEqual({ x: 0, y: 0 });
    expect(lookDirection({ x: 750, y: 200 }, { x: 500, y: 400 }, viewport)).toEqual({ x: 0.5, y: -0.5 });
    expect(lookDirection({ x: -5000, y: 5000 }, { x: 500, y: 400 }, viewport)).toEqual({ x: -1, y: 1 });
  });
});
