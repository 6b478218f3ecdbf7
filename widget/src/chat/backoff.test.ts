import { describe, expect, it } from "vitest";

import { Backoff } from "./backoff";

describe("Backoff", () => {
  it("doubles up to the cap", () => {
    const backoff = new Backoff(500, 8000, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoff.attempts).toBe(6);
  });

  it("jitters within the upper half of each step", () => {
    const low = new Backoff(1000, 30_000, () => 0);
    expect([low.next(), low.next(), low.next()]).toEqual([500, 1000, 2000]);
    const values = [0.25, 0.75];
    const mid = new Backoff(1000, 30_000, () => values.shift() ?? 0);
    expect([mid.next(), mid.next()]).toEqual([625, 1750]);
  });

  it("starts over after a success", () => {
    const backoff = new Backoff(500, 8000, () => 1);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(500);
  });

  it("never overflows after many failures", () => {
    const backoff = new Backoff(500, 30_000, () => 1);
    for (let i = 0; i < 2000; i += 1) {
      backoff.next();
    }
    expect(backoff.next()).toBe(30_000);
  });
});
