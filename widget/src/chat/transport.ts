/**
 * The chat's connection to the server: the WebSocket `/v1/chat`, reconnected
 * with backoff, and the SSE fallback `POST /v1/chat/messages` for networks
 * where WebSockets never open (some proxies). Frames are the generated
 * `ClientFrame` and `ServerFrame` types; what they mean is the
 * conversation's business, not this module's.
 */
import type { ConnectionState } from "../chat-api";
import type { ClientFrame, ErrorBody, ServerFrame, SseMessageRequest } from "../generated/animo";
import { Backoff } from "./backoff";

/** Failed WebSocket attempts in a row (none ever opened) before messages go over SSE. */
export const SSE_AFTER_FAILURES = 3;

/** What the transport needs from the chat. */
export interface TransportEvents {
  frame(frame: ServerFrame): void;
  state(state: ConnectionState, mode: "websocket" | "sse"): void;
  /** A fresh token, asked for before every (re)connection; refreshes the config when the token is old. */
  token(forceFresh: boolean): Promise<string>;
}

/** The browser pieces the transport uses, injectable for tests. */
export interface TransportEnv {
  WebSocket: typeof WebSocket;
  fetch: typeof fetch;
  setTimeout: (run: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  online: () => boolean;
  onOnline: (run: () => void) => void;
  onOffline: (run: () => void) => void;
  random: () => number;
}

export function browserEnv(): TransportEnv {
  return {
    WebSocket,
    fetch: (input, init) => fetch(input, init),
    setTimeout: (run, ms) => setTimeout(run, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    online: () => navigator.onLine !== false,
    onOnline: (run) => addEventListener("online", run),
    onOffline: (run) => addEventListener("offline", run),
    random: Math.random,
  };
}

export class Transport {
  private socket: WebSocket | null = null;
  private opened = false;
  /** The last socket closed without ever opening (perhaps refused for its token). */
  private refused = false;
  private failures = 0;
  private timer: unknown = null;
  private stopped = true;
  private sse = false;
  private readonly backoff: Backoff;
  private current: ConnectionState = "idle";

  constructor(
    private readonly base: string,
    private readonly events: TransportEvents,
    private readonly env: TransportEnv = browserEnv(),
  ) {
    this.backoff = new Backoff(500, 30_000, env.random);
    env.onOnline(() => {
      if (!this.stopped && this.socket === null && !this.sse) {
        this.env.clearTimeout(this.timer);
        this.connect();
      }
    });
    env.onOffline(() => {
      if (this.stopped) {
        return;
      }
      // The socket may linger half-dead; it is dropped and made again when the network is back.
      this.env.clearTimeout(this.timer);
      const socket = this.socket;
      this.socket = null;
      this.opened = false;
      socket?.close();
      this.setState("offline");
    });
  }

  /** How messages travel now. */
  get mode(): "websocket" | "sse" {
    return this.sse ? "sse" : "websocket";
  }

  get state(): ConnectionState {
    return this.current;
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.events.state(state, this.mode);
  }

  /** Connects (once; later calls while running do nothing). */
  start(): void {
    if (!this.stopped) {
      return;
    }
    this.stopped = false;
    this.connect();
  }

  /** Drops the connection and connects again at once, e.g. with a new identity. */
  restart(): void {
    this.stop();
    this.sse = false;
    this.refused = false;
    this.failures = 0;
    this.backoff.reset();
    this.start();
  }

  stop(): void {
    this.stopped = true;
    this.env.clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
  }

  private connect(): void {
    if (this.stopped) {
      return;
    }
    if (!this.env.online()) {
      this.setState("offline");
      return;
    }
    this.setState(this.backoff.attempts === 0 ? "connecting" : "reconnecting");
    // A socket that never opened may have been refused for its token (the
    // browser hides the status): the next attempt takes a fresh one.
    const forceFresh = this.refused;
    this.events.token(forceFresh).then(
      (token) => this.open(token),
      () => this.retryLater(),
    );
  }

  private open(token: string): void {
    if (this.stopped) {
      return;
    }
    const url = `${this.base.replace(/^http/, "ws")}/v1/chat?token=${encodeURIComponent(token)}`;
    const socket = new this.env.WebSocket(url);
    this.socket = socket;
    this.opened = false;
    socket.onopen = () => {
      this.opened = true;
      this.refused = false;
      this.failures = 0;
      this.sse = false;
      this.backoff.reset();
      this.setState("online");
    };
    socket.onmessage = (event: MessageEvent) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame;
      } catch {
        // The server sends JSON only; anything else is noise from a middlebox.
        return;
      }
      this.events.frame(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) {
        return;
      }
      this.socket = null;
      this.refused = !this.opened;
      if (!this.opened) {
        this.failures += 1;
        if (this.failures >= SSE_AFTER_FAILURES) {
          this.sse = true;
        }
      }
      this.opened = false;
      this.retryLater();
    };
  }

  private retryLater(): void {
    if (this.stopped) {
      return;
    }
    if (!this.env.online()) {
      this.setState("offline");
      return;
    }
    // Over SSE every message is its own request, so the chat stays usable while the socket is retried.
    this.setState(this.sse ? "online" : "reconnecting");
    this.timer = this.env.setTimeout(() => this.connect(), this.backoff.next());
  }

  /** Sends a frame over the socket; false when it is not open (the caller keeps the frame). */
  send(frame: ClientFrame): boolean {
    if (this.socket && this.opened && this.socket.readyState === 1) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  /** Sends a visitor message over SSE, reporting its frames as if they came over the socket. */
  async sendOverSse(request: Omit<SseMessageRequest, "token">): Promise<void> {
    let response: Response;
    try {
      const token = await this.events.token(false);
      response = await this.env.fetch(`${this.base}/v1/chat/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ ...request, token }),
        credentials: "omit",
      });
    } catch {
      // Offline shows as the connection state; the message is marked failed for a retry.
      this.events.frame({ type: "error", code: "unavailable", message: "" });
      return;
    }
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => null)) as ErrorBody | null;
      this.events.frame({ type: "error", code: body?.code ?? "unavailable", message: body?.message ?? "" });
      return;
    }
    await readEventStream(response.body, (frame) => this.events.frame(frame));
  }
}

/** Reads `text/event-stream` data lines, one JSON server frame per event. */
export async function readEventStream(body: ReadableStream<Uint8Array>, onFrame: (frame: ServerFrame) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const flush = (block: string): void => {
    const data = block
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data) {
      try {
        onFrame(JSON.parse(data) as ServerFrame);
      } catch {
        // Keep-alive comments and anything unparsable are skipped.
      }
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      flush(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
    }
  }
  flush(buffer);
}
