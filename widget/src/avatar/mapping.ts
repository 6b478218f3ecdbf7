/**
 * The published animation mapping as the widget reads it, mirroring
 * `animo_shared::avatar::mapping`: a slot plays its own binding or the first
 * mapped slot along its fallback chain, and event rules default to the same
 * table as the server's when a mapping leaves them out.
 */
import { SLOTS } from "../generated/animo";
import type { AnimationMapping, LoopMode, Slot, SlotBinding, WidgetEvent } from "../generated/animo";

/** A slot's binding with every default filled in and every number within the server's bounds. */
export interface ResolvedBinding {
  /** The slot asked for. */
  requested: Slot;
  /** The slot whose binding plays: the one asked for or a fallback. */
  resolved: Slot;
  clip: string;
  loop: LoopMode;
  /** Playback speed, 0.1 to 4. */
  speed: number;
  /** Crossfade into the slot, 0 to 3 seconds. */
  crossfade: number;
  /** The morph target weighted while the slot plays, with its full weight (0 to 1). */
  expression: { target: string; weight: number } | null;
}

/** `default_event_rules()` in animo-shared: serde fills these in when a mapping has no `events`. */
const DEFAULT_EVENT_RULES: { readonly [key in WidgetEvent]: Slot } = {
  open: "greeting",
  close: "farewell",
  click: "surprised",
  hover: "listening",
  drag_start: "surprised",
  drag_end: "happy",
  page_view: "pointing",
  idle_timeout: "bored",
};

/** The slot a widget event plays, or `null` when the mapping has no rule for it. */
export function slotForEvent(mapping: AnimationMapping, event: WidgetEvent): Slot | null {
  // Like serde's `#[serde(default = …)]`: a missing map means the defaults, a
  // present map means exactly its entries.
  const rules = mapping.events ?? DEFAULT_EVENT_RULES;
  return rules[event] ?? null;
}

/** `Slot::chain`: the slot followed by its fallbacks, ending at idle. */
export function chain(slot: Slot): Slot[] {
  const slots: Slot[] = [];
  let next: Slot | null = slot;
  // The catalogue has no cycles (a Rust test checks it); the bound only keeps
  // a corrupted table from hanging the page.
  while (next !== null && slots.length <= Object.keys(SLOTS).length) {
    slots.push(next);
    next = SLOTS[next]?.fallback ?? null;
  }
  return slots;
}

/** `AnimationMapping::resolve`: the binding that plays for `slot`, or `null` when not even idle is mapped. */
export function resolve(mapping: AnimationMapping, slot: Slot): ResolvedBinding | null {
  const slots = mapping.slots ?? {};
  for (const candidate of chain(slot)) {
    const binding = slots[candidate];
    if (binding !== undefined && binding !== null) {
      return normalise(slot, candidate, binding);
    }
  }
  return null;
}

function normalise(requested: Slot, resolved: Slot, binding: SlotBinding): ResolvedBinding {
  const expression = binding.expression ?? null;
  return {
    requested,
    resolved,
    clip: binding.clip,
    loop: binding.loop_mode ?? "loop",
    // The server has validated these; clamping keeps a hand-made mapping
    // from freezing (speed 0) or never finishing a crossfade.
    speed: within(binding.speed, 0.1, 4, 1),
    crossfade: within(binding.crossfade_secs, 0, 3, 0.3),
    expression:
      expression === null
        ? null
        : { target: expression.morph_target, weight: within(expression.weight, 0, 1, 1) },
  };
}

function within(value: number | null | undefined, min: number, max: number, fallback: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}
