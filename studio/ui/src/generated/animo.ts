// Generated from the animo-shared crate by `cargo xtask codegen`. Do not edit.

export type TenantId = string;

export type AccountId = string;

export type BotId = string;

export type ApiKeyId = string;

export type InviteId = string;

export type AuditId = string;

export type EmbedId = string;

export type ErrorCode = "malformed_json" | "invalid_request" | "unsupported_media_type" | "payload_too_large" | "unauthenticated" | "token_expired" | "invalid_credentials" | "invalid_refresh_token" | "refresh_token_reused" | "too_many_attempts" | "forbidden" | "signup_disabled" | "tenant_suspended" | "quota_exceeded" | "not_found" | "method_not_allowed" | "email_taken" | "conflict" | "not_published" | "bot_archived" | "invite_invalid" | "confirmation_required" | "not_glb" | "gltf_version_unsupported" | "glb_corrupt" | "gltf_extension_unsupported" | "avatar_too_complex" | "mapping_invalid" | "range_not_satisfiable" | "origin_not_allowed" | "visitor_token_invalid" | "visitor_token_expired" | "identity_invalid" | "rate_limited" | "budget_exhausted" | "provider_failed" | "unsupported_document" | "document_unreadable" | "document_empty" | "document_too_large" | "url_forbidden" | "url_unreachable" | "poster_invalid" | "widget_not_built" | "demo_not_seeded" | "server_unreachable" | "session_expired" | "unavailable" | "internal";

export type ErrorBody = { 
/**
 * What went wrong, for programs.
 */
code: ErrorCode, 
/**
 * What went wrong, for people.
 */
message: string, 
/**
 * The id of the request, as in the server's logs and the `x-request-id` header.
 */
request_id: string, 
/**
 * Structured details, for example the plan limit that was hit.
 */
details?: Record<string, unknown>, };

export type DisplayName = string;

export type TenantName = string;

export type Label = string;

export type Email = string;

export type Password = string;

export type Secret = string;

export type BotName = string;

export type BotRole = string;

export type PersonaPrompt = string;

export type Greeting = string;

export type FallbackMessage = string;

export type GuardrailRule = string;

export type ForbiddenTopic = string;

export type ModelName = string;

export type LauncherText = string;

export type FaqQuestion = string;

export type FaqAnswer = string;

export type FaqEntry = { 
/**
 * The question.
 */
question: FaqQuestion, 
/**
 * The answer.
 */
answer: FaqAnswer, };

export type Faq = Array<FaqEntry>;

export type Guardrails = Array<GuardrailRule>;

export type ForbiddenTopics = Array<ForbiddenTopic>;

export type AllowedOrigins = Array<Origin>;

export type UrlPatterns = Array<UrlPattern>;

export type Tone = "friendly" | "professional" | "playful" | "concise" | "empathetic";

export type LanguageTag = string;

export type Temperature = number;

export type ReplyTokenLimit = number;

export type Personality = { 
/**
 * The name visitors see.
 */
name: BotName, 
/**
 * The role in one line.
 */
role?: BotRole, 
/**
 * Free instructions for the model.
 */
persona_prompt?: PersonaPrompt, 
/**
 * How the bot speaks.
 */
tone?: Tone, 
/**
 * The language the bot answers in.
 */
language?: LanguageTag, 
/**
 * The first message a visitor sees.
 */
greeting?: Greeting, 
/**
 * What the bot says when it has no grounded answer.
 */
fallback_message?: FallbackMessage, 
/**
 * Rules the bot must follow.
 */
guardrails?: Guardrails, 
/**
 * Topics the bot declines.
 */
forbidden_topics?: ForbiddenTopics, 
/**
 * Sampling temperature.
 */
temperature?: Temperature, 
/**
 * The longest reply, in tokens.
 */
max_reply_tokens?: ReplyTokenLimit, 
/**
 * Curated questions and answers.
 */
faq?: Faq, };

export type ProviderKind = "offline" | "openai" | "anthropic" | "gemini";

export type HttpUrl = string;

export type ProviderChoice = { 
/**
 * Which API to call.
 */
provider: ProviderKind, 
/**
 * The model to ask; required for every provider but `offline`.
 */
model?: ModelName | null, 
/**
 * Where the API lives, when not the provider's public endpoint.
 */
base_url?: HttpUrl | null, };

export type ProviderChain = Array<ProviderChoice>;

export type ModelSettings = { 
/**
 * The chain, first choice first.
 */
chain: ProviderChain, };

export type HexColor = string;

export type Theme = "auto" | "light" | "dark";

export type Corner = "bottom_right" | "bottom_left" | "top_right" | "top_left";

export type WidgetLook = { 
/**
 * Brand colour of the launcher and the visitor's bubbles.
 */
primary_color: HexColor, 
/**
 * Text colour on the primary colour.
 */
on_primary_color: HexColor, 
/**
 * Light, dark or automatic.
 */
theme?: Theme, 
/**
 * The corner the launcher sits in.
 */
position?: Corner, 
/**
 * Text on the launcher button.
 */
launcher_text?: LauncherText, };

export type Origin = string;

export type UrlPattern = string;

export type AutoOpenDelay = number;

export type PlacementRules = { 
/**
 * Show only on pages matching one of these (empty: every page).
 */
include?: UrlPatterns, 
/**
 * Never show on pages matching one of these; wins over `include`.
 */
exclude?: UrlPatterns, 
/**
 * Open the chat by itself after this many milliseconds (at most 10 minutes).
 */
auto_open_delay_ms?: AutoOpenDelay | null, };

export type BotConfig = { 
/**
 * Who the bot is.
 */
personality: Personality, 
/**
 * Which models answer.
 */
model: ModelSettings, 
/**
 * How the widget looks.
 */
widget: WidgetLook, 
/**
 * Origins allowed to embed the bot. Empty means only the tenant's test origins.
 */
allowed_origins: AllowedOrigins, 
/**
 * Where and when the widget appears.
 */
placement: PlacementRules, 
/**
 * The avatar and its slot mapping; without one the widget shows a 2D poster.
 */
avatar?: BotAvatar | null, 
/**
 * The avatar's idle pose as a PNG, the widget's 2D fallback; set by
 * `PUT /v1/bots/{bot_id}/poster` and frozen into each published version.
 */
poster?: PosterView | null, };

export type BotStatus = "active" | "archived";

export type BotView = { 
/**
 * The bot's id.
 */
id: BotId, 
/**
 * The public id websites embed.
 */
embed_id: EmbedId, 
/**
 * Active or archived.
 */
status: BotStatus, 
/**
 * The configuration being edited.
 */
draft: BotConfig, 
/**
 * The version embeds serve, if any was published.
 */
live_version: number | null, 
/**
 * When the bot was created.
 */
created_at: string, 
/**
 * When the draft last changed.
 */
updated_at: string, };

export type CreateBotRequest = { 
/**
 * Who the bot is.
 */
personality: Personality, 
/**
 * Which models answer (default: the offline responder).
 */
model?: ModelSettings, 
/**
 * How the widget looks.
 */
widget?: WidgetLook, 
/**
 * Origins allowed to embed the bot.
 */
allowed_origins?: AllowedOrigins, 
/**
 * Where and when the widget appears.
 */
placement?: PlacementRules, };

export type UpdateBotRequest = { 
/**
 * New personality.
 */
personality?: Personality, 
/**
 * New model settings.
 */
model?: ModelSettings, 
/**
 * New widget look.
 */
widget?: WidgetLook, 
/**
 * New allowed origins.
 */
allowed_origins?: AllowedOrigins, 
/**
 * New placement rules.
 */
placement?: PlacementRules, };

export type PublishRequest = { 
/**
 * A note for the version list, e.g. "new greeting".
 */
note?: Label, };

export type RollbackRequest = { 
/**
 * The version to bring back.
 */
version: number, };

export type BotVersionView = { 
/**
 * The bot.
 */
bot_id: BotId, 
/**
 * 1, 2, 3… in publishing order.
 */
version: number, 
/**
 * The configuration frozen at publishing.
 */
config: BotConfig, 
/**
 * When it was published.
 */
published_at: string, 
/**
 * Who published it (an account or API key id).
 */
published_by: string, 
/**
 * The publisher's note.
 */
note: Label, 
/**
 * Set when this version was made by rolling back to an earlier one.
 */
rolled_back_from: number | null, };

export type BotVersionList = { 
/**
 * The version embeds serve.
 */
live_version: number | null, 
/**
 * Every version, newest first.
 */
versions: Array<BotVersionView>, };

export type BotList = { 
/**
 * Bots, oldest first; archived ones only when asked for.
 */
bots: Array<BotView>, };

export type EmbedIdView = { 
/**
 * The new embed id; the old one stops working at once.
 */
embed_id: EmbedId, };

export type EmbedSnippet = { 
/**
 * The bot's current embed id.
 */
embed_id: EmbedId, 
/**
 * Where the loader script lives: the server's public URL followed by `/embed.js`.
 */
script_url: string, 
/**
 * The whole tag, `<script async src="…/embed.js" data-embed-id="…"></script>`, ready to paste.
 */
snippet: string, };

export type Role = "viewer" | "designer" | "owner";

export type SignupRequest = { 
/**
 * The account's e-mail address.
 */
email: Email, 
/**
 * At least 10 characters.
 */
password: Password, 
/**
 * How the person is called.
 */
display_name?: DisplayName, 
/**
 * The business's name.
 */
tenant_name: TenantName, };

export type LoginRequest = { 
/**
 * The account's e-mail address.
 */
email: Email, 
/**
 * The password.
 */
password: Password, 
/**
 * Which tenant to act in, when the account belongs to several (default: the oldest membership).
 */
tenant_id?: TenantId, };

export type RefreshRequest = { 
/**
 * The refresh token from sign-in or the previous refresh.
 */
refresh_token: Secret, };

export type LogoutRequest = { 
/**
 * The refresh token of the session to end.
 */
refresh_token: Secret, };

export type ChangePasswordRequest = { 
/**
 * The password in use now.
 */
current_password: Password, 
/**
 * The new password.
 */
new_password: Password, };

export type TokenPair = { 
/**
 * Always `Bearer`.
 */
token_type: string, 
/**
 * A JWT for `Authorization: Bearer …`, valid for 15 minutes.
 */
access_token: Secret, 
/**
 * Seconds until the access token expires.
 */
expires_in: number, 
/**
 * An opaque token, valid for 30 days and usable once.
 */
refresh_token: Secret, };

export type AccountView = { 
/**
 * The account's id.
 */
id: AccountId, 
/**
 * Its e-mail address.
 */
email: Email, 
/**
 * How the person is called.
 */
display_name: DisplayName, 
/**
 * When it was created.
 */
created_at: string, };

export type Membership = { 
/**
 * The tenant.
 */
tenant_id: TenantId, 
/**
 * Its name.
 */
tenant_name: TenantName, 
/**
 * The account's role there.
 */
role: Role, };

export type SessionResponse = { 
/**
 * Who signed in.
 */
account: AccountView, 
/**
 * The tenant the tokens act in, with the role there.
 */
membership: Membership, 
/**
 * The tokens.
 */
tokens: TokenPair, };

export type MeResponse = { 
/**
 * The account, absent when the caller is an API key.
 */
account: AccountView | null, 
/**
 * The tenant acted in and the role there.
 */
membership: Membership, 
/**
 * Every tenant the account belongs to.
 */
memberships: Array<Membership>, };

export type InviteRequest = { 
/**
 * Who to invite.
 */
email: Email, 
/**
 * The role they will have.
 */
role: Role, };

export type InviteCreated = { 
/**
 * The invitation's id.
 */
id: InviteId, 
/**
 * Who is invited.
 */
email: Email, 
/**
 * Their future role.
 */
role: Role, 
/**
 * The secret the invitee presents to accept.
 */
token: Secret, 
/**
 * When the invitation lapses.
 */
expires_at: string, };

export type AcceptInviteRequest = { 
/**
 * The token from the invitation.
 */
token: Secret, 
/**
 * The new or existing account's password.
 */
password: Password, 
/**
 * The name for a new account.
 */
display_name?: DisplayName, };

export type MemberView = { 
/**
 * The account.
 */
account_id: AccountId, 
/**
 * Its e-mail address.
 */
email: Email, 
/**
 * Its name.
 */
display_name: DisplayName, 
/**
 * Its role in this tenant.
 */
role: Role, 
/**
 * When it joined.
 */
joined_at: string, };

export type MemberList = { 
/**
 * Members, oldest first.
 */
members: Array<MemberView>, 
/**
 * Invitations not yet accepted or expired.
 */
pending_invites: Array<PendingInvite>, };

export type PendingInvite = { 
/**
 * The invitation.
 */
id: InviteId, 
/**
 * Who is invited.
 */
email: Email, 
/**
 * Their future role.
 */
role: Role, 
/**
 * When it lapses.
 */
expires_at: string, };

export type ChangeRoleRequest = { 
/**
 * The new role.
 */
role: Role, };

export type CreateApiKeyRequest = { 
/**
 * What the key is for.
 */
name: Label, 
/**
 * What the key may do.
 */
role: Role, };

export type ApiKeyView = { 
/**
 * The key's id.
 */
id: ApiKeyId, 
/**
 * What the key is for.
 */
name: Label, 
/**
 * What the key may do.
 */
role: Role, 
/**
 * The start of the secret (`ak_…`), to recognise it.
 */
prefix: string, 
/**
 * When it was created.
 */
created_at: string, 
/**
 * When it was last used, to the minute.
 */
last_used_at: string | null, };

export type ApiKeyCreated = { 
/**
 * The key as it will be listed.
 */
key: ApiKeyView, 
/**
 * The secret for `Authorization: Bearer ak_…`; it cannot be shown again.
 */
secret: Secret, };

export type ApiKeyList = { 
/**
 * Keys, oldest first.
 */
keys: Array<ApiKeyView>, };

export type Plan = { 
/**
 * The plan's name, e.g. `free`.
 */
name: string, 
/**
 * Most bots that are not archived.
 */
max_bots: number, 
/**
 * Most members (owners, designers and viewers together).
 */
max_members: number, 
/**
 * Most visitor messages per calendar month (UTC).
 */
monthly_messages: number, 
/**
 * Most bytes of knowledge documents in all.
 */
knowledge_bytes: number, 
/**
 * Most bytes of avatar files in all.
 */
avatar_bytes: number, };

export type QuotaKind = "bots" | "members" | "monthly_messages" | "knowledge_bytes" | "avatar_bytes";

export type Usage = { 
/**
 * Bots that are not archived.
 */
bots: number, 
/**
 * Members.
 */
members: number, 
/**
 * Visitor messages this month.
 */
monthly_messages: number, 
/**
 * Bytes of knowledge documents.
 */
knowledge_bytes: number, 
/**
 * Bytes of avatar files.
 */
avatar_bytes: number, };

export type TenantStatus = "active" | "suspended";

export type TenantView = { 
/**
 * The tenant's id.
 */
id: TenantId, 
/**
 * Its name.
 */
name: TenantName, 
/**
 * Active or suspended.
 */
status: TenantStatus, 
/**
 * Its plan.
 */
plan: Plan, 
/**
 * What it uses of the plan.
 */
usage: Usage, 
/**
 * When it was created.
 */
created_at: string, };

export type DeletionChallenge = { 
/**
 * Send this back in [`ConfirmDeletionRequest`] to delete everything.
 */
confirmation_token: Secret, 
/**
 * When the token lapses.
 */
expires_at: string, };

export type ConfirmDeletionRequest = { 
/**
 * The token from the first step.
 */
confirmation_token: Secret, };

export type Actor = { "kind": "account", 
/**
 * The account.
 */
id: AccountId, } | { "kind": "api_key", 
/**
 * The key.
 */
id: ApiKeyId, } | { "kind": "operator", 
/**
 * Who, as far as known.
 */
name: string, };

export type AuditEntry = { 
/**
 * The entry's id (ordered by time).
 */
id: AuditId, 
/**
 * When it happened.
 */
at: string, 
/**
 * Who did it.
 */
actor: Actor, 
/**
 * What was done, e.g. `bot.publish`.
 */
action: string, 
/**
 * What it was done to, e.g. a bot id.
 */
target: string, 
/**
 * The client's address, as the server saw it.
 */
client_addr: string | null, };

export type AuditPage = { 
/**
 * The entries.
 */
entries: Array<AuditEntry>, 
/**
 * Pass as `before` to get the next, older page; absent on the last page.
 */
next_before: AuditId | null, };

export type AdminTenantView = { 
/**
 * The tenant's id.
 */
id: TenantId, 
/**
 * Its name.
 */
name: TenantName, 
/**
 * Its plan's name.
 */
plan: string, 
/**
 * Active or suspended.
 */
status: TenantStatus, 
/**
 * When it was created.
 */
created_at: string, };

export type AdminTenantUpdate = { 
/**
 * The new plan's name.
 */
plan?: string, 
/**
 * Suspend or reactivate.
 */
status?: TenantStatus, };

export type HealthResponse = { 
/**
 * `ok`, or what is wrong.
 */
status: string, 
/**
 * The server's version.
 */
version: string, };

export type Slot = "idle" | "idle_variant" | "listening" | "thinking" | "talking" | "greeting" | "farewell" | "nod_yes" | "shake_no" | "happy" | "laughing" | "sad" | "surprised" | "angry" | "confused" | "thumbs_up" | "pointing" | "celebrating" | "apologetic" | "bored";

export type ClipName = string;

export type MorphTargetName = string;

export type LoopMode = "loop" | "once" | "hold";

export type Speed = number;

export type Crossfade = number;

export type MorphWeight = number;

export type Expression = { 
/**
 * The morph target to weight.
 */
morph_target: MorphTargetName, 
/**
 * How strongly.
 */
weight?: MorphWeight, };

export type SlotBinding = { 
/**
 * The clip to play.
 */
clip: ClipName, 
/**
 * Loop, once then back to idle, or hold the last frame.
 */
loop_mode?: LoopMode, 
/**
 * Playback speed.
 */
speed?: Speed, 
/**
 * Crossfade into this slot, in seconds.
 */
crossfade_secs?: Crossfade, 
/**
 * An optional facial expression.
 */
expression?: Expression, };

export type WidgetEvent = "open" | "close" | "click" | "hover" | "drag_start" | "drag_end" | "page_view" | "idle_timeout";

export type Emotion = "happy" | "sad" | "surprised" | "angry" | "confused" | "neutral";

export type Intent = "greeting" | "farewell" | "thanks" | "question" | "complaint";

export type AnimationMapping = { 
/**
 * Which clip plays each slot; unmapped slots fall back along their chain.
 */
slots?: { [key in Slot]?: SlotBinding }, 
/**
 * Which slot each widget event plays.
 */
events?: { [key in WidgetEvent]?: Slot }, 
/**
 * Which slot each emotion plays.
 */
emotions?: { [key in Emotion]?: Slot }, 
/**
 * Which slot each intent plays.
 */
intents?: { [key in Intent]?: Slot }, };

export type MappingProblem = { 
/**
 * The slot concerned.
 */
slot: Slot, 
/**
 * What is wrong, for people.
 */
problem: string, };

export type SlotSuggestion = { 
/**
 * The slot.
 */
slot: Slot, 
/**
 * The clip proposed for it.
 */
clip: string, 
/**
 * The morph target proposed as its expression, if any.
 */
expression: string | null, 
/**
 * From 0 (a guess) to 1 (the name says so).
 */
confidence: number, 
/**
 * Why, for people.
 */
reason: string, };

export type MappingSuggestion = { 
/**
 * The mapping, ready to edit.
 */
mapping: AnimationMapping, 
/**
 * One entry per mapped slot.
 */
slots: Array<SlotSuggestion>, 
/**
 * Slots left unmapped; they fall back along their chain.
 */
unmapped: Array<Slot>, };

export type InspectionReport = { 
/**
 * The file's size in bytes.
 */
file_bytes: number, 
/**
 * The tool that wrote the file (`asset.generator`), if it says.
 */
generator: string | null, 
/**
 * The animation clips, in file order.
 */
clips: Array<ClipInfo>, 
/**
 * The meshes that have morph targets, in file order.
 */
morph_targets: Array<MeshMorphTargets>, 
/**
 * The skins, in file order.
 */
skins: Array<SkinInfo>, 
/**
 * How many meshes the file defines.
 */
meshes: number, 
/**
 * How many primitives (draw calls) those meshes have.
 */
primitives: number, 
/**
 * Triangles over all primitives; points and lines count none.
 */
triangles: number, 
/**
 * Vertices (`POSITION` elements) over all primitives.
 */
vertices: number, 
/**
 * The images.
 */
textures: TextureInfo, 
/**
 * The default scene's bounding box, when it has geometry with a known extent.
 */
bounds: Bounds | null, 
/**
 * The bounding box's height (`max[1] - min[1]`), in the file's units (metres, by glTF convention).
 */
height: number | null, 
/**
 * `extensionsUsed`, sorted.
 */
extensions_used: Array<string>, 
/**
 * `extensionsRequired`, sorted; all of them are in [`SUPPORTED_REQUIRED_EXTENSIONS`].
 */
extensions_required: Array<string>, };

export type ClipInfo = { 
/**
 * The clip's name, or `clip_<index>` when it has none.
 */
name: string, 
/**
 * The latest key time over its samplers, in seconds.
 */
duration_secs: number, 
/**
 * How many channels (animated node properties) it has.
 */
channels: number, 
/**
 * The names of the nodes it animates (bones, mostly), sorted, each once.
 */
targeted_joints: Array<string>, };

export type MeshMorphTargets = { 
/**
 * The mesh's name, or `mesh_<index>` when it has none.
 */
mesh: string, 
/**
 * The targets' names from the mesh's `extras.targetNames` (the convention
 * of Blender's exporter and most others), or `target_<index>` when absent.
 */
targets: Array<string>, };

export type SkinInfo = { 
/**
 * The skin's name, if it has one.
 */
name: string | null, 
/**
 * How many joints it binds.
 */
joints: number, };

export type TextureInfo = { 
/**
 * How many images, embedded or referenced by URI.
 */
count: number, 
/**
 * The largest width or height over the embedded PNG and JPEG images, in pixels.
 */
largest_dimension: number | null, 
/**
 * The images' media types, sorted, each once.
 */
formats: Array<string>, };

export type Bounds = { 
/**
 * The lowest x, y and z.
 */
min: [number, number, number], 
/**
 * The highest x, y and z.
 */
max: [number, number, number], };

export type AvatarView = { 
/**
 * The avatar's id.
 */
id: AvatarId, 
/**
 * The uploaded file's name.
 */
file_name: string, 
/**
 * Its size in bytes.
 */
bytes: number, 
/**
 * The SHA-256 of the file, as hex; also its HTTP entity tag.
 */
sha256: string, 
/**
 * What the file contains.
 */
report: InspectionReport, 
/**
 * When it was uploaded.
 */
created_at: string, };

export type AvatarList = { 
/**
 * Avatars, oldest first.
 */
avatars: Array<AvatarView>, };

export type BotAvatar = { 
/**
 * The avatar.
 */
avatar_id: AvatarId, 
/**
 * The slot mapping, checked against the avatar's clips and morph targets.
 */
mapping: AnimationMapping, };

export type AvatarId = string;

export type VisitorId = string;

export type ConversationId = string;

export type MessageId = string;

export type EmbedConfigQuery = { 
/**
 * The visitor id the widget remembered from an earlier visit; a new one is issued when absent.
 */
visitor_id?: VisitorId, 
/**
 * The tenant's own user id, when the tenant's site signs its users in.
 */
user_id?: string, 
/**
 * Hex HMAC-SHA256 of `user_id` under the tenant's identity secret, computed by the tenant's backend.
 */
user_hash?: string, };

export type EmbedConfig = { 
/**
 * The embed id asked for.
 */
embed_id: EmbedId, 
/**
 * The published version served.
 */
version: number, 
/**
 * The bot's name.
 */
bot_name: string, 
/**
 * The first message a visitor sees.
 */
greeting: string, 
/**
 * The language the bot answers in (BCP 47).
 */
language: string, 
/**
 * How the widget looks.
 */
widget: WidgetLook, 
/**
 * Where and when the widget appears.
 */
placement: PlacementRules, 
/**
 * The avatar, when the bot has one; otherwise the widget shows a 2D poster.
 */
avatar?: EmbedAvatar | null, 
/**
 * A PNG of the avatar in its idle pose, rendered when the bot was
 * published: the widget's 2D fallback where the 3D avatar does not run.
 */
poster_url?: string | null, 
/**
 * The visitor's session.
 */
visitor: VisitorSession, };

export type EmbedAvatar = { 
/**
 * Where to fetch the GLB (a path on the runtime server, immutable per avatar).
 */
model_url: string, 
/**
 * The slot mapping of the published version.
 */
mapping: AnimationMapping, };

export type VisitorSession = { 
/**
 * The signed visitor token, bound to the embed id, the origin and the visitor.
 */
token: string, 
/**
 * When the token stops working; fetch the config again before then.
 */
expires_at: string, 
/**
 * The visitor id to remember in the browser.
 */
visitor_id: VisitorId, 
/**
 * The tenant's user id, when the identity was verified.
 */
user_id?: string | null, };

export type PageView = { 
/**
 * The page's URL.
 */
url: string, 
/**
 * The page's title.
 */
title: string, };

export type Rating = "up" | "down";

export type ClientFrame = { "type": "user_message", 
/**
 * An id the client chose for this message, unique within the conversation.
 */
client_msg_id: string, 
/**
 * What the visitor wrote.
 */
text: string, } | { "type": "event", 
/**
 * What happened.
 */
kind: WidgetEvent, 
/**
 * Details: a [`PageView`] for `page_view`, nothing otherwise.
 */
data: unknown, } | { "type": "feedback", 
/**
 * The answer rated.
 */
message_id: MessageId, 
/**
 * Up or down.
 */
rating: Rating, 
/**
 * Optional words.
 */
comment?: string, } | { "type": "resume", 
/**
 * The conversation to continue.
 */
conversation_id: ConversationId, 
/**
 * The sequence number of the last message the client has (0 for none).
 */
after: number, };

export type MessageUsage = { 
/**
 * Prompt tokens.
 */
input_tokens: number, 
/**
 * Answer tokens.
 */
output_tokens: number, 
/**
 * Cost in millionths of a US dollar.
 */
cost_micro_usd: number, };

export type Source = { 
/**
 * The number the answer cites, as in `[1]`.
 */
number: number, 
/**
 * The document or entry's title.
 */
title: string, 
/**
 * Where it comes from (a URL, or a name inside the bot's knowledge).
 */
url?: string | null, 
/**
 * The passage itself, possibly shortened.
 */
excerpt: string, };

export type Author = "visitor" | "bot";

export type ChatMessage = { 
/**
 * The message's id.
 */
id: MessageId, 
/**
 * Its position in the conversation, from 1.
 */
seq: number, 
/**
 * Who wrote it.
 */
author: Author, 
/**
 * The text.
 */
text: string, 
/**
 * The client's id for a visitor message.
 */
client_msg_id?: string | null, 
/**
 * The sources of an answer.
 */
sources: Array<Source>, 
/**
 * When it was stored.
 */
created_at: string, };

export type ServerFrame = { "type": "ready", 
/**
 * The visitor's current conversation, if they have one.
 */
conversation_id?: ConversationId | null, 
/**
 * The sequence number of the conversation's last message (0 for none).
 */
last_seq: number, } | { "type": "ack", 
/**
 * The client's id of the message.
 */
client_msg_id: string, 
/**
 * The stored message's id.
 */
message_id: MessageId, 
/**
 * The conversation it belongs to (created with the first message).
 */
conversation_id: ConversationId, 
/**
 * Its sequence number.
 */
seq: number, 
/**
 * True when the message had been stored before (a retry).
 */
duplicate: boolean, } | { "type": "cue", 
/**
 * The slot to play.
 */
slot: Slot, 
/**
 * The emotion read.
 */
emotion: Emotion, 
/**
 * How strongly, from 0 to 1.
 */
intensity: number, 
/**
 * The intent read, if any.
 */
intent?: Intent, } | { "type": "token", 
/**
 * The text to append.
 */
text: string, } | { "type": "sources", 
/**
 * The sources, numbered as the answer cites them.
 */
sources: Array<Source>, } | { "type": "done", 
/**
 * The stored answer's id (rate it with `feedback`).
 */
message_id: MessageId, 
/**
 * Its sequence number.
 */
seq: number, 
/**
 * Tokens and cost.
 */
usage: MessageUsage, } | { "type": "message", 
/**
 * The message.
 */
message: ChatMessage, } | { "type": "error", 
/**
 * What went wrong, for programs.
 */
code: ErrorCode, 
/**
 * What went wrong, for people.
 */
message: string, };

export type SseMessageRequest = { 
/**
 * The visitor token from the embed config.
 */
token: string, 
/**
 * The conversation to continue; the visitor's current one when absent.
 */
conversation_id?: ConversationId, 
/**
 * An id the client chose for this message.
 */
client_msg_id: string, 
/**
 * What the visitor wrote.
 */
text: string, };

export type TestChatRequest = { 
/**
 * The test conversation to continue (from an earlier `ack`); a new one when absent.
 */
conversation_id?: ConversationId, 
/**
 * An id the client chose for this message, making a retry idempotent; the server picks one when absent.
 */
client_msg_id?: string, 
/**
 * What the member wrote.
 */
text: string, };

export type PosterView = { 
/**
 * The image's content hash, which is also its strong ETag.
 */
etag: string, 
/**
 * Width in pixels.
 */
width: number, 
/**
 * Height in pixels.
 */
height: number, 
/**
 * Size in bytes.
 */
bytes: number, };

export type ChatHistory = { 
/**
 * The conversation, if the visitor has one.
 */
conversation_id?: ConversationId | null, 
/**
 * Its messages, oldest first.
 */
messages: Array<ChatMessage>, };

export type BudgetAction = "offline" | "refuse";

export type BudgetSettings = { 
/**
 * The tenant's limit for all bots together; none means unlimited.
 */
tenant_monthly_micro_usd?: number | null, 
/**
 * Limits of single bots.
 */
bot_monthly_micro_usd: { [key in BotId]: number }, 
/**
 * What happens at a limit.
 */
when_exhausted: BudgetAction, };

export type TestOrigins = { 
/**
 * The origins.
 */
origins: AllowedOrigins, };

export type IdentitySecret = { 
/**
 * Sign user ids with HMAC-SHA256 under this secret (hex digest) on the tenant's own server.
 */
secret: string, };

export type AnalyticsQuery = { 
/**
 * First day, `YYYY-MM-DD`.
 */
from: string, 
/**
 * Last day, `YYYY-MM-DD`; at most 366 days after `from`.
 */
to: string, };

export type SentimentCounts = { 
/**
 * Messages with a compound score of at least 0.05.
 */
positive: number, 
/**
 * Messages in between.
 */
neutral: number, 
/**
 * Messages with a compound score of at most -0.05.
 */
negative: number, };

export type DayAnalytics = { 
/**
 * The day, `YYYY-MM-DD` (UTC).
 */
day: string, 
/**
 * Conversations with at least one visitor message that day.
 */
conversations: number, 
/**
 * Visitor messages.
 */
visitor_messages: number, 
/**
 * Answers.
 */
answers: number, 
/**
 * Distinct visitors (verified users count once across devices).
 */
unique_visitors: number, 
/**
 * Mean milliseconds from a visitor message to its answer's first words.
 */
latency_ms_mean: number, 
/**
 * 95th percentile of the same.
 */
latency_ms_p95: number, 
/**
 * Prompt tokens.
 */
input_tokens: number, 
/**
 * Answer tokens.
 */
output_tokens: number, 
/**
 * Cost in millionths of a US dollar.
 */
cost_micro_usd: number, 
/**
 * Sentiment of visitor messages.
 */
sentiment: SentimentCounts, 
/**
 * Answers rated helpful.
 */
feedback_up: number, 
/**
 * Answers rated unhelpful.
 */
feedback_down: number, 
/**
 * Answers that fell back to "I don't know".
 */
unanswered: number, };

export type QuestionCount = { 
/**
 * The question as first asked.
 */
question: string, 
/**
 * Times asked (questions equal up to case, spacing and punctuation count together).
 */
count: number, };

export type BotAnalytics = { 
/**
 * Every day of the range, oldest first, including days without messages.
 */
days: Array<DayAnalytics>, 
/**
 * The range as a whole (`day` is empty; unique visitors over the range).
 */
totals: DayAnalytics, 
/**
 * The most asked questions over the range, most asked first.
 */
top_questions: Array<QuestionCount>, 
/**
 * Questions the bot could not answer, most asked first.
 */
unanswered_questions: Array<QuestionCount>, };

export type VisitorData = { 
/**
 * Their conversations.
 */
conversations: unknown[], 
/**
 * Every message of those conversations and every message they sent.
 */
messages: unknown[], 
/**
 * Cached answers created from their questions.
 */
cached_answers: unknown[], };

export type VisitorErasure = { 
/**
 * Conversations removed.
 */
conversations: number, 
/**
 * Messages removed (with them, every analytics figure they made).
 */
messages: number, 
/**
 * Cached answers removed.
 */
cached_answers: number, };

export type DocumentId = string;

export type DocumentSource = { "kind": "file", 
/**
 * Its name as uploaded.
 */
name: string, } | { "kind": "url", 
/**
 * The page's address.
 */
url: string, } | { "kind": "crawled", 
/**
 * The page's address (after redirects, without fragment).
 */
url: string, 
/**
 * The URL source whose crawl found it.
 */
source_id: DocumentId, };

export type CrawlLimits = { 
/**
 * Most pages fetched, the start page included (at least 1; the server's configuration caps it).
 */
max_pages: number, 
/**
 * Most links followed from the start page (0: the start page alone; capped by the server's configuration).
 */
max_depth: number, };

export type DocumentStatus = "queued" | "extracting" | "embedding" | "indexed" | "failed";

export type DocumentFailure = { 
/**
 * A code of the error table.
 */
code: ErrorCode, 
/**
 * What went wrong, for people.
 */
message: string, };

export type DocumentView = { 
/**
 * The document's id.
 */
id: DocumentId, 
/**
 * The bot it belongs to.
 */
bot_id: BotId, 
/**
 * Where it comes from.
 */
source: DocumentSource, 
/**
 * Its size in bytes, as last read.
 */
bytes: number, 
/**
 * Ingestion status.
 */
status: DocumentStatus, 
/**
 * Passages done and in all, while extracting or embedding.
 */
progress_done: number, 
/**
 * Passages in all (0 until known).
 */
progress_total: number, 
/**
 * Searchable passages.
 */
chunks: number, 
/**
 * The failure, when `status` is `failed`.
 */
error?: DocumentFailure | null, 
/**
 * SHA-256 of the content last indexed.
 */
content_hash?: string | null, 
/**
 * The crawl limits of a URL source that crawls its site.
 */
crawl?: CrawlLimits | null, 
/**
 * Pages fetched so far by the running (or last) crawl of a URL source.
 */
pages_done: number, 
/**
 * Pages known to fetch in all, found so far (at most `crawl.max_pages`).
 */
pages_total: number, 
/**
 * How often a URL source is fetched again by itself, in hours.
 */
resync_every_hours?: number | null, 
/**
 * When the next scheduled re-sync is due.
 */
next_sync_at?: string | null, 
/**
 * When it was added.
 */
created_at: string, 
/**
 * When its status last changed.
 */
updated_at: string, };

export type DocumentList = { 
/**
 * Documents, oldest first.
 */
documents: Array<DocumentView>, };

export type AddUrlRequest = { 
/**
 * The page to fetch (http or https).
 */
url: string, 
/**
 * Crawl the site from this page within these limits; absent, the page alone.
 */
crawl?: CrawlLimits, 
/**
 * Fetch the source again by itself every so many hours (1 to 720); absent, only on demand.
 */
resync_every_hours?: number, };

export type SearchRequest = { 
/**
 * What to look for.
 */
query: string, 
/**
 * How many passages, 1 to 50 (default 5).
 */
k?: number, 
/**
 * Which ranking to use (default: hybrid when an embedding model is loaded, else BM25),
 * so that the Studio's test panel and evaluations can compare them.
 */
mode?: SearchMode, 
/**
 * Drops passages whose cosine similarity to the query, by the embedding
 * model, is below this (-1 to 1). Applies to passages with a vector when
 * the query has one (hybrid and vector searches); BM25 alone has no
 * comparable scale and ignores it. Absent: no threshold.
 */
min_similarity?: number, 
/**
 * Maximal marginal relevance λ (0 to 1): picks passages one by one,
 * weighing relevance (λ) against likeness to those already picked
 * (1 - λ), so near-duplicates give way to other passages. Likeness is
 * the cosine of the passage vectors, or without vectors the overlap of
 * their words. Absent: the ranking as it is.
 */
mmr?: number, };

export type SearchMode = "hybrid" | "bm25" | "vector";

export type PassageView = { 
/**
 * Fused relevance (higher is better).
 */
score: number, 
/**
 * The passage.
 */
text: string, 
/**
 * The document it comes from.
 */
document_id: DocumentId, 
/**
 * The document's title.
 */
title: string, 
/**
 * Headings above the passage.
 */
section: Array<string>, 
/**
 * PDF page.
 */
page?: number | null, 
/**
 * The page's address, for URL sources.
 */
url?: string | null, 
/**
 * Where the passage starts in the document's text, in characters.
 */
char_start: number, 
/**
 * Where it ends.
 */
char_end: number, };

export type SearchResponse = { 
/**
 * Passages, best first.
 */
passages: Array<PassageView>, 
/**
 * `hybrid` when passages were found by words and meaning, `bm25` by words alone (asked for,
 * or no embedding model is available), `vector` by meaning alone.
 */
mode: string, };

/** Every animation slot with its meaning and the slot it falls back to. */
export const SLOTS: Record<Slot, { meaning: string; fallback: Slot | null }> = {
  idle: { meaning: "The resting loop the avatar returns to after every other slot.", fallback: null },
  idle_variant: { meaning: "An occasional variation of the resting loop, so the avatar does not look frozen.", fallback: "idle" },
  listening: { meaning: "Attentive posture while the visitor types.", fallback: "idle" },
  thinking: { meaning: "Pondering while the answer is being prepared.", fallback: "listening" },
  talking: { meaning: "Speaking while the answer streams.", fallback: "idle" },
  greeting: { meaning: "Saying hello when the chat opens or the visitor greets.", fallback: "happy" },
  farewell: { meaning: "Saying goodbye when the chat closes or the visitor leaves.", fallback: "greeting" },
  nod_yes: { meaning: "Nodding to agree or confirm.", fallback: "idle" },
  shake_no: { meaning: "Shaking the head to decline or disagree.", fallback: "idle" },
  happy: { meaning: "Showing joy at good news or kind words.", fallback: "idle" },
  laughing: { meaning: "Laughing at a joke.", fallback: "happy" },
  sad: { meaning: "Showing sympathy for bad news.", fallback: "idle" },
  surprised: { meaning: "Reacting to something unexpected, or to being poked.", fallback: "idle" },
  angry: { meaning: "Showing displeasure; rarely the right reaction for a host.", fallback: "shake_no" },
  confused: { meaning: "Showing the question was not understood.", fallback: "thinking" },
  thumbs_up: { meaning: "Approving or encouraging.", fallback: "nod_yes" },
  pointing: { meaning: "Directing attention to something on the page.", fallback: "talking" },
  celebrating: { meaning: "Celebrating a success, such as a finished purchase.", fallback: "happy" },
  apologetic: { meaning: "Apologising for a problem or a missing answer.", fallback: "sad" },
  bored: { meaning: "Showing it has been a while, after a long idle time.", fallback: "idle_variant" },
};

/** Validation limits: characters for text, entries for lists. */
export const LIMITS = {
  DisplayName: { min: 1, max: 100 },
  TenantName: { min: 1, max: 100 },
  Label: { min: 0, max: 200 },
  Password: { min: 10, max: 256 },
  BotName: { min: 1, max: 80 },
  BotRole: { min: 0, max: 160 },
  PersonaPrompt: { min: 0, max: 8000 },
  Greeting: { min: 0, max: 500 },
  FallbackMessage: { min: 1, max: 500 },
  GuardrailRule: { min: 1, max: 300 },
  ForbiddenTopic: { min: 1, max: 100 },
  ModelName: { min: 1, max: 200 },
  LauncherText: { min: 0, max: 40 },
  FaqQuestion: { min: 1, max: 300 },
  FaqAnswer: { min: 1, max: 2000 },
  Faq: { min: 0, max: 200 },
  Guardrails: { min: 0, max: 30 },
  ForbiddenTopics: { min: 0, max: 50 },
  AllowedOrigins: { min: 0, max: 50 },
  UrlPatterns: { min: 0, max: 50 },
  ProviderChain: { min: 1, max: 4 },
  ReplyTokenLimit: { min: 16, max: 4096 },
  Temperature: { min: 0, max: 2 },
  AutoOpenDelay: { min: 0, max: 600000 },
} as const;

/** Every error code with its HTTP status and meaning. */
export const ERROR_CODES: Record<ErrorCode, { status: number; meaning: string }> = {
  malformed_json: { status: 400, meaning: "The request body is not well-formed JSON." },
  invalid_request: { status: 422, meaning: "A field is missing, unknown or fails validation; the message names it." },
  unsupported_media_type: { status: 415, meaning: "The request body must be sent as application/json." },
  payload_too_large: { status: 413, meaning: "The request body is larger than this endpoint accepts." },
  unauthenticated: { status: 401, meaning: "Sign in first: no valid access token or API key was presented." },
  token_expired: { status: 401, meaning: "The access token has expired; use the refresh token to get a new one." },
  invalid_credentials: { status: 401, meaning: "The e-mail address or password is wrong." },
  invalid_refresh_token: { status: 401, meaning: "The refresh token is unknown, expired or revoked; sign in again." },
  refresh_token_reused: { status: 401, meaning: "A refresh token was used twice, so every session of that sign-in was revoked; sign in again." },
  too_many_attempts: { status: 429, meaning: "Too many failed attempts; wait before trying again." },
  forbidden: { status: 403, meaning: "Your role in this tenant does not allow this action." },
  signup_disabled: { status: 403, meaning: "This server does not accept new sign-ups; ask for an invitation." },
  tenant_suspended: { status: 403, meaning: "This tenant is suspended; its bots do not answer and its data cannot be changed." },
  quota_exceeded: { status: 403, meaning: "The tenant's plan does not allow more of this; the details name the limit." },
  not_found: { status: 404, meaning: "Nothing with this id exists for you." },
  method_not_allowed: { status: 405, meaning: "This route does not accept this HTTP method." },
  email_taken: { status: 409, meaning: "An account with this e-mail address already exists." },
  conflict: { status: 409, meaning: "The action conflicts with the current state; the message says why." },
  not_published: { status: 409, meaning: "The bot has no published version yet." },
  bot_archived: { status: 409, meaning: "The bot is archived; it cannot be edited or published." },
  invite_invalid: { status: 400, meaning: "The invitation is unknown, already used or expired." },
  confirmation_required: { status: 409, meaning: "This action needs the confirmation token from its first step." },
  not_glb: { status: 422, meaning: "The file is not a binary glTF (.glb); export the avatar from Blender as glTF Binary." },
  gltf_version_unsupported: { status: 422, meaning: "Only glTF 2.0 is supported; re-export the avatar as glTF 2.0." },
  glb_corrupt: { status: 422, meaning: "The GLB is truncated or its buffers are inconsistent; export it again." },
  gltf_extension_unsupported: { status: 422, meaning: "The avatar requires an extension the preview cannot load (Draco, meshopt, KTX2); export it uncompressed." },
  avatar_too_complex: { status: 422, meaning: "The avatar exceeds the plan's limits on size or complexity; the details name the limit." },
  mapping_invalid: { status: 422, meaning: "The animation mapping does not fit the avatar; the details list each problem." },
  range_not_satisfiable: { status: 416, meaning: "The requested byte range lies outside the file." },
  origin_not_allowed: { status: 403, meaning: "This site is not among the bot's allowed origins; add it in the Studio." },
  visitor_token_invalid: { status: 401, meaning: "The visitor token is missing or invalid; fetch the embed config again." },
  visitor_token_expired: { status: 401, meaning: "The visitor token has expired; fetch the embed config again." },
  identity_invalid: { status: 403, meaning: "The user identity signature does not match; sign the user id with the tenant's identity secret." },
  rate_limited: { status: 429, meaning: "Too many messages; wait before sending more. The details name the limit." },
  budget_exhausted: { status: 402, meaning: "The assistant's budget for this month is used up; try again later." },
  provider_failed: { status: 502, meaning: "The language model did not answer; try again shortly." },
  unsupported_document: { status: 415, meaning: "Animo reads txt, md, html, pdf, docx, csv and json documents." },
  document_unreadable: { status: 422, meaning: "The document cannot be read; it may be damaged or encrypted." },
  document_empty: { status: 422, meaning: "The document holds no text (a scanned PDF needs text recognition first)." },
  document_too_large: { status: 413, meaning: "The document is over a size limit; the details name it." },
  url_forbidden: { status: 422, meaning: "Only public http and https addresses can be fetched." },
  url_unreachable: { status: 422, meaning: "The page could not be fetched; the message says why." },
  poster_invalid: { status: 422, meaning: "The poster must be a PNG image within the size and dimension limits; the message says what is wrong." },
  widget_not_built: { status: 503, meaning: "This server has no widget files; build them with `npm run build` in widget/ (or `cargo xtask run`) and restart the server." },
  demo_not_seeded: { status: 404, meaning: "There is no demo bot on this server; create it with `animo-server demo`." },
  server_unreachable: { status: 503, meaning: "The server cannot be reached; edits are kept on this computer and sent when it answers again." },
  session_expired: { status: 401, meaning: "The session has ended; sign in again. Unsent edits are kept and sent after signing in." },
  unavailable: { status: 503, meaning: "The service is temporarily unavailable; try again shortly." },
  internal: { status: 500, meaning: "Internal error; quote the request id when reporting it." },
};
