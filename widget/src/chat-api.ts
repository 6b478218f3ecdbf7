/**
 * The contract between the loader (embed.js) and the lazily loaded chat chunk.
 *
 * The loader owns what must exist before the chat does: the config, the
 * visitor's remembered ids, the Shadow DOM and the public `window.Animo`
 * events. The chat chunk owns the conversation. Only types live here, so
 * neither side pulls the other's code into its bundle.
 */
import type { EmbedConfig, PageView } from "./generated/animo";

/** Events `window.Animo.on` delivers, with their payloads. */
export interface AnimoEvents {
  /** The chat opened. */
  open: undefined;
  /** The chat closed. */
  close: undefined;
  /** A message was added: the visitor's, or the bot's once complete. */
  message: { author: "visitor" | "bot"; text: string };
  /** A cue reached the avatar (or the poster, when there is no avatar). */
  cue: { slot: string; emotion: string; intensity: number; played: boolean };
  /** The avatar is shown (`avatar`) or the poster is, with the reason. */
  stage: { kind: "avatar" | "poster"; reason?: string };
  /** The connection changed. */
  connection: { state: ConnectionState };
  /** A coded error the visitor was told about. */
  error: { code: string };
}

/** Names of the public events. */
export type AnimoEventName = keyof AnimoEvents;

/** How the chat is connected to the server. */
export type ConnectionState = "idle" | "connecting" | "online" | "reconnecting" | "offline";

/** What the loader gives the chat chunk. */
export interface ChatHost {
  /** The server's origin and path prefix, e.g. `https://animo.example`, no trailing slash. */
  base: string;
  /** The bot's embed id. */
  embedId: string;
  /** The shadow root the launcher lives in; the chat draws its panel here too. */
  root: ShadowRoot;
  /** The launcher button, to which focus returns when the chat closes. */
  launcher: HTMLElement;
  /** The config fetched for this page. */
  config: EmbedConfig;
  /** URL of the avatar chunk, or null when the build has none. */
  avatarChunk: string | null;
  /** Fetches a fresh config (a new visitor token), e.g. when the token expired. */
  refreshConfig(): Promise<EmbedConfig>;
  /** The conversation remembered for this visitor, if any. */
  rememberedConversation(): string | null;
  /** Remembers the visitor's conversation across reloads. */
  rememberConversation(id: string): void;
  /** Publishes a public event to `window.Animo.on` listeners. */
  emit<K extends AnimoEventName>(name: K, detail: AnimoEvents[K]): void;
  /** Tells the loader the panel opened or closed (launcher state, remembered across reloads). */
  setOpen(open: boolean): void;
}

/** The mounted chat, as the loader drives it. */
export interface ChatController {
  open(): void;
  close(): void;
  isOpen(): boolean;
  /** Opens the chat and sends a message as the visitor. */
  send(text: string): void;
  /** A new config arrived (identify, or a refreshed token): reconnect with it. */
  updateConfig(config: EmbedConfig): void;
  /** The page changed (a full load or a single-page-app navigation). */
  pageView(view: PageView): void;
}

/** The chat chunk's single export. */
export type MountChat = (host: ChatHost) => ChatController;
