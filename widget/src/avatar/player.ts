/**
 * The mapping player: decides which clip plays, how and for how long, from
 * the conversation's phase, the server's cues, widget events and the clock.
 * It knows nothing of three.js or the DOM, so it is tested with a fake clock;
 * the scene applies what it decides to an `AnimationMixer`.
 *
 * It plays a slot the way the Studio's preview (animo-preview) does: the
 * slot's binding or the first mapped slot along its fallback chain, with the
 * binding's crossfade, speed and loop mode, and its expression faded in over
 * the crossfade and dropped when the next slot starts.
 *
 * What the widget adds, because a conversation keeps going:
 * - A base loop per phase (idle, listening, thinking, talking). A slot that
 *   plays once returns to the current phase's loop instead of idle.
 * - Cue scheduling. A cue starts at once when the avatar is on its base loop
 *   (or holding, or playing an idle variant); while another cue or reaction
 *   plays, it waits in a queue and starts when that one finishes, in arrival
 *   order. The queue keeps at most {@link MAX_QUEUED_CUES} cues (the oldest
 *   waiting one is dropped) and a cue that waited longer than
 *   {@link MAX_CUE_WAIT_SECS} is dropped, since the words it went with are
 *   past. A cue whose slot resolves to the base loop that is playing (a
 *   neutral sentence's `talking` while talking) changes nothing, so the talking
 *   loop is never restarted sentence after sentence. A looping slot played as
 *   a cue counts as finished after one cycle of its clip, bounded to
 *   {@link LOOP_CUE_SECS}, so a cue never takes the place of the base loop for
 *   good; only `hold` keeps its last frame until the next cue or phase.
 * - Reactions to widget events the visitor caused (click, drag, open, close,
 *   page view) start at once and cut the playing cue; hover and idle timeout
 *   only play when the avatar is at rest. The server answers each event the
 *   widget sends with a cue for the same slot; such an echo arriving within
 *   {@link ECHO_WINDOW_SECS} of the reaction is absorbed so the slot does not
 *   play twice.
 * - Idle variants: on the idle loop, every {@link IDLE_VARIANT_SECS} (a random
 *   time in that range) the `idle_variant` slot plays for one cycle, when the
 *   mapping has a clip for that slot itself (its fallback is idle, which is
 *   already playing).
 */
import type { AnimationMapping, LoopMode, Slot, WidgetEvent } from "../generated/animo";
import type { AvatarCue, ConversationPhase } from "../avatar-api";
import { resolve, slotForEvent, type ResolvedBinding } from "./mapping";

export const MAX_QUEUED_CUES = 3;
export const MAX_CUE_WAIT_SECS = 6;
export const LOOP_CUE_SECS = { min: 1.5, max: 6 } as const;
export const ECHO_WINDOW_SECS = 3;
export const IDLE_VARIANT_SECS = { min: 8, max: 16 } as const;
const MAX_UNDRAINED = 16;

/** Why a slot plays. */
export type PlaySource = "phase" | "cue" | "reaction" | "variant";

/** A slot the player started. */
export interface Play extends ResolvedBinding {
  source: PlaySource;
  /** When it started, in the player's seconds. */
  startedAt: number;
  /** When it counts as finished; `Infinity` for a base loop or a held pose. */
  endsAt: number;
  /** True once a `hold` slot (or a once slot with nothing to return to) has finished and keeps its last frame. */
  held: boolean;
}

/** The morph target weighted now and how strongly. */
export interface ExpressionWeight {
  target: string;
  weight: number;
}

/** Events that only play when the avatar is at rest, since nobody is waiting for them. */
const AMBIENT_EVENTS: ReadonlySet<WidgetEvent> = new Set<WidgetEvent>(["hover", "idle_timeout"]);

const PHASE_SLOTS: { readonly [key in ConversationPhase]: Slot } = {
  idle: "idle",
  listening: "listening",
  thinking: "thinking",
  talking: "talking",
};

interface QueuedCue {
  slot: Slot;
  at: number;
}

export interface PlayerOptions {
  /** The published mapping. */
  mapping: AnimationMapping;
  /** The model's clips and their durations in seconds; a binding naming another clip is not played. */
  clips: ReadonlyMap<string, number>;
  /** The time the player starts at, in seconds. */
  now: number;
  /** A source of numbers in [0, 1), for the idle variants' timing. */
  random?: () => number;
}

export class MappingPlayer {
  private readonly mapping: AnimationMapping;
  private readonly clips: ReadonlyMap<string, number>;
  private readonly random: () => number;
  private phase: ConversationPhase = "idle";
  private current: Play | null = null;
  private queue: QueuedCue[] = [];
  private started: Play[] = [];
  private lastReaction: { slot: Slot; at: number } | null = null;
  private nextVariantAt = Infinity;

  constructor(options: PlayerOptions) {
    this.mapping = options.mapping;
    this.clips = options.clips;
    this.random = options.random ?? Math.random;
    this.startPhase(options.now);
  }

  /** What plays now, if anything does. */
  playing(): Play | null {
    return this.current;
  }

  /** The phase whose loop the avatar returns to. */
  currentPhase(): ConversationPhase {
    return this.phase;
  }

  /** How many cues are waiting. */
  queued(): number {
    return this.queue.length;
  }

  /** The slots started since the last call, oldest first, for the scene to apply in order. */
  drain(): Play[] {
    const started = this.started;
    this.started = [];
    return started;
  }

  setPhase(phase: ConversationPhase, now: number): void {
    this.update(now);
    if (phase === this.phase) return;
    this.phase = phase;
    const current = this.current;
    // A cue or reaction finishes first (a wave is not cut because the answer
    // started streaming); a variant is only filler and gives way at once.
    if (current !== null && (current.source === "cue" || current.source === "reaction") && !current.held) {
      return;
    }
    this.startPhase(now);
  }

  cue(cue: AvatarCue, now: number): void {
    this.update(now);
    const echo = this.lastReaction;
    if (echo !== null && echo.slot === cue.slot && now - echo.at <= ECHO_WINDOW_SECS) {
      this.lastReaction = null;
      return;
    }
    if (this.playable(cue.slot) === null) return;
    if (this.isBaseLoop(cue.slot)) return;
    if (this.atRest(now)) {
      this.start(cue.slot, "cue", now);
      return;
    }
    this.queue.push({ slot: cue.slot, at: now });
    if (this.queue.length > MAX_QUEUED_CUES) this.queue.shift();
  }

  react(event: WidgetEvent, now: number): void {
    this.update(now);
    const slot = slotForEvent(this.mapping, event);
    if (slot === null) return;
    this.lastReaction = { slot, at: now };
    if (this.playable(slot) === null) return;
    if (this.isBaseLoop(slot)) return;
    if (AMBIENT_EVENTS.has(event) && !this.atRest(now)) return;
    this.start(slot, "reaction", now);
  }

  /** Advances to `now`: finishes what is due and starts what follows. */
  update(now: number): void {
    // Each pass starts something with a later end, or a held pose; the bound
    // only guards against zero-length clips chaining within one call.
    for (let pass = 0; pass < MAX_QUEUED_CUES + 3; pass++) {
      const current = this.current;
      if (current === null || now < current.endsAt) break;
      // What follows starts when the slot ended, not when the clock was
      // read, so the outcome does not depend on the frame rate (or on a
      // hidden tab that stopped frames for a while).
      this.finish(current, current.endsAt);
    }
    const current = this.current;
    if (
      current !== null &&
      current.source === "phase" &&
      this.phase === "idle" &&
      current.resolved === "idle" &&
      now >= this.nextVariantAt
    ) {
      this.scheduleVariant(now);
      const variant = this.playable("idle_variant");
      if (variant !== null && variant.resolved === "idle_variant") this.start("idle_variant", "variant", now);
    }
  }

  /** The expression of the playing slot, faded in over its crossfade as the preview does. */
  expression(now: number): ExpressionWeight | null {
    const current = this.current;
    if (current === null || current.expression === null) return null;
    const since = Math.max(0, now - current.startedAt);
    const share = current.crossfade > 0 ? Math.min(1, since / current.crossfade) : 1;
    return { target: current.expression.target, weight: current.expression.weight * share };
  }

  private finish(done: Play, now: number): void {
    for (;;) {
      const next = this.queue.shift();
      if (next === undefined) break;
      if (now - next.at > MAX_CUE_WAIT_SECS || this.isBaseLoop(next.slot)) continue;
      this.start(next.slot, "cue", now);
      return;
    }
    if (done.loop === "hold" && done.source !== "variant") {
      this.hold(done);
      return;
    }
    if (done.source !== "phase") {
      this.startPhase(now);
      return;
    }
    // The phase's own binding played once: back to idle, as the preview does,
    // or hold the last frame when idle is that very binding.
    const idle = this.playable("idle");
    if (idle === null || (idle.resolved === done.resolved && idle.clip === done.clip)) {
      this.hold(done);
      return;
    }
    this.start("idle", "phase", now);
  }

  private startPhase(now: number): void {
    const slot = PHASE_SLOTS[this.phase];
    const binding = this.playable(slot);
    const current = this.current;
    if (binding === null) {
      // Nothing to play for this phase: whatever plays goes on, then holds.
      if (current !== null && now >= current.endsAt) this.hold(current);
      return;
    }
    if (current !== null && current.source === "phase" && current.loop === "loop" && same(current, binding)) {
      // thinking falls back to listening: a change of phase that keeps the
      // same clip does not restart it.
      this.current = { ...current, requested: slot };
      return;
    }
    this.start(slot, "phase", now);
  }

  private start(slot: Slot, source: PlaySource, now: number): void {
    const binding = this.playable(slot);
    if (binding === null) return;
    const duration = this.clips.get(binding.clip) ?? 0;
    const cycle = duration / binding.speed;
    const endsAt = ends(binding.loop, source, now, cycle);
    const play: Play = { ...binding, source, startedAt: now, endsAt, held: false };
    this.current = play;
    this.started.push(play);
    // While no frames are drawn (hidden page) nobody drains; only the latest
    // starts matter to the mixer then.
    if (this.started.length > MAX_UNDRAINED) this.started.shift();
    if (source === "phase" && this.phase === "idle") this.scheduleVariant(now);
  }

  /** Keeps `play`'s last frame until another slot plays. */
  private hold(play: Play): void {
    play.endsAt = Infinity;
    play.held = true;
  }

  private scheduleVariant(now: number): void {
    const span = IDLE_VARIANT_SECS.max - IDLE_VARIANT_SECS.min;
    this.nextVariantAt = now + IDLE_VARIANT_SECS.min + span * this.random();
  }

  /** The binding `slot` plays, when its clip is in the model. */
  private playable(slot: Slot): ResolvedBinding | null {
    const binding = resolve(this.mapping, slot);
    // The preview refuses a binding whose clip the model lacks and keeps
    // playing what it played; so does the widget.
    if (binding === null || !this.clips.has(binding.clip)) return null;
    return binding;
  }

  /** Whether `slot` resolves to the base loop that plays now. */
  private isBaseLoop(slot: Slot): boolean {
    const current = this.current;
    if (current === null || current.source !== "phase" || current.loop !== "loop") return false;
    const binding = this.playable(slot);
    return binding !== null && same(current, binding);
  }

  /** Whether a new slot may start without cutting one that someone is watching. */
  private atRest(now: number): boolean {
    const current = this.current;
    return (
      current === null ||
      current.source === "phase" ||
      current.source === "variant" ||
      current.held ||
      now >= current.endsAt
    );
  }
}

function same(a: ResolvedBinding, b: ResolvedBinding): boolean {
  return a.resolved === b.resolved && a.clip === b.clip && a.loop === b.loop && a.speed === b.speed;
}

function ends(loop: LoopMode, source: PlaySource, now: number, cycle: number): number {
  if (loop === "loop") {
    if (source === "phase") return Infinity;
    return now + Math.min(LOOP_CUE_SECS.max, Math.max(LOOP_CUE_SECS.min, cycle));
  }
  return now + cycle;
}
