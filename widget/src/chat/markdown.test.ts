// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";

import { renderMarkdown, safeHref } from "./markdown";

const ALLOWED_TAGS = new Set(["P", "BR", "STRONG", "EM", "CODE", "PRE", "UL", "OL", "LI", "BLOCKQUOTE", "A", "SUP"]);

function render(text: string): HTMLDivElement {
  const container = document.createElement("div");
  container.appendChild(renderMarkdown(text, { citations: new Map([[1, "Opening hours"]]) }));
  return container;
}

/** Every element is of the fixed set, carries no event handler or style, and every link is safe. */
function assertInert(container: HTMLElement): void {
  for (const element of Array.from(container.querySelectorAll("*"))) {
    expect(ALLOWED_TAGS.has(element.tagName), element.tagName).toBe(true);
    for (const attribute of Array.from(element.attributes)) {
      expect(["href", "target", "rel", "class", "title"]).toContain(attribute.name);
    }
    if (element instanceof HTMLAnchorElement) {
      expect(["http:", "https:", "mailto:"]).toContain(new URL(element.href).protocol);
      expect(element.rel).toBe("noopener noreferrer");
      expect(element.target).toBe("_blank");
    }
  }
}

const PAYLOADS = [
  "<img src=x onerror=alert(1)>",
  "<script>alert(1)</script>",
  "<svg/onload=alert(1)>",
  "[click](javascript:alert(1))",
  "[click](JaVaScRiPt:alert(1))",
  "[click](java\tscript:alert(1))",
  "[click]( javascript:alert(1))",
  "[click](data:text/html,<script>alert(1)</script>)",
  "[click](vbscript:msgbox(1))",
  "[click](//evil.example/x)",
  "[click](/relative)",
  '[x](https://ok.example/"onmouseover="alert(1))',
  "**<b onclick=alert(1)>bold</b>**",
  "`<img src=x onerror=alert(1)>`",
  "```\n<iframe src=javascript:alert(1)></iframe>\n```",
  "javascript:alert(1)",
  "[[nested](javascript:alert(1))](https://ok.example)",
  "&lt;img src=x onerror=alert(1)&gt;",
  "> <style>*{display:none}</style>",
  "- <a href='javascript:alert(1)'>x</a>",
];

describe("renderMarkdown keeps hostile text inert", () => {
  it.each(PAYLOADS)("%s", (payload) => {
    const container = render(payload);
    assertInert(container);
    // Angle brackets in text stay characters (a dropped link target is not shown at all).
    if (payload.includes("<") && !payload.startsWith("[")) {
      expect(container.textContent).toContain("<");
    }
  });

  it("drops the link but keeps the words of an unsafe target", () => {
    const container = render("[click me](javascript:alert(1))");
    expect(container.querySelector("a")).toBeNull();
    expect(container.textContent).toBe("click me");
  });
});

describe("renderMarkdown formats the subset", () => {
  it("renders paragraphs, line breaks and emphasis", () => {
    const container = render("Hello **world** and *you*\nnext line\n\nSecond `code`");
    const paragraphs = container.querySelectorAll("p");
    expect(paragraphs).toHaveLength(2);
    expect(paragraphs[0]?.querySelector("strong")?.textContent).toBe("world");
    expect(paragraphs[0]?.querySelector("em")?.textContent).toBe("you");
    expect(paragraphs[0]?.querySelector("br")).not.toBeNull();
    expect(paragraphs[1]?.querySelector("code")?.textContent).toBe("code");
  });

  it("leaves underscores inside words alone", () => {
    expect(render("snake_case_name").querySelector("em")).toBeNull();
    expect(render("window.__xss=1 and window.__xss=2").querySelector("strong")).toBeNull();
    expect(render("__bold__ text").querySelector("strong")?.textContent).toBe("bold");
  });

  it("renders lists, quotes, headings and code blocks", () => {
    const container = render("# Title\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n```\nlet x = 1 < 2;\n```");
    expect(container.querySelector("p.heading strong")?.textContent).toBe("Title");
    expect(container.querySelectorAll("ul li")).toHaveLength(2);
    expect(container.querySelectorAll("ol li")).toHaveLength(2);
    expect(container.querySelector("blockquote")?.textContent).toBe("quoted");
    expect(container.querySelector("pre code")?.textContent).toBe("let x = 1 < 2;");
  });

  it("links safe URLs, markdown and bare, opening in a new tab", () => {
    const container = render("See [the docs](https://docs.example/a?b=1) or https://shop.example/faq. Mail mailto:hi@shop.example");
    const anchors = Array.from(container.querySelectorAll("a"));
    expect(anchors.map((anchor) => anchor.href)).toEqual([
      "https://docs.example/a?b=1",
      "https://shop.example/faq",
      "mailto:hi@shop.example",
    ]);
    expect(anchors[0]?.textContent).toBe("the docs");
    assertInert(container);
  });

  it("marks citations with their source's title", () => {
    const sup = render("Open from 9 to 5 [1].").querySelector("sup.cite");
    expect(sup?.textContent).toBe("[1]");
    expect(sup?.getAttribute("title")).toBe("Opening hours");
  });

  it("renders a very long input without recursion trouble", () => {
    const text = "**a** ".repeat(5000) + "*".repeat(10000);
    expect(render(text).textContent?.length).toBeGreaterThan(10000);
  });
});

describe("safeHref", () => {
  it.each([
    ["https://a.example/x", "https://a.example/x"],
    ["http://a.example", "http://a.example/"],
    ["mailto:a@b.example", "mailto:a@b.example"],
    ["javascript:alert(1)", null],
    ["  javascript:alert(1)", null],
    ["data:text/html,x", null],
    ["/relative", null],
    ["ftp://a.example", null],
  ])("%s → %s", (raw, expected) => {
    expect(safeHref(raw)).toBe(expected);
  });
});
