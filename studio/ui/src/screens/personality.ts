/**
 * Personality: every field of the bot's personality, checked as the user
 * types with animo-shared's own validation (through the core's
 * `check_personality`, so the form refuses exactly what the server would),
 * saved through the outbox, with a preview of the greeting.
 */
import { h, replaceChildren } from "../dom";
import { describeError } from "../errors";
import * as account from "../generated/commands";
import type { Screen, StudioContext } from "../context";
import { LIMITS, type BotView, type FaqEntry, type Personality, type Tone } from "../generated/animo";
import type { FieldProblem } from "../generated/studio";

const TONES: readonly { value: Tone; label: string }[] = [
  { value: "friendly", label: "Friendly: warm and informal" },
  { value: "professional", label: "Professional: polite and businesslike" },
  { value: "playful", label: "Playful: light-hearted, with some humour" },
  { value: "concise", label: "Concise: as short as possible" },
  { value: "empathetic", label: "Empathetic: patient and reassuring" },
];

/** The form's raw values, as typed. */
export interface PersonalityFormValues {
  name: string;
  role: string;
  persona_prompt: string;
  tone: string;
  language: string;
  greeting: string;
  fallback_message: string;
  guardrails: string;
  forbidden_topics: string;
  temperature: string;
  max_reply_tokens: string;
  faq: { question: string; answer: string }[];
}

/** One entry per non-blank line. */
export function linesOf(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** A number when the text is one; otherwise the text itself, which the check then reports as the field's problem. */
export function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  const value = Number(trimmed);
  return trimmed !== "" && Number.isFinite(value) ? value : trimmed;
}

/** The personality as JSON for `check_personality`: text as typed, lists split by line, numbers parsed. */
export function personalityJson(values: PersonalityFormValues): Record<string, unknown> {
  return {
    name: values.name,
    role: values.role,
    persona_prompt: values.persona_prompt,
    tone: values.tone,
    language: values.language.trim(),
    greeting: values.greeting,
    fallback_message: values.fallback_message,
    guardrails: linesOf(values.guardrails),
    forbidden_topics: linesOf(values.forbidden_topics),
    temperature: numberOrText(values.temperature),
    max_reply_tokens: numberOrText(values.max_reply_tokens),
    // A row left entirely blank is not an entry yet.
    faq: values.faq.filter((entry) => entry.question.trim() !== "" || entry.answer.trim() !== ""),
  };
}

/** The form's values for a saved personality; absent fields take the server's defaults. */
export function formValuesOf(personality: Personality): PersonalityFormValues {
  return {
    name: personality.name,
    role: personality.role ?? "",
    persona_prompt: personality.persona_prompt ?? "",
    tone: personality.tone ?? "friendly",
    language: personality.language ?? "en",
    greeting: personality.greeting ?? "",
    fallback_message: personality.fallback_message ?? "",
    guardrails: (personality.guardrails ?? []).join("\n"),
    forbidden_topics: (personality.forbidden_topics ?? []).join("\n"),
    temperature: String(personality.temperature ?? 0.3),
    max_reply_tokens: String(personality.max_reply_tokens ?? 400),
    faq: (personality.faq ?? []).map((entry: FaqEntry) => ({ question: entry.question, answer: entry.answer })),
  };
}

/** Problems grouped by field; a problem of the whole form goes under "". */
export function problemsByField(problems: readonly FieldProblem[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const problem of problems) {
    const list = grouped.get(problem.field) ?? [];
    list.push(problem.message);
    grouped.set(problem.field, list);
  }
  return grouped;
}

/** "12 / 500", for fields with a character limit. */
export function characterCount(text: string, max: number): string {
  return `${[...text].length} / ${max}`;
}

type TextKey = Exclude<keyof PersonalityFormValues, "faq" | "tone">;

interface FieldSpec {
  key: TextKey;
  label: string;
  hint: string;
  multiline: boolean;
  /** The character limit shown beside the field. */
  max?: number;
  kind?: "number";
  step?: string;
}

const FIELDS: readonly FieldSpec[] = [
  { key: "name", label: "Name", hint: "The name visitors see.", multiline: false, max: LIMITS.BotName.max },
  { key: "role", label: "Role", hint: "The role in one line, e.g. “Support assistant of Ana's Bakery”.", multiline: false, max: LIMITS.BotRole.max },
  { key: "language", label: "Language", hint: "A language tag such as en or pt-BR.", multiline: false },
  { key: "greeting", label: "Greeting", hint: "The first message a visitor sees.", multiline: true, max: LIMITS.Greeting.max },
  { key: "fallback_message", label: "Fallback message", hint: "What the bot says when it has no grounded answer.", multiline: true, max: LIMITS.FallbackMessage.max },
  { key: "persona_prompt", label: "Persona instructions", hint: "Free instructions for the model.", multiline: true, max: LIMITS.PersonaPrompt.max },
  { key: "guardrails", label: "Guardrails", hint: `Rules the bot must follow, one per line (up to ${LIMITS.Guardrails.max}, ${LIMITS.GuardrailRule.max} characters each).`, multiline: true },
  { key: "forbidden_topics", label: "Forbidden topics", hint: `Topics the bot declines, one per line (up to ${LIMITS.ForbiddenTopics.max}, ${LIMITS.ForbiddenTopic.max} characters each).`, multiline: true },
  { key: "temperature", label: "Temperature", hint: `From ${LIMITS.Temperature.min} (always the same answer) to ${LIMITS.Temperature.max} (most varied).`, multiline: false, kind: "number", step: "0.1" },
  { key: "max_reply_tokens", label: "Longest reply (tokens)", hint: `From ${LIMITS.ReplyTokenLimit.min} to ${LIMITS.ReplyTokenLimit.max}.`, multiline: false, kind: "number", step: "1" },
];

export function personalityScreen(context: StudioContext): Screen {
  const inputs = new Map<TextKey, HTMLInputElement | HTMLTextAreaElement>();
  const errors = new Map<string, HTMLElement>();
  const counters = new Map<TextKey, HTMLElement>();
  const tone = h("select", { testid: "personality-tone" }, ...TONES.map((each) => h("option", { value: each.value, text: each.label })));
  const faqRows = h("div", { class: "faq-rows", testid: "personality-faq" });
  const general = h("div", { class: "field-error", testid: "personality-error" });
  const save = h("button", { class: "primary", text: "Save", testid: "personality-save" });
  const revert = h("button", { text: "Revert", testid: "personality-revert" });
  const saveStatus = h("span", { class: "muted", testid: "personality-save-status" });
  const preview = h("div", { class: "greeting-preview", testid: "greeting-preview" });
  const heading = h("h2", { text: "Personality" });
  let faq: { question: string; answer: string }[] = [];
  let loadedBot: string | null = null;
  let dirty = false;
  let valid: Personality | null = null;
  let checkTimer: number | undefined;
  let checkSerial = 0;

  const fieldElements = FIELDS.map((spec) => {
    const testid = `personality-${spec.key.replace(/_/g, "-")}`;
    const input = spec.multiline
      ? h("textarea", { testid })
      : h("input", { type: spec.kind === "number" ? "number" : "text", testid });
    if (spec.multiline) (input as HTMLTextAreaElement).rows = spec.key === "persona_prompt" ? 6 : 3;
    if (spec.step !== undefined) input.setAttribute("step", spec.step);
    inputs.set(spec.key, input);
    const error = h("div", { class: "field-error", testid: `${testid}-error` });
    errors.set(spec.key, error);
    const counter = h("span", { class: "counter muted" });
    if (spec.max !== undefined) counters.set(spec.key, counter);
    return h(
      "label",
      { class: "field" },
      h("span", { class: "row spread" }, h("span", { text: spec.label }), counter),
      input,
      h("span", { class: "hint muted", text: spec.hint }),
      error,
    );
  });
  const toneError = h("div", { class: "field-error", testid: "personality-tone-error" });
  errors.set("tone", toneError);
  const faqError = h("div", { class: "field-error", testid: "personality-faq-error" });
  errors.set("faq", faqError);

  function values(): PersonalityFormValues {
    const text = (key: TextKey): string => inputs.get(key)?.value ?? "";
    return {
      name: text("name"),
      role: text("role"),
      persona_prompt: text("persona_prompt"),
      tone: tone.value,
      language: text("language"),
      greeting: text("greeting"),
      fallback_message: text("fallback_message"),
      guardrails: text("guardrails"),
      forbidden_topics: text("forbidden_topics"),
      temperature: text("temperature"),
      max_reply_tokens: text("max_reply_tokens"),
      faq,
    };
  }

  function fill(form: PersonalityFormValues): void {
    for (const spec of FIELDS) {
      const input = inputs.get(spec.key);
      if (input !== undefined) input.value = form[spec.key];
    }
    tone.value = form.tone;
    faq = form.faq.map((entry) => ({ ...entry }));
    renderFaq();
  }

  function renderFaq(): void {
    replaceChildren(
      faqRows,
      ...faq.map((entry, index) => {
        const question = h("input", { value: entry.question, placeholder: "Question", testid: "faq-question" });
        const answer = h("textarea", { value: entry.answer, placeholder: "Answer", testid: "faq-answer" });
        answer.rows = 2;
        question.addEventListener("input", () => {
          entry.question = question.value;
          edited();
        });
        answer.addEventListener("input", () => {
          entry.answer = answer.value;
          edited();
        });
        const remove = h("button", {
          text: "Remove",
          testid: "faq-remove",
          on: {
            click: (event) => {
              event.preventDefault();
              faq.splice(index, 1);
              renderFaq();
              edited();
            },
          },
        });
        return h("div", { class: "faq-row" }, question, answer, remove);
      }),
    );
  }

  function renderPreview(form: PersonalityFormValues): void {
    const name = form.name.trim() === "" ? "Your bot" : form.name.trim();
    const greeting = form.greeting.trim();
    replaceChildren(
      preview,
      h("div", { class: "preview-header" }, h("span", { class: "preview-dot" }), h("strong", { text: name }), h("span", { class: "muted", text: ` · ${form.tone}` })),
      greeting === ""
        ? h("p", { class: "muted", text: "No greeting: the chat starts when the visitor writes." })
        : h("div", { class: "bubble", text: greeting, testid: "greeting-preview-text" }),
    );
  }

  function showProblems(problems: readonly FieldProblem[]): void {
    const grouped = problemsByField(problems);
    for (const [field, element] of errors) replaceChildren(element, grouped.get(field)?.join("; ") ?? "");
    // Fields the form does not show (a newer server's) still get said.
    const elsewhere = [...grouped].filter(([field]) => !errors.has(field)).map(([field, messages]) => `${field === "" ? "" : `${field}: `}${messages.join("; ")}`);
    replaceChildren(general, elsewhere.join(" · "));
    for (const [key, input] of inputs) input.classList.toggle("invalid", grouped.has(key));
  }

  async function check(): Promise<void> {
    const serial = ++checkSerial;
    const form = values();
    renderPreview(form);
    for (const [key, counter] of counters) {
      const spec = FIELDS.find((each) => each.key === key);
      if (spec?.max !== undefined) counter.textContent = characterCount(form[key], spec.max);
    }
    try {
      const result = await account.checkPersonality(personalityJson(form));
      // An older check answering late must not overwrite a newer one.
      if (serial !== checkSerial) return;
      valid = result.personality;
      showProblems(result.problems);
    } catch (error) {
      if (serial !== checkSerial) return;
      valid = null;
      replaceChildren(general, describeError(error));
    }
    save.disabled = valid === null || context.bot() === null || !dirty;
  }

  function edited(): void {
    dirty = true;
    saveStatus.textContent = "Unsaved changes";
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(() => void check(), 120);
  }

  function load(view: BotView | null): void {
    if (view === null) {
      loadedBot = null;
      heading.textContent = "Personality";
      return;
    }
    // A refresh of the bot being edited keeps what the user is typing.
    if (view.id === loadedBot && dirty) return;
    loadedBot = view.id;
    dirty = false;
    heading.textContent = `Personality of ${view.draft.personality.name}`;
    fill(formValuesOf(view.draft.personality));
    saveStatus.textContent = "";
    void check();
  }

  async function doSave(): Promise<void> {
    const current = context.bot();
    if (current === null || valid === null) return;
    save.disabled = true;
    try {
      const outcome = await account.updateDraft(current.id, { personality: valid });
      dirty = false;
      if (outcome.status === "saved") {
        saveStatus.textContent = "Saved";
        if (outcome.bot !== null) context.setBot(outcome.bot);
      } else {
        const waiting = outcome.pending === 1 ? "1 edit waiting" : `${outcome.pending} edits waiting`;
        saveStatus.textContent = `Queued: will be sent when the server answers (${waiting}).`;
      }
    } catch (error) {
      saveStatus.textContent = `Not saved: ${describeError(error)}`;
      context.notify(describeError(error), "error");
    } finally {
      save.disabled = valid === null || !dirty;
    }
  }

  for (const input of inputs.values()) input.addEventListener("input", edited);
  tone.addEventListener("change", edited);
  save.addEventListener("click", () => void doSave());
  revert.addEventListener("click", () => {
    dirty = false;
    loadedBot = null;
    load(context.bot());
  });
  const addFaq = h("button", {
    text: "Add a question",
    testid: "faq-add",
    on: {
      click: () => {
        if (faq.length >= LIMITS.Faq.max) {
          context.notify(`Up to ${LIMITS.Faq.max} questions.`, "error");
          return;
        }
        faq.push({ question: "", answer: "" });
        renderFaq();
      },
    },
  });
  context.onBotChange(load);

  const element = h(
    "div",
    { class: "screen personality-screen", testid: "screen-personality" },
    heading,
    h(
      "div",
      { class: "two-columns" },
      h(
        "div",
        { class: "personality-form" },
        h("section", { class: "panel" }, ...fieldElements.slice(0, 3), h("label", { class: "field" }, h("span", { text: "Tone" }), tone, toneError)),
        h("section", { class: "panel" }, ...fieldElements.slice(3, 6)),
        h("section", { class: "panel" }, ...fieldElements.slice(6)),
        h("section", { class: "panel" }, h("h3", { text: "Curated questions and answers" }), faqRows, addFaq, faqError),
      ),
      h(
        "div",
        { class: "side-column" },
        h("section", { class: "panel" }, h("h3", { text: "Greeting preview" }), preview),
        h("section", { class: "panel" }, h("div", { class: "row wrap" }, save, revert), saveStatus, general),
      ),
    ),
  );
  return {
    id: "personality",
    title: "Personality",
    needsBot: true,
    element,
    shown: () => {
      const current = context.bot();
      if (current !== null && current.id !== loadedBot) load(current);
    },
  };
}
