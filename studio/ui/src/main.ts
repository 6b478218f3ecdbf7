/**
 * The Studio front-end's entry point: the shell (navigation, the
 * connectivity banner, notices) and its screens.
 */
import { h, replaceChildren } from "./dom";
import { describeError } from "./errors";
import { studioInfo, uiReady, VIEWPORT_EVENT, type ViewportEvent } from "./ipc";
import { avatarScreen, type AvatarScreen } from "./screens/avatar";
import { runViewportBench } from "./bench";
import { listen } from "@tauri-apps/api/event";

export { isServerFault } from "./errors";

type ScreenId = "avatar";

interface Shell {
  main: HTMLElement;
  notices: HTMLElement;
  banner: HTMLElement;
}

function notify(shell: Shell, message: string, kind: "error" | "info" = "info"): void {
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
  const say = (message: string, kind?: "error" | "info"): void => notify(shell, message, kind);
  const screens: Record<ScreenId, { title: string; screen: AvatarScreen }> = {
    avatar: { title: "Avatar & Animations", screen: avatarScreen(say) },
  };
  const nav = h("nav", { class: "sidebar" }, h("div", { class: "brand", text: "Animo Studio" }));
  const show = (id: ScreenId): void => {
    for (const link of nav.querySelectorAll("button")) link.classList.toggle("active", link.dataset["screen"] === id);
    replaceChildren(shell.main, screens[id].screen.element);
  };
  for (const [id, { title }] of Object.entries(screens) as [ScreenId, { title: string }][]) {
    const link = h("button", { class: "nav-link", text: title, testid: `nav-${id}`, on: { click: () => show(id) } });
    link.dataset["screen"] = id;
    nav.append(link);
  }
  replaceChildren(root, h("div", { class: "layout" }, nav, h("div", { class: "column" }, shell.banner, shell.main)), shell.notices);

  const avatar = screens.avatar.screen;
  await listen<ViewportEvent>(VIEWPORT_EVENT, ({ payload }) => {
    if (payload.kind === "failed") say(payload.message, "error");
    if (payload.kind === "stopped") say(`The viewport stopped: ${payload.message}`, "error");
    if (payload.kind === "clicked") say(`Clicked the avatar at ${payload.point.map((v) => v.toFixed(2)).join(", ")}`);
  });
  show("avatar");
  const info = await studioInfo();
  await uiReady();
  if (info.bench) await runViewportBench(avatar);
}

start().catch((error: unknown) => {
  document.body.textContent = `The Studio could not start: ${describeError(error)}`;
});
