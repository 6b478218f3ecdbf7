/**
 * The Studio front-end's entry point: the shell (sign-in first, then the
 * navigation, the bot picker, the signed-in account, the connectivity
 * banner and notices) and its screens.
 */
import { h, replaceChildren } from "./dom";
import { bannerStateOf, describeError } from "./errors";
import * as account from "./generated/commands";
import { onConnectivity, onViewportEvent, studioInfo, uiReady } from "./generated/commands";
import { avatarScreen } from "./screens/avatar";
import { botsScreen, BOTS_CHANGED_EVENT } from "./screens/bots";
import { membersScreen } from "./screens/members";
import { personalityScreen } from "./screens/personality";
import { publishScreen } from "./screens/publish";
import { signInScreen } from "./screens/signin";
import { knowledgeScreen } from "./screens/knowledge";
import { widgetScreen } from "./screens/widget";
import { analyticsScreen } from "./screens/analytics";
import { testChatScreen } from "./screens/test-chat";
import { runViewportBench } from "./bench";
import type { BotView } from "./generated/animo";
import type { Connectivity, SessionInfo } from "./generated/studio";
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

/** What the banner says for a connectivity state and the number of edits waiting; null hides it. */
function bannerText(state: Connectivity, pending: number): { text: string; bad: boolean } | null {
  const waiting = pending === 0 ? "" : ` ${pending} edit${pending === 1 ? "" : "s"} waiting.`;
  switch (state) {
    case "unreachable":
      return { text: `The server cannot be reached: edits are kept and sent when the server answers.${waiting}`, bad: false };
    case "session_expired":
      return { text: `The session has ended: sign in again. Your edits are kept and sent after signing in.${waiting}`, bad: true };
    case "online":
    case "signed_out":
      return null;
  }
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
  let session: SessionInfo | null = null;
  let bot: BotView | null = null;
  const botListeners = new Set<(bot: BotView | null) => void>();
  const screens = new Map<ScreenId, Screen>();
  let current: Screen | null = null;
  const links = h("div", { class: "nav-links" });
  const picker = h("select", { class: "bot-picker", testid: "bot-picker", title: "The bot being edited" });
  const accountBox = h("div", { class: "account-box", testid: "account" });
  const nav = h(
    "nav",
    { class: "sidebar hidden", testid: "sidebar" },
    h("div", { class: "brand", text: "Animo Studio" }),
    h("label", { class: "picker-label", text: "Bot" }, picker),
    links,
    h("div", { class: "sidebar-spacer" }),
    accountBox,
  );

  const show = (id: ScreenId): void => {
    const screen = screens.get(id);
    if (screen === undefined) return;
    if (screen.needsBot && bot === null && id !== "bots") {
      context.notify(`Choose or create a bot first, then open ${screen.title}.`);
      show("bots");
      return;
    }
    if (current !== screen) current?.hidden?.();
    current = screen;
    for (const link of links.querySelectorAll("button")) link.classList.toggle("active", link.dataset["screen"] === id);
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

  // ---- Sign-in, the bot picker, the account and the banner ----
  let connectivityNow: Connectivity = "signed_out";

  async function refreshBanner(): Promise<void> {
    let pending = 0;
    if (session !== null) {
      // The outbox is on this machine: this answers even when the server does not.
      pending = (await account.pendingEdits().catch(() => [])).length;
    }
    const text = bannerText(connectivityNow, pending);
    shell.banner.classList.toggle("hidden", text === null);
    shell.banner.classList.toggle("bad", text?.bad === true);
    if (text === null) return;
    const actions: HTMLElement[] = [];
    if (connectivityNow === "session_expired") {
      actions.push(h("button", { text: "Sign in again", testid: "banner-sign-in", on: { click: () => showSignIn(true) } }));
    } else {
      actions.push(h("button", { text: "Retry now", testid: "banner-retry", on: { click: () => void retryOutbox() } }));
    }
    replaceChildren(shell.banner, h("div", { class: "row spread" }, h("span", { text: text.text, testid: "banner-text" }), ...actions));
  }

  async function retryOutbox(): Promise<void> {
    try {
      const report = await account.flushOutbox();
      if (report.sent > 0) context.notify(`${report.sent} waiting edit${report.sent === 1 ? "" : "s"} sent.`);
      if (report.refused > 0) context.notify(`${report.refused} edit(s) were refused; see Publish & Embed to discard them.`, "error");
      // With nothing to send no request was made; ask the server once so the banner learns it is back.
      if (report.sent === 0 && report.pending === 0) await account.tenant();
    } catch (error) {
      if (!showBannerFor(error)) context.notify(describeError(error), "error");
    }
    await refreshBanner();
  }

  /**
   * A failure coded `server_unreachable` or `session_expired` belongs in the
   * banner, not in a notice: switches the banner to it (the connectivity
   * event says the same, but may arrive later) and says whether it did.
   */
  function showBannerFor(error: unknown): boolean {
    const state = bannerStateOf(error);
    if (state === null) return false;
    if (session !== null && connectivityNow !== state) {
      connectivityNow = state;
      void refreshBanner();
    }
    return true;
  }

  async function refreshPicker(): Promise<void> {
    if (session === null) return;
    try {
      const list = await account.bots(false);
      const options = list.bots.map((each) =>
        h("option", { value: each.id, text: each.draft.personality.name }),
      );
      // The bot being edited stays listed even if it was archived meanwhile.
      if (bot !== null && !list.bots.some((each) => each.id === bot?.id)) {
        options.push(h("option", { value: bot.id, text: `${bot.draft.personality.name} (archived)` }));
      }
      replaceChildren(picker, h("option", { value: "", text: list.bots.length === 0 ? "No bots yet" : "Choose a bot…" }), ...options);
      picker.value = bot?.id ?? "";
    } catch (error) {
      // The banner says when the server is away or the session has ended.
      if (!showBannerFor(error)) context.notify(describeError(error), "error");
    }
  }

  picker.addEventListener("change", () => {
    const id = picker.value;
    if (id === "") {
      context.setBot(null);
      return;
    }
    account
      .bot(id)
      .then((view) => context.setBot(view))
      .catch((error: unknown) => context.notify(describeError(error), "error"));
  });
  context.onBotChange(() => void refreshPicker());
  document.addEventListener(BOTS_CHANGED_EVENT, () => void refreshPicker());

  function renderAccount(): void {
    if (session === null) {
      replaceChildren(accountBox);
      return;
    }
    const who = session.profile?.display_name ?? session.account.email;
    replaceChildren(
      accountBox,
      h("div", { class: "account-name", text: who, testid: "account-name" }),
      h("div", { class: "account-detail", text: `${session.account.email} · ${session.account.role}`, testid: "account-email" }),
      h("div", { class: "account-detail", text: `${session.account.tenant_name} on ${session.server_url}`, testid: "account-tenant" }),
      h("button", { class: "sign-out", text: "Sign out", testid: "sign-out", on: { click: () => void doSignOut() } }),
    );
  }

  const signIn = signInScreen(context, (info) => void enterShell(info));
  // The screen to return to after signing in again.
  let resumeAt: ScreenId | null = null;

  function showSignIn(again: boolean): void {
    resumeAt = again ? (current?.id ?? null) : null;
    current?.hidden?.();
    current = null;
    nav.classList.add("hidden");
    replaceChildren(shell.main, signIn.element);
    signIn.shown(again && session !== null ? session.account : null);
  }

  async function enterShell(info: SessionInfo): Promise<void> {
    const sameAccount =
      session !== null && session.server_url === info.server_url && session.account.email === info.account.email &&
      session.account.tenant_id === info.account.tenant_id;
    session = info;
    if (!sameAccount) context.setBot(null);
    connectivityNow = await account.connectivity();
    renderAccount();
    nav.classList.remove("hidden");
    await refreshPicker();
    show((sameAccount ? resumeAt : null) ?? (bot === null ? "bots" : "personality"));
    // Edits left from an earlier session go out now rather than at the next retry.
    const waiting = await account.pendingEdits().catch(() => []);
    if (waiting.some((edit) => edit.refused === undefined)) await retryOutbox();
    else await refreshBanner();
  }

  async function doSignOut(): Promise<void> {
    try {
      await account.signOut();
    } catch (error) {
      context.notify(describeError(error), "error");
    }
    session = null;
    context.setBot(null);
    connectivityNow = "signed_out";
    renderAccount();
    await refreshBanner();
    showSignIn(false);
  }

  await onConnectivity((payload) => {
    connectivityNow = payload;
    void refreshBanner();
  });
  // While the server is away, the count of waiting edits grows as the user works.
  window.setInterval(() => {
    if (connectivityNow === "unreachable" || connectivityNow === "session_expired") void refreshBanner();
  }, 5000);

  // ---- Screens ----
  const avatar = avatarScreen(context.notify, context);
  const registered: Screen[] = [
    { id: "avatar", title: "Avatar & Animations", needsBot: false, element: avatar.element, shown: () => avatar.shown() },
    knowledgeScreen(context),
    widgetScreen(context),
    analyticsScreen(context),
    testChatScreen(context),
  ];
  // Account screens: bots, personality, publishing and embedding, members and API keys.
  registered.push(botsScreen(context), personalityScreen(context), publishScreen(context), membersScreen(context));
  for (const screen of registered) screens.set(screen.id, screen);
  for (const id of SCREEN_IDS) {
    const screen = screens.get(id);
    if (screen === undefined) continue;
    const link = h("button", { class: "nav-link", text: screen.title, testid: `nav-${id}`, on: { click: () => show(id) } });
    link.dataset["screen"] = id;
    links.append(link);
  }
  replaceChildren(root, h("div", { class: "layout" }, nav, h("div", { class: "column" }, shell.banner, shell.main)), shell.notices);

  await onViewportEvent((payload) => {
    if (payload.kind === "failed") context.notify(payload.message, "error");
    if (payload.kind === "stopped") context.notify(`The viewport stopped: ${payload.message}`, "error");
    if (payload.kind === "clicked") context.notify(`Clicked the avatar at ${payload.point.map((v) => v.toFixed(2)).join(", ")}`);
  });
  const info = await studioInfo();
  if (info.bench) {
    // The viewport benchmark needs no server: straight to the avatar screen.
    nav.classList.remove("hidden");
    show("avatar");
    await uiReady();
    await runViewportBench(avatar);
    return;
  }
  showSignIn(false);
  await uiReady();
}

start().catch((error: unknown) => {
  document.body.textContent = `The Studio could not start: ${describeError(error)}`;
});
