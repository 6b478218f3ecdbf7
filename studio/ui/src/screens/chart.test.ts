import { describe, expect, it } from "vitest";
import {
  addDays,
  daysIncluded,
  formatUsd,
  labelEvery,
  lastDays,
  linePath,
  niceTicks,
  percent,
  rangeProblem,
  stackSegments,
  xAt,
  yAt,
  type Box,
} from "./chart";

const box: Box = { width: 110, height: 120, left: 10, right: 0, top: 10, bottom: 10 };

describe("axis scaling", () => {
  it("ends on a nice value at or above the maximum", () => {
    expect(niceTicks(10)).toEqual([0, 5, 10]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0.03)).toEqual([0, 0.01, 0.02, 0.03]);
    expect(niceTicks(1)).toEqual([0, 0.5, 1]);
  });

  it("gives an empty series a unit axis", () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
  });

  it("places points across the plot and values up its height", () => {
    expect(xAt(0, 11, box)).toBe(10);
    expect(xAt(10, 11, box)).toBe(110);
    expect(xAt(0, 1, box)).toBe(60);
    expect(yAt(0, 100, box)).toBe(110);
    expect(yAt(100, 100, box)).toBe(10);
    expect(yAt(50, 100, box)).toBe(60);
    expect(yAt(500, 100, box)).toBe(10);
    expect(yAt(5, 0, box)).toBe(110);
  });

  it("draws a path through every point", () => {
    expect(linePath([0, 100], 100, box)).toBe("M10.0,110.0 L110.0,10.0");
  });

  it("stacks layers from the bottom", () => {
    const [first] = stackSegments([[25], [50]], 100, box);
    expect(first).toEqual([
      [85, 25],
      [35, 50],
    ]);
  });

  it("thins out day labels", () => {
    expect(labelEvery(7, 7)).toBe(1);
    expect(labelEvery(30, 7)).toBe(5);
    expect(labelEvery(0, 7)).toBe(1);
  });
});

describe("date ranges", () => {
  it("counts UTC days across months and leap years", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(daysIncluded("2026-01-01", "2026-01-01")).toBe(1);
    expect(daysIncluded("2026-01-01", "2026-12-31")).toBe(365);
  });

  it("ends the last days today", () => {
    expect(lastDays(7, new Date("2026-11-24T12:00:00Z"))).toEqual({ from: "2026-11-18", to: "2026-11-24" });
  });

  it("refuses what the server refuses", () => {
    expect(rangeProblem("2026-01-01", "2026-01-31")).toBeNull();
    expect(rangeProblem("2026-02-01", "2026-01-31")).not.toBeNull();
    expect(rangeProblem("", "2026-01-31")).not.toBeNull();
    expect(rangeProblem("2025-01-01", "2026-01-01")).toBeNull();
    expect(rangeProblem("2024-01-01", "2024-12-31")).toBeNull();
    expect(rangeProblem("2024-01-01", "2025-01-01")).not.toBeNull();
  });
});

describe("formats", () => {
  it("shows dollars from millionths", () => {
    expect(formatUsd(0)).toBe("$0");
    expect(formatUsd(1_234_567)).toBe("$1.23");
    expect(formatUsd(1_234)).toBe("$0.0012");
  });

  it("shows shares", () => {
    expect(percent(1, 3)).toBe("33%");
    expect(percent(0, 0)).toBe("–");
  });
});
