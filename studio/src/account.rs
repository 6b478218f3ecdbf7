//! The commands behind the sign-in screen, the shell and the account
//! screens (Bots, Personality, Publish & Embed, Members & API keys). Each
//! calls one method of the Studio core and answers with its result; a
//! failure is the core's [`StudioError`] as it is (code, message, request
//! id, details), so the front-end tells "server unreachable" and "session
//! expired" from a refusal the same way for every call.
//!
//! Arguments arrive from the front-end in camelCase (`botId`), Tauri's
//! convention for command arguments.

use animo_shared::api::{
    ApiKeyCreated, ApiKeyList, ChangeRoleRequest, CreateApiKeyRequest, InviteCreated, InviteRequest, MemberList,
    TenantView,
};
use animo_shared::bot::{
    BotList, BotVersionList, BotVersionView, BotView, CreateBotRequest, EmbedSnippet, PublishRequest, UpdateBotRequest,
};
use animo_shared::{AccountId, ApiKeyId, BotId};
use animo_studio_core::{
    Connectivity, DraftDiff, DraftSave, KnownAccount, OutboxReport, PendingEdit, PersonalityCheck, PublishChecks,
    SecretBackend, SessionInfo, SignInRequest, SignUpRequest, Studio as Core, StudioResult,
};
use tauri::State;

// ---- Session ----

#[tauri::command]
pub async fn sign_in(core: State<'_, Core>, request: SignInRequest) -> StudioResult<SessionInfo> {
    core.sign_in(request).await
}

#[tauri::command]
pub async fn sign_up(core: State<'_, Core>, request: SignUpRequest) -> StudioResult<SessionInfo> {
    core.sign_up(request).await
}

#[tauri::command]
pub async fn known_accounts(core: State<'_, Core>) -> StudioResult<Vec<KnownAccount>> {
    core.known_accounts().await
}

#[tauri::command]
pub async fn resume(core: State<'_, Core>, account: KnownAccount) -> StudioResult<SessionInfo> {
    core.resume(&account).await
}

#[tauri::command]
pub async fn forget_account(core: State<'_, Core>, account: KnownAccount) -> StudioResult<()> {
    core.forget_account(&account).await
}

#[tauri::command]
pub async fn sign_out(core: State<'_, Core>) -> StudioResult<()> {
    core.sign_out().await
}

/// Who is signed in; `null` before sign-in. (A `Result` only because an
/// asynchronous command borrowing state must answer with one.)
#[tauri::command]
pub async fn session(core: State<'_, Core>) -> StudioResult<Option<SessionInfo>> {
    Ok(core.session().await)
}

#[tauri::command]
pub fn connectivity(core: State<'_, Core>) -> Connectivity {
    core.connectivity()
}

#[tauri::command]
pub fn secret_backend(core: State<'_, Core>) -> SecretBackend {
    core.secret_backend()
}

// ---- Tenant, bots and drafts ----

#[tauri::command]
pub async fn tenant(core: State<'_, Core>) -> StudioResult<TenantView> {
    core.tenant().await
}

#[tauri::command]
pub async fn bots(core: State<'_, Core>, include_archived: bool) -> StudioResult<BotList> {
    core.bots(include_archived).await
}

#[tauri::command]
pub async fn bot(core: State<'_, Core>, bot_id: BotId) -> StudioResult<BotView> {
    core.bot(&bot_id).await
}

#[tauri::command]
pub async fn create_bot(core: State<'_, Core>, request: CreateBotRequest) -> StudioResult<BotView> {
    core.create_bot(&request).await
}

#[tauri::command]
pub async fn duplicate_bot(core: State<'_, Core>, bot_id: BotId) -> StudioResult<BotView> {
    core.duplicate_bot(&bot_id).await
}

#[tauri::command]
pub async fn archive_bot(core: State<'_, Core>, bot_id: BotId) -> StudioResult<BotView> {
    core.archive_bot(&bot_id).await
}

/// Checks the personality form as the user types; synchronous, as it
/// never leaves this machine.
#[tauri::command]
pub fn check_personality(core: State<'_, Core>, form: serde_json::Value) -> PersonalityCheck {
    core.check_personality(&form)
}

#[tauri::command]
pub async fn update_draft(core: State<'_, Core>, bot_id: BotId, update: UpdateBotRequest) -> StudioResult<DraftSave> {
    core.update_draft(&bot_id, update).await
}

// ---- The outbox ----

#[tauri::command]
pub async fn pending_edits(core: State<'_, Core>) -> StudioResult<Vec<PendingEdit>> {
    core.pending_edits().await
}

#[tauri::command]
pub async fn discard_edit(core: State<'_, Core>, id: String) -> StudioResult<()> {
    core.discard_edit(&id).await
}

#[tauri::command]
pub async fn flush_outbox(core: State<'_, Core>) -> StudioResult<OutboxReport> {
    core.flush_outbox().await
}

// ---- Publishing and embedding ----

#[tauri::command]
pub async fn publish_checks(core: State<'_, Core>, bot_id: BotId) -> StudioResult<PublishChecks> {
    core.publish_checks(&bot_id).await
}

#[tauri::command]
pub async fn draft_diff(core: State<'_, Core>, bot_id: BotId) -> StudioResult<DraftDiff> {
    core.draft_diff(&bot_id).await
}

#[tauri::command]
pub async fn publish(core: State<'_, Core>, bot_id: BotId, request: PublishRequest) -> StudioResult<BotVersionView> {
    core.publish(&bot_id, &request).await
}

#[tauri::command]
pub async fn versions(core: State<'_, Core>, bot_id: BotId) -> StudioResult<BotVersionList> {
    core.versions(&bot_id).await
}

#[tauri::command]
pub async fn rollback(core: State<'_, Core>, bot_id: BotId, version: u32) -> StudioResult<BotVersionView> {
    core.rollback(&bot_id, version).await
}

#[tauri::command]
pub async fn embed_snippet(core: State<'_, Core>, bot_id: BotId) -> StudioResult<EmbedSnippet> {
    core.embed_snippet(&bot_id).await
}

// ---- Members and API keys ----

#[tauri::command]
pub async fn members(core: State<'_, Core>) -> StudioResult<MemberList> {
    core.members().await
}

#[tauri::command]
pub async fn invite(core: State<'_, Core>, request: InviteRequest) -> StudioResult<InviteCreated> {
    core.invite(&request).await
}

#[tauri::command]
pub async fn change_role(core: State<'_, Core>, account_id: AccountId, request: ChangeRoleRequest) -> StudioResult<()> {
    core.change_role(&account_id, &request).await
}

#[tauri::command]
pub async fn remove_member(core: State<'_, Core>, account_id: AccountId) -> StudioResult<()> {
    core.remove_member(&account_id).await
}

#[tauri::command]
pub async fn api_keys(core: State<'_, Core>) -> StudioResult<ApiKeyList> {
    core.api_keys().await
}

#[tauri::command]
pub async fn create_api_key(core: State<'_, Core>, request: CreateApiKeyRequest) -> StudioResult<ApiKeyCreated> {
    core.create_api_key(&request).await
}

#[tauri::command]
pub async fn revoke_api_key(core: State<'_, Core>, key_id: ApiKeyId) -> StudioResult<()> {
    core.revoke_api_key(&key_id).await
}
