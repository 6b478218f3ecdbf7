/**
 * Test chat with the bot's draft, and the poster rendered at publish:
 * the commands of studio/src/test_chat.rs with their types.
 */
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { BotId, PosterView, ServerFrame, TestChatRequest } from "./generated/animo";
import type { TestChatOutcome } from "./generated/studio";
import type { AvatarOpened, ViewportSize } from "./ipc";

/** The event carrying each frame of a test answer. */
export const TEST_CHAT_EVENT = "test-chat-frame";

/** One frame of a test answer, tagged with the number the screen gave its message. */
export interface TestChatFrame {
  request: number;
  frame: ServerFrame;
}

/** The avatar the test chat shows: the bot's own, or none attached (then the screen opens the demo). */
export interface TestChatAvatarOpened {
  kind: "bot" | "none";
  opened: AvatarOpened | null;
}

/** Sends a message to the draft; frames arrive through `onTestChatFrame` while it runs. */
export const testChatSend = (botId: BotId, request: number, message: TestChatRequest): Promise<TestChatOutcome> =>
  invoke("test_chat_send", { bot: botId, request, message });

/** Shows the bot's draft avatar with its draft mapping in the viewport. */
export const testChatOpenAvatar = (botId: BotId, size: ViewportSize): Promise<TestChatAvatarOpened> =>
  invoke("test_chat_open_avatar", { bot: botId, size });

/** The name of the avatar the viewport shows, or null when none is open. */
export const viewportAvatar = (): Promise<string | null> => invoke("test_chat_viewport_avatar");

/**
 * Renders the bot's avatar in its idle pose and stores it as the widget's
 * 2D fallback poster. Fails with `conflict` when the draft has no avatar.
 */
export const posterRender = (botId: BotId): Promise<PosterView> => invoke("poster_render", { bot: botId });

/** Listens to test answers' frames; returns the function that stops listening. */
export const onTestChatFrame = (handler: (frame: TestChatFrame) => void): Promise<UnlistenFn> =>
  listen<TestChatFrame>(TEST_CHAT_EVENT, ({ payload }) => handler(payload));
