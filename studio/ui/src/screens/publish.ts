/**
 * Publish & Embed: the pre-publish checks, what publishing changes, the
 * Publish button (owners; others see the check that says why not), the
 * versions with rollback, edits still waiting in the outbox, and the embed
 * snippet to copy.
 */
import { h, replaceChildren } from "../dom";
import { describeError } from "../errors";
import * as account from "../generated/commands";
import { posterRender } from "../generated/commands";
import type { Screen, StudioContext } from "../context";
import { LIMITS, type BotVersionView } from "../generated/animo";
import type { DraftDiff, PendingEdit, PublishChecks } from "../generated/studio";

/** A configuration value in one line for the differences table. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string") return value === "" ? "(empty)" : value;
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** Why the Publish button is disabled, from the failing checks; empty when it is not. */
export function publishBlockers(checks: PublishChecks): string[] {
  return checks.checks.filter((check) => !check.passed).map((check) => check.message);
}

/** What an outbox edit changes, for people. */
export function describeEdit(edit: PendingEdit): string {
  if (edit.edit.kind === "attach_avatar") return "Avatar and animation mapping";
  const sections = Object.keys(edit.edit.update).map((key) => key.replace(/_/g, " "));
  return sections.length === 0 ? "Draft" : `Draft: ${sections.join(", ")}`;
}

export function publishScreen(context: StudioContext): Screen {
  const checksPanel = h("section", { class: "panel", testid: "publish-checks" });
  const diffPanel = h("section", { class: "panel", testid: "draft-diff" });
  const versionsPanel = h("section", { class: "panel", testid: "versions" });
  const pendingPanel = h("section", { class: "panel hidden", testid: "pending-edits" });
  const note = h("input", { placeholder: "What changed (optional)", testid: "publish-note" });
  const publishButton = h("button", { class: "primary", text: "Publish", testid: "publish-button", disabled: true });
  const blockers = h("div", { class: "field-error", testid: "publish-disabled-reason" });
  const snippet = h("textarea", { class: "snippet", testid: "embed-snippet" });
  snippet.readOnly = true;
  snippet.rows = 3;
  const copy = h("button", { text: "Copy", testid: "embed-copy" });
  const heading = h("h2", { text: "Publish & Embed" });
  let busy = false;
  let loading = 0;

  function renderChecks(checks: PublishChecks): void {
    replaceChildren(
      checksPanel,
      h("h3", { text: "Before publishing" }),
      h(
        "ul",
        { class: "checks" },
        ...checks.checks.map((check) => {
          const item = h(
            "li",
            { class: check.passed ? "passed" : "failed", testid: `publish-check-${check.kind}` },
            h("span", { class: "check-mark", text: check.passed ? "✓" : "✗" }),
            h("span", { text: check.message }),
          );
          item.dataset["passed"] = String(check.passed);
          return item;
        }),
      ),
    );
    const reasons = publishBlockers(checks);
    publishButton.disabled = busy || !checks.ready;
    publishButton.title = reasons.join("\n");
    replaceChildren(blockers, reasons.length === 0 ? "" : `Publishing is not possible yet: ${reasons.join(" ")}`);
  }

  function renderDiff(diff: DraftDiff): void {
    const title =
      diff.live_version === null ? "Never published: everything below goes live" : `Changes since version ${diff.live_version}`;
    replaceChildren(
      diffPanel,
      h("h3", { text: title }),
      diff.changes.length === 0
        ? h("p", { class: "muted", text: "The draft is the same as the live version.", testid: "draft-diff-empty" })
        : h(
            "table",
            { class: "grid diff" },
            h("thead", {}, h("tr", {}, h("th", { text: "Field" }), h("th", { text: "Live" }), h("th", { text: "Draft" }))),
            h(
              "tbody",
              {},
              ...diff.changes.map((change) => {
                const row = h(
                  "tr",
                  { testid: "draft-diff-row" },
                  h("td", { class: "path", text: change.path }),
                  h("td", { class: "before", text: describeValue(change.published) }),
                  h("td", { class: "after", text: describeValue(change.draft) }),
                );
                row.dataset["path"] = change.path;
                return row;
              }),
            ),
          ),
    );
  }

  function renderVersions(versions: BotVersionView[], live: number | null): void {
    const owner = context.session()?.account.role === "owner";
    replaceChildren(
      versionsPanel,
      h("h3", { text: "Versions" }),
      versions.length === 0
        ? h("p", { class: "muted", text: "No version yet: publish the draft to make the first." })
        : h(
            "table",
            { class: "grid" },
            h("thead", {}, h("tr", {}, h("th", { text: "Version" }), h("th", { text: "Published" }), h("th", { text: "Note" }), h("th", {}))),
            h(
              "tbody",
              {},
              ...versions.map((version) => {
                const isLive = version.version === live;
                const from = version.rolled_back_from === null ? "" : ` (back to ${version.rolled_back_from})`;
                const row = h(
                  "tr",
                  { class: isLive ? "current" : "", testid: "version-row" },
                  h("td", { text: `${version.version}${isLive ? " · live" : ""}` }),
                  h("td", { text: `${new Date(version.published_at).toLocaleString()} by ${version.published_by}` }),
                  h("td", { text: `${version.note}${from}` }),
                  h(
                    "td",
                    {},
                    isLive
                      ? null
                      : h("button", {
                          text: "Roll back to this",
                          testid: "version-rollback",
                          disabled: !owner,
                          title: owner ? "Make this version live again, as a new version" : "Only owners roll back",
                          on: { click: () => void rollBack(version.version) },
                        }),
                  ),
                );
                row.dataset["version"] = String(version.version);
                return row;
              }),
            ),
          ),
    );
  }

  function renderPending(edits: PendingEdit[]): void {
    pendingPanel.classList.toggle("hidden", edits.length === 0);
    replaceChildren(
      pendingPanel,
      h("h3", { text: "Edits not on the server yet" }),
      ...edits.map((edit) =>
        h(
          "div",
          { class: "row spread pending-edit", testid: "pending-edit" },
          h(
            "span",
            {},
            describeEdit(edit),
            h("span", {
              class: edit.refused === undefined ? "muted" : "bad",
              text: edit.refused === undefined ? " · waiting for the server" : ` · refused: ${edit.refused.message}`,
            }),
          ),
          h("button", {
            text: "Discard",
            testid: "pending-discard",
            title: "Give up this edit: it is removed from this computer",
            on: {
              click: () => {
                account
                  .discardEdit(edit.id)
                  .then(() => load())
                  .catch((error: unknown) => context.notify(describeError(error), "error"));
              },
            },
          }),
        ),
      ),
    );
  }

  async function load(): Promise<void> {
    const bot = context.bot();
    if (bot === null) return;
    const serial = ++loading;
    heading.textContent = `Publish & Embed: ${bot.draft.personality.name}`;
    const settled = await Promise.allSettled([
      account.publishChecks(bot.id),
      account.draftDiff(bot.id),
      account.versions(bot.id),
      account.embedSnippet(bot.id),
      account.pendingEdits(),
    ]);
    // A newer load (another bot, a publish) answers instead.
    if (serial !== loading) return;
    const [checks, diff, versions, embed, pending] = settled;
    const failed = (panel: HTMLElement, title: string, reason: unknown): void =>
      replaceChildren(panel, h("h3", { text: title }), h("p", { class: "bad", text: describeError(reason) }));
    if (checks.status === "fulfilled") renderChecks(checks.value);
    else {
      failed(checksPanel, "Before publishing", checks.reason);
      publishButton.disabled = true;
    }
    if (diff.status === "fulfilled") renderDiff(diff.value);
    else failed(diffPanel, "Changes", diff.reason);
    if (versions.status === "fulfilled") renderVersions(versions.value.versions, versions.value.live_version);
    else failed(versionsPanel, "Versions", versions.reason);
    if (embed.status === "fulfilled") snippet.value = embed.value.snippet;
    else snippet.value = "";
    if (pending.status === "fulfilled") renderPending(pending.value.filter((edit) => edit.bot_id === bot.id));
  }

  async function doPublish(): Promise<void> {
    const bot = context.bot();
    if (bot === null || busy) return;
    const text = note.value.trim();
    if (text.length > LIMITS.Label.max) {
      context.notify(`The note has at most ${LIMITS.Label.max} characters.`, "error");
      return;
    }
    busy = true;
    publishButton.disabled = true;
    try {
      // The widget's 2D fallback is the avatar's idle pose, rendered here
      // and stored on the draft so that this version freezes it. A failed
      // render leaves the previous poster (or the drawn initial) in place
      // and does not hold the publication back.
      if (bot.draft.avatar !== null && bot.draft.avatar !== undefined) {
        await posterRender(bot.id).catch((error: unknown) =>
          context.notify(`The poster could not be rendered, so the widget keeps its previous 2D image: ${describeError(error)}`, "error"),
        );
      }
      const version = await account.publish(bot.id, text === "" ? {} : { note: text });
      note.value = "";
      context.notify(`Version ${version.version} is live.`);
      context.setBot(await account.bot(bot.id));
    } catch (error) {
      context.notify(describeError(error), "error");
    } finally {
      busy = false;
      await load();
    }
  }

  async function rollBack(version: number): Promise<void> {
    const bot = context.bot();
    if (bot === null) return;
    try {
      const made = await account.rollback(bot.id, version);
      context.notify(`Version ${version} is live again, as version ${made.version}.`);
      context.setBot(await account.bot(bot.id));
    } catch (error) {
      context.notify(describeError(error), "error");
    }
    await load();
  }

  async function copySnippet(): Promise<void> {
    if (snippet.value === "") return;
    try {
      await navigator.clipboard.writeText(snippet.value);
      context.notify("The snippet is copied: paste it into your pages.");
    } catch {
      // Without clipboard access, select the text so the usual shortcut copies it.
      snippet.focus();
      snippet.select();
      context.notify("The snippet is selected: press Ctrl+C (⌘C) to copy it.");
    }
  }

  publishButton.addEventListener("click", () => void doPublish());
  copy.addEventListener("click", () => void copySnippet());
  snippet.addEventListener("focus", () => snippet.select());
  // Another bot chosen in the sidebar while this screen is open.
  context.onBotChange(() => {
    if (element.isConnected) void load();
  });

  const element = h(
    "div",
    { class: "screen", testid: "screen-publish" },
    heading,
    checksPanel,
    pendingPanel,
    diffPanel,
    h("section", { class: "panel" }, h("h3", { text: "Publish" }), h("div", { class: "row" }, note, publishButton), blockers),
    versionsPanel,
    h(
      "section",
      { class: "panel" },
      h("h3", { text: "Embed on your site" }),
      h("p", { class: "muted", text: "Paste this tag into the pages that should show the assistant." }),
      snippet,
      h("div", { class: "row" }, copy),
    ),
  );
  return { id: "publish", title: "Publish & Embed", needsBot: true, element, shown: load };
}
