/**
 * A one-path icon in a 24×24 box, drawn in the text colour. Icons are drawn
 * rather than taken from emoji or icon fonts, which are not on every site.
 */
export function drawnIcon(pathData: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", pathData);
  svg.append(path);
  return svg;
}
