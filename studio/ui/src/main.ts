/**
 * The Studio front-end's entry point: the shell (navigation, the
 * connectivity banner, notices, the bot being edited) and its screens.
 */
import { h, replaceChildren } from "./dom";
import { describeError } from "./errors";
import { studioInfo, uiReady, VIEWPORT_EVENT, type ViewportEvent } from "./ipc";
import { avatarScreen } from "./screens/avatar";
import { testChatScreen } from "./screens/test-chat";
import { runViewportBench } from "./bench";
import { listen } from "@tauri-apps/api/event";
import type { BotView } from "./generated/animo";
import type { SessionInfo } from "./generated/studio";
import { SCREEN_IDS, type NoticeKind, type Screen, type ScreenId, type StudioContext } from "./context";

export { isServerFault } from "./errors";

interface Shell {
  main: HTMLElement;
  notices: HTMLElement;
  banner: HTMLElement;
}

function notify(shell: Shell, message: string, kind: NoticeKind = "info"): void {
  const notice = h("div", { class: `notice ${kind}`, text: message, testid: `notice-${kind}` });
  shell.notices.append(notice);
  window.setTimeout(() => notice.remove(), kind === "error" ? 8000 : 4000);
}

async function start(): Promise<void> {
  const root = document.getElementById("app");
  if (root === null) throw new Error("index.html has no #app element");
  const shell: Shell = {
    main: h("main", { class: "content" }),
    notices: h("div", { class: "notices" }),
    banner: h("div", { class: "banner hidden", testid: "banner" }),
  };
  // Set by sign-in; screens read it through the context.
  const session: SessionInfo | null = null;
  let bot: BotView | null = null;
  const botListeners = new Set<(bot: BotView | null) => void>();
  const screens = new Map<ScreenId, Screen>();
  let current: Screen | null = null;
  const nav = h("nav", { class: "sidebar" }, h("div", { class: "brand", text: "Animo Studio" }));

  const show = (id: ScreenId): void => {
    const screen = screens.get(id);
    if (screen === undefined) return;
    if (current !== screen) current?.hidden?.();
    current = screen;
    for (const link of nav.querySelectorAll("button")) link.classList.toggle("active", link.dataset["screen"] === id);
    replaceChildren(shell.main, screen.element);
    Promise.resolve(screen.shown?.()).catch((error: unknown) => context.notify(describeError(error), "error"));
  };
  const context: StudioContext = {
    notify: (message, kind) => notify(shell, message, kind),
    session: () => session,
    bot: () => bot,
    setBot: (next) => {
      bot = next;
      for (const listener of botListeners) listener(bot);
    },
    onBotChange: (listener) => {
      botListeners.add(listener);
      return () => botListeners.delete(listener);
    },
    navigate: show,
  };
  const avatar = avatarScreen(context.notify);
  const registered: Screen[] = [
    { id: "avatar", title: "Avatar & Animations", needsBot: false, element: avatar.element },
    testChatScreen(context),
  ];
  for (const screen of registered) screens.set(screen.id, screen);
  for (const id of SCREEN_IDS) {
    const screen = screens.get(id);
    if (screen === undefined) continue;
    const link = h("button", { class: "nav-link", text: screen.title, testid: `nav-${id}`, on: { click: () => show(id) } });
    link.dataset["screen"] = id;
    nav.append(link);
  }
  replaceChildren(root, h("div", { class: "layout" }, nav, h("div", { class: "column" }, shell.banner, shell.main)), shell.notices);

  await listen<ViewportEvent>(VIEWPORT_EVENT, ({ payload }) => {
    if (payload.kind === "failed") context.notify(payload.message, "error");
    if (payload.kind === "stopped") context.notify(`The viewport stopped: ${payload.message}`, "error");
    if (payload.kind === "clicked") context.notify(`Clicked the avatar at ${payload.point.map((v) => v.toFixed(2)).join(", ")}`);
  });
  show("avatar");
  const info = await studioInfo();
  await uiReady();
  if (info.bench) await runViewportBench(avatar);
}

start().catch((error: unknown) => {
  document.body.textContent = `The Studio could not start: ${describeError(error)}`;
});
