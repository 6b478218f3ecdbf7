import { describe, expect, it } from "vitest";
import { adjustmentSummary, describeAdjustment } from "./avatar-model";

describe("a bot's mapping adapted to another avatar", () => {
  it("names the replaced clip and its replacement", () => {
    const line = describeAdjustment({
      slot: "nod_yes",
      previous_clip: "Yes_Old",
      clip: "Yes",
      reason: 'this avatar has no clip named "Yes_Old"',
    });
    expect(line).toBe('nod yes: “Yes_Old” → “Yes”, suggested (this avatar has no clip named "Yes_Old")');
  });

  it("says when a slot falls back and when only its expression went", () => {
    expect(describeAdjustment({ slot: "happy", previous_clip: "Dance", clip: null, reason: "r" })).toContain(
      "unmapped and falls back",
    );
    expect(describeAdjustment({ slot: "sad", previous_clip: "Cry", clip: "Cry", reason: "no morph" })).toBe(
      "sad: still “Cry” (no morph)",
    );
  });

  it("summarises only when something changed", () => {
    expect(adjustmentSummary([])).toBeNull();
    const one = { slot: "happy" as const, previous_clip: "a", clip: null, reason: "r" };
    expect(adjustmentSummary([one])).toContain("1 slot changed");
    expect(adjustmentSummary([one, { ...one, slot: "sad" as const }])).toContain("2 slots changed");
  });
});
