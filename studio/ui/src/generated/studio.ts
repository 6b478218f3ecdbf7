// Generated from the animo-studio-core crate by `cargo xtask codegen`. Do not edit.

import type {
  AccountView,
  AnimationMapping,
  AvatarId,
  BotAvatar,
  BotId,
  BotView,
  ConversationId,
  Email,
  Emotion,
  ErrorCode,
  InspectionReport,
  Intent,
  MappingSuggestion,
  Personality,
  Role,
  ServerFrame,
  Slot,
  TenantId,
  TenantName,
  UpdateBotRequest,
} from "./animo";

export type StudioError = { 
/**
 * What went wrong, for programs.
 */
code: ErrorCode, 
/**
 * What went wrong, for people.
 */
message: string, 
/**
 * The server's request id when the server answered, to quote in reports.
 */
request_id?: string, 
/**
 * Structured details from the server (for example the problems of a
 * mapping) or from validation here (the field that was refused).
 */
details?: Record<string, unknown>, };

export type Connectivity = "signed_out" | "online" | "unreachable" | "session_expired";

export type SecretBackend = "secret_service" | "keyutils" | "file";

export type KnownAccount = { 
/**
 * The server's base URL, as normalized by the Studio (no trailing slash).
 */
server_url: string, 
/**
 * The account's e-mail address.
 */
email: Email, 
/**
 * The tenant signed in to.
 */
tenant_id: TenantId, 
/**
 * The tenant's name, for display.
 */
tenant_name: TenantName, 
/**
 * The role in that tenant at the last sign-in.
 */
role: Role, 
/**
 * When this account was last signed in to.
 */
last_used_at: string, };

export type SignInRequest = { 
/**
 * The server's base URL; [`DEFAULT_SERVER_URL`] when omitted.
 */
server_url?: string, 
/**
 * The account's e-mail address.
 */
email: string, 
/**
 * The password (never stored).
 */
password: string, 
/**
 * The tenant to act in, for accounts in several; the first otherwise.
 */
tenant_id?: TenantId, };

export type SignUpRequest = { 
/**
 * The server's base URL; [`DEFAULT_SERVER_URL`] when omitted.
 */
server_url?: string, 
/**
 * The account's e-mail address.
 */
email: string, 
/**
 * The password (never stored).
 */
password: string, 
/**
 * How the account is shown to other members.
 */
display_name?: string, 
/**
 * The new tenant's name.
 */
tenant_name: string, };

export type SessionInfo = { 
/**
 * The server's base URL.
 */
server_url: string, 
/**
 * The remembered account (the key of its tokens and edits).
 */
account: KnownAccount, 
/**
 * The account as the server describes it.
 */
profile: AccountView | null, 
/**
 * Where the tokens are kept.
 */
secret_backend: SecretBackend, };

export type EditKind = { "kind": "update_draft", 
/**
 * The sections to replace (boxed: a whole draft is far larger than a mapping).
 */
update: UpdateBotRequest, } | { "kind": "attach_avatar", 
/**
 * The avatar with its mapping.
 */
avatar: BotAvatar, };

export type PendingEdit = { 
/**
 * Identifies the edit (its file name in the outbox).
 */
id: string, 
/**
 * The account the edit was made under (see `KnownAccount::key`).
 */
account: string, 
/**
 * The bot it changes.
 */
bot_id: BotId, 
/**
 * The change.
 */
edit: EditKind, 
/**
 * When it was made.
 */
queued_at: string, 
/**
 * How often sending it has failed because the server was unreachable.
 */
attempts: number, 
/**
 * Set when the server refused the edit: it will not be sent again until
 * the user discards it (or edits the same section again, which replaces it).
 */
refused?: StudioError, };

export type DraftSaveStatus = "saved" | "queued";

export type DraftSave = { 
/**
 * Saved or queued.
 */
status: DraftSaveStatus, 
/**
 * The bot as the server has it after the edit, when saved.
 */
bot: BotView | null, 
/**
 * Edits of this account still waiting in the outbox.
 */
pending: number, };

export type OutboxReport = { 
/**
 * Edits the server accepted now.
 */
sent: number, 
/**
 * Edits still waiting (server unreachable or session ended).
 */
pending: number, 
/**
 * Edits the server refused, kept until discarded.
 */
refused: number, };

export type FieldProblem = { 
/**
 * The field, as named in the personality (`greeting`, `temperature`…).
 */
field: string, 
/**
 * What a valid value looks like.
 */
message: string, };

export type PersonalityCheck = { 
/**
 * The valid personality, when every field passes.
 */
personality: Personality | null, 
/**
 * Every field that fails, each on its own.
 */
problems: Array<FieldProblem>, };

export type UploadProgress = { 
/**
 * Bytes sent.
 */
sent: number, 
/**
 * The file's size.
 */
total: number, };

export type PublishCheckKind = "personality" | "avatar_mapping" | "knowledge" | "saved_edits" | "permission";

export type PublishCheck = { 
/**
 * What was checked.
 */
kind: PublishCheckKind, 
/**
 * Whether it passed.
 */
passed: boolean, 
/**
 * What was found, for people (why it failed, or what passed).
 */
message: string, };

export type PublishChecks = { 
/**
 * Each check.
 */
checks: Array<PublishCheck>, 
/**
 * All passed.
 */
ready: boolean, };

export type FieldChange = { 
/**
 * The field's path, such as `personality.greeting` or `widget.primary_color`.
 */
path: string, 
/**
 * Its value in the live version; absent when the field is new.
 */
published?: unknown, 
/**
 * Its value in the draft; absent when the field was removed.
 */
draft?: unknown, };

export type DraftDiff = { 
/**
 * The live version compared with, if the bot was ever published.
 */
live_version: number | null, 
/**
 * The fields that differ, in a stable order; everything when never published.
 */
changes: Array<FieldChange>, };

export type TestChatOutcome = { 
/**
 * The conversation the message went to, for a follow-up.
 */
conversation_id?: ConversationId | null, 
/**
 * The frames received, in order.
 */
frames: number, };

export type StudioInfo = { 
/**
 * The Studio's version.
 */
version: string, 
/**
 * Whether this run measures the viewport instead of serving a person.
 */
bench: boolean, };

export type AvatarSource = { "kind": "demo" } | { "kind": "file", 
/**
 * Its path.
 */
path: string, } | { "kind": "server", 
/**
 * Its id.
 */
avatar_id: AvatarId, 
/**
 * Its file name, for display.
 */
name: string, };

export type ViewportSize = { 
/**
 * Width.
 */
width: number, 
/**
 * Height.
 */
height: number, };

export type ViewportInput = { "kind": "orbit", 
/**
 * Around the vertical axis.
 */
yaw: number, 
/**
 * Up or down.
 */
pitch: number, } | { "kind": "zoom", 
/**
 * Below 1 comes closer.
 */
factor: number, } | { "kind": "reset_camera" } | { "kind": "click", 
/**
 * From the left.
 */
x: number, 
/**
 * From the top.
 */
y: number, } | { "kind": "resize", 
/**
 * Frame width.
 */
width: number, 
/**
 * Frame height.
 */
height: number, } | { "kind": "play_slot", 
/**
 * Which.
 */
slot: Slot, } | { "kind": "play_clip", 
/**
 * Its name.
 */
clip: string, };

export type ViewportEvent = { "kind": "ready" } | { "kind": "failed", 
/**
 * The error's code, when it has one.
 */
code: ErrorCode | null, 
/**
 * What went wrong.
 */
message: string, } | { "kind": "clicked", 
/**
 * x, y and z.
 */
point: [number, number, number], } | { "kind": "stopped", 
/**
 * Why.
 */
message: string, };

export type SlotAdjustment = { 
/**
 * The slot.
 */
slot: Slot, 
/**
 * The clip the bot's mapping named.
 */
previous_clip: string, 
/**
 * The clip it plays now; `None` when nothing fits and the slot falls
 * back along its chain.
 */
clip: string | null, 
/**
 * Why, for the designer.
 */
reason: string, };

export type AvatarOpened = { 
/**
 * The file's name.
 */
name: string, 
/**
 * The inspection report.
 */
report: InspectionReport, 
/**
 * The mapping in force: the bot's (adapted to this avatar where it did
 * not fit) or the suggested one.
 */
mapping: AnimationMapping, 
/**
 * The suggestion with its reasons and confidences.
 */
suggestion: MappingSuggestion, 
/**
 * The slots of the bot's mapping that were changed to fit this avatar;
 * empty when it fitted or no mapping was given.
 */
adjusted: Array<SlotAdjustment>, };

export type SentenceReading = { 
/**
 * From -1 (most negative) to +1.
 */
compound: number, 
/**
 * The emotion the rules see.
 */
emotion: Emotion, 
/**
 * How strongly, from 0 to 1.
 */
intensity: number, 
/**
 * What the sentence tries to do, if recognisable.
 */
intent: Intent | null, 
/**
 * The slot the mapping's intent and emotion rules give.
 */
slot: Slot, };

export type TestChatFrame = { 
/**
 * The number the screen gave the message.
 */
request: number, 
/**
 * The frame.
 */
frame: ServerFrame, };

export type TestChatAvatar = "bot" | "none";

export type TestChatAvatarOpened = { 
/**
 * Which.
 */
kind: TestChatAvatar, 
/**
 * The opened avatar, for the bot's.
 */
opened: AvatarOpened | null, };

export type UploadProgressEvent = { 
/**
 * The id the front-end gave the upload.
 */
id: string, 
/**
 * Bytes sent.
 */
sent: number, 
/**
 * The file's size.
 */
total: number, };

/** The server the quick start runs, offered first on the sign-in screen. */
export const DEFAULT_SERVER_URL = "http://127.0.0.1:8080";
