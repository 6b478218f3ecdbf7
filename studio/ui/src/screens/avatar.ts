/**
 * Avatar & Animations: choose a GLB, read its inspection report, audition
 * its clips in the live viewport, edit the slot mapping, try sentences and
 * widget events.
 */
import type {
  AnimationMapping,
  InspectionReport,
  LoopMode,
  Slot,
  SlotBinding,
  WidgetEvent,
} from "../generated/animo";
import { h, replaceChildren } from "../dom";
import { describeError } from "../errors";
import {
  avatarAttach,
  avatarChooseFile,
  avatarOpen,
  avatarUpload,
  mappingSet,
  sentencePlay,
  widgetEvent,
} from "../generated/commands";
import type { AvatarOpened, AvatarSource } from "../generated/studio";
import { Viewport } from "../viewport";
import type { StudioContext } from "../context";
import type { BotView } from "../generated/animo";
import { nextUploadId, watchUpload } from "../uploads";
import { adjustmentSummary, describeAdjustment } from "./avatar-model";

export const SLOTS: readonly Slot[] = [
  "idle", "idle_variant", "listening", "thinking", "talking", "greeting", "farewell", "nod_yes", "shake_no", "happy",
  "laughing", "sad", "surprised", "angry", "confused", "thumbs_up", "pointing", "celebrating", "apologetic", "bored",
];
const WIDGET_EVENTS: readonly WidgetEvent[] = [
  "open", "close", "click", "hover", "drag_start", "drag_end", "page_view", "idle_timeout",
];
const LOOP_MODES: readonly LoopMode[] = ["loop", "once", "hold"];

export interface AvatarScreen {
  element: HTMLElement;
  viewport: Viewport;
  open(source: AvatarSource): Promise<AvatarOpened | null>;
  /** The screen is shown: open the chosen bot's attached avatar if it has not been yet. */
  shown(): void;
}

/** The bot part of the shell's context: without it (a bench run) the screen works on local files alone. */
export type AvatarBots = Pick<StudioContext, "bot" | "setBot" | "onBotChange">;

export function avatarScreen(notify: (message: string, kind?: "error" | "info") => void, bots?: AvatarBots): AvatarScreen {
  const viewport = new Viewport((message) => notify(message, "error"));
  const status = h("p", { class: "muted", testid: "avatar-status", text: "No avatar open yet." });
  const report = h("section", { class: "panel", testid: "inspection" });
  const clips = h("section", { class: "panel", testid: "clips" });
  const mappingTable = h("section", { class: "panel", testid: "mapping" });
  const sentence = h("section", { class: "panel" });
  const events = h("section", { class: "panel" });
  const stats = h("span", { class: "muted", testid: "viewport-stats" });
  let opened: AvatarOpened | null = null;
  let mapping: AnimationMapping = {};
  /** What is open in the viewport, to upload it. */
  let openedSource: AvatarSource | null = null;
  /** The server's id of the open avatar, once it is known to be there (uploaded or the bot's own). */
  let serverAvatarId: string | null = null;
  /** The bot whose attached avatar was last opened, so that it opens once per choice. */
  let loadedForBot: string | null = null;
  const botPanel = h("section", { class: "panel", testid: "avatar-bot" });
  const uploadBar = h("progress", { class: "hidden", testid: "avatar-upload-progress" });
  uploadBar.max = 1;
  const uploadStatus = h("span", { class: "muted", testid: "avatar-upload-status" });
  /** The slots of the bot's mapping changed to fit the open avatar. */
  const adjustedPanel = h("section", { class: "panel hidden", testid: "mapping-adjusted" });
  /** The chosen bot's mapping, carried over to a newly chosen avatar (adapted where it does not fit). */
  const botMapping = (): AnimationMapping | undefined => bots?.bot()?.draft.avatar?.mapping ?? undefined;

  viewport.canvas.addEventListener("stats", () => {
    stats.textContent = `${viewport.stats.fps.toFixed(1)} frames/s · ${viewport.canvas.width}×${viewport.canvas.height}`;
  });

  async function open(source: AvatarSource, botMapping?: AnimationMapping): Promise<AvatarOpened | null> {
    status.textContent = "Opening…";
    try {
      const result = await avatarOpen(source, viewport.size(), botMapping);
      opened = result;
      openedSource = source;
      serverAvatarId = source.kind === "server" ? source.avatar_id : null;
      renderBot();
      mapping = structuredClone(result.mapping);
      status.textContent = `${result.name}: ${result.report.clips.length} clips, ${result.report.triangles} triangles`;
      renderAdjusted(result);
      viewport.start();
      render();
      return result;
    } catch (error) {
      status.textContent = describeError(error);
      notify(describeError(error), "error");
      return null;
    }
  }

  async function chooseFile(): Promise<void> {
    try {
      const path = await avatarChooseFile();
      if (path !== null) await open({ kind: "file", path }, botMapping());
    } catch (error) {
      notify(describeError(error), "error");
    }
  }

  async function applyMapping(next: AnimationMapping): Promise<boolean> {
    try {
      await mappingSet(next);
      mapping = next;
      return true;
    } catch (error) {
      notify(describeError(error), "error");
      return false;
    }
  }

  /** Opens the bot's attached avatar from the server with the bot's own mapping. */
  async function openAttached(bot: BotView): Promise<void> {
    const attached = bot.draft.avatar;
    loadedForBot = bot.id;
    if (attached === null || attached === undefined) {
      renderBot();
      return;
    }
    await open({ kind: "server", avatar_id: attached.avatar_id, name: `${bot.draft.personality.name}'s avatar` }, attached.mapping);
  }

  async function uploadAndAttach(): Promise<void> {
    const bot = bots?.bot() ?? null;
    if (bot === null || opened === null || openedSource === null) return;
    let avatarId = serverAvatarId;
    if (avatarId === null) {
      const id = nextUploadId("avatar");
      uploadBar.classList.remove("hidden");
      uploadBar.value = 0;
      uploadStatus.textContent = `Uploading ${opened.name}…`;
      const unlisten = await watchUpload(id, ({ sent, total }) => {
        uploadBar.value = total === 0 ? 1 : sent / total;
        uploadStatus.textContent = `Uploading ${opened?.name ?? ""}: ${Math.round((100 * sent) / Math.max(1, total))}%`;
      });
      try {
        const uploaded = await avatarUpload(openedSource, id);
        avatarId = uploaded.id;
        serverAvatarId = uploaded.id;
      } catch (error) {
        uploadStatus.textContent = describeError(error);
        notify(describeError(error), "error");
        return;
      } finally {
        unlisten();
        uploadBar.classList.add("hidden");
      }
    }
    uploadStatus.textContent = "Attaching…";
    try {
      const saved = await avatarAttach(bot.id, { avatar_id: avatarId, mapping });
      if (saved.status === "saved") {
        uploadStatus.textContent = `Attached to ${bot.draft.personality.name} with this mapping.`;
        if (saved.bot !== null) {
          // This avatar is already open: the refreshed bot must not open it again.
          loadedForBot = saved.bot.id;
          bots?.setBot(saved.bot);
        }
      } else {
        uploadStatus.textContent = `Kept on this computer; attached when the server is reachable (${saved.pending} waiting).`;
      }
    } catch (error) {
      uploadStatus.textContent = describeError(error);
      notify(describeError(error), "error");
    }
    renderBot();
  }

  function renderBot(): void {
    const bot = bots?.bot() ?? null;
    if (bots === undefined) {
      botPanel.classList.add("hidden");
      return;
    }
    if (bot === null) {
      replaceChildren(botPanel, h("h3", { text: "Bot" }), h("p", { class: "muted", text: "Choose a bot to upload the avatar and attach it with this mapping." }));
      return;
    }
    const attached = bot.draft.avatar ?? null;
    const attachedText =
      attached === null
        ? "No avatar attached yet."
        : serverAvatarId === attached.avatar_id
          ? "Its attached avatar is open."
          : `Attached: avatar ${attached.avatar_id}.`;
    const action = serverAvatarId === null ? "Upload & attach" : "Attach with this mapping";
    replaceChildren(
      botPanel,
      h("h3", { text: `Bot: ${bot.draft.personality.name}` }),
      h("p", { class: "muted", text: attachedText, testid: "avatar-attached" }),
      h(
        "div",
        { class: "row wrap" },
        h("button", {
          class: "primary",
          text: action,
          testid: "avatar-upload-attach",
          disabled: opened === null,
          on: { click: () => void uploadAndAttach() },
        }),
        attached === null
          ? null
          : h("button", { text: "Open the attached avatar", testid: "avatar-open-attached", on: { click: () => void openAttached(bot) } }),
        uploadBar,
        uploadStatus,
      ),
    );
  }

  function renderAdjusted(result: AvatarOpened): void {
    const summary = adjustmentSummary(result.adjusted);
    adjustedPanel.classList.toggle("hidden", summary === null);
    if (summary === null) {
      replaceChildren(adjustedPanel);
      return;
    }
    replaceChildren(
      adjustedPanel,
      h("p", { text: summary }),
      h("ul", {}, ...result.adjusted.map((each) => h("li", { text: describeAdjustment(each), testid: `adjusted-${each.slot}` }))),
    );
    notify(summary);
  }

  function render(): void {
    if (opened === null) return;
    renderReport(report, opened.report);
    renderClips(clips, opened.report, (clip) =>
      viewport.send({ kind: "play_clip", clip }).catch((error: unknown) => notify(describeError(error), "error")),
    );
    renderMapping();
    renderSentence();
    renderEvents();
  }

  function renderMapping(): void {
    if (opened === null) return;
    const clipNames = opened.report.clips.map((clip) => clip.name);
    const morphs = [...new Set(opened.report.morph_targets.flatMap((mesh) => mesh.targets))];
    const confidence = new Map(opened.suggestion.slots.map((s) => [s.slot, s.confidence]));
    const rows = SLOTS.map((slot) => slotRow(slot, mapping.slots?.[slot], clipNames, morphs, confidence.get(slot)));
    replaceChildren(
      mappingTable,
      h(
        "div",
        { class: "row spread" },
        h("h3", { text: "Slot mapping" }),
        h("button", {
          text: "Auto-suggest",
          testid: "auto-suggest",
          on: {
            click: () => {
              if (opened === null) return;
              const suggested = structuredClone(opened.suggestion.mapping);
              void applyMapping(suggested).then((ok) => {
                if (ok) renderMapping();
              });
            },
          },
        }),
      ),
      h(
        "table",
        { class: "mapping" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["Slot", "Clip", "Loop", "Speed", "Crossfade s", "Expression", "Weight", ""].map((title) =>
              h("th", { text: title }),
            ),
          ),
        ),
        h("tbody", {}, ...rows),
      ),
    );
  }

  function slotRow(
    slot: Slot,
    binding: SlotBinding | undefined,
    clipNames: string[],
    morphs: string[],
    confidence: number | undefined,
  ): HTMLTableRowElement {
    const clip = select(["", ...clipNames], binding?.clip ?? "", (name) => (name === "" ? "— fallback —" : name));
    clip.dataset["testid"] = `slot-clip-${slot}`;
    const loop = select(LOOP_MODES, binding?.loop_mode ?? "loop", (mode) => mode);
    const speed = numberInput(binding?.speed ?? 1, 0.1, 4, 0.1);
    const crossfade = numberInput(binding?.crossfade_secs ?? 0.3, 0, 3, 0.05);
    const expression = select(["", ...morphs], binding?.expression?.morph_target ?? "", (name) => name || "none");
    const weight = numberInput(binding?.expression?.weight ?? 1, 0, 1, 0.05);
    const controls = [clip, loop, speed, crossfade, expression, weight];
    const sync = (): void => {
      const mapped = clip.value !== "";
      for (const control of controls.slice(1)) control.disabled = !mapped;
      weight.disabled = !mapped || expression.value === "";
    };
    sync();
    const commit = (): void => {
      const next = structuredClone(mapping);
      const slots = { ...(next.slots ?? {}) };
      if (clip.value === "") {
        delete slots[slot];
      } else {
        const edited: SlotBinding = {
          clip: clip.value,
          loop_mode: loop.value as LoopMode,
          speed: Number(speed.value),
          crossfade_secs: Number(crossfade.value),
        };
        if (expression.value !== "") edited.expression = { morph_target: expression.value, weight: Number(weight.value) };
        slots[slot] = edited;
      }
      next.slots = slots;
      sync();
      void applyMapping(next).then((ok) => {
        if (ok) viewport.send({ kind: "play_slot", slot }).catch(() => undefined);
        else renderMapping();
      });
    };
    for (const control of controls) control.addEventListener("change", commit);
    const hint = confidence === undefined ? "" : `suggested with confidence ${confidence.toFixed(2)}`;
    return h(
      "tr",
      { title: hint },
      h("td", { text: slot.replace(/_/g, " ") }),
      ...controls.map((control) => h("td", {}, control)),
      h(
        "td",
        {},
        h("button", {
          text: "▶",
          title: `play ${slot}`,
          testid: `play-${slot}`,
          on: {
            click: () => {
              viewport.send({ kind: "play_slot", slot }).catch((error: unknown) => notify(describeError(error), "error"));
            },
          },
        }),
      ),
    );
  }

  function renderSentence(): void {
    const input = h("input", { type: "text", placeholder: "Type what the bot might say…", testid: "sentence" });
    const result = h("p", { class: "muted", testid: "sentence-result" });
    const run = async (): Promise<void> => {
      try {
        const reading = await sentencePlay(input.value);
        const intent = reading.intent === null ? "" : `, intent ${reading.intent}`;
        result.textContent = `${reading.emotion} (${reading.compound.toFixed(2)})${intent} → plays ${reading.slot}`;
      } catch (error) {
        result.textContent = describeError(error);
      }
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") void run();
    });
    replaceChildren(
      sentence,
      h("h3", { text: "Sentence" }),
      h("div", { class: "row" }, input, h("button", { text: "Read & play", on: { click: () => void run() } })),
      result,
    );
  }

  function renderEvents(): void {
    const result = h("p", { class: "muted" });
    replaceChildren(
      events,
      h("h3", { text: "Widget events" }),
      h(
        "div",
        { class: "row wrap" },
        ...WIDGET_EVENTS.map((event) =>
          h("button", {
            text: event.replace(/_/g, " "),
            on: {
              click: () => {
                widgetEvent(event)
                  .then((slot) => {
                    result.textContent = slot === null ? `${event}: no rule` : `${event} → ${slot}`;
                  })
                  .catch((error: unknown) => notify(describeError(error), "error"));
              },
            },
          }),
        ),
      ),
      result,
    );
  }

  viewport.followResize();
  const element = h(
    "div",
    { class: "screen avatar-screen", testid: "screen-avatar" },
    h(
      "div",
      { class: "viewport-column" },
      h(
        "div",
        { class: "row" },
        h("button", { text: "Choose GLB…", testid: "choose-glb", on: { click: () => void chooseFile() } }),
        h("button", {
          text: "Open the demo avatar",
          testid: "open-demo",
          on: { click: () => void open({ kind: "demo" }, botMapping()) },
        }),
        stats,
      ),
      h("div", { class: "viewport-frame" }, viewport.canvas),
      botPanel,
      h("p", { class: "muted", text: "Drag to orbit, scroll to zoom, click the avatar, double-click to reset." }),
      status,
      adjustedPanel,
      report,
    ),
    h("div", { class: "editor-column" }, clips, mappingTable, sentence, events),
  );
  renderBot();
  bots?.onBotChange((bot) => {
    if (bot === null || bot.id !== loadedForBot) {
      loadedForBot = null;
      uploadStatus.textContent = "";
    }
    renderBot();
  });
  const shown = (): void => {
    const bot = bots?.bot() ?? null;
    if (bot !== null && bot.id !== loadedForBot) void openAttached(bot);
  };
  return { element, viewport, open: (source) => open(source), shown };
}

function renderReport(target: HTMLElement, report: InspectionReport): void {
  const morphs = report.morph_targets.flatMap((mesh) => mesh.targets);
  const facts: [string, string][] = [
    ["File", `${(report.file_bytes / 1024).toFixed(0)} KiB${report.generator === null ? "" : ` from ${report.generator}`}`],
    ["Meshes", `${report.meshes} (${report.primitives} primitives)`],
    ["Triangles / vertices", `${report.triangles} / ${report.vertices}`],
    ["Skins", report.skins.map((skin) => `${skin.name ?? "unnamed"} (${skin.joints} joints)`).join(", ") || "none"],
    ["Clips", String(report.clips.length)],
    ["Morph targets", morphs.join(", ") || "none"],
    ["Textures", String(report.textures.count)],
    ["Height", report.height === null ? "unknown" : `${report.height.toFixed(2)} m`],
    ["Extensions", report.extensions_used.join(", ") || "none"],
  ];
  replaceChildren(
    target,
    h("h3", { text: "Inspection" }),
    h("dl", { class: "facts" }, ...facts.flatMap(([name, value]) => [h("dt", { text: name }), h("dd", { text: value })])),
  );
}

function renderClips(target: HTMLElement, report: InspectionReport, play: (clip: string) => void): void {
  replaceChildren(
    target,
    h("h3", { text: "Clips" }),
    h(
      "div",
      { class: "row wrap" },
      ...report.clips.map((clip) =>
        h("button", {
          class: "chip",
          text: `${clip.name} · ${clip.duration_secs.toFixed(1)} s`,
          title: `audition ${clip.name}`,
          on: { click: () => play(clip.name) },
        }),
      ),
    ),
  );
}

function select<T extends string>(options: readonly T[], value: string, label: (option: T) => string): HTMLSelectElement {
  const element = h("select", {});
  for (const option of options) {
    const item = h("option", { text: label(option) });
    item.value = option;
    element.append(item);
  }
  element.value = value;
  return element;
}

function numberInput(value: number, min: number, max: number, step: number): HTMLInputElement {
  const input = h("input", { type: "number", value: String(value) });
  input.min = String(min);
  input.max = String(max);
  input.step = String(step);
  return input;
}
