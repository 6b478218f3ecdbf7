// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { announce, countFrame, inTestMode, movedByHost } from "./hook";
import type { Play } from "./player";

describe("test hook", () => {
  it("finds data-animo-test on the container or any ancestor across shadow roots", () => {
    document.documentElement.removeAttribute("data-animo-test");
    const host = document.createElement("div");
    document.body.append(host);
    const shadow = host.attachShadow({ mode: "closed" });
    const stage = document.createElement("div");
    const container = document.createElement("div");
    stage.append(container);
    shadow.append(stage);
    expect(inTestMode(container)).toBe(false);
    document.documentElement.setAttribute("data-animo-test", "");
    expect(inTestMode(container)).toBe(true);
    document.documentElement.removeAttribute("data-animo-test");
    container.setAttribute("data-animo-test", "");
    expect(inTestMode(container)).toBe(true);
    host.remove();
  });

  it("announces a started slot to the document from inside a shadow root", () => {
    const host = document.createElement("div");
    document.body.append(host);
    const shadow = host.attachShadow({ mode: "open" });
    const container = document.createElement("div");
    shadow.append(container);
    const seen: unknown[] = [];
    const frames: number[] = [];
    const onSlot = (event: Event): void => {
      seen.push((event as CustomEvent<unknown>).detail);
    };
    const onFrame = (): void => {
      frames.push(Number(container.dataset.animoFrames));
    };
    document.addEventListener("animo-avatar", onSlot);
    document.addEventListener("animo-avatar-frame", onFrame);
    const play: Play = {
      requested: "pointing",
      resolved: "talking",
      clip: "Talk",
      loop: "loop",
      speed: 1,
      crossfade: 0.3,
      expression: null,
      source: "cue",
      startedAt: 0,
      endsAt: 2,
      held: false,
    };
    announce(container, play);
    countFrame(container, 7);
    expect(container.dataset.animoSlot).toBe("pointing");
    expect(seen).toEqual([{ slot: "pointing", resolved: "talking", clip: "Talk", source: "cue" }]);
    expect(frames).toEqual([7]);
    document.removeEventListener("animo-avatar", onSlot);
    document.removeEventListener("animo-avatar-frame", onFrame);
    host.remove();
  });

  it("lets a host take over moving the avatar by cancelling animo-avatar-move", () => {
    const host = document.createElement("div");
    const container = document.createElement("div");
    host.append(container);
    document.body.append(host);
    expect(movedByHost(container, { x: 1, y: 2 })).toBe(false);
    const offsets: unknown[] = [];
    host.addEventListener("animo-avatar-move", (event) => {
      offsets.push((event as CustomEvent<unknown>).detail);
      event.preventDefault();
    });
    expect(movedByHost(container, { x: -30, y: 12 })).toBe(true);
    expect(offsets).toEqual([{ x: -30, y: 12 }]);
    host.remove();
  });
});
