import { describe, expect, it } from "vitest";

import type { ConnectionState } from "../chat-api";
import type { ServerFrame } from "../generated/animo";
import { FakeSocket } from "./fake-socket";
import { readEventStream, SSE_AFTER_FAILURES, Transport, type TransportEnv } from "./transport";

function harness(online = true) {
  FakeSocket.made = [];
  const timers: Array<{ run: () => void; ms: number }> = [];
  const states: ConnectionState[] = [];
  const frames: ServerFrame[] = [];
  const tokens: boolean[] = [];
  let onlineListener: (() => void) | null = null;
  let offlineListener: (() => void) | null = null;
  const network = { online };
  const env: TransportEnv = {
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    fetch: () => Promise.reject(new Error("no fetch in this test")),
    setTimeout: (run, ms) => timers.push({ run, ms }),
    clearTimeout: () => undefined,
    online: () => network.online,
    onOnline: (run) => (onlineListener = run),
    onOffline: (run) => (offlineListener = run),
    random: () => 1,
  };
  const transport = new Transport(
    "https://animo.example",
    {
      frame: (frame) => frames.push(frame),
      state: (state) => states.push(state),
      token: (fresh) => {
        tokens.push(fresh);
        return Promise.resolve(fresh ? "fresh-token" : "token");
      },
    },
    env,
  );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const fire = async () => {
    const timer = timers.shift();
    timer?.run();
    await settle();
    return timer?.ms;
  };
  return { transport, timers, states, frames, tokens, network, settle, fire, goOnline: () => onlineListener?.(), goOffline: () => offlineListener?.() };
}

describe("Transport", () => {
  it("connects with the token in the query and reports frames", async () => {
    const t = harness();
    t.transport.start();
    await t.settle();
    const socket = FakeSocket.made[0];
    expect(socket?.url).toBe("wss://animo.example/v1/chat?token=token");
    socket?.open();
    socket?.onmessage?.({ data: '{"type":"ready","conversation_id":null,"last_seq":0}' });
    socket?.onmessage?.({ data: "not json" });
    expect(t.frames).toEqual([{ type: "ready", conversation_id: null, last_seq: 0 }]);
    expect(t.states).toEqual(["connecting", "online"]);
    expect(t.transport.send({ type: "feedback", message_id: "m", rating: "up" })).toBe(true);
    expect(socket?.sent).toHaveLength(1);
  });

  it("reconnects with growing delays after drops and starts over once connected", async () => {
    const t = harness();
    t.transport.start();
    await t.settle();
    FakeSocket.made[0]?.open();
    FakeSocket.made[0]?.drop();
    expect(t.states[t.states.length - 1]).toBe("reconnecting");
    expect(await t.fire()).toBe(500);
    // The next attempt never opens: the one after waits longer and asks for a fresh token.
    FakeSocket.made[1]?.drop();
    expect(await t.fire()).toBe(1000);
    expect(t.tokens).toEqual([false, false, true]);
    FakeSocket.made[2]?.open();
    FakeSocket.made[2]?.drop();
    expect(await t.fire()).toBe(500);
    expect(t.transport.send({ type: "resume", conversation_id: "c", after: 0 })).toBe(false);
  });

  it("falls back to SSE after sockets that never open, and keeps retrying the socket", async () => {
    const t = harness();
    t.transport.start();
    await t.settle();
    for (let attempt = 0; attempt < SSE_AFTER_FAILURES; attempt += 1) {
      expect(t.transport.mode).toBe("websocket");
      FakeSocket.made[FakeSocket.made.length - 1]?.drop();
      await t.fire();
    }
    expect(t.transport.mode).toBe("sse");
    expect(t.states).toContain("online");
    // A socket that opens later takes over again.
    FakeSocket.made[FakeSocket.made.length - 1]?.open();
    expect(t.transport.mode).toBe("websocket");
  });

  it("waits for the network when offline and connects at once when it is back", async () => {
    const t = harness(false);
    t.transport.start();
    await t.settle();
    expect(t.states).toEqual(["offline"]);
    expect(FakeSocket.made).toHaveLength(0);
    t.network.online = true;
    t.goOnline();
    await t.settle();
    expect(FakeSocket.made).toHaveLength(1);
  });

  it("drops the socket when the network goes and connects again when it is back", async () => {
    const t = harness();
    t.transport.start();
    await t.settle();
    FakeSocket.made[0]?.open();
    t.network.online = false;
    t.goOffline();
    expect(t.transport.state).toBe("offline");
    expect(FakeSocket.made[0]?.readyState).toBe(3);
    // The dropped socket's own close event changes nothing any more.
    FakeSocket.made[0]?.drop();
    expect(t.timers).toHaveLength(0);
    t.network.online = true;
    t.goOnline();
    await t.settle();
    expect(FakeSocket.made).toHaveLength(2);
  });

  it("stops for good", async () => {
    const t = harness();
    t.transport.start();
    await t.settle();
    FakeSocket.made[0]?.open();
    t.transport.stop();
    FakeSocket.made[0]?.drop();
    expect(t.timers).toHaveLength(0);
  });
});

describe("readEventStream", () => {
  it("reads one JSON frame per event across chunk boundaries, skipping comments", async () => {
    const encoder = new TextEncoder();
    const chunks = [':keep-alive\n\ndata: {"type":"tok', 'en","text":"Hi"}\r\n\r\ndata: {"type":"done",', '"message_id":"m","seq":2,"usage":{"input_tokens":0,"output_tokens":0,"cost_micro_usd":0}}'];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    const frames: ServerFrame[] = [];
    await readEventStream(body, (frame) => frames.push(frame));
    expect(frames.map((frame) => frame.type)).toEqual(["token", "done"]);
  });
});
