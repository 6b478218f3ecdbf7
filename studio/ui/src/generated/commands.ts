// Generated from the Studio's commands (studio/src) and the Studio core's events by `cargo xtask codegen`. Do not edit.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AccountId, AddUrlRequest, AnalyticsQuery, AnimationMapping, ApiKeyCreated, ApiKeyId, ApiKeyList, AvatarView, BotAnalytics, BotAvatar, BotId, BotList, BotVersionList, BotVersionView, BotView, ChangeRoleRequest, CreateApiKeyRequest, CreateBotRequest, DocumentId, DocumentList, DocumentView, EmbedSnippet, InviteCreated, InviteRequest, MemberList, PosterView, PublishRequest, SearchRequest, SearchResponse, Slot, TenantView, TestChatRequest, UpdateBotRequest, WidgetEvent } from "./animo";
import type { AvatarOpened, AvatarSource, Connectivity, DraftDiff, DraftSave, KnownAccount, OutboxReport, PendingEdit, PersonalityCheck, PublishChecks, SecretBackend, SentenceReading, SessionInfo, SignInRequest, SignUpRequest, StudioInfo, TestChatAvatarOpened, TestChatFrame, TestChatOutcome, UploadProgressEvent, ViewportEvent, ViewportInput, ViewportSize } from "./studio";

export function studioInfo(): Promise<StudioInfo> {
  return invoke<StudioInfo>("studio_info");
}

/**
 * The first screen is drawn and answers input. The time since start is
 * printed once, for the start-up benchmark.
 */
export function uiReady(): Promise<void> {
  return invoke<void>("ui_ready");
}

/** Asks for a GLB file with the system's file dialog; `None` when cancelled. */
export function avatarChooseFile(): Promise<string | null> {
  return invoke<string | null>("avatar_choose_file");
}

/**
 * Opens an avatar: inspects it, suggests a mapping and shows it in the
 * viewport (starting the renderer the first time). With `mapping` (a bot's
 * own) that mapping is used instead of the suggestion, adapted where it
 * names clips or morph targets this avatar lacks; the answer lists those
 * slots.
 */
export function avatarOpen(source: AvatarSource, size: ViewportSize, mapping?: AnimationMapping | null): Promise<AvatarOpened> {
  return invoke<AvatarOpened>("avatar_open", { source, size, mapping: mapping ?? null });
}

/**
 * Sends input to the viewport, numbered so that frames can say when they
 * show it.
 */
export function viewportInput(input: ViewportInput, sequence: number): Promise<void> {
  return invoke<void>("viewport_input", { input, sequence });
}

/** Replaces the mapping after checking it against the open avatar. */
export function mappingSet(mapping: AnimationMapping): Promise<void> {
  return invoke<void>("mapping_set", { mapping });
}

/** Reads a sentence's emotion and plays the slot the mapping gives for it. */
export function sentencePlay(text: string): Promise<SentenceReading> {
  return invoke<SentenceReading>("sentence_play", { text });
}

/**
 * Plays what the mapping's event rules give for a widget event; the slot
 * played, or `None` when the event has no rule.
 */
export function widgetEvent(event: WidgetEvent): Promise<Slot | null> {
  return invoke<Slot | null>("widget_event", { event });
}

/**
 * Ends a benchmark run: writes the front-end's measurements, with the start-up
 * time, to the file named by the benchmark variable, and quits.
 */
export function benchFinish(report: unknown): Promise<void> {
  return invoke<void>("bench_finish", { report });
}

export function signIn(request: SignInRequest): Promise<SessionInfo> {
  return invoke<SessionInfo>("sign_in", { request });
}

export function signUp(request: SignUpRequest): Promise<SessionInfo> {
  return invoke<SessionInfo>("sign_up", { request });
}

export function knownAccounts(): Promise<KnownAccount[]> {
  return invoke<KnownAccount[]>("known_accounts");
}

export function resume(account: KnownAccount): Promise<SessionInfo> {
  return invoke<SessionInfo>("resume", { account });
}

export function forgetAccount(account: KnownAccount): Promise<void> {
  return invoke<void>("forget_account", { account });
}

export function signOut(): Promise<void> {
  return invoke<void>("sign_out");
}

/**
 * Who is signed in; `null` before sign-in. (A `Result` only because an
 * asynchronous command borrowing state must answer with one.)
 */
export function session(): Promise<SessionInfo | null> {
  return invoke<SessionInfo | null>("session");
}

export function connectivity(): Promise<Connectivity> {
  return invoke<Connectivity>("connectivity");
}

export function secretBackend(): Promise<SecretBackend> {
  return invoke<SecretBackend>("secret_backend");
}

export function tenant(): Promise<TenantView> {
  return invoke<TenantView>("tenant");
}

export function bots(includeArchived: boolean): Promise<BotList> {
  return invoke<BotList>("bots", { includeArchived });
}

export function bot(botId: BotId): Promise<BotView> {
  return invoke<BotView>("bot", { botId });
}

export function createBot(request: CreateBotRequest): Promise<BotView> {
  return invoke<BotView>("create_bot", { request });
}

export function duplicateBot(botId: BotId): Promise<BotView> {
  return invoke<BotView>("duplicate_bot", { botId });
}

export function archiveBot(botId: BotId): Promise<BotView> {
  return invoke<BotView>("archive_bot", { botId });
}

/**
 * Checks the personality form as the user types; synchronous, as it
 * never leaves this machine.
 */
export function checkPersonality(form: unknown): Promise<PersonalityCheck> {
  return invoke<PersonalityCheck>("check_personality", { form });
}

export function updateDraft(botId: BotId, update: UpdateBotRequest): Promise<DraftSave> {
  return invoke<DraftSave>("update_draft", { botId, update });
}

export function pendingEdits(): Promise<PendingEdit[]> {
  return invoke<PendingEdit[]>("pending_edits");
}

export function discardEdit(id: string): Promise<void> {
  return invoke<void>("discard_edit", { id });
}

export function flushOutbox(): Promise<OutboxReport> {
  return invoke<OutboxReport>("flush_outbox");
}

export function publishChecks(botId: BotId): Promise<PublishChecks> {
  return invoke<PublishChecks>("publish_checks", { botId });
}

export function draftDiff(botId: BotId): Promise<DraftDiff> {
  return invoke<DraftDiff>("draft_diff", { botId });
}

export function publish(botId: BotId, request: PublishRequest): Promise<BotVersionView> {
  return invoke<BotVersionView>("publish", { botId, request });
}

export function versions(botId: BotId): Promise<BotVersionList> {
  return invoke<BotVersionList>("versions", { botId });
}

export function rollback(botId: BotId, version: number): Promise<BotVersionView> {
  return invoke<BotVersionView>("rollback", { botId, version });
}

export function embedSnippet(botId: BotId): Promise<EmbedSnippet> {
  return invoke<EmbedSnippet>("embed_snippet", { botId });
}

export function members(): Promise<MemberList> {
  return invoke<MemberList>("members");
}

export function invite(request: InviteRequest): Promise<InviteCreated> {
  return invoke<InviteCreated>("invite", { request });
}

export function changeRole(accountId: AccountId, request: ChangeRoleRequest): Promise<void> {
  return invoke<void>("change_role", { accountId, request });
}

export function removeMember(accountId: AccountId): Promise<void> {
  return invoke<void>("remove_member", { accountId });
}

export function apiKeys(): Promise<ApiKeyList> {
  return invoke<ApiKeyList>("api_keys");
}

export function createApiKey(request: CreateApiKeyRequest): Promise<ApiKeyCreated> {
  return invoke<ApiKeyCreated>("create_api_key", { request });
}

export function revokeApiKey(keyId: ApiKeyId): Promise<void> {
  return invoke<void>("revoke_api_key", { keyId });
}

/**
 * Asks for knowledge documents with the system's file dialog (several at
 * once); empty when cancelled.
 */
export function knowledgeChooseFiles(): Promise<string[]> {
  return invoke<string[]>("knowledge_choose_files");
}

/** Uploads one document to a bot's knowledge, reporting progress as `upload_id`. */
export function knowledgeAddFile(botId: BotId, path: string, uploadId: string): Promise<DocumentView> {
  return invoke<DocumentView>("knowledge_add_file", { botId, path, uploadId });
}

/** Adds a web page, or a crawl of its site, to a bot's knowledge. */
export function knowledgeAddUrl(botId: BotId, request: AddUrlRequest): Promise<DocumentView> {
  return invoke<DocumentView>("knowledge_add_url", { botId, request });
}

/** A bot's documents with their ingestion status. */
export function knowledgeList(botId: BotId): Promise<DocumentList> {
  return invoke<DocumentList>("knowledge_list", { botId });
}

/** Removes a document. */
export function knowledgeDelete(botId: BotId, documentId: DocumentId): Promise<void> {
  return invoke<void>("knowledge_delete", { botId, documentId });
}

/** Fetches a URL source again. */
export function knowledgeResync(botId: BotId, documentId: DocumentId): Promise<DocumentView> {
  return invoke<DocumentView>("knowledge_resync", { botId, documentId });
}

/** Searches the draft's knowledge as the bot would. */
export function knowledgeSearch(botId: BotId, request: SearchRequest): Promise<SearchResponse> {
  return invoke<SearchResponse>("knowledge_search", { botId, request });
}

/** A bot's figures per day over a range. */
export function analyticsLoad(botId: BotId, query: AnalyticsQuery): Promise<BotAnalytics> {
  return invoke<BotAnalytics>("analytics_load", { botId, query });
}

/**
 * Uploads a GLB (a file, or the built-in demo avatar) to the tenant's
 * avatars, reporting progress as `upload_id`.
 */
export function avatarUpload(source: AvatarSource, uploadId: string): Promise<AvatarView> {
  return invoke<AvatarView>("avatar_upload", { source, uploadId });
}

/**
 * Attaches an uploaded avatar with a mapping to a bot's draft (the server
 * checks the mapping against the avatar).
 */
export function avatarAttach(botId: BotId, avatar: BotAvatar): Promise<DraftSave> {
  return invoke<DraftSave>("avatar_attach", { botId, avatar });
}

/**
 * Sends a test message to the bot's draft; frames arrive as
 * `TestChatFrameArrived`s while this runs, and it ends with the conversation
 * to continue or the code of the refusal. Tauri does not order events
 * against a command's result, so the last frames may reach the window after
 * the result does: the screen waits for an answer's `done` or `error` frame.
 */
export function testChatSend(bot: BotId, request: number, message: TestChatRequest): Promise<TestChatOutcome> {
  return invoke<TestChatOutcome>("test_chat_send", { bot, request, message });
}

/** Shows the bot's draft avatar, with the draft's mapping, in the viewport. */
export function testChatOpenAvatar(bot: BotId, size: ViewportSize): Promise<TestChatAvatarOpened> {
  return invoke<TestChatAvatarOpened>("test_chat_open_avatar", { bot, size });
}

/**
 * The name of the avatar the viewport shows, if any: the test chat opens
 * one only when none is open.
 */
export function testChatViewportAvatar(): Promise<string | null> {
  return invoke<string | null>("test_chat_viewport_avatar");
}

/**
 * Renders the bot's draft avatar in its idle pose and stores it as the
 * bot's poster. Fails with `conflict` when the draft has no avatar.
 */
export function posterRender(bot: BotId): Promise<PosterView> {
  return invoke<PosterView>("poster_render", { bot });
}

/** Connectivity changed: the banner follows it. */
export function onConnectivity(handler: (payload: Connectivity) => void): Promise<UnlistenFn> {
  return listen<Connectivity>("connectivity", ({ payload }) => handler(payload));
}

/** The viewport's renderer reported something. */
export function onViewportEvent(handler: (payload: ViewportEvent) => void): Promise<UnlistenFn> {
  return listen<ViewportEvent>("viewport-event", ({ payload }) => handler(payload));
}

/** An upload made progress. */
export function onUploadProgress(handler: (payload: UploadProgressEvent) => void): Promise<UnlistenFn> {
  return listen<UploadProgressEvent>("upload-progress", ({ payload }) => handler(payload));
}

/** A frame of a test answer arrived. */
export function onTestChatFrame(handler: (payload: TestChatFrame) => void): Promise<UnlistenFn> {
  return listen<TestChatFrame>("test-chat-frame", ({ payload }) => handler(payload));
}
