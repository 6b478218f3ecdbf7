/**
 * Placement rules: on which pages the launcher appears. A pattern's `*`
 * matches any run of characters; a pattern starting with `/` is matched
 * against the page's path and query, any other against the full URL (the
 * same rules as the server's `UrlPattern`).
 */
import type { PlacementRules } from "../generated/animo";

/**
 * Whether `pattern` matches all of `subject`. Iterative with one remembered
 * star, so a hostile pattern cannot make it backtrack exponentially.
 */
export function globMatch(pattern: string, subject: string): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < subject.length) {
    if (p < pattern.length && pattern[p] === "*") {
      starP = p;
      starS = s;
      p += 1;
    } else if (p < pattern.length && pattern[p] === subject[s]) {
      p += 1;
      s += 1;
    } else if (starP >= 0) {
      p = starP + 1;
      starS += 1;
      s = starS;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") {
    p += 1;
  }
  return p === pattern.length;
}

/** Whether one pattern matches the page at `url`. */
export function patternMatches(pattern: string, url: URL): boolean {
  const subject = pattern.startsWith("/") ? url.pathname + url.search : url.href;
  return globMatch(pattern, subject);
}

/** Whether the launcher belongs on the page at `url`: exclude wins over include; no include means every page. */
export function placementAllows(rules: PlacementRules, url: URL): boolean {
  const exclude = rules.exclude ?? [];
  if (exclude.some((pattern) => patternMatches(pattern, url))) {
    return false;
  }
  const include = rules.include ?? [];
  return include.length === 0 || include.some((pattern) => patternMatches(pattern, url));
}
