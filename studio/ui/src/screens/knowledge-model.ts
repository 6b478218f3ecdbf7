/**
 * The Knowledge screen's logic without the DOM: which files the server
 * reads, how a document's state reads for people, when to keep polling,
 * and the URL form's checks (mirroring AddUrlRequest's limits).
 */
import type { DragDropEvent } from "@tauri-apps/api/webview";
import type { AddUrlRequest, DocumentView } from "../generated/animo";

/** Extensions of the formats the server reads (see the `unsupported_document` error). */
export const DOCUMENT_EXTENSIONS = ["txt", "md", "markdown", "html", "htm", "pdf", "docx", "csv", "json"] as const;

/** The column names the server's CSV reader takes for curated Q&A (compared without case). */
export const QUESTION_COLUMNS = ["question", "questions", "q", "frage", "fragen"] as const;
export const ANSWER_COLUMNS = ["answer", "answers", "a", "antwort", "antworten"] as const;

/** The file name of a path, whichever separator it uses. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/** Whether the server reads a file of this name. */
export function isDocumentPath(path: string): boolean {
  const name = fileName(path).toLowerCase();
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return false;
  return (DOCUMENT_EXTENSIONS as readonly string[]).includes(name.slice(dot + 1));
}

/**
 * What the Knowledge screen does with one of the webview's drag-drop events:
 * nothing while it is hidden, highlight the drop zone while files hover,
 * upload what was dropped (with the paths it refuses, to name them).
 */
export type DropStep =
  | { kind: "ignore" }
  | { kind: "hover"; active: boolean }
  | { kind: "drop"; accepted: string[]; refused: string[] };

export function dropStep(event: DragDropEvent, visible: boolean): DropStep {
  if (!visible) return { kind: "ignore" };
  switch (event.type) {
    case "enter":
    case "over":
      return { kind: "hover", active: true };
    case "leave":
      return { kind: "hover", active: false };
    case "drop":
      return { kind: "drop", ...sortDropped(event.paths) };
  }
}

/** Dropped paths split into those to upload and those refused. */
export function sortDropped(paths: readonly string[]): { accepted: string[]; refused: string[] } {
  const accepted: string[] = [];
  const refused: string[] = [];
  for (const path of paths) (isDocumentPath(path) ? accepted : refused).push(path);
  return { accepted, refused };
}

/** What the document is called in the list. */
export function documentTitle(document: DocumentView): string {
  switch (document.source.kind) {
    case "file":
      return document.source.name;
    case "url":
    case "crawled":
      return document.source.url;
  }
}

/** Whether ingestion is still under way. */
export function isBusy(document: DocumentView): boolean {
  return document.status === "queued" || document.status === "extracting" || document.status === "embedding";
}

/** Whether any document is still being read, so the list should be fetched again soon. */
export function needsPolling(documents: readonly DocumentView[]): boolean {
  return documents.some(isBusy);
}

/** Progress from 0 to 1, or null when unknown. */
export function progressFraction(document: DocumentView): number | null {
  if (document.status === "indexed") return 1;
  if (!isBusy(document)) return null;
  if (document.crawl !== null && document.crawl !== undefined && document.pages_total > 0 && document.progress_total === 0) {
    return Math.min(1, document.pages_done / document.pages_total);
  }
  if (document.progress_total <= 0) return null;
  return Math.min(1, document.progress_done / document.progress_total);
}

/** One line on the document's state. */
export function statusText(document: DocumentView): string {
  switch (document.status) {
    case "queued":
      return "Queued";
    case "extracting":
      return document.pages_total > 0
        ? `Fetching pages ${document.pages_done}/${document.pages_total}`
        : "Reading the text";
    case "embedding":
      return document.progress_total > 0
        ? `Indexing ${document.progress_done}/${document.progress_total} passages`
        : "Indexing";
    case "indexed":
      return `Indexed · ${document.chunks} passage${document.chunks === 1 ? "" : "s"}`;
    case "failed":
      return `Failed: ${document.error?.message ?? "unknown error"}`;
  }
}

/** A byte count for people. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export interface UrlForm {
  url: string;
  crawl: boolean;
  maxPages: string;
  maxDepth: string;
  /** Hours, empty for "only on demand". */
  resyncHours: string;
}

function wholeNumber(text: string): number | null {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

/** The request for the form, or the problems found. */
export function checkUrlForm(form: UrlForm): { request: AddUrlRequest } | { problems: string[] } {
  const problems: string[] = [];
  const url = form.url.trim();
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (parsed === null || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    problems.push("The address must be a full http or https URL, such as https://example.com/help.");
  }
  const request: AddUrlRequest = { url };
  if (form.crawl) {
    const maxPages = wholeNumber(form.maxPages);
    const maxDepth = wholeNumber(form.maxDepth);
    if (maxPages === null || maxPages < 1) problems.push("Pages: a whole number of at least 1.");
    if (maxDepth === null) problems.push("Link depth: a whole number (0 fetches the start page alone).");
    if (maxPages !== null && maxDepth !== null) request.crawl = { max_pages: maxPages, max_depth: maxDepth };
  }
  if (form.resyncHours.trim() !== "") {
    const hours = wholeNumber(form.resyncHours);
    if (hours === null || hours < 1 || hours > 720) problems.push("Re-sync: every 1 to 720 hours, or empty for on demand.");
    else request.resync_every_hours = hours;
  }
  return problems.length > 0 ? { problems } : { request };
}
