/**
 * The loader, `embed.js`: a classic script a tenant pastes into their site.
 *
 * It reads its own tag, fetches the bot's embed config, applies the placement
 * rules, draws the launcher inside a Shadow DOM and loads the chat chunk when
 * the visitor opens the chat or the browser is idle. It defines
 * `window.Animo` at once, so calls made before anything loaded are queued.
 */
import type { AnimoEventName, AnimoEvents, ChatController, ChatHost, MountChat } from "../chat-api";
import { readEmbedId } from "../embed-id";
import { drawnIcon } from "../icon";
import type { EmbedConfig, ErrorBody } from "../generated/animo";
import { adoptCss, readableOn, safeColor } from "../theme";
import { placementAllows } from "./placement";

/** Where the avatar chunk stores the drag offset (see avatar/placement.ts). */
const OFFSET_KEY = "animo:avatar-offset";

declare const __ANIMO_CHAT_CHUNK__: string;
declare const __ANIMO_AVATAR_CHUNK__: string | null;

/** The identity a tenant's page passes to `Animo.identify`. */
interface Identity {
  userId: string;
  signature: string;
}

type Listener<K extends AnimoEventName> = (detail: AnimoEvents[K]) => void;

/** Where the loader is; `window.Animo.state` exposes it to the page (and to tests). */
interface LoaderState {
  status: "loading" | "ready" | "hidden" | "refused" | "failed";
  code?: string;
}

const LAUNCHER_LABELS: Record<string, [string, string]> = {
  en: ["Open chat", "Close chat"],
  de: ["Chat öffnen", "Chat schließen"],
  fr: ["Ouvrir le chat", "Fermer le chat"],
  es: ["Abrir el chat", "Cerrar el chat"],
};

const CSS = `
:host{all:initial}:host([hidden]){display:none!important}
.launcher{position:fixed;z-index:2147483000;display:flex;align-items:center;gap:8px;min-height:56px;min-width:56px;
box-sizing:border-box;padding:0 18px;border:0;border-radius:28px;cursor:pointer;font:600 15px/1 system-ui,sans-serif;
background:var(--animo-primary);color:var(--animo-on-primary);box-shadow:0 4px 16px rgba(0,0,0,.25);
justify-content:center;transition:transform .15s}
.launcher:hover{transform:scale(1.04)}
.launcher:focus-visible{outline:3px solid var(--animo-primary);outline-offset:3px;box-shadow:0 0 0 6px #fff}
.launcher svg{width:24px;height:24px;flex:none}
.launcher.bottom_right{right:20px;bottom:20px}.launcher.bottom_left{left:20px;bottom:20px}
.launcher.top_right{right:20px;top:20px}.launcher.top_left{left:20px;top:20px}
@media (prefers-reduced-motion:reduce){.launcher{transition:none}.launcher:hover{transform:none}}
`;

/** Classic scripts only: `currentScript` is null once anything asynchronous ran, so it is read first. */
const script = document.currentScript as HTMLScriptElement | null;
const embedId = readEmbedId(script);
// The server is where embed.js came from: the hashed chunks and the API live beside it.
const base = script?.src ? script.src.replace(/\/[^/]*(?:[?#].*)?$/, "") : "";
const storageKey = `animo.v1.${embedId ?? ""}`;

const listeners = new Map<AnimoEventName, Set<Listener<AnimoEventName>>>();
const state: LoaderState = { status: "loading" };
let config: EmbedConfig | null = null;
let identity: Identity | null = null;
let shadow: ShadowRoot | null = null;
let launcher: HTMLButtonElement | null = null;
let host: HTMLElement | null = null;
let chat: ChatController | null = null;
let chatLoading: Promise<ChatController | null> | null = null;
const pending: Array<(controller: ChatController) => void> = [];

function emit<K extends AnimoEventName>(name: K, detail: AnimoEvents[K]): void {
  for (const listener of listeners.get(name) ?? []) {
    try {
      (listener as Listener<K>)(detail);
    } catch (error) {
      // A page's listener that throws must not break the widget.
      console.error("animo: an Animo.on listener threw", error);
    }
  }
}

function readStore(): { visitor_id?: string; conversation_id?: string } {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey) ?? "{}");
    return typeof parsed === "object" && parsed !== null ? (parsed as { visitor_id?: string }) : {};
  } catch {
    // Storage may be disabled (privacy modes, sandboxed frames): the visitor is then new on every load.
    return {};
  }
}

function writeStore(patch: { visitor_id?: string; conversation_id?: string }): void {
  try {
    localStorage.setItem(storageKey, JSON.stringify({ ...readStore(), ...patch }));
  } catch {
    // See readStore: without storage the conversation lasts one page.
  }
}

function session(key: string, value?: string | null): string | null {
  try {
    if (value === null) {
      sessionStorage.removeItem(key);
    } else if (value !== undefined) {
      sessionStorage.setItem(key, value);
    }
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

class LoaderError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Config requests made so far, and the number of the one whose answer is the config (see fetchConfig). */
let configRequests = 0;
let configApplied = 0;

async function fetchConfig(): Promise<EmbedConfig> {
  // `identify` may run while the first request is under way: that older,
  // anonymous answer must not replace the identified one when it lands last.
  const request = ++configRequests;
  const query = new URLSearchParams();
  const visitor = readStore().visitor_id;
  if (visitor) {
    query.set("visitor_id", visitor);
  }
  if (identity) {
    query.set("user_id", identity.userId);
    query.set("user_hash", identity.signature);
  }
  let response: Response;
  try {
    response = await fetch(`${base}/v1/embed/${encodeURIComponent(embedId ?? "")}/config?${query}`, {
      credentials: "omit",
    });
  } catch {
    throw new LoaderError(navigator.onLine === false ? "offline" : "unavailable");
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as ErrorBody | null;
    throw new LoaderError(body?.code ?? "unavailable");
  }
  const fresh = (await response.json()) as EmbedConfig;
  if (request > configApplied) {
    configApplied = request;
    writeStore({ visitor_id: fresh.visitor.visitor_id });
    config = fresh;
  }
  return config ?? fresh;
}

/** A speech bubble, the launcher's icon. */
const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";

function labels(): [string, string] {
  const language = (config?.language ?? "en").toLowerCase().split("-")[0] ?? "en";
  return LAUNCHER_LABELS[language] ?? (LAUNCHER_LABELS["en"] as [string, string]);
}

function drawLauncher(look: EmbedConfig["widget"]): void {
  if (!host) {
    host = document.createElement("div");
    host.setAttribute("data-animo-widget", "");
    shadow = host.attachShadow({ mode: "open" });
    adoptCss(shadow, CSS);
    launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "launcher";
    launcher.setAttribute("aria-haspopup", "dialog");
    launcher.setAttribute("aria-expanded", "false");
    launcher.addEventListener("click", () => void toggle());
    shadow.append(launcher);
    document.body.append(host);
  }
  const button = launcher as HTMLButtonElement;
  const primary = safeColor(look.primary_color, "#1a56db");
  host.style.setProperty("--animo-primary", primary);
  host.style.setProperty("--animo-on-primary", readableOn(primary, safeColor(look.on_primary_color, "#ffffff")));
  button.className = `launcher ${look.position ?? "bottom_right"}`;
  const text = look.launcher_text?.trim() ?? "";
  button.replaceChildren(drawnIcon(CHAT_ICON));
  if (text) {
    const span = document.createElement("span");
    span.textContent = text;
    button.append(span);
  }
  button.setAttribute("aria-label", text || labels()[0]);
  button.style.transform = draggedOffset();
}

/** Where the visitor dragged the avatar (and with it the launcher) on an earlier page, as a CSS transform. */
function draggedOffset(): string {
  try {
    const offset = JSON.parse(localStorage.getItem(OFFSET_KEY) ?? "null") as { x?: unknown; y?: unknown } | null;
    if (offset && typeof offset.x === "number" && typeof offset.y === "number") {
      const x = Math.max(-innerWidth, Math.min(innerWidth, offset.x));
      const y = Math.max(-innerHeight, Math.min(innerHeight, offset.y));
      return `translate(${x}px, ${y}px)`;
    }
  } catch {
    // Nothing stored, or storage refused: the launcher stays in its corner.
  }
  return "";
}

function setOpen(open: boolean): void {
  launcher?.setAttribute("aria-expanded", String(open));
  launcher?.setAttribute("aria-label", launcher.textContent?.trim() || labels()[open ? 1 : 0]);
  host?.toggleAttribute("data-open", open);
  session(`animo.open.${embedId}`, open ? "1" : null);
  if (!open) {
    // Closing on purpose stops the automatic opening for the rest of the visit.
    session(`animo.closed.${embedId}`, "1");
  }
}

function loadChat(): Promise<ChatController | null> {
  if (chatLoading) {
    return chatLoading;
  }
  const current = config;
  if (!current || !shadow || !launcher) {
    return Promise.resolve(null);
  }
  const chatHost: ChatHost = {
    base,
    embedId: embedId ?? "",
    root: shadow,
    launcher,
    config: current,
    avatarChunk: __ANIMO_AVATAR_CHUNK__ === null ? null : `${base}/${__ANIMO_AVATAR_CHUNK__}`,
    refreshConfig: fetchConfig,
    rememberedConversation: () => readStore().conversation_id ?? null,
    rememberConversation: (id) => writeStore({ conversation_id: id }),
    emit,
    setOpen,
  };
  chatLoading = (import(`${base}/${__ANIMO_CHAT_CHUNK__}`) as Promise<{ mountChat: MountChat }>).then(
    (module) => {
      chat = module.mountChat(chatHost);
      for (const run of pending.splice(0)) {
        run(chat);
      }
      return chat;
    },
    (error: unknown) => {
      chatLoading = null;
      console.warn("animo: the chat could not be loaded", error);
      emit("error", { code: "unavailable" });
      return null;
    },
  );
  return chatLoading;
}

/** Runs `action` on the chat once it is loaded (loading it now). */
function withChat(action: (controller: ChatController) => void): void {
  if (chat) {
    action(chat);
    return;
  }
  pending.push(action);
  void loadChat();
}

function toggle(): void {
  withChat((controller) => (controller.isOpen() ? controller.close() : controller.open()));
}

function applyPlacement(): void {
  if (!config || !host) {
    return;
  }
  const shown = placementAllows(config.placement, new URL(location.href));
  host.hidden = !shown;
  state.status = shown ? "ready" : "hidden";
  if (!shown && chat?.isOpen()) {
    chat.close();
  }
}

let lastUrl = location.href;
function navigated(): void {
  if (location.href === lastUrl) {
    return;
  }
  lastUrl = location.href;
  applyPlacement();
  chat?.pageView({ url: location.href, title: document.title });
}

function watchNavigation(): void {
  // Single-page apps change the URL without a load: wrap the history calls
  // (keeping any wrapper the page installed) and listen for back/forward.
  for (const method of ["pushState", "replaceState"] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History["pushState"]>) {
      original.apply(this, args);
      navigated();
    };
  }
  addEventListener("popstate", navigated);
  addEventListener("hashchange", navigated);
}

function whenIdle(run: () => void): void {
  if ("requestIdleCallback" in window) {
    requestIdleCallback(run, { timeout: 4000 });
  } else {
    setTimeout(run, 2000);
  }
}

/** Codes worth trying again: the server or the network may be back in a moment. */
const PASSING = new Set(["unavailable", "internal", "offline", "provider_failed"]);

/**
 * The config, trying again after passing failures (1, 2, 4 and 8 s apart,
 * or as soon as the browser is back online), so a server restart or a
 * flaky connection during the page load does not cost the page its widget.
 */
async function fetchConfigPatiently(): Promise<EmbedConfig> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fetchConfig();
    } catch (error) {
      const code = error instanceof LoaderError ? error.code : "unavailable";
      if (!PASSING.has(code) || attempt >= 4) {
        throw error;
      }
      await new Promise<void>((resolve) => {
        if (navigator.onLine === false) {
          addEventListener("online", () => resolve(), { once: true });
        } else {
          setTimeout(resolve, 1000 * 2 ** attempt);
        }
      });
    }
  }
}

async function start(): Promise<void> {
  if (embedId === null) {
    state.status = "failed";
    state.code = "invalid_request";
    console.error("animo: the embed script tag has no data-embed-id attribute");
    return;
  }
  let fresh: EmbedConfig;
  try {
    fresh = await fetchConfigPatiently();
  } catch (error) {
    const code = error instanceof LoaderError ? error.code : "unavailable";
    state.status = code === "origin_not_allowed" ? "refused" : "failed";
    state.code = code;
    // Visitors see nothing of a widget that cannot work here; the site's owner finds the reason in the console.
    console.warn(
      code === "origin_not_allowed"
        ? `animo: this site (${location.origin}) is not among the bot's allowed origins; add it in the Studio`
        : `animo: the widget is unavailable (${code})`,
    );
    emit("error", { code });
    return;
  }
  if (!document.body) {
    await new Promise((resolve) => addEventListener("DOMContentLoaded", resolve, { once: true }));
  }
  drawLauncher(fresh.widget);
  applyPlacement();
  watchNavigation();
  if (session(`animo.open.${embedId}`) === "1") {
    // The chat was open before this page load: keep it open.
    withChat((controller) => controller.open());
  } else {
    whenIdle(() => void loadChat());
    const delay = fresh.placement.auto_open_delay_ms;
    if (typeof delay === "number" && session(`animo.closed.${embedId}`) !== "1") {
      setTimeout(() => {
        if (state.status === "ready") {
          withChat((controller) => controller.isOpen() || controller.open());
        }
      }, delay);
    }
  }
}

const api = {
  open: (): void => withChat((controller) => controller.open()),
  close: (): void => withChat((controller) => controller.close()),
  toggle,
  send: (text: string): void => withChat((controller) => controller.send(String(text))),
  on<K extends AnimoEventName>(name: K, listener: Listener<K>): () => void {
    const set = listeners.get(name) ?? new Set();
    set.add(listener as Listener<AnimoEventName>);
    listeners.set(name, set);
    return () => set.delete(listener as Listener<AnimoEventName>);
  },
  /** Signs the visitor in as the tenant's user; `signature` is the tenant backend's HMAC of the user id. */
  async identify(user: Identity): Promise<void> {
    const previous = identity;
    identity = { userId: String(user.userId), signature: String(user.signature) };
    try {
      const fresh = await fetchConfig();
      chat?.updateConfig(fresh);
    } catch (error) {
      // A refused identity must not stick: later token refreshes go on as before.
      identity = previous;
      const code = error instanceof LoaderError ? error.code : "unavailable";
      emit("error", { code });
      throw error;
    }
  },
  get state(): LoaderState {
    return { ...state };
  },
};

declare global {
  interface Window {
    Animo?: typeof api;
  }
}

// A page that pastes the snippet twice (or a tag manager that adds it again)
// gets one widget: the first loader wins and later ones only say so.
const LOADED = "__animoLoaded";
const flags = window as unknown as Record<string, unknown>;
if (flags[LOADED] === true) {
  console.warn("animo: embed.js is included more than once on this page; only the first one runs");
} else {
  flags[LOADED] = true;
  window.Animo = api;
  void start();
}
