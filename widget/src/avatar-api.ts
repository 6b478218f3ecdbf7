/**
 * The contract between the chat chunk and the lazily loaded avatar chunk.
 *
 * The chat knows when the visitor types, when an answer is awaited and when
 * tokens stream; the avatar knows how to turn that, and the server's cues,
 * into clips through the published mapping. Keeping the contract in its own
 * module lets the chat import it without pulling three.js into its chunk.
 */
import type { AnimationMapping, Emotion, Intent, Slot, WidgetEvent } from "./generated/animo";

/** What the conversation is doing, which decides the avatar's base loop. */
export type ConversationPhase = "idle" | "listening" | "thinking" | "talking";

/** A server `cue` frame, as the avatar plays it. */
export interface AvatarCue {
  slot: Slot;
  emotion: Emotion;
  intensity: number;
  intent?: Intent;
}

/** What the avatar needs to come alive. */
export interface AvatarOptions {
  /** Absolute URL of the GLB. */
  modelUrl: string;
  /** The published version's mapping. */
  mapping: AnimationMapping;
  /** Widget events the avatar itself produced (click, hover, drag…), for the chat to send to the server. */
  onEvent: (kind: WidgetEvent, data?: Record<string, unknown>) => void;
}

/** A mounted avatar. Every method is safe to call at any time, also before the model has loaded. */
export interface AvatarHandle {
  /** Switches the base loop (idle, listening, thinking, talking). */
  setPhase(phase: ConversationPhase): void;
  /** Plays a cue's slot with its crossfade, speed, loop mode and expression, then returns to the phase's loop. */
  cue(cue: AvatarCue): void;
  /** Plays the mapped reaction to a widget event (open, close, page_view…). */
  react(event: WidgetEvent): void;
  /** Stops rendering and frees GPU resources. */
  dispose(): void;
}

/** The avatar chunk's single export. Resolves once the model is shown; rejects with an Error when it cannot be (the chat then shows the poster). */
export type MountAvatar = (container: HTMLElement, options: AvatarOptions) => Promise<AvatarHandle>;
