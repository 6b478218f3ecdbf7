/**
 * What the shell gives every screen: notices, the signed-in session, the bot
 * being edited and navigation. Screens are plain objects built once by a
 * factory `(context: StudioContext) => Screen`; the shell shows one at a time.
 */
import type { BotView } from "./generated/animo";
import type { SessionInfo } from "./generated/studio";

export type NoticeKind = "error" | "info";
export type Notify = (message: string, kind?: NoticeKind) => void;

/** Every screen of the Studio, in navigation order. */
export const SCREEN_IDS = [
  "bots",
  "personality",
  "avatar",
  "knowledge",
  "widget",
  "test_chat",
  "publish",
  "analytics",
  "members",
] as const;
export type ScreenId = (typeof SCREEN_IDS)[number];

export interface StudioContext {
  /** A short notice in the corner; errors stay longer. */
  notify: Notify;
  /** The signed-in session, or null before sign-in. */
  session(): SessionInfo | null;
  /** The bot being edited, or null when none is chosen yet. */
  bot(): BotView | null;
  /** Makes `bot` the one being edited (or refreshes it after a save); every listener hears of it. */
  setBot(bot: BotView | null): void;
  /** Called whenever the bot being edited changes or is refreshed; returns the unsubscribe function. */
  onBotChange(listener: (bot: BotView | null) => void): () => void;
  /** Shows another screen. */
  navigate(id: ScreenId): void;
}

export interface Screen {
  readonly id: ScreenId;
  /** The navigation label. */
  readonly title: string;
  /** Whether the screen edits one bot: without a chosen bot the shell points to the Bots screen instead. */
  readonly needsBot: boolean;
  readonly element: HTMLElement;
  /** Called each time the screen is shown: load what it shows from the server. */
  shown?(): void | Promise<void>;
  /** Called when another screen replaces it: stop polling, timers and streams. */
  hidden?(): void;
}
