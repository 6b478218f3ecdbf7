/**
 * Bots: the tenant's bots (archived ones on request), create, duplicate,
 * archive and open one for editing, with the plan's usage.
 */
import { h, replaceChildren } from "../dom";
import { describeError } from "../errors";
import * as account from "../generated/commands";
import type { Screen, StudioContext } from "../context";
import { LIMITS, type BotView, type TenantView } from "../generated/animo";

/** Dispatched on `document` when bots were created, duplicated or archived, so the shell's picker refreshes. */
export const BOTS_CHANGED_EVENT = "animo:bots-changed";

/** Bytes for people: 1.5 MB, 820 KB. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit] ?? "bytes"}`;
}

export interface UsageRow {
  key: string;
  label: string;
  used: number;
  limit: number;
  /** "3 of 10", in the row's unit. */
  text: string;
  /** Used over limit, 0 to 1 (1 when the limit is 0). */
  share: number;
}

/** The plan's limits against the tenant's usage, one row per limit. */
export function usageRows(view: TenantView): UsageRow[] {
  const count = (value: number): string => value.toLocaleString("en");
  const row = (key: string, label: string, used: number, limit: number, format: (value: number) => string): UsageRow => ({
    key,
    label,
    used,
    limit,
    text: `${format(used)} of ${format(limit)}`,
    share: limit <= 0 ? 1 : Math.min(1, used / limit),
  });
  return [
    row("bots", "Bots", view.usage.bots, view.plan.max_bots, count),
    row("members", "Members", view.usage.members, view.plan.max_members, count),
    row("messages", "Messages this month", view.usage.monthly_messages, view.plan.monthly_messages, count),
    row("knowledge", "Knowledge storage", view.usage.knowledge_bytes, view.plan.knowledge_bytes, formatBytes),
    row("avatars", "Avatar storage", view.usage.avatar_bytes, view.plan.avatar_bytes, formatBytes),
  ];
}

export function botsScreen(context: StudioContext): Screen {
  const usage = h("section", { class: "panel", testid: "plan-usage" });
  const list = h("section", { class: "panel", testid: "bot-list" });
  const showArchived = h("input", { type: "checkbox", testid: "bots-show-archived" });
  const newName = h("input", { placeholder: "New bot's name", testid: "bot-create-name" });
  const create = h("button", { class: "primary", text: "Create bot", testid: "bot-create" });
  let armedArchive: string | null = null;

  const changed = (): void => void document.dispatchEvent(new CustomEvent(BOTS_CHANGED_EVENT));

  async function renderUsage(): Promise<void> {
    let view: TenantView;
    try {
      view = await account.tenant();
    } catch (error) {
      replaceChildren(usage, h("h3", { text: "Plan" }), h("p", { class: "bad", text: describeError(error) }));
      return;
    }
    replaceChildren(
      usage,
      h("h3", { text: `${view.name}: ${view.plan.name} plan${view.status === "suspended" ? " (suspended)" : ""}` }),
      ...usageRows(view).map((row) => {
        const bar = h("div", { class: "meter-fill" });
        bar.style.width = `${(row.share * 100).toFixed(1)}%`;
        return h(
          "div",
          { class: `usage-row${row.share >= 1 ? " full" : ""}`, testid: `usage-${row.key}` },
          h("span", { class: "usage-label", text: row.label }),
          h("div", { class: "meter" }, bar),
          h("span", { class: "usage-text", text: row.text }),
        );
      }),
    );
  }

  function botRow(view: BotView): HTMLElement {
    const archived = view.status === "archived";
    const owner = context.session()?.account.role === "owner";
    const isCurrent = context.bot()?.id === view.id;
    const actions: HTMLElement[] = [];
    if (!archived) {
      actions.push(
        h("button", { text: isCurrent ? "Editing" : "Open", testid: "bot-open", disabled: isCurrent, on: { click: () => open(view) } }),
        h("button", { text: "Duplicate", testid: "bot-duplicate", on: { click: () => void duplicate(view) } }),
      );
      if (armedArchive === view.id) {
        actions.push(
          h("button", { class: "danger", text: "Archive: it stops answering", testid: "bot-archive-confirm", on: { click: () => void archive(view) } }),
          h("button", { text: "Keep", testid: "bot-archive-cancel", on: { click: () => { armedArchive = null; void renderList(); } } }),
        );
      } else {
        actions.push(
          h("button", {
            text: "Archive",
            testid: "bot-archive",
            disabled: !owner,
            title: owner ? "Archive this bot" : "Only owners archive bots",
            on: { click: () => { armedArchive = view.id; void renderList(); } },
          }),
        );
      }
    }
    const live = view.live_version === null ? "never published" : `live: version ${view.live_version}`;
    const row = h(
      "tr",
      { class: archived ? "archived" : isCurrent ? "current" : "", testid: "bot-row" },
      h("td", {}, h("strong", { text: view.draft.personality.name }), h("div", { class: "muted", text: view.draft.personality.role ?? "" })),
      h("td", { text: archived ? "archived" : live, testid: "bot-status" }),
      h("td", { class: "muted", text: new Date(view.updated_at).toLocaleString() }),
      h("td", {}, h("div", { class: "row wrap" }, ...actions)),
    );
    row.dataset["botId"] = view.id;
    row.dataset["botName"] = view.draft.personality.name;
    return row;
  }

  async function renderList(): Promise<void> {
    let views: BotView[];
    try {
      views = (await account.bots(showArchived.checked)).bots;
    } catch (error) {
      replaceChildren(list, h("p", { class: "bad", text: describeError(error) }));
      return;
    }
    if (views.length === 0) {
      replaceChildren(list, h("p", { class: "muted", text: "No bots yet: name one above and create it.", testid: "bots-empty" }));
      return;
    }
    replaceChildren(
      list,
      h(
        "table",
        { class: "grid" },
        h("thead", {}, h("tr", {}, h("th", { text: "Bot" }), h("th", { text: "Status" }), h("th", { text: "Last change" }), h("th", {}))),
        h("tbody", {}, ...views.map(botRow)),
      ),
    );
  }

  function open(view: BotView): void {
    context.setBot(view);
    context.navigate("personality");
  }

  async function duplicate(view: BotView): Promise<void> {
    try {
      const copy = await account.duplicateBot(view.id);
      context.notify(`Created ${copy.draft.personality.name}.`);
      changed();
    } catch (error) {
      context.notify(describeError(error), "error");
    }
    await Promise.all([renderList(), renderUsage()]);
  }

  async function archive(view: BotView): Promise<void> {
    armedArchive = null;
    try {
      const archived = await account.archiveBot(view.id);
      context.notify(`${view.draft.personality.name} is archived.`);
      if (context.bot()?.id === view.id) context.setBot(archived.status === "archived" ? null : archived);
      changed();
    } catch (error) {
      context.notify(describeError(error), "error");
    }
    await Promise.all([renderList(), renderUsage()]);
  }

  async function createBot(): Promise<void> {
    const name = newName.value.trim();
    if (name.length < LIMITS.BotName.min || name.length > LIMITS.BotName.max) {
      context.notify(`A bot's name has ${LIMITS.BotName.min} to ${LIMITS.BotName.max} characters.`, "error");
      return;
    }
    create.disabled = true;
    try {
      const created = await account.createBot({ personality: { name } });
      newName.value = "";
      changed();
      context.notify(`Created ${created.draft.personality.name}.`);
      open(created);
    } catch (error) {
      context.notify(describeError(error), "error");
      await Promise.all([renderList(), renderUsage()]);
    } finally {
      create.disabled = false;
    }
  }

  create.addEventListener("click", () => void createBot());
  newName.addEventListener("keydown", (event) => {
    if (event.key === "Enter") void createBot();
  });
  showArchived.addEventListener("change", () => void renderList());

  const element = h(
    "div",
    { class: "screen", testid: "screen-bots" },
    h("h2", { text: "Bots" }),
    usage,
    h("section", { class: "panel" }, h("h3", { text: "New bot" }), h("div", { class: "row" }, newName, create)),
    h("div", { class: "row spread" }, h("h3", { text: "Your bots" }), h("label", { class: "row" }, showArchived, "Show archived")),
    list,
  );
  return {
    id: "bots",
    title: "Bots",
    needsBot: false,
    element,
    shown: async () => {
      armedArchive = null;
      await Promise.all([renderList(), renderUsage()]);
    },
  };
}
