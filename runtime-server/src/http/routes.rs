//! Handlers: each extracts, calls one domain function, converts. Nothing else.

use animo_shared::api::{
    AcceptInviteRequest, AdminTenantUpdate, AdminTenantView, ApiKeyCreated, ApiKeyList, AuditPage,
    ChangePasswordRequest, ChangeRoleRequest, ConfirmDeletionRequest, CreateApiKeyRequest, DeletionChallenge,
    HealthResponse, InviteCreated, InviteRequest, LoginRequest, LogoutRequest, MeResponse, MemberList, RefreshRequest,
    SessionResponse, SignupRequest, TenantView, TokenPair,
};
use animo_shared::avatar::suggest::MappingSuggestion;
use animo_shared::avatar::{AvatarList, AvatarView, BotAvatar};
use animo_shared::bot::{
    BotList, BotVersionList, BotVersionView, BotView, CreateBotRequest, EmbedIdView, PublishRequest, RollbackRequest,
    UpdateBotRequest,
};
use animo_shared::{AccountId, ApiKeyId, AuditId, AvatarId, BotId, ErrorBody, TenantId};
use axum::Json;
use axum::extract::{ConnectInfo, Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::extract::{ApiJson, ApiQuery, IdPath, OptionalJson};
use crate::context::{Designer, Operator, Owner, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{accounts, api_keys, audit, avatars, blobs, bots, members, tenants};

type Client = ConnectInfo<std::net::SocketAddr>;

fn ip(client: &Client) -> String {
    client.0.ip().to_string()
}

/// Creates an account and its tenant; the account becomes the owner.
#[utoipa::path(post, path = "/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = SessionResponse), (status = "4XX", body = ErrorBody)))]
pub async fn signup(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<SignupRequest>,
) -> ApiResult<(StatusCode, Json<SessionResponse>)> {
    let session = accounts::signup(&state, body, Some(&ip(&client))).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// Signs in with e-mail and password.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionResponse), (status = "4XX", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<SessionResponse>> {
    accounts::login(&state, body).await.map(Json)
}

/// Rotates a refresh token into a new token pair.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = "4XX", body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenPair>> {
    accounts::refresh(&state, &body.refresh_token).await.map(Json)
}

/// Ends the session of a refresh token.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body = LogoutRequest,
    responses((status = 204), (status = "4XX", body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, ApiJson(body): ApiJson<LogoutRequest>) -> ApiResult<StatusCode> {
    accounts::logout(&state, &body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the caller's password and ends its other sessions.
#[utoipa::path(post, path = "/v1/auth/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 200, body = TokenPair), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    Viewer(ctx): Viewer,
    ApiJson(body): ApiJson<ChangePasswordRequest>,
) -> ApiResult<Json<TokenPair>> {
    accounts::change_password(&state, &ctx, body).await.map(Json)
}

/// Who the caller is and which tenants it belongs to.
#[utoipa::path(get, path = "/v1/me", tag = "auth",
    responses((status = 200, body = MeResponse), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, Viewer(ctx): Viewer) -> ApiResult<Json<MeResponse>> {
    accounts::me(&state, &ctx).await.map(Json)
}

/// Listing options for bots.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BotListQuery {
    /// Include archived bots.
    #[serde(default)]
    pub include_archived: bool,
}

/// The tenant's bots.
#[utoipa::path(get, path = "/v1/bots", tag = "bots", params(BotListQuery),
    responses((status = 200, body = BotList), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_bots(Viewer(ctx): Viewer, ApiQuery(query): ApiQuery<BotListQuery>) -> ApiResult<Json<BotList>> {
    bots::list(&ctx, query.include_archived).await.map(Json)
}

/// Creates a bot (designers and owners), within the plan's bot limit.
#[utoipa::path(post, path = "/v1/bots", tag = "bots", request_body = CreateBotRequest,
    responses((status = 201, body = BotView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_bot(
    State(state): State<AppState>,
    Designer(ctx): Designer,
    ApiJson(body): ApiJson<CreateBotRequest>,
) -> ApiResult<(StatusCode, Json<BotView>)> {
    let bot = bots::create(&state, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(bot)))
}

/// One bot with its draft.
#[utoipa::path(get, path = "/v1/bots/{bot_id}", tag = "bots", params(("bot_id" = String, Path)),
    responses((status = 200, body = BotView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_bot(Viewer(ctx): Viewer, IdPath(id): IdPath<BotId>) -> ApiResult<Json<BotView>> {
    bots::get(&ctx, &id).await.map(Json)
}

/// Replaces the named sections of the bot's draft.
#[utoipa::path(patch, path = "/v1/bots/{bot_id}", tag = "bots", params(("bot_id" = String, Path)),
    request_body = UpdateBotRequest,
    responses((status = 200, body = BotView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_bot(
    Designer(ctx): Designer,
    IdPath(id): IdPath<BotId>,
    ApiJson(body): ApiJson<UpdateBotRequest>,
) -> ApiResult<Json<BotView>> {
    bots::update(&ctx, &id, body).await.map(Json)
}

/// Archives the bot (owners): it stops answering and its embed id is released.
#[utoipa::path(delete, path = "/v1/bots/{bot_id}", tag = "bots", params(("bot_id" = String, Path)),
    responses((status = 200, body = BotView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn archive_bot(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    IdPath(id): IdPath<BotId>,
) -> ApiResult<Json<BotView>> {
    bots::archive(&state, &ctx, &id).await.map(Json)
}

/// Publishes the draft as the next immutable version (owners and owner API keys).
#[utoipa::path(post, path = "/v1/bots/{bot_id}/publish", tag = "bots", params(("bot_id" = String, Path)),
    request_body(content = PublishRequest, description = "Optional"),
    responses((status = 201, body = BotVersionView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn publish_bot(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    IdPath(id): IdPath<BotId>,
    OptionalJson(body): OptionalJson<PublishRequest>,
) -> ApiResult<(StatusCode, Json<BotVersionView>)> {
    let version = bots::publish(&state, &ctx, &id, body.unwrap_or_default()).await?;
    Ok((StatusCode::CREATED, Json(version)))
}

/// The bot's published versions, newest first.
#[utoipa::path(get, path = "/v1/bots/{bot_id}/versions", tag = "bots", params(("bot_id" = String, Path)),
    responses((status = 200, body = BotVersionList), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn bot_versions(Viewer(ctx): Viewer, IdPath(id): IdPath<BotId>) -> ApiResult<Json<BotVersionList>> {
    bots::versions(&ctx, &id).await.map(Json)
}

/// Makes an earlier version live again as a new version (owners).
#[utoipa::path(post, path = "/v1/bots/{bot_id}/rollback", tag = "bots", params(("bot_id" = String, Path)),
    request_body = RollbackRequest,
    responses((status = 201, body = BotVersionView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn rollback_bot(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    IdPath(id): IdPath<BotId>,
    ApiJson(body): ApiJson<RollbackRequest>,
) -> ApiResult<(StatusCode, Json<BotVersionView>)> {
    let version = bots::rollback(&state, &ctx, &id, body).await?;
    Ok((StatusCode::CREATED, Json(version)))
}

/// Gives the bot a new embed id; the old one stops working (owners).
#[utoipa::path(post, path = "/v1/bots/{bot_id}/embed-id", tag = "bots", params(("bot_id" = String, Path)),
    responses((status = 200, body = EmbedIdView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn rotate_embed_id(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    IdPath(id): IdPath<BotId>,
) -> ApiResult<Json<EmbedIdView>> {
    bots::rotate_embed_id(&state, &ctx, &id).await.map(Json)
}

/// Uploads a GLB avatar (multipart field `file`), inspects and stores it (designers and owners).
#[utoipa::path(post, path = "/v1/avatars", tag = "avatars",
    request_body(content_type = "multipart/form-data", description = "A field `file` with the .glb"),
    responses((status = 201, body = AvatarView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn upload_avatar(
    State(state): State<AppState>,
    Designer(ctx): Designer,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<AvatarView>)> {
    let avatar = avatars::upload(&state, &ctx, multipart).await?;
    Ok((StatusCode::CREATED, Json(avatar)))
}

/// The tenant's avatars with their inspection reports.
#[utoipa::path(get, path = "/v1/avatars", tag = "avatars",
    responses((status = 200, body = AvatarList), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_avatars(Viewer(ctx): Viewer) -> ApiResult<Json<AvatarList>> {
    avatars::list(&ctx).await.map(Json)
}

/// One avatar with its inspection report.
#[utoipa::path(get, path = "/v1/avatars/{avatar_id}", tag = "avatars", params(("avatar_id" = String, Path)),
    responses((status = 200, body = AvatarView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_avatar(Viewer(ctx): Viewer, IdPath(id): IdPath<AvatarId>) -> ApiResult<Json<AvatarView>> {
    avatars::get(&ctx, &id).await.map(Json)
}

/// Deletes an avatar no bot uses (designers and owners).
#[utoipa::path(delete, path = "/v1/avatars/{avatar_id}", tag = "avatars", params(("avatar_id" = String, Path)),
    responses((status = 204), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_avatar(
    State(state): State<AppState>,
    Designer(ctx): Designer,
    IdPath(id): IdPath<AvatarId>,
) -> ApiResult<StatusCode> {
    avatars::delete(&state, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The GLB file, with a strong ETag, immutable caching and byte ranges.
#[utoipa::path(get, path = "/v1/avatars/{avatar_id}/model.glb", tag = "avatars", params(("avatar_id" = String, Path)),
    responses((status = 200, content_type = "model/gltf-binary", body = Vec<u8>), (status = 206), (status = 304),
        (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn avatar_model(
    State(state): State<AppState>,
    Viewer(ctx): Viewer,
    IdPath(id): IdPath<AvatarId>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    avatars::model(&state, &ctx.db, &id, &headers).await
}

/// A first slot mapping proposed from the avatar's clip names, with confidences.
#[utoipa::path(get, path = "/v1/avatars/{avatar_id}/suggested-mapping", tag = "avatars",
    params(("avatar_id" = String, Path)),
    responses((status = 200, body = MappingSuggestion), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn suggested_mapping(
    Viewer(ctx): Viewer,
    IdPath(id): IdPath<AvatarId>,
) -> ApiResult<Json<MappingSuggestion>> {
    avatars::suggested_mapping(&ctx, &id).await.map(Json)
}

/// Sets the avatar and slot mapping of the bot's draft, checked against the avatar.
#[utoipa::path(put, path = "/v1/bots/{bot_id}/avatar", tag = "bots", params(("bot_id" = String, Path)),
    request_body = BotAvatar,
    responses((status = 200, body = BotView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn attach_avatar(
    Designer(ctx): Designer,
    IdPath(id): IdPath<BotId>,
    ApiJson(body): ApiJson<BotAvatar>,
) -> ApiResult<Json<BotView>> {
    avatars::attach(&ctx, &id, Some(body)).await?;
    bots::get(&ctx, &id).await.map(Json)
}

/// Removes the avatar from the bot's draft.
#[utoipa::path(delete, path = "/v1/bots/{bot_id}/avatar", tag = "bots", params(("bot_id" = String, Path)),
    responses((status = 200, body = BotView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn detach_avatar(Designer(ctx): Designer, IdPath(id): IdPath<BotId>) -> ApiResult<Json<BotView>> {
    avatars::attach(&ctx, &id, None).await?;
    bots::get(&ctx, &id).await.map(Json)
}

/// The caller's tenant with its plan and usage.
#[utoipa::path(get, path = "/v1/tenant", tag = "tenant",
    responses((status = 200, body = TenantView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn tenant(State(state): State<AppState>, Viewer(ctx): Viewer) -> ApiResult<Json<TenantView>> {
    tenants::view(&state, &ctx).await.map(Json)
}

/// Everything the tenant owns as a `.tar.gz` (owners). Allowed while suspended.
#[utoipa::path(get, path = "/v1/tenant/export", tag = "tenant",
    responses((status = 200, content_type = "application/gzip", body = Vec<u8>), (status = "4XX", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(State(state): State<AppState>, Viewer(ctx): Viewer) -> ApiResult<Response> {
    // `Owner` refuses suspended tenants, but reading one's own data stays a right while suspended.
    if ctx.role < animo_shared::api::Role::Owner {
        return Err(ApiError::forbidden("owner"));
    }
    let archive = blobs::export(&state, &ctx).await?;
    let disposition = format!("attachment; filename=\"animo-export-{}.tar.gz\"", ctx.tenant());
    Ok(([(header::CONTENT_TYPE, "application/gzip".to_owned()), (header::CONTENT_DISPOSITION, disposition)], archive)
        .into_response())
}

/// Step one of deleting the tenant: returns a confirmation token (owners).
#[utoipa::path(post, path = "/v1/tenant/deletion", tag = "tenant",
    responses((status = 200, body = DeletionChallenge), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn request_deletion(State(state): State<AppState>, Owner(ctx): Owner) -> ApiResult<Json<DeletionChallenge>> {
    tenants::request_deletion(&state, &ctx).await.map(Json)
}

/// Step two: deletes the tenant with all its records and blobs (owners).
#[utoipa::path(post, path = "/v1/tenant/deletion/confirm", tag = "tenant", request_body = ConfirmDeletionRequest,
    responses((status = 204), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn confirm_deletion(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    ApiJson(body): ApiJson<ConfirmDeletionRequest>,
) -> ApiResult<StatusCode> {
    tenants::confirm_deletion(&state, &ctx, &body.confirmation_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Members and pending invitations.
#[utoipa::path(get, path = "/v1/members", tag = "members",
    responses((status = 200, body = MemberList), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_members(State(state): State<AppState>, Viewer(ctx): Viewer) -> ApiResult<Json<MemberList>> {
    members::list(&state, &ctx).await.map(Json)
}

/// Invites an address with a role; the token is shown once (owners).
#[utoipa::path(post, path = "/v1/members/invites", tag = "members", request_body = InviteRequest,
    responses((status = 201, body = InviteCreated), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn invite(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    ApiJson(body): ApiJson<InviteRequest>,
) -> ApiResult<(StatusCode, Json<InviteCreated>)> {
    let invite = members::invite(&state, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(invite)))
}

/// Accepts an invitation, creating the account if needed.
#[utoipa::path(post, path = "/v1/invites/accept", tag = "members", request_body = AcceptInviteRequest,
    responses((status = 200, body = SessionResponse), (status = "4XX", body = ErrorBody)))]
pub async fn accept_invite(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<AcceptInviteRequest>,
) -> ApiResult<Json<SessionResponse>> {
    members::accept(&state, body, Some(&ip(&client))).await.map(Json)
}

/// Changes a member's role (owners); a tenant always keeps an owner.
#[utoipa::path(patch, path = "/v1/members/{account_id}", tag = "members", params(("account_id" = String, Path)),
    request_body = ChangeRoleRequest,
    responses((status = 204), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn change_role(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    IdPath(account): IdPath<AccountId>,
    ApiJson(body): ApiJson<ChangeRoleRequest>,
) -> ApiResult<StatusCode> {
    members::change_role(&state, &ctx, &account, body.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member (owners); a tenant always keeps an owner.
#[utoipa::path(delete, path = "/v1/members/{account_id}", tag = "members", params(("account_id" = String, Path)),
    responses((status = 204), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn remove_member(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    IdPath(account): IdPath<AccountId>,
) -> ApiResult<StatusCode> {
    members::remove(&state, &ctx, &account).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The tenant's API keys, without secrets (owners).
#[utoipa::path(get, path = "/v1/api-keys", tag = "api keys",
    responses((status = 200, body = ApiKeyList), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_api_keys(Viewer(ctx): Viewer) -> ApiResult<Json<ApiKeyList>> {
    // A read: allowed to owners of a suspended tenant too, unlike the `Owner` extractor.
    if ctx.role < animo_shared::api::Role::Owner {
        return Err(ApiError::forbidden("owner"));
    }
    api_keys::list(&ctx).await.map(Json)
}

/// Creates an API key; its secret is shown this once (owners).
#[utoipa::path(post, path = "/v1/api-keys", tag = "api keys", request_body = CreateApiKeyRequest,
    responses((status = 201, body = ApiKeyCreated), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_api_key(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    ApiJson(body): ApiJson<CreateApiKeyRequest>,
) -> ApiResult<(StatusCode, Json<ApiKeyCreated>)> {
    let key = api_keys::create(&state, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// Revokes an API key at once (owners).
#[utoipa::path(delete, path = "/v1/api-keys/{key_id}", tag = "api keys", params(("key_id" = String, Path)),
    responses((status = 204), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    IdPath(id): IdPath<ApiKeyId>,
) -> ApiResult<StatusCode> {
    api_keys::revoke(&state, &ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Paging through the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries older than this one.
    pub before: Option<AuditId>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// The tenant's audit log, newest first (owners; readable while suspended).
#[utoipa::path(get, path = "/v1/audit", tag = "tenant", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn audit_log(Viewer(ctx): Viewer, ApiQuery(query): ApiQuery<AuditQuery>) -> ApiResult<Json<AuditPage>> {
    // A read: allowed to owners of a suspended tenant too, unlike the `Owner` extractor.
    if ctx.role < animo_shared::api::Role::Owner {
        return Err(ApiError::forbidden("owner"));
    }
    audit::list(&ctx, query.before, query.limit.unwrap_or(50)).await.map(Json)
}

/// Every tenant (platform operators).
#[utoipa::path(get, path = "/v1/admin/tenants", tag = "admin",
    responses((status = 200, body = Vec<AdminTenantView>), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn admin_tenants(
    State(state): State<AppState>,
    _operator: Operator,
) -> ApiResult<Json<Vec<AdminTenantView>>> {
    tenants::admin_list(&state).await.map(Json)
}

/// Changes a tenant's plan or suspends / reactivates it (platform operators).
#[utoipa::path(patch, path = "/v1/admin/tenants/{tenant_id}", tag = "admin", params(("tenant_id" = String, Path)),
    request_body = AdminTenantUpdate,
    responses((status = 200, body = AdminTenantView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn admin_update_tenant(
    State(state): State<AppState>,
    operator: Operator,
    IdPath(id): IdPath<TenantId>,
    ApiJson(body): ApiJson<AdminTenantUpdate>,
) -> ApiResult<Json<AdminTenantView>> {
    tenants::admin_update(&state, operator.account.as_str(), &id, body).await.map(Json)
}

fn health() -> HealthResponse {
    HealthResponse { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() }
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = HealthResponse)))]
pub async fn healthz() -> Json<HealthResponse> {
    Json(health())
}

/// The server can serve: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = HealthResponse), (status = 503, body = ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<HealthResponse>> {
    state.store.ping().await.map_err(|error| {
        tracing::warn!(%error, "readiness check failed");
        ApiError::new(animo_shared::ErrorCode::Unavailable, "The database does not answer.")
    })?;
    Ok(Json(health()))
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

/// The OpenAPI 3.1 document.
pub async fn openapi() -> impl IntoResponse {
    Json(super::openapi::document())
}

/// A human-readable page of the API, rendered from the OpenAPI document.
pub async fn docs() -> Html<String> {
    Html(super::openapi::docs_page())
}
