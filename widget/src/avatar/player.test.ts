import { describe, expect, it } from "vitest";
import type { AnimationMapping } from "../generated/animo";
import { chain, resolve, slotForEvent } from "./mapping";
import { ECHO_WINDOW_SECS, MAX_CUE_WAIT_SECS, MAX_QUEUED_CUES, MappingPlayer, type Play } from "./player";

const CLIPS = new Map<string, number>([
  ["Idle", 4],
  ["Fidget", 2],
  ["Listen", 3],
  ["Talk", 2],
  ["Wave", 1.5],
  ["Yes", 1],
  ["No", 1.2],
  ["Jump", 0.8],
  ["Dance", 3],
  ["Sit", 2],
]);

function mapping(extra: AnimationMapping["slots"] = {}): AnimationMapping {
  return {
    slots: {
      idle: { clip: "Idle" },
      listening: { clip: "Listen", crossfade_secs: 0.2 },
      talking: { clip: "Talk", speed: 1.5 },
      greeting: { clip: "Wave", loop_mode: "once", crossfade_secs: 0.5, expression: { morph_target: "Smile", weight: 0.8 } },
      nod_yes: { clip: "Yes", loop_mode: "once" },
      shake_no: { clip: "No", loop_mode: "once", speed: 2 },
      surprised: { clip: "Jump", loop_mode: "once" },
      ...extra,
    },
  };
}

function player(map: AnimationMapping = mapping(), random = () => 0.5): MappingPlayer {
  return new MappingPlayer({ mapping: map, clips: CLIPS, now: 0, random });
}

function clips(plays: Play[]): string[] {
  return plays.map((play) => `${play.requested}:${play.clip}`);
}

const cue = (slot: Play["requested"]) => ({ slot, emotion: "neutral" as const, intensity: 0.5 });

describe("mapping", () => {
  it("walks the fallback chain like Slot::chain", () => {
    expect(chain("bored")).toEqual(["bored", "idle_variant", "idle"]);
    expect(chain("confused")).toEqual(["confused", "thinking", "listening", "idle"]);
    expect(chain("idle")).toEqual(["idle"]);
  });

  it("resolves like AnimationMapping::resolve, filling serde's defaults", () => {
    const map: AnimationMapping = { slots: {} };
    expect(resolve(map, "laughing")).toBeNull();
    map.slots = { idle: { clip: "Idle" } };
    expect(resolve(map, "laughing")).toEqual({
      requested: "laughing",
      resolved: "idle",
      clip: "Idle",
      loop: "loop",
      speed: 1,
      crossfade: 0.3,
      expression: null,
    });
    map.slots.happy = { clip: "Dance", loop_mode: "once", expression: { morph_target: "Smile" } };
    expect(resolve(map, "laughing")).toMatchObject({ resolved: "happy", clip: "Dance", loop: "once", expression: { target: "Smile", weight: 1 } });
  });

  it("clamps out-of-range numbers to the server's bounds", () => {
    const map: AnimationMapping = { slots: { idle: { clip: "Idle", speed: 0, crossfade_secs: 9, expression: { morph_target: "A", weight: 3 } } } };
    expect(resolve(map, "idle")).toMatchObject({ speed: 0.1, crossfade: 3, expression: { weight: 1 } });
  });

  it("uses the default event rules only when the mapping has none", () => {
    expect(slotForEvent({}, "click")).toBe("surprised");
    expect(slotForEvent({}, "page_view")).toBe("pointing");
    expect(slotForEvent({ events: { open: "happy" } }, "open")).toBe("happy");
    expect(slotForEvent({ events: { open: "happy" } }, "click")).toBeNull();
  });
});

describe("phases", () => {
  it("starts on idle and switches base loops with each binding's crossfade and speed", () => {
    const p = player();
    expect(clips(p.drain())).toEqual(["idle:Idle"]);
    p.setPhase("listening", 1);
    p.setPhase("thinking", 2);
    p.setPhase("talking", 3);
    const plays = p.drain();
    // thinking falls back to listening, already playing: no restart.
    expect(clips(plays)).toEqual(["listening:Listen", "talking:Talk"]);
    expect(plays[0]).toMatchObject({ crossfade: 0.2, loop: "loop", endsAt: Infinity });
    expect(plays[1]).toMatchObject({ speed: 1.5, crossfade: 0.3 });
    expect(p.playing()?.requested).toBe("talking");
    p.setPhase("idle", 10);
    expect(clips(p.drain())).toEqual(["idle:Idle"]);
  });

  it("plays nothing when not even idle is mapped, and never throws", () => {
    const p = new MappingPlayer({ mapping: { slots: {} }, clips: CLIPS, now: 0 });
    p.setPhase("talking", 1);
    p.cue(cue("happy"), 2);
    p.react("click", 3);
    p.update(100);
    expect(p.drain()).toEqual([]);
    expect(p.playing()).toBeNull();
  });

  it("ignores a binding whose clip the model lacks, as the preview does", () => {
    const p = player(mapping({ happy: { clip: "Missing", loop_mode: "once" } }));
    p.drain();
    p.cue(cue("happy"), 1);
    expect(p.drain()).toEqual([]);
    expect(p.playing()?.clip).toBe("Idle");
  });

  it("a phase binding that plays once returns to idle, and idle played once holds", () => {
    const p = player(mapping({ idle: { clip: "Idle", loop_mode: "once" }, talking: { clip: "Talk", loop_mode: "once" } }));
    p.drain();
    p.setPhase("talking", 1);
    p.update(1 + 2);
    expect(clips(p.drain())).toEqual(["talking:Talk", "idle:Idle"]);
    p.update(100);
    expect(p.drain()).toEqual([]);
    expect(p.playing()).toMatchObject({ clip: "Idle", held: true });
  });
});

describe("cues", () => {
  it("plays a once cue for its clip's duration over its speed, then returns to the phase loop", () => {
    const p = player();
    p.drain();
    p.setPhase("talking", 1);
    p.cue(cue("shake_no"), 2);
    expect(p.playing()).toMatchObject({ clip: "No", source: "cue", endsAt: 2 + 1.2 / 2 });
    p.update(2.5);
    expect(p.playing()?.clip).toBe("No");
    p.update(2.6);
    expect(clips(p.drain())).toEqual(["talking:Talk", "shake_no:No", "talking:Talk"]);
  });

  it("queues cues in order behind the playing one", () => {
    const p = player();
    p.drain();
    p.setPhase("talking", 0);
    p.cue(cue("greeting"), 0);
    p.cue(cue("nod_yes"), 0.1);
    p.cue(cue("surprised"), 0.2);
    expect(p.queued()).toBe(2);
    p.update(1.5);
    p.update(2.5);
    p.update(3.3);
    expect(clips(p.drain())).toEqual(["talking:Talk", "greeting:Wave", "nod_yes:Yes", "surprised:Jump", "talking:Talk"]);
  });

  it("never restarts the talking loop for a neutral sentence's talking cue", () => {
    const p = player();
    p.setPhase("talking", 0);
    p.drain();
    for (let t = 1; t < 20; t++) p.cue(cue("talking"), t);
    // pointing falls back to talking: the same clip, so also nothing to do.
    p.cue(cue("pointing"), 21);
    expect(p.drain()).toEqual([]);
    expect(p.queued()).toBe(0);
  });

  it("drops the oldest waiting cue beyond the queue's length and cues that waited too long", () => {
    const p = player(mapping({ celebrating: { clip: "Dance", loop_mode: "once" } }));
    p.drain();
    p.cue(cue("celebrating"), 0); // plays 3 s
    p.cue(cue("greeting"), 0.1);
    p.cue(cue("nod_yes"), 0.2);
    p.cue(cue("shake_no"), 0.3);
    p.cue(cue("surprised"), 0.4);
    expect(p.queued()).toBe(MAX_QUEUED_CUES);
    p.update(3);
    expect(p.playing()?.clip).toBe("Yes");
    const late = player(mapping({ celebrating: { clip: "Dance", loop_mode: "once", speed: 0.1 } }));
    late.drain();
    late.cue(cue("celebrating"), 0); // 30 s at a tenth of the speed
    late.cue(cue("greeting"), 0);
    late.update(MAX_CUE_WAIT_SECS + 1);
    expect(late.playing()?.clip).toBe("Dance");
    // The greeting's words are long past when the dance ends.
    late.update(31);
    expect(clips(late.drain())).toEqual(["celebrating:Dance", "idle:Idle"]);
  });

  it("plays a looping cue for one cycle, within bounds", () => {
    const p = player(mapping({ happy: { clip: "Yes" }, celebrating: { clip: "Dance", speed: 0.25 } }));
    p.cue(cue("happy"), 0);
    expect(p.playing()?.endsAt).toBe(1.5);
    p.cue(cue("celebrating"), 0);
    p.update(1.5);
    expect(p.playing()).toMatchObject({ clip: "Dance", endsAt: 1.5 + 6 });
  });

  it("holds a hold cue until the next cue or phase", () => {
    const p = player(mapping({ sad: { clip: "Sit", loop_mode: "hold" } }));
    p.drain();
    p.cue(cue("sad"), 0);
    p.update(50);
    expect(p.playing()).toMatchObject({ clip: "Sit", held: true });
    p.cue(cue("nod_yes"), 51);
    expect(p.playing()?.clip).toBe("Yes");
    p.cue(cue("sad"), 51.5);
    p.update(60);
    p.setPhase("listening", 61);
    expect(clips(p.drain())).toEqual(["sad:Sit", "nod_yes:Yes", "sad:Sit", "listening:Listen"]);
  });

  it("lets a cue finish when the phase changes, then plays the new phase", () => {
    const p = player();
    p.drain();
    p.cue(cue("greeting"), 0);
    p.setPhase("talking", 0.5);
    expect(p.playing()?.clip).toBe("Wave");
    p.update(1.5);
    expect(clips(p.drain())).toEqual(["greeting:Wave", "talking:Talk"]);
  });

  it("fades the expression in over the crossfade and drops it with the next slot", () => {
    const p = player();
    p.cue(cue("greeting"), 10);
    expect(p.expression(10)).toEqual({ target: "Smile", weight: 0 });
    expect(p.expression(10.25)?.weight).toBeCloseTo(0.4);
    expect(p.expression(11)?.weight).toBeCloseTo(0.8);
    p.update(11.5);
    expect(p.expression(11.5)).toBeNull();
  });
});

describe("reactions", () => {
  it("cuts the playing cue for a visitor's click and absorbs the server's echo", () => {
    const p = player();
    p.drain();
    p.cue(cue("greeting"), 0);
    p.cue(cue("nod_yes"), 0.1);
    p.react("click", 0.5);
    expect(p.playing()).toMatchObject({ requested: "surprised", source: "reaction" });
    p.cue(cue("surprised"), 0.7); // the server's answer to the click event
    p.update(0.5 + 0.8);
    expect(clips(p.drain())).toEqual(["greeting:Wave", "surprised:Jump", "nod_yes:Yes"]);
    // Later, the same slot from a sentence plays again.
    p.update(5);
    p.cue(cue("surprised"), 5 + ECHO_WINDOW_SECS);
    expect(p.playing()?.clip).toBe("Jump");
  });

  it("absorbs the echo of a reaction that had nothing to play", () => {
    const p = player();
    p.setPhase("listening", 0);
    p.drain();
    p.react("hover", 1); // listening while listening
    p.cue(cue("listening"), 1.2);
    expect(p.drain()).toEqual([]);
  });

  it("plays hover only at rest", () => {
    const p = player(mapping({ listening: { clip: "Listen", loop_mode: "once" } }));
    p.drain();
    p.cue(cue("greeting"), 0);
    p.react("hover", 0.2);
    expect(p.playing()?.clip).toBe("Wave");
    p.update(2);
    p.react("hover", 2);
    expect(p.playing()).toMatchObject({ clip: "Listen", source: "reaction" });
  });

  it("does nothing for an event without a rule", () => {
    const p = player({ ...mapping(), events: { open: "greeting" } });
    p.drain();
    p.react("click", 1);
    expect(p.drain()).toEqual([]);
  });
});

describe("idle variants", () => {
  it("plays idle_variant now and then on the idle loop only", () => {
    const p = player(mapping({ idle_variant: { clip: "Fidget" } }), () => 0);
    p.drain();
    p.update(7.9);
    expect(p.drain()).toEqual([]);
    p.update(8);
    expect(p.playing()).toMatchObject({ clip: "Fidget", source: "variant" });
    p.update(10);
    // Back to idle, next variant 8 s later.
    p.update(17.9);
    p.update(18);
    expect(clips(p.drain())).toEqual(["idle_variant:Fidget", "idle:Idle", "idle_variant:Fidget"]);
    p.setPhase("talking", 18.5);
    p.update(100);
    expect(clips(p.drain())).toEqual(["talking:Talk"]);
  });

  it("never plays a variant that only falls back to idle", () => {
    const p = player(mapping(), () => 0);
    p.drain();
    p.update(30);
    p.update(60);
    expect(p.drain()).toEqual([]);
  });

  it("gives way to a phase change at once", () => {
    const p = player(mapping({ idle_variant: { clip: "Fidget" } }), () => 0);
    p.update(8);
    p.setPhase("listening", 8.5);
    expect(p.playing()?.clip).toBe("Listen");
  });
});

describe("any sequence", () => {
  it("keeps the player's promises over thousands of random calls", () => {
    // A small deterministic generator, so a failure can be replayed.
    let seed = 42;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const slots = Object.keys({
      idle: 0, idle_variant: 0, listening: 0, thinking: 0, talking: 0, greeting: 0, farewell: 0, nod_yes: 0,
      shake_no: 0, happy: 0, laughing: 0, sad: 0, surprised: 0, angry: 0, confused: 0, thumbs_up: 0,
      pointing: 0, celebrating: 0, apologetic: 0, bored: 0,
    }) as Play["requested"][];
    const phases = ["idle", "listening", "thinking", "talking"] as const;
    const events = ["open", "close", "click", "hover", "drag_start", "drag_end", "page_view", "idle_timeout"] as const;
    const map = mapping({
      idle_variant: { clip: "Fidget" },
      sad: { clip: "Sit", loop_mode: "hold" },
      celebrating: { clip: "Dance", speed: 0.5 },
      happy: { clip: "Missing", loop_mode: "once" },
    });
    const p = new MappingPlayer({ mapping: map, clips: CLIPS, now: 0, random: next });
    let now = 0;
    let last: Play | null = null;
    for (let step = 0; step < 5000; step++) {
      now += next() * 0.5;
      const pick = next();
      const index = Math.floor(next() * 100);
      if (pick < 0.2) p.setPhase(phases[index % phases.length] ?? "idle", now);
      else if (pick < 0.6) p.cue(cue(slots[index % slots.length] ?? "idle"), now);
      else if (pick < 0.75) p.react(events[index % events.length] ?? "click", now);
      else p.update(now);
      const playing = p.playing();
      expect(playing).not.toBeNull();
      if (playing === null) return;
      expect(CLIPS.has(playing.clip)).toBe(true);
      expect(playing.endsAt).toBeGreaterThanOrEqual(playing.startedAt);
      expect(p.queued()).toBeLessThanOrEqual(MAX_QUEUED_CUES);
      // Whatever is due has been finished.
      expect(now < playing.endsAt || playing.held || playing.endsAt === Infinity).toBe(true);
      for (const started of p.drain()) {
        expect(started.startedAt).toBeLessThanOrEqual(now);
        if (last !== null) expect(started.startedAt).toBeGreaterThanOrEqual(last.startedAt);
        last = started;
      }
      const expression = p.expression(now);
      if (expression !== null) {
        expect(expression.weight).toBeGreaterThanOrEqual(0);
        expect(expression.weight).toBeLessThanOrEqual(1);
      }
    }
    // Left alone, it settles on the phase's loop.
    p.setPhase("talking", now);
    p.update(now + 60);
    expect(["talking", "sad"]).toContain(p.playing()?.resolved);
  });
});
