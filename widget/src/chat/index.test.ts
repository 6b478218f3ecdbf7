// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { AnimoEventName, ChatHost } from "../chat-api";
import type { ClientFrame, EmbedConfig, ServerFrame } from "../generated/animo";
import { FakeSocket } from "./fake-socket";
import { mountChat } from "./index";

/** The frames a socket sent, parsed. */
const sentFrames = (socket: FakeSocket): ClientFrame[] => socket.sent.map((data) => JSON.parse(data) as ClientFrame);

const config: EmbedConfig = {
  embed_id: "em_test",
  version: 1,
  bot_name: "Ava <b>",
  greeting: "Hello! Ask me **anything**.",
  language: "en",
  widget: { primary_color: "#1f6feb", on_primary_color: "#ffffff", theme: "light", position: "bottom_right" },
  placement: {},
  avatar: null,
  visitor: { token: "tok", expires_at: new Date(Date.now() + 30 * 60_000).toISOString(), visitor_id: "vis_1" },
};

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup() {
  const element = document.createElement("div");
  document.body.append(element);
  const root = element.attachShadow({ mode: "open" });
  const launcher = document.createElement("button");
  root.append(launcher);
  const emitted: Array<[AnimoEventName, unknown]> = [];
  const open: boolean[] = [];
  const remembered: string[] = [];
  const host: ChatHost = {
    base: "https://animo.example",
    embedId: "em_test",
    root,
    launcher,
    config,
    avatarChunk: null,
    refreshConfig: () => Promise.resolve(config),
    rememberedConversation: () => null,
    rememberConversation: (id) => remembered.push(id),
    emit: (name, detail) => emitted.push([name, detail]),
    setOpen: (value) => open.push(value),
  };
  const chat = mountChat(host);
  const panel = root.querySelector("section.panel") as HTMLElement;
  return { chat, root, panel, launcher, emitted, open, remembered };
}

describe("the chat panel", () => {
  const original = globalThis.WebSocket;
  beforeEach(() => {
    FakeSocket.made = [];
    globalThis.WebSocket = FakeSocket as unknown as typeof WebSocket;
  });
  afterEach(() => {
    globalThis.WebSocket = original;
    document.body.replaceChildren();
  });

  it("opens as a dialog, shows the greeting safely and connects with the token", async () => {
    const { chat, panel, open, emitted } = setup();
    expect(panel.hidden).toBe(true);
    chat.open();
    expect(panel.hidden).toBe(false);
    expect(panel.getAttribute("role")).toBe("dialog");
    expect(open).toEqual([true]);
    expect(emitted[0]?.[0]).toBe("open");
    expect(panel.querySelector("h2")?.textContent).toBe("Ava <b>");
    expect(panel.querySelector("h2 b")).toBeNull();
    expect(panel.querySelector(".greeting strong")?.textContent).toBe("anything");
    await settle();
    expect(FakeSocket.made[0]?.url).toBe("wss://animo.example/v1/chat?token=tok");
    // No avatar in the config: the poster with the bot's initial.
    await settle();
    expect(panel.querySelector(".stage")?.getAttribute("data-stage")).toBe("poster");
    expect(panel.querySelector(".initial")?.textContent).toBe("A");
  });

  it("sends the visitor's message, streams the answer with safe citations, and rates it", async () => {
    const { chat, panel, emitted, remembered } = setup();
    chat.open();
    await settle();
    const socket = FakeSocket.made[0] as FakeSocket;
    socket.open();
    socket.frame({ type: "ready", conversation_id: null, last_seq: 0 });
    // The open event was held until the socket opened; the page view follows.
    expect(sentFrames(socket).map((frame) => frame.type === "event" && frame.kind)).toEqual(["open", "page_view"]);

    const input = panel.querySelector("textarea") as HTMLTextAreaElement;
    input.value = "When are you open?";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    const sent = sentFrames(socket)[socket.sent.length - 1];
    expect(sent?.type).toBe("user_message");
    const clientId = sent?.type === "user_message" ? sent.client_msg_id : "";
    expect(input.value).toBe("");
    expect(panel.querySelector(".typing")?.hasAttribute("hidden")).toBe(false);

    socket.frame({ type: "ack", client_msg_id: clientId, message_id: "m1", conversation_id: "c1", seq: 1, duplicate: false });
    socket.frame({ type: "cue", slot: "talking", emotion: "happy", intensity: 0.5 });
    socket.frame({ type: "token", text: "We open at **10** " });
    expect(panel.querySelector(".msg.bot:not(.greeting)")?.getAttribute("data-status")).toBe("streaming");
    socket.frame({ type: "token", text: "[1] <img src=x onerror=alert(1)>" });
    socket.frame({
      type: "sources",
      sources: [
        { number: 1, title: "Hours", url: "https://shop.example/hours", excerpt: "Open 10 to 6" },
        { number: 2, title: "Trap", url: "javascript:alert(1)", excerpt: "<script>x</script>" },
      ],
    });
    socket.frame({ type: "done", message_id: "m2", seq: 2, usage: { input_tokens: 1, output_tokens: 1, cost_micro_usd: 0 } });

    const answer = panel.querySelector(".msg.bot:not(.greeting)") as HTMLElement;
    expect(answer.getAttribute("data-status")).toBe("done");
    expect(answer.querySelector("strong")?.textContent).toBe("10");
    expect(answer.querySelector("img, script")).toBeNull();
    expect(answer.querySelector("sup.cite")?.getAttribute("title")).toBe("Hours");
    const links = Array.from(answer.querySelectorAll("ol.sources a"));
    expect(links.map((link) => link.getAttribute("href"))).toEqual(["https://shop.example/hours"]);
    expect(answer.querySelector("ol.sources li[data-number='2'] a")).toBeNull();
    expect(remembered).toEqual(["c1"]);
    expect(emitted.filter(([name]) => name === "cue")).toEqual([
      ["cue", { slot: "talking", emotion: "happy", intensity: 0.5, played: false }],
    ]);
    expect(emitted.some(([name, detail]) => name === "message" && (detail as { author: string }).author === "bot")).toBe(true);
    expect(panel.querySelector(".sr[aria-live=polite]")?.textContent).toContain("We open at");

    (answer.querySelector("button[data-rating=up]") as HTMLButtonElement).click();
    expect(sentFrames(socket)[socket.sent.length - 1]).toEqual({ type: "feedback", message_id: "m2", rating: "up" });
    expect(panel.querySelector("button[data-rating=up]")?.getAttribute("aria-pressed")).toBe("true");
  });

  it("shows a coded error in plain words and retries the message with the same id", async () => {
    const { chat, panel, emitted } = setup();
    chat.open();
    await settle();
    const socket = FakeSocket.made[0] as FakeSocket;
    socket.open();
    chat.send("hello");
    const first = sentFrames(socket)[socket.sent.length - 1];
    socket.frame({ type: "error", code: "budget_exhausted", message: "Budget used up" });
    const alert = panel.querySelector(".alert") as HTMLElement;
    expect(alert.hidden).toBe(false);
    expect(alert.textContent).toBe("The assistant is resting for now. Please try again later.");
    expect(emitted).toContainEqual(["error", { code: "budget_exhausted" }]);
    (panel.querySelector(".msg.visitor .note button") as HTMLButtonElement).click();
    expect(sentFrames(socket)[socket.sent.length - 1]).toEqual(first);
  });

  it("closes on Escape and gives focus back to the launcher", () => {
    const { chat, panel, launcher, open, root } = setup();
    chat.open();
    panel.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(panel.hidden).toBe(true);
    expect(open).toEqual([true, false]);
    expect(root.activeElement).toBe(launcher);
  });
});
