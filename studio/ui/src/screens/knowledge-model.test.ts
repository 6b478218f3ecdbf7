import { PhysicalPosition } from "@tauri-apps/api/dpi";
import { describe, expect, it } from "vitest";
import type { DocumentView } from "../generated/animo";
import {
  checkUrlForm,
  documentTitle,
  dropStep,
  isDocumentPath,
  needsPolling,
  progressFraction,
  sortDropped,
  statusText,
} from "./knowledge-model";

const document = (overrides: Partial<DocumentView> = {}): DocumentView => ({
  id: "d1",
  bot_id: "b1",
  source: { kind: "file", name: "faq.csv" },
  bytes: 100,
  status: "indexed",
  progress_done: 0,
  progress_total: 0,
  chunks: 3,
  pages_done: 0,
  pages_total: 0,
  created_at: "2026-11-24T00:00:00Z",
  updated_at: "2026-11-24T00:00:00Z",
  ...overrides,
});

describe("files", () => {
  it("accepts the formats the server reads, by extension", () => {
    expect(isDocumentPath("/home/a/FAQ.CSV")).toBe(true);
    expect(isDocumentPath("C:\\docs\\guide.docx")).toBe(true);
    expect(isDocumentPath("/tmp/avatar.glb")).toBe(false);
    expect(isDocumentPath("/tmp/.md")).toBe(false);
    expect(isDocumentPath("/tmp/README")).toBe(false);
  });

  it("splits dropped paths", () => {
    expect(sortDropped(["/a.pdf", "/b.exe", "/c.md"])).toEqual({ accepted: ["/a.pdf", "/c.md"], refused: ["/b.exe"] });
  });
});

describe("status", () => {
  it("polls while anything is being read", () => {
    expect(needsPolling([document()])).toBe(false);
    expect(needsPolling([document(), document({ status: "queued" })])).toBe(true);
    expect(needsPolling([document({ status: "failed" })])).toBe(false);
  });

  it("reports progress from passages, or pages while a crawl fetches", () => {
    expect(progressFraction(document({ status: "embedding", progress_done: 5, progress_total: 20 }))).toBe(0.25);
    expect(progressFraction(document({ status: "queued" }))).toBeNull();
    expect(progressFraction(document({ status: "extracting", crawl: { max_pages: 10, max_depth: 1 }, pages_done: 3, pages_total: 6 }))).toBe(0.5);
    expect(progressFraction(document())).toBe(1);
    expect(progressFraction(document({ status: "failed" }))).toBeNull();
  });

  it("says what happened in words", () => {
    expect(statusText(document())).toBe("Indexed · 3 passages");
    expect(statusText(document({ status: "failed", error: { code: "document_empty", message: "No text." } }))).toBe("Failed: No text.");
    expect(documentTitle(document({ source: { kind: "url", url: "https://x.com" } }))).toBe("https://x.com");
  });
});

describe("the URL form", () => {
  const base = { url: "https://example.com/help", crawl: false, maxPages: "20", maxDepth: "2", resyncHours: "" };

  it("builds the request", () => {
    expect(checkUrlForm(base)).toEqual({ request: { url: "https://example.com/help" } });
    expect(checkUrlForm({ ...base, crawl: true, resyncHours: "24" })).toEqual({
      request: { url: "https://example.com/help", crawl: { max_pages: 20, max_depth: 2 }, resync_every_hours: 24 },
    });
  });

  it("refuses bad addresses and limits", () => {
    expect(checkUrlForm({ ...base, url: "example.com" })).toHaveProperty("problems");
    expect(checkUrlForm({ ...base, url: "ftp://example.com" })).toHaveProperty("problems");
    expect(checkUrlForm({ ...base, crawl: true, maxPages: "0" })).toHaveProperty("problems");
    expect(checkUrlForm({ ...base, crawl: true, maxDepth: "1.5" })).toHaveProperty("problems");
    expect(checkUrlForm({ ...base, resyncHours: "721" })).toHaveProperty("problems");
    // Limits of a crawl that is off are not read.
    expect(checkUrlForm({ ...base, maxPages: "0" })).toHaveProperty("request");
  });
});

describe("files dropped on the window", () => {
  const position = new PhysicalPosition(10, 20);

  it("highlight the drop zone while they hover and upload what the server reads", () => {
    expect(dropStep({ type: "enter", paths: ["/tmp/a.pdf"], position }, true)).toEqual({ kind: "hover", active: true });
    expect(dropStep({ type: "over", position }, true)).toEqual({ kind: "hover", active: true });
    expect(dropStep({ type: "leave" }, true)).toEqual({ kind: "hover", active: false });
    expect(dropStep({ type: "drop", paths: ["/home/me/FAQ.md", "/home/me/photo.jpg", "C:\\docs\\prices.CSV"], position }, true)).toEqual({
      kind: "drop",
      accepted: ["/home/me/FAQ.md", "C:\\docs\\prices.CSV"],
      refused: ["/home/me/photo.jpg"],
    });
  });

  it("are ignored while another screen is shown", () => {
    expect(dropStep({ type: "drop", paths: ["/tmp/a.md"], position }, false)).toEqual({ kind: "ignore" });
    expect(dropStep({ type: "enter", paths: ["/tmp/a.md"], position }, false)).toEqual({ kind: "ignore" });
  });
});
