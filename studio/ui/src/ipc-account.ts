/**
 * The session and account commands (studio/src/account.rs), typed with the
 * generated bindings. Every one of them fails with the core's StudioError
 * (code, message, details), which the helpers below read.
 */
import { invoke } from "@tauri-apps/api/core";
import type {
  AccountId,
  ApiKeyCreated,
  ApiKeyId,
  ApiKeyList,
  BotId,
  BotList,
  BotVersionList,
  BotVersionView,
  BotView,
  ChangeRoleRequest,
  CreateApiKeyRequest,
  CreateBotRequest,
  InviteCreated,
  InviteRequest,
  MemberList,
  PublishRequest,
  TenantView,
  UpdateBotRequest,
} from "./generated/animo";
import type {
  Connectivity,
  DraftDiff,
  DraftSave,
  EmbedSnippet,
  KnownAccount,
  OutboxReport,
  PendingEdit,
  PersonalityCheck,
  PublishChecks,
  SecretBackend,
  SessionInfo,
  SignInRequest,
  SignUpRequest,
  StudioError,
} from "./generated/studio";
import { isCommandError } from "./errors";

/** The event the app emits whenever connectivity changes. */
export const CONNECTIVITY_EVENT = "connectivity";

// Session
export const signIn = (request: SignInRequest): Promise<SessionInfo> => invoke("sign_in", { request });
export const signUp = (request: SignUpRequest): Promise<SessionInfo> => invoke("sign_up", { request });
export const knownAccounts = (): Promise<KnownAccount[]> => invoke("known_accounts");
export const resume = (account: KnownAccount): Promise<SessionInfo> => invoke("resume", { account });
export const forgetAccount = (account: KnownAccount): Promise<void> => invoke("forget_account", { account });
export const signOut = (): Promise<void> => invoke("sign_out");
export const session = (): Promise<SessionInfo | null> => invoke("session");
export const connectivity = (): Promise<Connectivity> => invoke("connectivity");
export const secretBackend = (): Promise<SecretBackend> => invoke("secret_backend");

// Tenant, bots and drafts
export const tenant = (): Promise<TenantView> => invoke("tenant");
export const bots = (includeArchived: boolean): Promise<BotList> => invoke("bots", { includeArchived });
export const bot = (botId: BotId): Promise<BotView> => invoke("bot", { botId });
export const createBot = (request: CreateBotRequest): Promise<BotView> => invoke("create_bot", { request });
export const duplicateBot = (botId: BotId): Promise<BotView> => invoke("duplicate_bot", { botId });
export const archiveBot = (botId: BotId): Promise<BotView> => invoke("archive_bot", { botId });
/** `form` is the personality as the form holds it; any JSON, checked field by field. */
export const checkPersonality = (form: Record<string, unknown>): Promise<PersonalityCheck> =>
  invoke("check_personality", { form });
export const updateDraft = (botId: BotId, update: UpdateBotRequest): Promise<DraftSave> =>
  invoke("update_draft", { botId, update });

// The outbox
export const pendingEdits = (): Promise<PendingEdit[]> => invoke("pending_edits");
export const discardEdit = (id: string): Promise<void> => invoke("discard_edit", { id });
export const flushOutbox = (): Promise<OutboxReport> => invoke("flush_outbox");

// Publishing and embedding
export const publishChecks = (botId: BotId): Promise<PublishChecks> => invoke("publish_checks", { botId });
export const draftDiff = (botId: BotId): Promise<DraftDiff> => invoke("draft_diff", { botId });
export const publish = (botId: BotId, request: PublishRequest): Promise<BotVersionView> =>
  invoke("publish", { botId, request });
export const versions = (botId: BotId): Promise<BotVersionList> => invoke("versions", { botId });
export const rollback = (botId: BotId, version: number): Promise<BotVersionView> =>
  invoke("rollback", { botId, version });
export const embedSnippet = (botId: BotId): Promise<EmbedSnippet> => invoke("embed_snippet", { botId });

// Members and API keys
export const members = (): Promise<MemberList> => invoke("members");
export const invite = (request: InviteRequest): Promise<InviteCreated> => invoke("invite", { request });
export const changeRole = (accountId: AccountId, request: ChangeRoleRequest): Promise<void> =>
  invoke("change_role", { accountId, request });
export const removeMember = (accountId: AccountId): Promise<void> => invoke("remove_member", { accountId });
export const apiKeys = (): Promise<ApiKeyList> => invoke("api_keys");
export const createApiKey = (request: CreateApiKeyRequest): Promise<ApiKeyCreated> =>
  invoke("create_api_key", { request });
export const revokeApiKey = (keyId: ApiKeyId): Promise<void> => invoke("revoke_api_key", { keyId });

/** The core's error, when `error` is one (every command above fails with it). */
export function asStudioError(error: unknown): StudioError | null {
  return isCommandError(error) ? (error as StudioError) : null;
}

function detail(error: unknown, flag: string): boolean {
  return asStudioError(error)?.details?.[flag] === true;
}

/** The server could not be reached: the call may be retried later. */
export const isUnreachable = (error: unknown): boolean => detail(error, "unreachable");
/** The session ended: only signing in again helps. */
export const isSessionExpired = (error: unknown): boolean => detail(error, "session_expired");
