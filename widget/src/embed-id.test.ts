import { describe, expect, it } from "vitest";

import { readEmbedId } from "./embed-id";

describe("readEmbedId", () => {
  it("returns the data-embed-id attribute", () => {
    expect(readEmbedId({ dataset: { embedId: "emb_3f9a" } })).toBe("emb_3f9a");
  });

  it("trims surrounding whitespace", () => {
    expect(readEmbedId({ dataset: { embedId: "  emb_3f9a\n" } })).toBe("emb_3f9a");
  });

  it("returns null without a script tag", () => {
    expect(readEmbedId(null)).toBeNull();
  });

  it("returns null when the attribute is absent", () => {
    expect(readEmbedId({ dataset: { other: "x" } })).toBeNull();
  });

  it("returns null when the attribute is blank", () => {
    expect(readEmbedId({ dataset: { embedId: "   " } })).toBeNull();
  });
});
