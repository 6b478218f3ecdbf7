import { describe, expect, it } from "vitest";

import type { ChatMessage, ServerFrame } from "../generated/animo";
import { Conversation, type Effect } from "./state";

const usage = { input_tokens: 1, output_tokens: 2, cost_micro_usd: 0 };

function stored(seq: number, author: "visitor" | "bot", text: string, client?: string): ChatMessage {
  return {
    id: `msg_${seq}`,
    seq,
    author,
    text,
    client_msg_id: client ?? null,
    sources: [],
    created_at: "2026-01-01T00:00:00Z",
  };
}

function run(conversation: Conversation, frames: ServerFrame[]): Effect[] {
  return frames.flatMap((frame) => conversation.apply(frame));
}

function turn(client: string, seq: number, words: string[]): ServerFrame[] {
  return [
    { type: "ack", client_msg_id: client, message_id: `msg_${seq}`, conversation_id: "conv_1", seq, duplicate: false },
    { type: "cue", slot: "thinking", emotion: "neutral", intensity: 0.5, intent: "question" },
    { type: "cue", slot: "talking", emotion: "happy", intensity: 0.4 },
    ...words.map((text): ServerFrame => ({ type: "token", text })),
    { type: "sources", sources: [{ number: 1, title: "Hours", url: "https://shop.example/hours", excerpt: "9 to 5" }] },
    { type: "done", message_id: `msg_${seq + 1}`, seq: seq + 1, usage },
  ];
}

describe("Conversation", () => {
  it("follows a turn: thinking, talking, done with sources", () => {
    const chat = new Conversation();
    chat.localMessage("When are you open?", "c1");
    expect(chat.phase).toBe("thinking");
    expect(chat.waiting).toBe(true);

    const frames = turn("c1", 1, ["We are ", "open [1]."]);
    const effects = run(chat, frames.slice(0, 1));
    expect(effects).toEqual([{ type: "remember", conversationId: "conv_1" }]);
    expect(chat.messages[0]?.status).toBe("sent");
    expect(chat.phase).toBe("thinking");

    const cues = run(chat, frames.slice(1, 3));
    expect(cues.map((effect) => effect.type === "cue" && effect.cue.slot)).toEqual(["thinking", "talking"]);
    expect(cues[0]).toEqual({ type: "cue", cue: { slot: "thinking", emotion: "neutral", intensity: 0.5, intent: "question" } });

    run(chat, frames.slice(3, 4));
    expect(chat.phase).toBe("talking");
    expect(chat.waiting).toBe(false);
    expect(chat.messages[1]?.status).toBe("streaming");

    const end = run(chat, frames.slice(4));
    const answer = chat.messages[1];
    expect(answer?.text).toBe("We are open [1].");
    expect(answer?.sources).toHaveLength(1);
    expect(answer?.status).toBe("done");
    expect(answer?.messageId).toBe("msg_2");
    expect(chat.lastSeq).toBe(2);
    expect(chat.phase).toBe("idle");
    expect(end).toEqual([{ type: "completed", message: answer }]);
  });

  it("bumps versions only of changed messages", () => {
    const chat = new Conversation();
    chat.localMessage("Hi", "c1");
    run(chat, turn("c1", 1, ["Hello"]).slice(0, 4));
    const visitorVersion = chat.messages[0]?.version;
    run(chat, [{ type: "token", text: " there" }]);
    expect(chat.messages[0]?.version).toBe(visitorVersion);
    expect(chat.messages[1]?.version).toBe(2);
  });

  it("resumes after a gap and replaces the interrupted stream by the stored answer", () => {
    const chat = new Conversation();
    chat.localMessage("Do you ship?", "c1");
    run(chat, turn("c1", 1, ["Yes, we "]).slice(0, 4));
    chat.disconnected();
    expect(chat.messages[1]?.status).toBe("interrupted");

    const effects = chat.apply({ type: "ready", conversation_id: "conv_1", last_seq: 2 });
    expect(effects).toEqual([{ type: "resume", conversationId: "conv_1", after: 1 }]);
    const replay = chat.apply({ type: "message", message: stored(2, "bot", "Yes, we ship to every EU country.") });
    expect(chat.messages).toHaveLength(2);
    expect(chat.messages[1]?.text).toBe("Yes, we ship to every EU country.");
    expect(chat.messages[1]?.status).toBe("done");
    expect(replay[0]?.type).toBe("completed");
  });

  it("sends unacknowledged messages again on ready, and nothing when up to date", () => {
    const chat = new Conversation();
    const message = chat.localMessage("Hello?", "c9");
    expect(chat.apply({ type: "ready", conversation_id: null, last_seq: 0 })).toEqual([{ type: "resend", message }]);
    chat.apply({ type: "ack", client_msg_id: "c9", message_id: "m1", conversation_id: "conv_2", seq: 1, duplicate: false });
    expect(chat.apply({ type: "ready", conversation_id: "conv_2", last_seq: 1 })).toEqual([]);
  });

  it("merges history by id and client id without duplicates, in sequence order", () => {
    const chat = new Conversation();
    chat.localMessage("first", "c1");
    chat.loadHistory({
      conversation_id: "conv_1",
      messages: [stored(2, "bot", "answer"), stored(1, "visitor", "first", "c1")],
    });
    chat.loadHistory({ conversation_id: "conv_1", messages: [stored(1, "visitor", "first", "c1"), stored(2, "bot", "answer")] });
    expect(chat.messages.map((message) => [message.seq, message.author, message.status])).toEqual([
      [1, "visitor", "sent"],
      [2, "bot", "done"],
    ]);
    expect(chat.lastSeq).toBe(2);
  });

  it("shows another current conversation after sign-in elsewhere", () => {
    const chat = new Conversation();
    chat.loadHistory({ conversation_id: "conv_1", messages: [stored(1, "visitor", "old", "c1")] });
    const effects = chat.apply({ type: "ready", conversation_id: "conv_9", last_seq: 4 });
    expect(effects).toEqual([{ type: "remember", conversationId: "conv_9" }, { type: "reload_history" }]);
    expect(chat.messages).toHaveLength(0);
  });

  it("marks the pending message failed on a coded error, and retries it with the same id", () => {
    const chat = new Conversation();
    const message = chat.localMessage("spam", "c1");
    const effects = chat.apply({ type: "error", code: "rate_limited", message: "Too many messages" });
    expect(effects).toEqual([{ type: "error", code: "rate_limited" }]);
    expect(message.status).toBe("failed");
    expect(chat.error).toBe("rate_limited");
    expect(chat.phase).toBe("idle");
    expect(chat.retry(message.key)?.clientMsgId).toBe("c1");
    expect(message.status).toBe("sending");
    expect(chat.error).toBeNull();
  });

  it("keeps the message pending and asks for a fresh token when the token expired", () => {
    const chat = new Conversation();
    const message = chat.localMessage("hi", "c1");
    const effects = chat.apply({ type: "error", code: "visitor_token_expired", message: "expired" });
    expect(effects).toEqual([{ type: "error", code: "visitor_token_expired" }, { type: "refresh_token" }]);
    expect(message.status).toBe("sending");
  });

  it("interrupts the stream when the answer breaks off", () => {
    const chat = new Conversation();
    chat.localMessage("hi", "c1");
    run(chat, turn("c1", 1, ["Hel"]).slice(0, 4));
    chat.apply({ type: "error", code: "provider_failed", message: "broke off" });
    expect(chat.messages[1]?.status).toBe("interrupted");
    expect(chat.phase).toBe("idle");
  });

  it("listens while the visitor types, only when nothing is awaited", () => {
    const chat = new Conversation();
    chat.typing(true);
    expect(chat.phase).toBe("listening");
    chat.typing(false);
    expect(chat.phase).toBe("idle");
    chat.localMessage("q", "c1");
    chat.typing(true);
    expect(chat.phase).toBe("thinking");
  });

  it("rates only stored answers", () => {
    const chat = new Conversation();
    chat.localMessage("q", "c1");
    expect(chat.rate("v:c1", "up")).toBeNull();
    run(chat, turn("c1", 1, ["a"]));
    const answer = chat.messages[1];
    expect(chat.rate(answer?.key ?? "", "down")?.rating).toBe("down");
  });
});
