/**
 * A small markdown subset rendered straight into DOM nodes.
 *
 * Text from the model, the tenant and the visitor only ever becomes text
 * nodes: no string is parsed as HTML, so `<script>` or `onerror=` stay
 * visible characters. The elements made are a fixed set (p, br, strong, em,
 * code, pre, ul, ol, li, blockquote, a, sup), and a link is made only for an
 * absolute http, https or mailto URL, opening in a new tab without access
 * to this page.
 *
 * Supported: paragraphs and line breaks, `**bold**`, `*italic*`/`_italic_`,
 * `` `code` ``, fenced code blocks, `#` headings (shown bold), `-`/`*`/`1.`
 * lists, `>` quotes, `[text](url)`, bare http(s) URLs and `[n]` citations.
 */

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** The URL as it may be linked, or null when it is not an absolute http, https or mailto URL. */
export function safeHref(raw: string): string | null {
  // Browsers strip control characters and whitespace inside schemes
  // (`java\tscript:`); parsing with URL does the same, so the check sees
  // what the browser would follow.
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
}

/** What rendering needs from its caller. */
export interface RenderOptions {
  /** Titles of the answer's sources by number, to label `[n]` citations. */
  citations?: ReadonlyMap<number, string>;
}

const INLINE =
  /(`[^`\n]+`)|(\*\*(?=\S)[\s\S]+?\*\*|(?<!\w)__(?=\S)[\s\S]+?__(?!\w))|((?<![\w*])\*(?=[^\s*])[^*\n]+?\*(?!\w)|(?<!\w)_(?=[^\s_])[^_\n]+?_(?!\w))|(\[[^\]\n]+\]\((?:[^()\s]|\([^()\s]*\))+\))|(\[\d{1,3}\])|(\b(?:https?:\/\/|mailto:)[^\s<>()]*[^\s<>().,;:!?'"*_\]])/;

const MAX_DEPTH = 4;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) {
    element.className = className;
  }
  return element;
}

function link(href: string, parent: Node): HTMLAnchorElement {
  const anchor = el("a");
  anchor.href = href;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  parent.appendChild(anchor);
  return anchor;
}

function inline(text: string, parent: Node, options: RenderOptions, depth: number, inLink: boolean): void {
  let rest = text;
  while (rest.length > 0) {
    const match = depth < MAX_DEPTH ? INLINE.exec(rest) : null;
    if (!match) {
      parent.appendChild(document.createTextNode(rest));
      return;
    }
    if (match.index > 0) {
      parent.appendChild(document.createTextNode(rest.slice(0, match.index)));
    }
    const [token, code, bold, italic, markdownLink, citation, bare] = match;
    if (code !== undefined) {
      const element = el("code");
      element.textContent = code.slice(1, -1);
      parent.appendChild(element);
    } else if (bold !== undefined) {
      inline(bold.slice(2, -2), parent.appendChild(el("strong")), options, depth + 1, inLink);
    } else if (italic !== undefined) {
      inline(italic.slice(1, -1), parent.appendChild(el("em")), options, depth + 1, inLink);
    } else if (markdownLink !== undefined) {
      const split = markdownLink.lastIndexOf("](");
      const label = markdownLink.slice(1, split);
      const href = inLink ? null : safeHref(markdownLink.slice(split + 2, -1));
      // An unsafe target keeps its words and loses the link.
      inline(label, href === null ? parent : link(href, parent), options, depth + 1, true);
    } else if (citation !== undefined) {
      const sup = el("sup", "cite");
      sup.textContent = citation;
      const title = options.citations?.get(Number(citation.slice(1, -1)));
      if (title !== undefined) {
        sup.title = title;
      }
      parent.appendChild(sup);
    } else if (bare !== undefined) {
      const href = inLink ? null : safeHref(bare);
      if (href === null) {
        parent.appendChild(document.createTextNode(bare));
      } else {
        link(href, parent).textContent = bare;
      }
    }
    rest = rest.slice(match.index + token.length);
  }
}

function paragraphLines(lines: string[], parent: Node, options: RenderOptions): void {
  lines.forEach((line, index) => {
    if (index > 0) {
      parent.appendChild(el("br"));
    }
    inline(line, parent, options, 0, false);
  });
}

const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const FENCE = /^\s{0,3}```/;

/** Renders `text` as the markdown subset into a fragment of safe DOM nodes. */
export function renderMarkdown(text: string, options: RenderOptions = {}): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? "";
    if (line.trim() === "") {
      index += 1;
    } else if (FENCE.test(line)) {
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !FENCE.test(lines[index] ?? "")) {
        body.push(lines[index] ?? "");
        index += 1;
      }
      index += 1;
      const pre = fragment.appendChild(el("pre"));
      pre.appendChild(el("code")).textContent = body.join("\n");
    } else if (HEADING.test(line)) {
      const paragraph = fragment.appendChild(el("p", "heading"));
      inline(HEADING.exec(line)?.[1] ?? "", paragraph.appendChild(el("strong")), options, 1, false);
      index += 1;
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      const pattern = BULLET.test(line) ? BULLET : NUMBERED;
      const list = fragment.appendChild(el(pattern === BULLET ? "ul" : "ol"));
      while (index < lines.length && pattern.test(lines[index] ?? "")) {
        inline(pattern.exec(lines[index] ?? "")?.[1] ?? "", list.appendChild(el("li")), options, 0, false);
        index += 1;
      }
    } else if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (index < lines.length && QUOTE.test(lines[index] ?? "")) {
        quoted.push(QUOTE.exec(lines[index] ?? "")?.[1] ?? "");
        index += 1;
      }
      paragraphLines(quoted, fragment.appendChild(el("blockquote")), options);
    } else {
      const paragraph: string[] = [];
      while (index < lines.length) {
        const next = lines[index] ?? "";
        const startsBlock =
          FENCE.test(next) || HEADING.test(next) || BULLET.test(next) || NUMBERED.test(next) || QUOTE.test(next);
        if (next.trim() === "" || (paragraph.length > 0 && startsBlock)) {
          break;
        }
        paragraph.push(next);
        index += 1;
      }
      paragraphLines(paragraph, fragment.appendChild(el("p")), options);
    }
  }
  return fragment;
}
