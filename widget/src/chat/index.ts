/**
 * The chat chunk: the panel, the conversation and its connection, loaded by
 * embed.js when the visitor opens the chat or the browser is idle. Its single
 * export `mountChat` draws the (hidden) panel into the loader's shadow root
 * and returns the controller the loader and `window.Animo` drive.
 */
import type { ConnectionState, ChatController, ChatHost, MountChat } from "../chat-api";
import type { ChatHistory, ClientFrame, EmbedConfig, ErrorBody, Rating, ServerFrame, WidgetEvent } from "../generated/animo";
import { drawnIcon } from "../icon";
import { renderMarkdown } from "./markdown";
import { mountStage, type Stage } from "./stage";
import { Conversation, type Effect, type UiMessage } from "./state";
import { errorText, translator, type Translate } from "./strings";
import { CHAT_CSS } from "./styles";
import { adoptCss } from "../theme";
import { Transport } from "./transport";

/** The server's limit on a visitor message, in characters. */
const MAX_MESSAGE_CHARS = 4000;
/** A token this close to expiry is refreshed before it is used. */
const TOKEN_MARGIN_MS = 60_000;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, value);
  }
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

function newClientId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `w${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

class Chat implements ChatController {
  private config: EmbedConfig;
  private readonly t: Translate;
  private readonly conversation = new Conversation();
  private readonly transport: Transport;
  private readonly panel: HTMLElement;
  private readonly stageBox: HTMLElement;
  private readonly log: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly alert: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly announcer: HTMLElement;
  private readonly rendered = new Map<string, { version: number; element: HTMLElement }>();
  private stage: Stage | null = null;
  private stageMounting = false;
  private started = false;
  private opened = false;
  private pageViewSent = false;
  private lastPhase = "idle";
  private returnFocus: HTMLElement | null = null;
  private pendingEvents: ClientFrame[] = [];
  private readonly sseInFlight = new Set<string>();
  /** The server refused the token: the next connection fetches a new one. */
  private staleToken = false;

  constructor(private readonly host: ChatHost) {
    this.config = host.config;
    this.t = translator(this.config.language || "en");
    this.transport = new Transport(host.base, {
      frame: (frame) => this.onFrame(frame),
      state: (state) => this.onConnection(state),
      token: (forceFresh) => this.token(forceFresh),
    });

    const name = this.config.bot_name;
    const look = this.config.widget;
    this.panel = el("section", {
      class: `panel theme-${look.theme ?? "auto"} ${look.position ?? "bottom_right"}`,
      role: "dialog",
      "aria-modal": "true",
      "aria-labelledby": "animo-title",
    });
    this.panel.hidden = true;
    const header = el("header");
    const title = el("h2", { id: "animo-title" }, name);
    this.status = el("div", { class: "status", "data-state": "idle", role: "status" });
    this.status.append(el("span", { class: "dot", "aria-hidden": "true" }), el("span", { class: "label" }));
    const close = el("button", { type: "button", class: "icon", "aria-label": this.t("close") }, "×");
    close.addEventListener("click", () => this.close());
    header.append(title, this.status, close);

    this.stageBox = el("div", { class: "stage", role: "img", "aria-label": this.t("posterLabel", { name }) });
    // The log is not itself live: a streaming answer is redrawn at every token and would be read out
    // piece by piece. The announcer below reads each finished answer once instead.
    this.log = el("div", { class: "log", role: "log", "aria-live": "off", tabindex: "-1" });
    this.typingLine = el("div", { class: "typing", "aria-hidden": "true" }, this.t("typing", { name }));
    this.typingLine.hidden = true;
    this.alert = el("div", { class: "alert", role: "alert" });
    this.alert.hidden = true;
    this.announcer = el("div", { class: "sr", "aria-live": "polite" });

    const form = el("form");
    const label = el("label", { class: "sr", for: "animo-input" }, this.t("inputLabel"));
    this.input = el("textarea", {
      id: "animo-input",
      rows: "1",
      maxlength: String(MAX_MESSAGE_CHARS),
      placeholder: this.t("placeholder"),
      autocomplete: "off",
    });
    this.sendButton = el("button", { type: "submit", class: "send" }, this.t("send"));
    form.append(label, this.input, this.sendButton);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(this.input.value);
    });
    this.input.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter breaks the line, as in most chats.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit(this.input.value);
      }
    });
    this.input.addEventListener("input", () => this.typed());
    this.input.addEventListener("blur", () => this.typed());

    this.panel.append(header, this.stageBox, this.log, this.typingLine, this.alert, form, this.announcer);
    this.panel.addEventListener("keydown", (event) => this.onKey(event));
    // Dragging the avatar moves the whole panel and the launcher with it, not the avatar inside the panel.
    this.stageBox.addEventListener("animo-avatar-move", (event) => {
      const { x, y } = (event as CustomEvent<{ x: number; y: number }>).detail;
      event.preventDefault();
      const transform = `translate(${x}px, ${y}px)`;
      this.panel.style.transform = transform;
      this.host.launcher.style.transform = transform;
    });
    // The panel follows the launcher wherever an earlier drag left it.
    this.panel.style.transform = host.launcher.style.transform;
    adoptCss(host.root, CHAT_CSS);
    host.root.append(this.panel);
    this.renderGreeting();
  }

  // ---- public controller ----

  isOpen(): boolean {
    return this.opened;
  }

  open(): void {
    if (this.opened) {
      return;
    }
    this.opened = true;
    const active = this.host.root.activeElement ?? document.activeElement;
    this.returnFocus = active instanceof HTMLElement && active !== document.body ? active : null;
    this.panel.hidden = false;
    this.host.setOpen(true);
    this.host.emit("open", undefined);
    void this.startConversation();
    this.mountStageOnce();
    this.sendEvent("open");
    this.input.focus();
    this.scrollToEnd();
  }

  close(): void {
    if (!this.opened) {
      return;
    }
    this.sendEvent("close");
    this.opened = false;
    this.panel.hidden = true;
    this.host.setOpen(false);
    this.host.emit("close", undefined);
    // Focus goes back where it was, or to the launcher (also when that was inside the page).
    const target = this.returnFocus && this.returnFocus.isConnected ? this.returnFocus : this.host.launcher;
    target.focus();
  }

  send(text: string): void {
    this.open();
    this.submit(text);
  }

  updateConfig(config: EmbedConfig): void {
    this.config = config;
    if (this.started) {
      this.transport.restart();
    }
  }

  pageView(view: { url: string; title: string }): void {
    this.sendEvent("page_view", { url: view.url, title: view.title });
  }

  // ---- connection ----

  private async token(forceFresh: boolean): Promise<string> {
    const expires = Date.parse(this.config.visitor.expires_at);
    if (forceFresh || this.staleToken || !(expires - Date.now() > TOKEN_MARGIN_MS)) {
      this.staleToken = false;
      try {
        this.config = await this.host.refreshConfig();
      } catch (error) {
        const code = (error as { code?: string }).code ?? "unavailable";
        this.showError(code);
        throw error;
      }
    }
    return this.config.visitor.token;
  }

  private async startConversation(): Promise<void> {
    if (this.started) {
      return;
    }
    this.started = true;
    if (this.host.rememberedConversation() !== null) {
      await this.loadHistory();
    }
    this.transport.start();
  }

  private async loadHistory(): Promise<void> {
    try {
      const token = await this.token(false);
      const response = await fetch(`${this.host.base}/v1/chat/history?token=${encodeURIComponent(token)}`, {
        credentials: "omit",
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as ErrorBody | null;
        // A lost history is not worth a banner unless the visitor can act on it.
        if (body?.code === "origin_not_allowed") {
          this.showError(body.code);
        }
        return;
      }
      this.handle(this.conversation.loadHistory((await response.json()) as ChatHistory));
    } catch {
      // Offline or unreachable: the socket's resume fills the gap once connected.
    }
  }

  private onConnection(state: ConnectionState): void {
    const label = this.t(state === "idle" ? "connecting" : state);
    this.status.dataset["state"] = state;
    const text = this.status.querySelector(".label");
    if (text) {
      text.textContent = label;
    }
    this.host.emit("connection", { state });
    if (state === "offline") {
      this.showError("offline");
    } else if (state === "online" && this.conversation.error === null) {
      this.alert.hidden = true;
    }
    if (state === "reconnecting" || state === "offline") {
      this.conversation.disconnected();
      this.render();
    }
    if (state === "online" && this.transport.mode === "sse") {
      // Messages written while the socket kept failing go out over SSE now.
      for (const message of this.conversation.unacknowledged()) {
        this.dispatch(message);
      }
    }
    if (state === "online" && this.transport.mode === "websocket") {
      this.flushEvents();
      if (!this.pageViewSent) {
        // The page this load shows, once per load; later ones come from the loader's navigation watch.
        this.pageViewSent = true;
        this.transport.send({ type: "event", kind: "page_view", data: { url: location.href, title: document.title } });
      }
    }
  }

  private onFrame(frame: ServerFrame): void {
    this.handle(this.conversation.apply(frame));
  }

  private handle(effects: Effect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case "cue": {
          const played = this.stage?.cue(effect.cue) ?? false;
          this.stageBox.dataset["cues"] = String(Number(this.stageBox.dataset["cues"] ?? "0") + 1);
          this.stageBox.dataset["lastCue"] = effect.cue.slot;
          this.host.emit("cue", { ...effect.cue, played });
          break;
        }
        case "remember":
          this.host.rememberConversation(effect.conversationId);
          break;
        case "resume":
          this.transport.send({ type: "resume", conversation_id: effect.conversationId, after: effect.after });
          break;
        case "resend":
          this.dispatch(effect.message);
          break;
        case "refresh_token":
          this.staleToken = true;
          this.transport.restart();
          break;
        case "reload_history":
          void this.loadHistory();
          break;
        case "completed":
          this.host.emit("message", { author: "bot", text: effect.message.text });
          this.announce(effect.message);
          break;
        case "error":
          this.showError(effect.code);
          this.host.emit("error", { code: effect.code });
          break;
      }
    }
    this.render();
  }

  private dispatch(message: UiMessage): void {
    if (message.clientMsgId === null) {
      return;
    }
    const frame: ClientFrame = { type: "user_message", client_msg_id: message.clientMsgId, text: message.text };
    if (this.transport.mode === "sse") {
      const request: { client_msg_id: string; text: string; conversation_id?: string } = {
        client_msg_id: message.clientMsgId,
        text: message.text,
      };
      if (this.conversation.conversationId !== null) {
        request.conversation_id = this.conversation.conversationId;
      }
      // Each SSE request is one message; one already under way is not sent twice.
      if (this.sseInFlight.has(message.clientMsgId)) {
        return;
      }
      const id = message.clientMsgId;
      this.sseInFlight.add(id);
      void this.transport.sendOverSse(request).finally(() => this.sseInFlight.delete(id));
    } else {
      // When the socket is down the message stays `sending` and goes out on the next `ready`.
      this.transport.send(frame);
    }
  }

  private sendEvent(kind: WidgetEvent, data?: Record<string, unknown>): void {
    this.stage?.react(kind);
    const frame: ClientFrame = { type: "event", kind, data: data ?? null };
    if (!this.transport.send(frame) && this.transport.mode === "websocket") {
      // Sent once the socket opens (the first open happens before it does); only the latest of each kind.
      this.pendingEvents = this.pendingEvents.filter((pending) => pending.type !== "event" || pending.kind !== kind);
      this.pendingEvents.push(frame);
    }
  }

  private flushEvents(): void {
    for (const frame of this.pendingEvents.splice(0)) {
      this.transport.send(frame);
    }
  }

  // ---- visitor input ----

  private submit(raw: string): void {
    const text = raw.trim();
    if (text === "") {
      return;
    }
    if (text.length > MAX_MESSAGE_CHARS) {
      this.showError("payload_too_large");
      return;
    }
    this.input.value = "";
    const message = this.conversation.localMessage(text, newClientId());
    this.alert.hidden = true;
    this.host.emit("message", { author: "visitor", text });
    this.dispatch(message);
    this.render();
    this.scrollToEnd();
  }

  private typed(): void {
    this.conversation.typing(this.input.value.trim() !== "" && this.host.root.activeElement === this.input);
    this.syncPhase();
  }

  private rate(message: UiMessage, rating: Rating): void {
    const rated = this.conversation.rate(message.key, rating);
    if (rated?.messageId) {
      this.transport.send({ type: "feedback", message_id: rated.messageId, rating });
      this.render();
    }
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key === "Escape") {
      event.stopPropagation();
      this.close();
      return;
    }
    if (event.key !== "Tab") {
      return;
    }
    // Focus stays inside the dialog while it is open.
    const focusable = Array.from(
      this.panel.querySelectorAll<HTMLElement>("button:not([disabled]), textarea, a[href], [tabindex]:not([tabindex='-1'])"),
    ).filter((element) => element.offsetParent !== null || element === this.input);
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = this.host.root.activeElement;
    if (!first || !last) {
      return;
    }
    if (event.shiftKey && (active === first || !this.panel.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !this.panel.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  // ---- stage ----

  private mountStageOnce(): void {
    if (this.stageMounting) {
      return;
    }
    this.stageMounting = true;
    const name = this.config.bot_name;
    void mountStage(this.stageBox, this.config, this.host.base, this.host.avatarChunk, (kind, data) => {
      this.transport.send({ type: "event", kind, data: data ?? null });
    }).then(({ stage, shown }) => {
      this.stage = stage;
      this.stageBox.setAttribute("aria-label", this.t(shown.kind === "avatar" ? "avatarLabel" : "posterLabel", { name }));
      stage.setPhase(this.conversation.phase);
      this.host.emit("stage", shown.kind === "avatar" ? { kind: "avatar" } : { kind: "poster", reason: shown.reason });
    });
  }

  private syncPhase(): void {
    if (this.conversation.phase !== this.lastPhase) {
      this.lastPhase = this.conversation.phase;
      this.stage?.setPhase(this.conversation.phase);
      this.panel.dataset["phase"] = this.conversation.phase;
    }
  }

  // ---- rendering ----

  private showError(code: string): void {
    this.alert.textContent = errorText(this.t, code);
    this.alert.dataset["code"] = code;
    this.alert.hidden = false;
  }

  private announce(message: UiMessage): void {
    this.announcer.textContent = `${this.config.bot_name}: ${message.text}`;
  }

  private scrollToEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }

  private renderGreeting(): void {
    const greeting = this.config.greeting.trim();
    if (greeting === "") {
      return;
    }
    const bubble = el("div", { class: "msg bot greeting" });
    bubble.append(renderMarkdown(greeting));
    this.log.append(bubble);
  }

  private render(): void {
    const nearEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    const keys = new Set<string>();
    let previous: Element | null = this.log.querySelector(".greeting");
    for (const message of this.conversation.messages) {
      keys.add(message.key);
      let entry = this.rendered.get(message.key);
      if (!entry || entry.version !== message.version) {
        const element = this.renderMessage(message);
        if (entry) {
          entry.element.replaceWith(element);
        }
        entry = { version: message.version, element };
        this.rendered.set(message.key, entry);
      }
      // Keep DOM order equal to the conversation's (history may arrive after newer bubbles).
      const expected = previous ? previous.nextElementSibling : this.log.firstElementChild;
      if (expected !== entry.element) {
        if (previous) {
          previous.after(entry.element);
        } else {
          this.log.prepend(entry.element);
        }
      }
      previous = entry.element;
    }
    for (const [key, entry] of this.rendered) {
      if (!keys.has(key)) {
        entry.element.remove();
        this.rendered.delete(key);
      }
    }
    this.typingLine.hidden = !this.conversation.waiting;
    this.syncPhase();
    if (nearEnd) {
      this.scrollToEnd();
    }
  }

  private renderMessage(message: UiMessage): HTMLElement {
    const bubble = el("div", { class: `msg ${message.author}`, "data-status": message.status });
    if (message.messageId) {
      bubble.dataset["messageId"] = message.messageId;
    }
    const citations = new Map(message.sources.map((source) => [source.number, source.title]));
    if (message.author === "visitor") {
      // The visitor's words are shown as written: text, not markdown.
      const paragraph = el("p");
      paragraph.textContent = message.text;
      bubble.append(paragraph);
    } else {
      bubble.append(renderMarkdown(message.text, { citations }));
    }
    if (message.sources.length > 0) {
      bubble.append(this.renderSources(message));
    }
    if (message.status === "failed") {
      const note = el("div", { class: "note" }, `${this.t("notSent")} `);
      const retry = el("button", { type: "button" }, this.t("retry"));
      retry.addEventListener("click", () => {
        const again = this.conversation.retry(message.key);
        if (again) {
          this.dispatch(again);
          this.render();
        }
      });
      note.append(retry);
      bubble.append(note);
    } else if (message.status === "interrupted") {
      bubble.append(el("div", { class: "note" }, this.t("interrupted")));
    }
    if (message.author === "bot" && message.status === "done" && message.messageId && this.transport.mode === "websocket") {
      bubble.append(this.renderRating(message));
    }
    return bubble;
  }

  private renderSources(message: UiMessage): HTMLElement {
    const list = el("ol", { class: "sources", "aria-label": this.t("sources") });
    for (const source of message.sources) {
      const item = el("li", { "data-number": String(source.number) });
      const url = source.url ?? "";
      const label = `[${source.number}] ${source.title}`;
      // Only web links become anchors; a document name inside the bot's knowledge stays text.
      const safe = /^https?:\/\//i.test(url) ? safeLink(url) : null;
      if (safe !== null) {
        const anchor = el("a", { class: "title", href: safe, target: "_blank", rel: "noopener noreferrer" }, label);
        item.append(anchor);
      } else {
        item.append(el("span", { class: "title" }, label));
      }
      const excerpt = source.excerpt.length > 180 ? `${source.excerpt.slice(0, 177)}…` : source.excerpt;
      item.append(el("span", { class: "snippet" }, excerpt));
      list.append(item);
    }
    return list;
  }

  private renderRating(message: UiMessage): HTMLElement {
    const row = el("div", { class: "rate" });
    for (const [rating, label] of [
      ["up", this.t("helpful")],
      ["down", this.t("notHelpful")],
    ] as const) {
      const button = el("button", {
        type: "button",
        "aria-label": label,
        "aria-pressed": String(message.rating === rating),
        "data-rating": rating,
      });
      button.append(drawnIcon(THUMB_ICON));
      button.addEventListener("click", () => this.rate(message, rating));
      row.append(button);
    }
    if (message.rating !== null) {
      row.append(el("span", { role: "status" }, this.t("thanks")));
    }
    return row;
  }
}

/** A thumbs-up (turned over for thumbs down). */
const THUMB_ICON =
  "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 1.5 0 0 0-.5-1.1L13.2 1 7.6 6.6A2 2 0 0 0 7 8v11a2 2 0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z";

function safeLink(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

export const mountChat: MountChat = (host) => new Chat(host);
