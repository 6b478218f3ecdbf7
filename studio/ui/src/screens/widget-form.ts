/**
 * The Widget & Placement form without the DOM: what the fields hold, how a
 * bot's draft fills them, and their validation, mirroring animo-shared's
 * types (HexColor, LauncherText, Greeting, Origin, UrlPattern,
 * AutoOpenDelay and the list limits) so the Studio refuses what the server
 * would, field by field, before saving.
 */
import { LIMITS } from "../generated/animo";
import type {
  BotView,
  Corner,
  Personality,
  PlacementRules,
  Theme,
  UpdateBotRequest,
  WidgetLook,
} from "../generated/animo";

export const THEMES: readonly Theme[] = ["auto", "light", "dark"];
export const CORNERS: readonly Corner[] = ["bottom_right", "bottom_left", "top_right", "top_left"];

/** The form's fields as the inputs hold them: text, one entry per line for lists. */
export interface WidgetForm {
  primaryColor: string;
  onPrimaryColor: string;
  theme: Theme;
  position: Corner;
  launcherText: string;
  greeting: string;
  allowedOrigins: string;
  include: string;
  exclude: string;
  /** Seconds, empty for "never". */
  autoOpenSecs: string;
}

export type WidgetField = keyof WidgetForm;

export interface FormProblem {
  field: WidgetField;
  message: string;
}

/** The defaults of animo-shared's WidgetLook, for drafts that omit optional fields. */
const DEFAULT_LAUNCHER_TEXT = "Chat with us";

export function formFromBot(bot: BotView): WidgetForm {
  const { widget, placement, allowed_origins: origins, personality } = bot.draft;
  const delay = placement.auto_open_delay_ms;
  return {
    primaryColor: widget.primary_color,
    onPrimaryColor: widget.on_primary_color,
    theme: widget.theme ?? "auto",
    position: widget.position ?? "bottom_right",
    launcherText: widget.launcher_text ?? DEFAULT_LAUNCHER_TEXT,
    greeting: personality.greeting ?? "",
    allowedOrigins: (origins ?? []).join("\n"),
    include: (placement.include ?? []).join("\n"),
    exclude: (placement.exclude ?? []).join("\n"),
    autoOpenSecs: delay === null || delay === undefined ? "" : String(delay / 1000),
  };
}

/** Non-empty lines, trimmed. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** HexColor: `#rrggbb`, stored lower-case. */
export function checkHexColor(text: string): string | null {
  return /^#[0-9a-fA-F]{6}$/.test(text.trim()) ? null : "must be a colour like #1f6feb";
}

// Control characters as Rust's char::is_control sees them (C0 and C1).
function hasControl(text: string, allowNewlines: boolean): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code < 0xa0);
    if (control && !(allowNewlines && (char === "\n" || char === "\t"))) return true;
  }
  return false;
}

/** Bounded text, as animo-shared's check_text: trimmed, length in characters, no control characters. */
export function checkText(text: string, limits: { min: number; max: number }, multiline: boolean): string | null {
  const trimmed = multiline ? text.trimEnd() : text.trim();
  const length = [...trimmed].length;
  if (length < limits.min || length > limits.max) {
    return `must be between ${limits.min} and ${limits.max} characters long (got ${length})`;
  }
  if (hasControl(trimmed, multiline)) return "must not contain control characters";
  return null;
}

/** Origin: http(s), a host (optionally `*.` wildcard), an optional port, no path. */
export function checkOrigin(text: string): string | null {
  const invalid = `${text.trim()}: must be an origin like https://shop.example.com or https://*.example.com (no path)`;
  const lower = text.trim().toLowerCase();
  const split = lower.indexOf("://");
  if (split < 0) return invalid;
  const scheme = lower.slice(0, split);
  const authority = lower.slice(split + 3);
  if (scheme !== "http" && scheme !== "https") return invalid;
  const colon = authority.lastIndexOf(":");
  const rawHost = colon >= 0 ? authority.slice(0, colon) : authority;
  const port = colon >= 0 ? authority.slice(colon + 1) : null;
  const host = rawHost.startsWith("*.") ? rawHost.slice(2) : rawHost;
  const hostOk =
    host !== "" &&
    host.length <= 253 &&
    host.split(".").every((label) => label !== "" && label.length <= 63 && /^[a-z0-9-]+$/.test(label));
  const portOk = port === null || (/^\d{1,5}$/.test(port) && Number(port) > 0 && Number(port) <= 65535);
  return hostOk && portOk ? null : invalid;
}

/** UrlPattern: 1 to 500 characters, no spaces or control characters. */
export function checkUrlPattern(text: string): string | null {
  const ok = text.length > 0 && text.length <= 500 && !/\s/.test(text) && !hasControl(text, false);
  return ok ? null : `${text}: must be 1 to 500 characters with no spaces`;
}

function checkList(
  field: WidgetField,
  entries: string[],
  max: number,
  check: (entry: string) => string | null,
  problems: FormProblem[],
): void {
  if (entries.length > max) problems.push({ field, message: `at most ${max} entries (got ${entries.length})` });
  for (const entry of entries) {
    const problem = check(entry);
    if (problem !== null) problems.push({ field, message: problem });
  }
}

/** The auto-open delay in milliseconds, null for "never", or a problem. */
export function parseAutoOpen(text: string): { ms: number | null } | { problem: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { ms: null };
  const secs = Number(trimmed);
  const maxSecs = LIMITS.AutoOpenDelay.max / 1000;
  if (!Number.isFinite(secs) || secs < 0 || secs > maxSecs) {
    return { problem: `must be a number of seconds from 0 to ${maxSecs}, or empty for never` };
  }
  return { ms: Math.round(secs * 1000) };
}

export interface CheckedForm {
  /** The update to save, when every field passes. */
  update: UpdateBotRequest | null;
  problems: FormProblem[];
}

/**
 * Checks every field and builds the draft update: the widget look, allowed
 * origins, placement and the personality with the new greeting (the
 * personality is replaced whole, so the rest of it is taken from `personality`).
 */
export function checkWidgetForm(form: WidgetForm, personality: Personality): CheckedForm {
  const problems: FormProblem[] = [];
  const add = (field: WidgetField, message: string | null): void => {
    if (message !== null) problems.push({ field, message });
  };
  add("primaryColor", checkHexColor(form.primaryColor));
  add("onPrimaryColor", checkHexColor(form.onPrimaryColor));
  if (!THEMES.includes(form.theme)) add("theme", "must be auto, light or dark");
  if (!CORNERS.includes(form.position)) add("position", "must be one of the four corners");
  add("launcherText", checkText(form.launcherText, LIMITS.LauncherText, false));
  add("greeting", checkText(form.greeting, LIMITS.Greeting, true));
  const origins = lines(form.allowedOrigins);
  const include = lines(form.include);
  const exclude = lines(form.exclude);
  checkList("allowedOrigins", origins, LIMITS.AllowedOrigins.max, checkOrigin, problems);
  checkList("include", include, LIMITS.UrlPatterns.max, checkUrlPattern, problems);
  checkList("exclude", exclude, LIMITS.UrlPatterns.max, checkUrlPattern, problems);
  const autoOpen = parseAutoOpen(form.autoOpenSecs);
  if ("problem" in autoOpen) add("autoOpenSecs", autoOpen.problem);
  if (problems.length > 0 || "problem" in autoOpen) return { update: null, problems };

  const widget: WidgetLook = {
    primary_color: form.primaryColor.trim().toLowerCase(),
    on_primary_color: form.onPrimaryColor.trim().toLowerCase(),
    theme: form.theme,
    position: form.position,
    launcher_text: form.launcherText.trim(),
  };
  const placement: PlacementRules = { include, exclude, auto_open_delay_ms: autoOpen.ms };
  return {
    update: {
      widget,
      allowed_origins: origins.map((origin) => origin.toLowerCase()),
      placement,
      personality: { ...personality, greeting: form.greeting.trimEnd() },
    },
    problems,
  };
}

/**
 * Whether the widget would show on `url` under the form's rules, as
 * animo-shared's PlacementRules::shows_on decides: patterns starting with
 * `/` match the path and query, others the full URL; `*` matches any run.
 */
export function showsOn(include: string[], exclude: string[], url: string): boolean {
  let pathAndQuery = url;
  try {
    const parsed = new URL(url);
    pathAndQuery = parsed.pathname + parsed.search;
  } catch {
    // Not a full URL: treat it as a path.
  }
  const hit = (pattern: string): boolean => globMatch(pattern, pattern.startsWith("/") ? pathAndQuery : url);
  const included = include.length === 0 || include.some(hit);
  return included && !exclude.some(hit);
}

/** `*`-only glob matching, iterative like the server's. */
export function globMatch(pattern: string, subject: string): boolean {
  let p = 0;
  let s = 0;
  let star: [number, number] | null = null;
  while (s < subject.length) {
    if (p < pattern.length && pattern[p] === "*") {
      star = [p, s];
      p += 1;
    } else if (p < pattern.length && pattern[p] === subject[s]) {
      p += 1;
      s += 1;
    } else if (star !== null) {
      p = star[0] + 1;
      s = star[1] + 1;
      star = [star[0], star[1] + 1];
    } else {
      return false;
    }
  }
  return [...pattern.slice(p)].every((char) => char === "*");
}
