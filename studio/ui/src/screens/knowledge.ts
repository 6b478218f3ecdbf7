/**
 * Knowledge: the documents a bot answers from. Files come through the
 * native dialog or by dropping them on the window, web pages (optionally a
 * crawl of their site, re-synced on a schedule) through the URL form. The
 * list polls while any document is being read, and stops when the screen is
 * hidden. A search box tries retrieval as the bot would.
 */
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { UnlistenFn } from "@tauri-apps/api/event";
import type { BotView, DocumentView, SearchMode } from "../generated/animo";
import type { Screen, StudioContext } from "../context";
import { h, replaceChildren } from "../dom";
import { describeError } from "../errors";
import {
  knowledgeAddFile,
  knowledgeAddUrl,
  knowledgeChooseFiles,
  knowledgeDelete,
  knowledgeList,
  knowledgeResync,
  knowledgeSearch,
} from "../generated/commands";
import { nextUploadId, watchUpload } from "../uploads";
import {
  ANSWER_COLUMNS,
  QUESTION_COLUMNS,
  checkUrlForm,
  documentTitle,
  dropStep,
  fileName,
  formatBytes,
  isBusy,
  needsPolling,
  progressFraction,
  sortDropped,
  statusText,
} from "./knowledge-model";

/** How often the list is fetched again while documents are being read. */
const POLL_MS = 1500;
const SEARCH_MODES: readonly SearchMode[] = ["hybrid", "bm25", "vector"];

export function knowledgeScreen(context: StudioContext): Screen {
  let visible = false;
  let pollTimer: number | null = null;
  let loading = false;
  let dropListener: Promise<UnlistenFn> | null = null;
  let documents: DocumentView[] = [];

  const title = h("h2", { text: "Knowledge" });
  const listStatus = h("p", { class: "muted", testid: "knowledge-list-status" });
  const tableBody = h("tbody", {});
  const uploads = h("div", { class: "uploads", testid: "knowledge-uploads" });
  const dropZone = h(
    "div",
    { class: "drop-zone", testid: "knowledge-drop-zone" },
    h("strong", { text: "Drop files here" }),
    h("span", { class: "muted", text: " — txt, md, html, pdf, docx, csv or json" }),
  );

  const currentBot = (): BotView | null => context.bot();

  // ---- Loading and polling ----

  function stopPolling(): void {
    if (pollTimer !== null) window.clearTimeout(pollTimer);
    pollTimer = null;
  }

  function schedulePoll(): void {
    stopPolling();
    if (visible && needsPolling(documents)) pollTimer = window.setTimeout(() => void load(), POLL_MS);
  }

  async function load(): Promise<void> {
    const bot = currentBot();
    if (bot === null || loading) return;
    loading = true;
    try {
      const list = await knowledgeList(bot.id);
      // The bot may have changed while the list was on its way.
      if (currentBot()?.id !== bot.id) return;
      documents = list.documents;
      renderDocuments();
      listStatus.textContent = documents.length === 0 ? "No documents yet." : `${documents.length} document(s)`;
    } catch (error) {
      listStatus.textContent = describeError(error);
    } finally {
      loading = false;
      schedulePoll();
    }
  }

  // ---- Files ----

  async function uploadFiles(paths: readonly string[]): Promise<void> {
    await uploadSorted(sortDropped(paths));
  }

  async function uploadSorted({ accepted, refused }: { accepted: readonly string[]; refused: readonly string[] }): Promise<void> {
    const bot = currentBot();
    if (bot === null) {
      context.notify("Choose a bot first.", "error");
      return;
    }
    if (refused.length > 0) {
      context.notify(`Not a format Animo reads: ${refused.map(fileName).join(", ")}`, "error");
    }
    for (const path of accepted) await uploadOne(bot, path);
  }

  async function uploadOne(bot: BotView, path: string): Promise<void> {
    const id = nextUploadId("doc");
    const bar = h("progress", { testid: "upload-progress" });
    bar.max = 1;
    bar.value = 0;
    const label = h("span", { text: `${fileName(path)}: starting…` });
    const row = h("div", { class: "upload row", testid: "upload" }, bar, label);
    uploads.append(row);
    const unlisten = await watchUpload(id, ({ sent, total }) => {
      bar.value = total === 0 ? 1 : sent / total;
      label.textContent = `${fileName(path)}: ${formatBytes(sent)} of ${formatBytes(total)}`;
    });
    try {
      const document = await knowledgeAddFile(bot.id, path, id);
      label.textContent = `${fileName(path)}: uploaded, ${statusText(document).toLowerCase()}`;
      window.setTimeout(() => row.remove(), 3000);
    } catch (error) {
      row.classList.add("failed");
      label.textContent = `${fileName(path)}: ${describeError(error)}`;
      row.append(h("button", { text: "Dismiss", on: { click: () => row.remove() } }));
    } finally {
      unlisten();
    }
    await load();
  }

  async function chooseFiles(): Promise<void> {
    try {
      const paths = await knowledgeChooseFiles();
      if (paths.length > 0) await uploadFiles(paths);
    } catch (error) {
      context.notify(describeError(error), "error");
    }
  }

  /** Files dropped on the window arrive as paths through the webview's drag-drop event. */
  function listenForDrops(): void {
    if (dropListener !== null) return;
    dropListener = getCurrentWebview().onDragDropEvent(({ payload }) => {
      const step = dropStep(payload, visible);
      if (step.kind === "ignore") return;
      dropZone.classList.toggle("active", step.kind === "hover" && step.active);
      if (step.kind === "drop") void uploadSorted(step);
    });
    dropListener.then(
      // Says on the zone that drops are taken from now on: the listener is
      // registered through several IPC calls, and a drop before the last of
      // them would be lost. The end-to-end run waits for this.
      () => dropZone.setAttribute("data-drops", "listening"),
      (error: unknown) => {
        dropListener = null;
        context.notify(`Dropping files is unavailable: ${describeError(error)}`, "error");
      },
    );
  }

  // ---- URLs ----

  const urlInput = h("input", { type: "url", placeholder: "https://example.com/help", testid: "knowledge-url" });
  const crawl = h("input", { type: "checkbox", testid: "knowledge-crawl" });
  const maxPages = h("input", { type: "number", value: "20", testid: "knowledge-max-pages" });
  maxPages.min = "1";
  const maxDepth = h("input", { type: "number", value: "2", testid: "knowledge-max-depth" });
  maxDepth.min = "0";
  const resync = h("input", { type: "number", placeholder: "on demand", testid: "knowledge-resync-hours" });
  resync.min = "1";
  resync.max = "720";
  const urlProblems = h("ul", { class: "problems", testid: "knowledge-url-problems" });
  const crawlFields = h(
    "div",
    { class: "row" },
    h("label", {}, "Pages at most ", maxPages),
    h("label", {}, "Link depth ", maxDepth),
  );
  const syncCrawl = (): void => {
    for (const input of [maxPages, maxDepth]) input.disabled = !crawl.checked;
  };
  crawl.addEventListener("change", syncCrawl);
  syncCrawl();

  async function addUrl(): Promise<void> {
    const bot = currentBot();
    if (bot === null) return;
    const checked = checkUrlForm({
      url: urlInput.value,
      crawl: crawl.checked,
      maxPages: maxPages.value,
      maxDepth: maxDepth.value,
      resyncHours: resync.value,
    });
    if ("problems" in checked) {
      replaceChildren(urlProblems, ...checked.problems.map((problem) => h("li", { text: problem })));
      return;
    }
    replaceChildren(urlProblems);
    try {
      await knowledgeAddUrl(bot.id, checked.request);
      urlInput.value = "";
      context.notify("Added; the page is being fetched.");
      await load();
    } catch (error) {
      replaceChildren(urlProblems, h("li", { text: describeError(error) }));
    }
  }

  // ---- The list ----

  function renderDocuments(): void {
    replaceChildren(tableBody, ...documents.map(documentRow));
  }

  function documentRow(document: DocumentView): HTMLTableRowElement {
    const fraction = progressFraction(document);
    const bar = h("progress", { testid: `document-progress-${document.id}` });
    bar.max = 1;
    if (fraction !== null) bar.value = fraction;
    const isSource = document.source.kind === "url";
    const schedule =
      document.resync_every_hours === null || document.resync_every_hours === undefined
        ? ""
        : ` · re-synced every ${document.resync_every_hours} h`;
    const crawlNote =
      document.crawl === null || document.crawl === undefined
        ? ""
        : ` · crawl ≤ ${document.crawl.max_pages} pages, depth ${document.crawl.max_depth}`;
    const deleteButton = h("button", { text: "Delete", testid: `document-delete-${document.id}` });
    let armed: number | null = null;
    deleteButton.addEventListener("click", () => {
      // Two clicks: a document's passages are gone once deleted.
      if (armed === null) {
        deleteButton.textContent = "Really delete?";
        deleteButton.classList.add("danger");
        armed = window.setTimeout(() => {
          armed = null;
          deleteButton.textContent = "Delete";
          deleteButton.classList.remove("danger");
        }, 4000);
        return;
      }
      window.clearTimeout(armed);
      void remove(document);
    });
    return h(
      "tr",
      { testid: `document-${document.id}`, class: document.status === "failed" ? "failed" : "" },
      h("td", {}, h("div", { text: documentTitle(document), class: "doc-title" }), h("div", { class: "muted small", text: `${document.source.kind}${crawlNote}${schedule}` })),
      h("td", { text: formatBytes(document.bytes) }),
      h("td", {}, h("div", { text: statusText(document), testid: `document-status-${document.id}` }), isBusy(document) || document.status === "indexed" ? bar : null),
      h(
        "td",
        { class: "actions" },
        isSource
          ? h("button", {
              text: "Re-sync",
              testid: `document-resync-${document.id}`,
              disabled: isBusy(document),
              on: { click: () => void resyncDocument(document) },
            })
          : null,
        document.source.kind === "crawled" ? null : deleteButton,
      ),
    );
  }

  async function remove(document: DocumentView): Promise<void> {
    const bot = currentBot();
    if (bot === null) return;
    try {
      await knowledgeDelete(bot.id, document.id);
      context.notify(`Deleted ${documentTitle(document)}.`);
    } catch (error) {
      context.notify(describeError(error), "error");
    }
    await load();
  }

  async function resyncDocument(document: DocumentView): Promise<void> {
    const bot = currentBot();
    if (bot === null) return;
    try {
      await knowledgeResync(bot.id, document.id);
    } catch (error) {
      context.notify(describeError(error), "error");
    }
    await load();
  }

  // ---- Search ----

  const searchInput = h("input", { type: "search", placeholder: "Ask what a visitor might ask…", testid: "knowledge-search" });
  const searchMode = h("select", { testid: "knowledge-search-mode" });
  for (const mode of SEARCH_MODES) searchMode.append(h("option", { text: mode, value: mode }));
  const results = h("div", { class: "results", testid: "knowledge-results" });

  async function search(): Promise<void> {
    const bot = currentBot();
    const query = searchInput.value.trim();
    if (bot === null || query === "") return;
    try {
      const response = await knowledgeSearch(bot.id, { query, k: 5, mode: searchMode.value as SearchMode });
      const rows = response.passages.map((passage, index) =>
        h(
          "div",
          { class: "passage", testid: `knowledge-result-${index}` },
          h("div", { class: "muted small", text: `${passage.score.toFixed(3)} · ${passage.title}${passage.section.length > 0 ? ` › ${passage.section.join(" › ")}` : ""}${passage.page === null || passage.page === undefined ? "" : ` · page ${passage.page}`}` }),
          h("div", { text: passage.text }),
        ),
      );
      replaceChildren(
        results,
        h("p", { class: "muted", text: `${response.passages.length} passage(s), ranked by ${response.mode}` }),
        ...rows,
      );
    } catch (error) {
      replaceChildren(results, h("p", { class: "bad", text: describeError(error) }));
    }
  }
  searchInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") void search();
  });

  const element = h(
    "div",
    { class: "screen knowledge-screen", testid: "screen-knowledge" },
    title,
    h(
      "section",
      { class: "panel" },
      h("h3", { text: "Add files" }),
      h(
        "div",
        { class: "row" },
        h("button", { text: "Choose files…", testid: "knowledge-add-files", on: { click: () => void chooseFiles() } }),
        dropZone,
      ),
      uploads,
    ),
    h(
      "section",
      { class: "panel" },
      h("h3", { text: "Curated Q&A from a spreadsheet" }),
      h("p", {
        class: "muted",
        text:
          `Save the sheet as CSV (comma, semicolon or tab separated) with a header row. A column named ` +
          `${QUESTION_COLUMNS.map((name) => `"${name}"`).join(", ")} holds the questions and one named ` +
          `${ANSWER_COLUMNS.map((name) => `"${name}"`).join(", ")} the answers (case does not matter); ` +
          `each row becomes one question with its answer. Without both columns, the rows are read as a plain table.`,
      }),
      h("pre", { class: "sample", text: "question,answer\nWhat are your opening hours?,9 to 5 Monday to Friday\nDo you ship abroad?,\"Yes, to the EU and the UK\"" }),
      h("button", { text: "Add a Q&A CSV…", testid: "knowledge-add-csv", on: { click: () => void chooseFiles() } }),
    ),
    h(
      "section",
      { class: "panel" },
      h("h3", { text: "Add a web page" }),
      h("div", { class: "row wrap" }, urlInput, h("label", { class: "row" }, crawl, "Crawl the site from here"), crawlFields),
      h(
        "div",
        { class: "row" },
        h("label", {}, "Re-sync every (hours) ", resync),
        h("button", { text: "Add URL", testid: "knowledge-add-url", on: { click: () => void addUrl() } }),
      ),
      urlProblems,
    ),
    h(
      "section",
      { class: "panel" },
      h(
        "div",
        { class: "row spread" },
        h("h3", { text: "Documents" }),
        h("button", { text: "Refresh", testid: "knowledge-refresh", on: { click: () => void load() } }),
      ),
      listStatus,
      h(
        "table",
        { class: "documents", testid: "knowledge-documents" },
        h("thead", {}, h("tr", {}, ...["Source", "Size", "Status", ""].map((text) => h("th", { text })))),
        tableBody,
      ),
    ),
    h(
      "section",
      { class: "panel" },
      h("h3", { text: "Try retrieval" }),
      h(
        "div",
        { class: "row" },
        searchInput,
        searchMode,
        h("button", { text: "Search", testid: "knowledge-search-run", on: { click: () => void search() } }),
      ),
      results,
    ),
  );

  context.onBotChange((bot) => {
    documents = [];
    renderDocuments();
    replaceChildren(results);
    title.textContent = bot === null ? "Knowledge" : `Knowledge · ${bot.draft.personality.name}`;
    if (visible) void load();
  });

  return {
    id: "knowledge",
    title: "Knowledge",
    needsBot: true,
    element,
    shown: async () => {
      visible = true;
      const bot = currentBot();
      title.textContent = bot === null ? "Knowledge" : `Knowledge · ${bot.draft.personality.name}`;
      listenForDrops();
      await load();
    },
    hidden: () => {
      visible = false;
      dropZone.classList.remove("active");
      stopPolling();
    },
  };
}
