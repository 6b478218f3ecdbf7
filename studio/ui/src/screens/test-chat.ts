/**
 * Test chat: talk to the bot's draft through the server, before publishing.
 * The answer streams in word by word; each `cue` frame plays its slot in the
 * embedded viewport as the sentence it belongs to arrives, so the designer
 * sees the avatar react as a visitor will. Test messages are kept out of the
 * bot's analytics; their model spending counts against the budget.
 */
import type { BotView, ConversationId, ServerFrame, Slot, Source } from "../generated/animo";
import type { Screen, StudioContext } from "../context";
import { h, replaceChildren } from "../dom";
import { describeError } from "../errors";
import { avatarOpen, onTestChatFrame, testChatOpenAvatar, testChatSend, testChatViewportAvatar } from "../generated/commands";
import type { TestChatFrame } from "../generated/studio";
import { Viewport } from "../viewport";
import { OpenAnswers } from "./test-chat-model";

/** One answer being written into the list. */
interface PendingAnswer {
  request: number;
  text: HTMLElement;
  sources: HTMLElement;
  status: HTMLElement;
  failed: boolean;
}

export function testChatScreen(context: StudioContext): Screen {
  const viewport = new Viewport((message) => context.notify(message, "error"));
  const avatarStatus = h("p", { class: "muted", testid: "test-chat-avatar-status", text: "No avatar shown yet." });
  const cueLabel = h("span", { class: "muted", testid: "test-chat-cue", text: "" });
  const messages = h("div", { class: "chat-messages", testid: "test-chat-messages" });
  const input = h("textarea", { class: "chat-input", testid: "test-chat-input", placeholder: "Ask the draft something…" });
  const send = h("button", { text: "Send", testid: "test-chat-send", type: "button" });
  const fresh = h("button", { text: "New conversation", testid: "test-chat-new", type: "button" });
  const reloadAvatar = h("button", { text: "Show the bot's avatar", testid: "test-chat-reload-avatar", type: "button" });
  const conversationLabel = h("span", { class: "muted", testid: "test-chat-conversation", text: "New conversation" });

  let conversation: ConversationId | null = null;
  /** The bot the conversation is with. */
  let chatBot: string | null = null;
  let requests = 0;
  /** Whether a message is being sent: one at a time. */
  let sending = false;
  /** Answers whose final frame has not arrived yet. */
  const answers = new OpenAnswers<PendingAnswer>();
  /** The bot whose avatar (or the demo, standing in) this screen opened. */
  let avatarFor: string | null = null;

  const element = h(
    "section",
    { class: "screen test-chat", testid: "screen-test_chat" },
    h("h2", { text: "Test chat" }),
    h("p", {
      class: "muted",
      text: "Talks to the draft, unpublished edits included. Test messages are not counted in analytics; model costs count against the budget.",
    }),
    h(
      "div",
      { class: "row" },
      h("div", { class: "panel viewport-panel" }, viewport.canvas, h("div", { class: "row" }, avatarStatus, cueLabel), reloadAvatar),
      h(
        "div",
        { class: "panel chat-panel" },
        h("div", { class: "row spread" }, conversationLabel, fresh),
        messages,
        h("div", { class: "row" }, input, send),
      ),
    ),
  );

  function setBusy(busy: boolean): void {
    send.disabled = busy;
    input.disabled = busy;
  }

  function startConversation(): void {
    conversation = null;
    answers.clear();
    conversationLabel.textContent = "New conversation";
    cueLabel.textContent = "";
    replaceChildren(messages);
  }

  function playCue(slot: Slot): void {
    cueLabel.textContent = `Playing: ${slot}`;
    viewport.send({ kind: "play_slot", slot }).catch((error: unknown) => {
      // Without a viewport the chat still works; say so once in the label.
      cueLabel.textContent = `Cue ${slot} not played: ${describeError(error)}`;
    });
  }

  function renderSources(target: HTMLElement, sources: Source[]): void {
    replaceChildren(
      target,
      h("div", { class: "muted", text: "Sources" }),
      h(
        "ol",
        { testid: "test-chat-source-list" },
        ...sources.map((source) =>
          h(
            "li",
            { title: source.excerpt },
            // Shown as text: links open nothing inside the Studio's window.
            h("span", { text: `[${source.number}] ${source.title}` }),
            source.url === null || source.url === undefined ? null : h("span", { class: "muted", text: ` — ${source.url}` }),
          ),
        ),
      ),
    );
  }

  function handleFrame(frame: ServerFrame, answer: PendingAnswer): void {
    switch (frame.type) {
      case "ack":
        conversation = frame.conversation_id;
        conversationLabel.textContent = `Conversation ${frame.conversation_id}`;
        break;
      case "cue":
        playCue(frame.slot);
        break;
      case "token":
        answer.text.textContent = `${answer.text.textContent ?? ""}${frame.text}`;
        messages.scrollTop = messages.scrollHeight;
        break;
      case "sources":
        renderSources(answer.sources, frame.sources);
        break;
      case "message":
        // A retried message that was answered before: its stored answer.
        answer.text.textContent = frame.message.text;
        break;
      case "done":
        answer.status.textContent = frame.usage.cost_micro_usd > 0 ? `Cost: $${(frame.usage.cost_micro_usd / 1e6).toFixed(6)}` : "";
        playCue("idle");
        answer.status.dataset["state"] = "done";
        break;
      case "error":
        answer.failed = true;
        answer.status.dataset["state"] = "failed";
        answer.status.textContent = `${frame.message} (${frame.code})`;
        answer.status.classList.add("error");
        break;
      default:
        break;
    }
  }

  function onFrame(event: TestChatFrame): void {
    const answer = answers.route(event.request, event.frame);
    if (answer !== undefined) handleFrame(event.frame, answer);
  }

  async function sendMessage(): Promise<void> {
    const bot = context.bot();
    const text = input.value.trim();
    if (bot === null || text === "" || sending) return;
    requests += 1;
    const answer: PendingAnswer = {
      request: requests,
      text: h("div", { class: "text", testid: "test-chat-answer" }),
      sources: h("div", { class: "sources", testid: "test-chat-sources" }),
      status: h("div", { class: "muted", testid: "test-chat-status" }),
      failed: false,
    };
    messages.append(
      h("div", { class: "message user", testid: "test-chat-question" }, h("div", { class: "text", text })),
      h("div", { class: "message bot" }, answer.text, answer.sources, answer.status),
    );
    input.value = "";
    chatBot = bot.id;
    answers.add(answer.request, answer);
    sending = true;
    setBusy(true);
    try {
      const outcome = await testChatSend(bot.id, answer.request, {
        text,
        ...(conversation === null ? {} : { conversation_id: conversation }),
      });
      if (outcome.conversation_id !== null && outcome.conversation_id !== undefined) conversation = outcome.conversation_id;
      // Frames still on their way find the answer open until its last one.
    } catch (error) {
      answers.close(answer.request);
      if (!answer.failed) {
        answer.failed = true;
        answer.status.dataset["state"] = "failed";
        answer.status.textContent = describeError(error);
        answer.status.classList.add("error");
      }
    } finally {
      sending = false;
      setBusy(false);
      input.focus();
    }
  }

  /** Shows the bot's avatar with its draft mapping, or the demo when it has none. */
  async function showBotAvatar(bot: BotView): Promise<void> {
    avatarStatus.textContent = "Opening the avatar…";
    try {
      const size = viewport.size();
      const result = await testChatOpenAvatar(bot.id, size);
      if (result.kind === "none") {
        const demo = await avatarOpen({ kind: "demo" }, size);
        avatarStatus.textContent = `${demo.name} (the bot has no avatar yet)`;
      } else {
        avatarStatus.textContent = result.opened?.name ?? "The bot's avatar";
      }
      avatarFor = bot.id;
    } catch (error) {
      avatarStatus.textContent = describeError(error);
    }
  }

  async function shown(): Promise<void> {
    viewport.start();
    const bot = context.bot();
    if (bot === null || avatarFor === bot.id) return;
    // An avatar opened on the Avatar screen stays; otherwise (or when this
    // screen opened another bot's) the bot's own is shown.
    const open = await testChatViewportAvatar();
    if (open === null || avatarFor !== null) await showBotAvatar(bot);
    else avatarStatus.textContent = open;
  }

  send.addEventListener("click", () => void sendMessage());
  fresh.addEventListener("click", startConversation);
  reloadAvatar.addEventListener("click", () => {
    const bot = context.bot();
    if (bot !== null) void showBotAvatar(bot);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      void sendMessage();
    }
  });
  context.onBotChange((bot) => {
    // A refresh of the same bot (after a save) keeps the conversation.
    if (bot?.id !== chatBot) startConversation();
  });
  onTestChatFrame(onFrame).catch((error: unknown) => context.notify(describeError(error), "error"));

  return {
    id: "test_chat",
    title: "Test chat",
    needsBot: true,
    element,
    shown,
    hidden: () => viewport.stop(),
  };
}
