/**
 * Colours from the bot's widget look, made safe and readable: only `#rgb`,
 * `#rrggbb` (and their alpha forms) reach a style, and text on the brand
 * colour switches to black or white when the tenant's pair is too faint to read.
 */

const HEX = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** The colour when it is a valid hex colour, else `fallback`. */
export function safeColor(value: string | undefined, fallback: string): string {
  return value !== undefined && HEX.test(value) ? value : fallback;
}

function channels(hex: string): [number, number, number] {
  let digits = hex.slice(1);
  if (digits.length <= 4) {
    digits = [...digits].map((digit) => digit + digit).join("");
  }
  return [0, 2, 4].map((at) => parseInt(digits.slice(at, at + 2), 16) / 255) as [number, number, number];
}

/** WCAG relative luminance of a hex colour. */
export function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [
    number,
    number,
    number,
  ];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two hex colours, from 1 to 21. */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Text colour for the brand colour: the tenant's when it reads at 4.5:1, else black or white, whichever reads better. */
export function readableOn(background: string, preferred: string): string {
  if (contrast(background, preferred) >= 4.5) {
    return preferred;
  }
  return contrast(background, "#000000") >= contrast(background, "#ffffff") ? "#000000" : "#ffffff";
}

/**
 * Adds CSS to a shadow root as a constructed stylesheet, which a page's
 * Content-Security-Policy without `'unsafe-inline'` styles still allows;
 * browsers without constructed stylesheets get a `<style>` element.
 */
export function adoptCss(root: ShadowRoot, css: string): void {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet !== "undefined" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return;
  }
  const style = document.createElement("style");
  style.textContent = css;
  root.append(style);
}
