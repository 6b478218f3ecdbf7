import { describe, expect, it } from "vitest";

import { contrast, readableOn, safeColor } from "./theme";

describe("theme colours", () => {
  it("accepts only hex colours", () => {
    expect(safeColor("#3366ff", "#000")).toBe("#3366ff");
    expect(safeColor("#abc", "#000")).toBe("#abc");
    expect(safeColor("red;background:url(x)", "#000")).toBe("#000");
    expect(safeColor("#12345", "#000")).toBe("#000");
    expect(safeColor(undefined, "#000")).toBe("#000");
  });

  it("computes the WCAG contrast ratio", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#777", "#777")).toBeCloseTo(1, 5);
  });

  it("keeps a readable pair and replaces a faint one", () => {
    expect(readableOn("#1a56db", "#ffffff")).toBe("#ffffff");
    expect(readableOn("#ffeb3b", "#ffffff")).toBe("#000000");
    expect(readableOn("#222222", "#333333")).toBe("#ffffff");
  });
});
