import { describe, expect, it } from "vitest";

import { globMatch, placementAllows } from "./placement";

const page = (href: string): URL => new URL(href);

describe("globMatch", () => {
  it.each([
    ["/pricing", "/pricing", true],
    ["/pricing", "/pricing/", false],
    ["/docs/*", "/docs/a/b", true],
    ["/docs/*", "/doc", false],
    ["*", "", true],
    ["", "", true],
    ["", "x", false],
    ["*.pdf", "/files/report.pdf", true],
    ["/a*b*c", "/axxbyyc", true],
    ["/a*b*c", "/axxbyy", false],
    ["**", "anything", true],
  ])("%s against %s is %s", (pattern, subject, expected) => {
    expect(globMatch(pattern, subject)).toBe(expected);
  });

  it("stays fast on a pattern built to backtrack", () => {
    const pattern = `${"*a".repeat(40)}b`;
    const subject = "a".repeat(5000);
    const started = Date.now();
    expect(globMatch(pattern, subject)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("placementAllows", () => {
  it("shows everywhere without rules", () => {
    expect(placementAllows({}, page("https://shop.example/anything?x=1"))).toBe(true);
  });

  it("matches path patterns against path and query", () => {
    const rules = { include: ["/shop/*", "/search?q=*"] };
    expect(placementAllows(rules, page("https://shop.example/shop/shoes"))).toBe(true);
    expect(placementAllows(rules, page("https://shop.example/search?q=hat"))).toBe(true);
    expect(placementAllows(rules, page("https://shop.example/about"))).toBe(false);
  });

  it("matches other patterns against the full URL", () => {
    const rules = { include: ["https://shop.example/*"] };
    expect(placementAllows(rules, page("https://shop.example/a"))).toBe(true);
    expect(placementAllows(rules, page("http://shop.example/a"))).toBe(false);
  });

  it("lets exclude win over include", () => {
    const rules = { include: ["/*"], exclude: ["/checkout*"] };
    expect(placementAllows(rules, page("https://shop.example/cart"))).toBe(true);
    expect(placementAllows(rules, page("https://shop.example/checkout/pay"))).toBe(false);
  });

  it("ignores the fragment", () => {
    expect(placementAllows({ exclude: ["/a"] }, page("https://shop.example/a#top"))).toBe(false);
  });
});
