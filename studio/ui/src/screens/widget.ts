/**
 * Widget & Placement: the widget's colours, theme, corner and launcher
 * text, the greeting, the origins allowed to embed the bot and the
 * placement rules, checked field by field as animo-shared checks them and
 * saved to the draft. A preview draws the launcher and the open chat panel
 * with the chosen look as the fields change, and a page tester says
 * whether the rules show the widget on a given address.
 */
import type { BotView, Corner, Theme } from "../generated/animo";
import type { Screen, StudioContext } from "../context";
import { h, replaceChildren } from "../dom";
import { describeError } from "../errors";
import { updateDraft } from "../generated/commands";
import {
  CORNERS,
  THEMES,
  checkWidgetForm,
  formFromBot,
  lines,
  showsOn,
  type FormProblem,
  type WidgetField,
  type WidgetForm,
} from "./widget-form";

const CORNER_LABELS: Record<Corner, string> = {
  bottom_right: "Bottom right",
  bottom_left: "Bottom left",
  top_right: "Top right",
  top_left: "Top left",
};

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

function testid(field: WidgetField): string {
  return `widget-${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

export function widgetScreen(context: StudioContext): Screen {
  let saved: WidgetForm | null = null;
  let saving = false;
  /** The bot the form was last filled from. */
  let filledFor: string | null = null;

  const textInput = (field: WidgetField, placeholder = ""): HTMLInputElement =>
    h("input", { type: "text", placeholder, testid: testid(field) });
  const textArea = (field: WidgetField, placeholder: string): HTMLTextAreaElement => {
    const area = h("textarea", { placeholder, testid: testid(field) });
    area.rows = 3;
    return area;
  };
  const choice = <T extends string>(field: WidgetField, options: readonly T[], label: (option: T) => string): HTMLSelectElement => {
    const select = h("select", { testid: testid(field) });
    for (const option of options) select.append(h("option", { text: label(option), value: option }));
    return select;
  };

  const controls: Record<WidgetField, Control> = {
    primaryColor: textInput("primaryColor", "#1f6feb"),
    onPrimaryColor: textInput("onPrimaryColor", "#ffffff"),
    theme: choice("theme", THEMES, (theme) => theme[0]?.toUpperCase() + theme.slice(1)),
    position: choice("position", CORNERS, (corner) => CORNER_LABELS[corner]),
    launcherText: textInput("launcherText", "Chat with us"),
    greeting: textArea("greeting", "Hi! How can I help you today?"),
    allowedOrigins: textArea("allowedOrigins", "https://shop.example.com\nhttps://*.example.com"),
    include: textArea("include", "/products/*"),
    exclude: textArea("exclude", "/checkout*"),
    autoOpenSecs: h("input", { type: "number", placeholder: "never", testid: testid("autoOpenSecs") }),
  };
  const autoOpen = controls.autoOpenSecs as HTMLInputElement;
  autoOpen.min = "0";
  autoOpen.max = "600";
  autoOpen.step = "0.5";
  const pickers = {
    primaryColor: h("input", { type: "color", testid: "widget-primary-color-picker" }),
    onPrimaryColor: h("input", { type: "color", testid: "widget-on-primary-color-picker" }),
  };
  for (const field of ["primaryColor", "onPrimaryColor"] as const) {
    pickers[field].addEventListener("input", () => {
      controls[field].value = pickers[field].value;
      changed();
    });
  }
  const problemLines = {} as Record<WidgetField, HTMLElement>;
  for (const name of Object.keys(controls) as WidgetField[]) {
    problemLines[name] = h("div", { class: "field-problem", testid: `${testid(name)}-problem` });
  }

  const saveButton = h("button", { class: "primary", text: "Save", testid: "widget-save", on: { click: () => void save() } });
  const revertButton = h("button", { text: "Revert", testid: "widget-revert", on: { click: () => fill(context.bot()) } });
  const saveStatus = h("span", { class: "muted", testid: "widget-save-status" });

  const field = (label: string, name: WidgetField, hint?: string, extra?: HTMLElement): HTMLElement =>
    h(
      "label",
      { class: "field" },
      h("span", { text: label }),
      extra === undefined ? controls[name] : h("div", { class: "row" }, extra, controls[name]),
      hint === undefined ? null : h("span", { class: "muted small", text: hint }),
      problemLines[name],
    );

  // ---- Preview ----
  const previewPage = h("div", { class: "preview-page", testid: "widget-preview" });
  const testUrl = h("input", { type: "text", value: "https://shop.example.com/products/bike", testid: "widget-test-url" });
  const testResult = h("span", { testid: "widget-test-result" });

  function readForm(): WidgetForm {
    return {
      primaryColor: controls.primaryColor.value,
      onPrimaryColor: controls.onPrimaryColor.value,
      theme: controls.theme.value as Theme,
      position: controls.position.value as Corner,
      launcherText: controls.launcherText.value,
      greeting: controls.greeting.value,
      allowedOrigins: controls.allowedOrigins.value,
      include: controls.include.value,
      exclude: controls.exclude.value,
      autoOpenSecs: controls.autoOpenSecs.value,
    };
  }

  function problemsOf(form: WidgetForm): FormProblem[] {
    const bot = context.bot();
    if (bot === null) return [];
    return checkWidgetForm(form, bot.draft.personality).problems;
  }

  function changed(): void {
    const form = readForm();
    const problems = problemsOf(form);
    for (const [name, line] of Object.entries(problemLines) as [WidgetField, HTMLElement][]) {
      const mine = problems.filter((problem) => problem.field === name).map((problem) => problem.message);
      line.textContent = mine.join("; ");
      controls[name].classList.toggle("invalid", mine.length > 0);
    }
    for (const name of ["primaryColor", "onPrimaryColor"] as const) {
      if (/^#[0-9a-fA-F]{6}$/.test(controls[name].value.trim())) pickers[name].value = controls[name].value.trim().toLowerCase();
    }
    const dirty = saved !== null && JSON.stringify(saved) !== JSON.stringify(form);
    saveButton.disabled = saving || problems.length > 0 || !dirty;
    revertButton.disabled = !dirty;
    if (dirty) saveStatus.textContent = problems.length > 0 ? "Fix the marked fields to save." : "Unsaved changes";
    renderPreview(form);
    renderPlacementTest(form);
  }

  function renderPreview(form: WidgetForm): void {
    const valid = (color: string, fallback: string): string => (/^#[0-9a-fA-F]{6}$/.test(color.trim()) ? color.trim() : fallback);
    const primary = valid(form.primaryColor, "#1f6feb");
    const onPrimary = valid(form.onPrimaryColor, "#ffffff");
    const dark = form.theme === "dark";
    const name = context.bot()?.draft.personality.name ?? "Assistant";
    const vertical = form.position.startsWith("top") ? "top" : "bottom";
    const horizontal = form.position.endsWith("left") ? "left" : "right";
    const launcher = h("div", { class: "mock-launcher", testid: "widget-preview-launcher" }, h("span", { class: "mock-dot" }), form.launcherText.trim() || "💬");
    launcher.style.background = primary;
    launcher.style.color = onPrimary;
    const header = h("div", { class: "mock-header" }, h("span", { class: "mock-avatar" }), h("strong", { text: name }), h("span", { class: "mock-close", text: "×" }));
    header.style.background = primary;
    header.style.color = onPrimary;
    const visitor = h("div", { class: "mock-bubble visitor", text: "Do you ship abroad?" });
    visitor.style.background = primary;
    visitor.style.color = onPrimary;
    const greeting = form.greeting.trim();
    const panel = h(
      "div",
      { class: `mock-panel ${dark ? "dark" : "light"}`, testid: "widget-preview-panel" },
      header,
      h(
        "div",
        { class: "mock-messages" },
        greeting === "" ? null : h("div", { class: "mock-bubble bot", text: greeting, testid: "widget-preview-greeting" }),
        visitor,
      ),
      h("div", { class: "mock-input" }, h("span", { class: "muted", text: "Type a message…" }), h("span", { class: "mock-send", text: "➤" })),
    );
    const send = panel.querySelector<HTMLElement>(".mock-send");
    if (send !== null) send.style.color = primary;
    const corner = h("div", { class: `mock-corner ${vertical} ${horizontal}` });
    // The panel opens away from the page edge the launcher sits on.
    if (vertical === "top") corner.append(launcher, panel);
    else corner.append(panel, launcher);
    const theme = form.theme === "auto" ? "follows the visitor's system (shown light)" : form.theme;
    replaceChildren(
      previewPage,
      h("div", { class: "mock-site" }, h("div", { class: "mock-bar" }), h("div", { class: "mock-line" }), h("div", { class: "mock-line short" })),
      corner,
      h("div", { class: "mock-caption muted small", text: `Theme: ${theme}` }),
    );
  }

  function renderPlacementTest(form: WidgetForm): void {
    const url = testUrl.value.trim();
    if (url === "") {
      testResult.textContent = "";
      return;
    }
    const shows = showsOn(lines(form.include), lines(form.exclude), url);
    testResult.textContent = shows ? "The widget shows on this page." : "The widget stays hidden on this page.";
    testResult.className = shows ? "good" : "bad";
  }
  testUrl.addEventListener("input", () => renderPlacementTest(readForm()));

  function fill(bot: BotView | null): void {
    if (bot === null) {
      filledFor = null;
      saved = null;
      changed();
      return;
    }
    filledFor = bot.id;
    const form = formFromBot(bot);
    for (const [name, control] of Object.entries(controls) as [WidgetField, Control][]) control.value = form[name];
    saved = readForm();
    saveStatus.textContent = "";
    changed();
  }

  async function save(): Promise<void> {
    const bot = context.bot();
    if (bot === null || saving) return;
    const form = readForm();
    const checked = checkWidgetForm(form, bot.draft.personality);
    if (checked.update === null) {
      changed();
      return;
    }
    saving = true;
    saveButton.disabled = true;
    saveStatus.textContent = "Saving…";
    try {
      const result = await updateDraft(bot.id, checked.update);
      saved = form;
      if (result.status === "saved") {
        saveStatus.textContent = "Saved to the draft.";
        // Refreshing the bot refills this form from what the server stored.
        if (result.bot !== null) context.setBot(result.bot);
      } else {
        saveStatus.textContent = `Kept on this computer; it is sent when the server is reachable (${result.pending} waiting).`;
      }
    } catch (error) {
      saveStatus.textContent = describeError(error);
      context.notify(describeError(error), "error");
    } finally {
      saving = false;
      changed();
    }
  }

  for (const control of Object.values(controls)) {
    control.addEventListener("input", changed);
    control.addEventListener("change", changed);
  }

  const form = h(
    "div",
    { class: "widget-form" },
    h(
      "section",
      { class: "panel" },
      h("h3", { text: "Look" }),
      field("Brand colour", "primaryColor", "Launcher, header and the visitor's bubbles", pickers.primaryColor),
      field("Text on the brand colour", "onPrimaryColor", undefined, pickers.onPrimaryColor),
      field("Theme", "theme"),
      field("Corner", "position"),
      field("Launcher text", "launcherText", "Up to 40 characters; empty shows an icon alone"),
      field("Greeting", "greeting", "The first message a visitor sees (part of the personality)"),
    ),
    h(
      "section",
      { class: "panel" },
      h("h3", { text: "Where it may run" }),
      field("Allowed origins, one per line", "allowedOrigins", "Empty: only the tenant's test origins. https://*.example.com matches every subdomain."),
    ),
    h(
      "section",
      { class: "panel" },
      h("h3", { text: "Placement" }),
      field("Show only on pages matching, one per line", "include", "Empty: every page. * matches anything; patterns starting with / match the path."),
      field("Never show on pages matching, one per line", "exclude", "Wins over the list above."),
      field("Open the chat by itself after (seconds)", "autoOpenSecs", "Empty: never; at most 600 s."),
    ),
    h("div", { class: "row" }, saveButton, revertButton, saveStatus),
  );

  const element = h(
    "div",
    { class: "screen widget-screen", testid: "screen-widget" },
    h("h2", { text: "Widget & Placement" }),
    h(
      "div",
      { class: "widget-layout" },
      form,
      h(
        "div",
        { class: "widget-preview-column" },
        h("section", { class: "panel" }, h("h3", { text: "Preview" }), previewPage),
        h("section", { class: "panel" }, h("h3", { text: "Try a page address" }), testUrl, h("p", {}, testResult)),
      ),
    ),
  );

  context.onBotChange((bot) => {
    // A refresh of the same bot keeps edits in progress; another bot starts afresh.
    const dirty = saved !== null && JSON.stringify(saved) !== JSON.stringify(readForm());
    if (bot?.id !== filledFor || !dirty) fill(bot);
  });
  fill(context.bot());

  return {
    id: "widget",
    title: "Widget & Placement",
    needsBot: true,
    element,
    shown: () => {
      // Another screen may have changed the draft (the greeting, for one): start from it unless edits are pending.
      const dirty = saved !== null && JSON.stringify(saved) !== JSON.stringify(readForm());
      if (!dirty) fill(context.bot());
    },
  };
}
