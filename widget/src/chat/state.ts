/**
 * The conversation as the chat shows it, driven by server frames.
 *
 * Pure: no DOM, no socket. `apply` takes a frame and returns the effects the
 * chat must carry out (play a cue, remember the conversation, resume after a
 * gap…); the view redraws the messages whose `version` changed. Keeping it
 * apart makes every frame order the server can produce testable.
 */
import type { AvatarCue, ConversationPhase } from "../avatar-api";
import type { ChatHistory, ChatMessage, ErrorCode, Rating, ServerFrame, Source } from "../generated/animo";

/** One bubble. */
export interface UiMessage {
  /** Stable key for the view: the client id of a visitor message, else the message id or a stream key. */
  key: string;
  author: "visitor" | "bot";
  text: string;
  sources: Source[];
  messageId: string | null;
  seq: number | null;
  clientMsgId: string | null;
  /** sending → sent for the visitor (or failed); streaming → done for the bot (or interrupted). */
  status: "sending" | "sent" | "failed" | "streaming" | "done" | "interrupted";
  rating: Rating | null;
  /** Bumped on every change, so the view redraws only what changed. */
  version: number;
}

/** What the chat must do after a frame. */
export type Effect =
  | { type: "cue"; cue: AvatarCue }
  | { type: "remember"; conversationId: string }
  | { type: "resume"; conversationId: string; after: number }
  | { type: "resend"; message: UiMessage }
  | { type: "refresh_token" }
  | { type: "reload_history" }
  | { type: "completed"; message: UiMessage }
  | { type: "error"; code: string };

/** Codes after which the message is sent again once a fresh token is in hand. */
const TOKEN_CODES: ReadonlySet<string> = new Set<ErrorCode>(["visitor_token_expired", "visitor_token_invalid"]);

export class Conversation {
  messages: UiMessage[] = [];
  conversationId: string | null = null;
  /** The highest sequence number known to be stored. */
  lastSeq = 0;
  phase: ConversationPhase = "idle";
  /** Waiting for the first words of an answer (the typing indicator). */
  waiting = false;
  /** The last coded error, until the next successful exchange. */
  error: string | null = null;
  private streamKey: string | null = null;
  private streams = 0;

  private touch(message: UiMessage): void {
    message.version += 1;
  }

  private sort(): void {
    // Stored messages by sequence; those not stored yet after them, in the order they were made.
    this.messages = this.messages
      .map((message, index) => ({ message, index }))
      .sort((a, b) => (a.message.seq ?? Infinity) - (b.message.seq ?? Infinity) || a.index - b.index)
      .map(({ message }) => message);
  }

  private seen(seq: number): void {
    this.lastSeq = Math.max(this.lastSeq, seq);
  }

  private setConversation(id: string, effects: Effect[]): void {
    if (this.conversationId !== id) {
      this.conversationId = id;
      effects.push({ type: "remember", conversationId: id });
    }
  }

  /** The visitor sends `text`; the returned message is then sent with its client id. */
  localMessage(text: string, clientMsgId: string): UiMessage {
    const message: UiMessage = {
      key: `v:${clientMsgId}`,
      author: "visitor",
      text,
      sources: [],
      messageId: null,
      seq: null,
      clientMsgId,
      status: "sending",
      rating: null,
      version: 0,
    };
    this.messages.push(message);
    this.waiting = true;
    this.phase = "thinking";
    this.error = null;
    return message;
  }

  /** A failed message is tried again with the same client id, so the server stores it once. */
  retry(key: string): UiMessage | null {
    const message = this.messages.find((candidate) => candidate.key === key && candidate.status === "failed");
    if (!message) {
      return null;
    }
    message.status = "sending";
    this.touch(message);
    this.waiting = true;
    this.phase = "thinking";
    this.error = null;
    return message;
  }

  /** The visitor rated an answer. */
  rate(key: string, rating: Rating): UiMessage | null {
    const message = this.messages.find((candidate) => candidate.key === key);
    if (!message || message.messageId === null) {
      return null;
    }
    message.rating = rating;
    this.touch(message);
    return message;
  }

  /** The visitor's typing changed (only while nothing is awaited or streaming). */
  typing(active: boolean): void {
    if (!this.waiting && this.streamKey === null) {
      this.phase = active ? "listening" : "idle";
    }
  }

  /** Visitor messages not yet acknowledged, to send again after a reconnect. */
  unacknowledged(): UiMessage[] {
    return this.messages.filter((message) => message.author === "visitor" && message.status === "sending");
  }

  /** The connection dropped: an answer being streamed stops here until the resume replays it. */
  disconnected(): void {
    const stream = this.streamKey === null ? undefined : this.find(this.streamKey);
    if (stream) {
      stream.status = "interrupted";
      this.touch(stream);
    }
    this.streamKey = null;
    this.phase = "idle";
  }

  /** Merges the stored history (on open, or after a reload). */
  loadHistory(history: ChatHistory): Effect[] {
    const effects: Effect[] = [];
    if (history.conversation_id) {
      this.setConversation(history.conversation_id, effects);
    }
    for (const message of history.messages) {
      this.upsert(message);
    }
    this.sort();
    return effects;
  }

  private find(key: string): UiMessage | undefined {
    return this.messages.find((message) => message.key === key);
  }

  private upsert(stored: ChatMessage): UiMessage {
    this.seen(stored.seq);
    let message = this.messages.find((candidate) => candidate.messageId === stored.id);
    if (!message && stored.author === "visitor" && stored.client_msg_id) {
      message = this.messages.find((candidate) => candidate.clientMsgId === stored.client_msg_id);
    }
    if (!message && stored.author === "bot") {
      // The stored form of an answer whose stream broke off (or is in progress) replaces it.
      message = this.messages.find(
        (candidate) =>
          candidate.author === "bot" &&
          candidate.messageId === null &&
          (candidate.status === "interrupted" || candidate.status === "streaming"),
      );
      if (message && message.key === this.streamKey) {
        this.streamKey = null;
      }
    }
    if (!message) {
      message = {
        key: stored.author === "visitor" && stored.client_msg_id ? `v:${stored.client_msg_id}` : `m:${stored.id}`,
        author: stored.author,
        text: stored.text,
        sources: stored.sources,
        messageId: stored.id,
        seq: stored.seq,
        clientMsgId: stored.client_msg_id ?? null,
        status: stored.author === "visitor" ? "sent" : "done",
        rating: null,
        version: 0,
      };
      this.messages.push(message);
      return message;
    }
    message.text = stored.text;
    message.sources = stored.sources;
    message.messageId = stored.id;
    message.seq = stored.seq;
    message.status = stored.author === "visitor" ? "sent" : "done";
    this.touch(message);
    return message;
  }

  /** Applies one server frame. */
  apply(frame: ServerFrame): Effect[] {
    const effects: Effect[] = [];
    switch (frame.type) {
      case "ready": {
        const current = frame.conversation_id ?? null;
        if (current !== null && this.conversationId !== null && current !== this.conversationId) {
          // Another conversation is current (the visitor signed in on another device): show that one.
          this.messages = this.messages.filter((message) => message.status === "sending");
          this.lastSeq = 0;
          this.conversationId = current;
          effects.push({ type: "remember", conversationId: current }, { type: "reload_history" });
        } else if (current !== null) {
          this.setConversation(current, effects);
          if (frame.last_seq > this.lastSeq) {
            effects.push({ type: "resume", conversationId: current, after: this.lastSeq });
          }
        }
        for (const message of this.unacknowledged()) {
          effects.push({ type: "resend", message });
        }
        break;
      }
      case "ack": {
        const message = this.messages.find((candidate) => candidate.clientMsgId === frame.client_msg_id);
        this.setConversation(frame.conversation_id, effects);
        this.seen(frame.seq);
        if (message) {
          message.messageId = frame.message_id;
          message.seq = frame.seq;
          message.status = "sent";
          this.touch(message);
          this.sort();
        }
        this.error = null;
        break;
      }
      case "cue": {
        // Every cue goes to the avatar, which absorbs the echo of a reaction it already played.
        const cue: AvatarCue = { slot: frame.slot, emotion: frame.emotion, intensity: frame.intensity };
        if (frame.intent !== undefined) {
          cue.intent = frame.intent;
        }
        effects.push({ type: "cue", cue });
        break;
      }
      case "token": {
        let stream = this.streamKey === null ? undefined : this.find(this.streamKey);
        if (!stream) {
          this.streams += 1;
          this.streamKey = `s:${this.streams}`;
          stream = {
            key: this.streamKey,
            author: "bot",
            text: "",
            sources: [],
            messageId: null,
            seq: null,
            clientMsgId: null,
            status: "streaming",
            rating: null,
            version: 0,
          };
          this.messages.push(stream);
        }
        stream.text += frame.text;
        this.touch(stream);
        this.waiting = false;
        this.phase = "talking";
        break;
      }
      case "sources": {
        const stream = this.streamKey === null ? undefined : this.find(this.streamKey);
        if (stream) {
          stream.sources = frame.sources;
          this.touch(stream);
        }
        break;
      }
      case "done": {
        const stream = this.streamKey === null ? undefined : this.find(this.streamKey);
        this.seen(frame.seq);
        if (stream) {
          stream.messageId = frame.message_id;
          stream.seq = frame.seq;
          stream.status = "done";
          this.touch(stream);
          effects.push({ type: "completed", message: stream });
        }
        this.streamKey = null;
        this.waiting = false;
        this.phase = "idle";
        this.sort();
        break;
      }
      case "message": {
        const message = this.upsert(frame.message);
        this.sort();
        if (message.author === "bot" && this.unacknowledged().length === 0) {
          this.waiting = false;
          this.phase = "idle";
          effects.push({ type: "completed", message });
        }
        break;
      }
      case "error": {
        this.error = frame.code;
        effects.push({ type: "error", code: frame.code });
        if (TOKEN_CODES.has(frame.code)) {
          // The message waits, still `sending`, and goes out again with a fresh token.
          effects.push({ type: "refresh_token" });
          break;
        }
        const failed = this.unacknowledged()[0];
        if (failed) {
          failed.status = "failed";
          this.touch(failed);
        }
        const stream = this.streamKey === null ? undefined : this.find(this.streamKey);
        if (stream) {
          stream.status = "interrupted";
          this.touch(stream);
          this.streamKey = null;
        }
        this.waiting = false;
        this.phase = "idle";
        break;
      }
    }
    return effects;
  }
}
