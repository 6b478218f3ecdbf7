//! Accounts and sessions: sign-up, login with throttling, refresh-token
//! rotation with reuse detection, logout, password change.

use animo_shared::api::{
    AccountView, Actor, ChangePasswordRequest, LoginRequest, MeResponse, Membership, Role, SessionResponse,
    SignupRequest, TokenPair,
};
use animo_shared::text::{DisplayName, Email, Secret, TenantName};
use animo_shared::{AccountId, ErrorCode, TenantId, Timestamp};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{AUDIT_INSERT, bind_audit_as};
use crate::context::TenantCtx;
use crate::crypto::{
    ACCESS_TOKEN_SECS, AccessClaims, REFRESH_TOKEN_SECS, dummy_verify, hash_password, random_token, token_hash,
    verify_password,
};
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::state::AppState;
use crate::store::StoreError;

/// How long failed sign-ins are remembered, and how long a lock lasts.
const THROTTLE_WINDOW_SECS: i64 = 15 * 60;

#[derive(Debug, Deserialize)]
pub(crate) struct AccountRow {
    pub id: AccountId,
    pub email: Email,
    pub display_name: DisplayName,
    pub password_hash: String,
    pub created_at: Timestamp,
}

impl AccountRow {
    fn view(&self) -> AccountView {
        AccountView {
            id: self.id.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            created_at: self.created_at,
        }
    }
}

const ACCOUNT_FIELDS: &str = "record::id(id) AS id, email, display_name, password_hash, created_at";

pub(crate) async fn account_by_email(state: &AppState, email: &Email) -> ApiResult<Option<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_FIELDS} FROM account WHERE email = $email LIMIT 1");
    Ok(state.store.platform().query(&sql).bind("email", email).run().await?.first(0)?)
}

pub(crate) async fn account_by_id(state: &AppState, id: &AccountId) -> ApiResult<Option<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_FIELDS} FROM type::record('account', $id)");
    Ok(state.store.platform().query(&sql).bind("id", id).run().await?.first(0)?)
}

/// The content of a new account record.
pub(crate) fn new_account_content(email: &Email, name: &DisplayName, hash: &str, now: Timestamp) -> serde_json::Value {
    json!({ "email": email, "display_name": name, "password_hash": hash, "created_at": now, "operator": false })
}

/// Maps a unique-index violation on the e-mail address to `email_taken`.
pub(crate) fn email_taken(error: StoreError) -> ApiError {
    match &error {
        StoreError::Database(db) if db.message().contains("account_email") => ApiError::code(ErrorCode::EmailTaken),
        _ => error.into(),
    }
}

/// Creates an account and its tenant with the account as owner.
pub async fn signup(state: &AppState, request: SignupRequest, client: Option<&str>) -> ApiResult<SessionResponse> {
    if !state.config.open_signup {
        return Err(ApiError::code(ErrorCode::SignupDisabled));
    }
    create_account_with_tenant(
        state,
        &request.email,
        &request.password,
        request.display_name,
        &request.tenant_name,
        client,
    )
    .await
}

/// The body of sign-up, also used by the demo seeding.
pub(crate) async fn create_account_with_tenant(
    state: &AppState,
    email: &Email,
    password: &animo_shared::text::Password,
    display_name: Option<DisplayName>,
    tenant_name: &TenantName,
    client: Option<&str>,
) -> ApiResult<SessionResponse> {
    if account_by_email(state, email).await?.is_some() {
        return Err(ApiError::code(ErrorCode::EmailTaken));
    }
    let hash = hash_password(password.expose()).await?;
    let account_id = AccountId::generate();
    let tenant_id = TenantId::generate();
    let now = Timestamp::now();
    let name = display_name.unwrap_or_default();
    state
        .store
        .platform()
        .query(crate::tenants::signup_sql())
        .bind("account_id", &account_id)
        .bind("account", new_account_content(email, &name, &hash, now))
        .bind("tenant_id", &tenant_id)
        .bind("tenant", crate::tenants::new_tenant_content(state, tenant_name, now))
        .bind("now", now)
        .run()
        .await
        .map_err(email_taken)?;
    let db = state.store.tenant(&tenant_id).await?;
    let actor = Actor::Account { id: account_id.clone() };
    bind_audit_as(db.db().query(AUDIT_INSERT), &actor, client, "tenant.create", tenant_id.as_str()).run().await?;
    let tokens = issue(state, &account_id, &tenant_id, Role::Owner, None).await?;
    Ok(SessionResponse {
        account: AccountView { id: account_id, email: email.clone(), display_name: name, created_at: now },
        membership: Membership { tenant_id, tenant_name: tenant_name.clone(), role: Role::Owner },
        tokens,
    })
}

#[derive(Deserialize)]
struct ThrottleRow {
    locked_until: i64,
}

async fn check_throttle(state: &AppState, key: &str) -> ApiResult<()> {
    let row: Option<ThrottleRow> = state
        .store
        .platform()
        .query("SELECT locked_until FROM type::record('login_throttle', $key)")
        .bind("key", key)
        .run()
        .await?
        .first(0)?;
    let now = Timestamp::now().unix_seconds();
    if let Some(row) = row
        && row.locked_until > now
    {
        let wait = u64::try_from(row.locked_until - now).unwrap_or(1);
        return Err(ApiError::new(
            ErrorCode::TooManyAttempts,
            format!("Too many failed sign-ins for this address; try again in {} minutes.", wait.div_ceil(60)),
        )
        .retry_after(wait));
    }
    Ok(())
}

async fn record_failure(state: &AppState, key: &str) -> ApiResult<()> {
    let now = Timestamp::now().unix_seconds();
    // One transaction reads and updates the counter, so concurrent failures conflict and all count.
    state
        .store
        .platform()
        .query(
            "BEGIN TRANSACTION;
             LET $row = (SELECT failures, window_start FROM type::record('login_throttle', $key))[0];
             LET $fresh = $row = NONE OR $row.window_start < $now - $window;
             LET $failures = IF $fresh { 1 } ELSE { $row.failures + 1 };
             UPSERT type::record('login_throttle', $key) CONTENT {
                 window_start: IF $fresh { $now } ELSE { $row.window_start },
                 failures: $failures,
                 locked_until: IF $failures >= $max { $now + $window } ELSE { 0 },
             };
             COMMIT TRANSACTION;",
        )
        .bind("key", key)
        .bind("now", now)
        .bind("window", THROTTLE_WINDOW_SECS)
        .bind("max", state.config.login_max_failures)
        .run()
        .await?;
    Ok(())
}

/// Signs in, refusing an address after repeated failures for a while.
pub async fn login(state: &AppState, request: LoginRequest) -> ApiResult<SessionResponse> {
    let throttle_key = token_hash(request.email.as_str());
    check_throttle(state, &throttle_key).await?;
    let account = account_by_email(state, &request.email).await?;
    let account = match account {
        Some(account) if verify_password(request.password.expose(), &account.password_hash).await? => account,
        Some(_) => {
            record_failure(state, &throttle_key).await?;
            return Err(ApiError::code(ErrorCode::InvalidCredentials));
        }
        None => {
            dummy_verify(request.password.expose()).await;
            record_failure(state, &throttle_key).await?;
            return Err(ApiError::code(ErrorCode::InvalidCredentials));
        }
    };
    state
        .store
        .platform()
        .query("DELETE type::record('login_throttle', $key)")
        .bind("key", &throttle_key)
        .run()
        .await?;
    let memberships = memberships(state, &account.id).await?;
    let membership = match &request.tenant_id {
        Some(tenant) => memberships.into_iter().find(|m| &m.tenant_id == tenant),
        None => memberships.into_iter().next(),
    };
    let membership = membership.ok_or_else(|| {
        ApiError::new(ErrorCode::Forbidden, "This account is not a member of that tenant (or of any tenant).")
    })?;
    let tokens = issue(state, &account.id, &membership.tenant_id, membership.role, None).await?;
    Ok(SessionResponse { account: account.view(), membership, tokens })
}

/// Every tenant the account belongs to, oldest membership first.
pub async fn memberships(state: &AppState, account: &AccountId) -> ApiResult<Vec<Membership>> {
    #[derive(Deserialize)]
    struct Row {
        tenant: TenantId,
        role: Role,
        tenant_name: TenantName,
    }
    let rows: Vec<Row> = state
        .store
        .platform()
        .query("SELECT tenant, role, joined_at, type::record('tenant', tenant).name AS tenant_name FROM membership WHERE account = $account ORDER BY joined_at")
        .bind("account", account)
        .run()
        .await?
        .all(0)?;
    Ok(rows.into_iter().map(|r| Membership { tenant_id: r.tenant, tenant_name: r.tenant_name, role: r.role }).collect())
}

/// Issues an access token and a refresh token in `family` (a new family when `None`).
pub(crate) async fn issue(
    state: &AppState,
    account: &AccountId,
    tenant: &TenantId,
    role: Role,
    family: Option<String>,
) -> ApiResult<TokenPair> {
    let family = family.unwrap_or_else(|| hex::encode(rand::random::<[u8; 16]>()));
    let refresh = random_token("rt_");
    let now = Timestamp::now().unix_seconds();
    state
        .store
        .platform()
        .query("CREATE type::record('refresh_token', $hash) CONTENT { family: $family, account: $account, tenant: $tenant, expires_at: $expires, used: false, revoked: false }")
        .bind("hash", token_hash(&refresh))
        .bind("family", &family)
        .bind("account", account)
        .bind("tenant", tenant)
        .bind("expires", now + REFRESH_TOKEN_SECS as i64)
        .run()
        .await?;
    let claims = AccessClaims {
        sub: account.clone(),
        tid: tenant.clone(),
        role,
        exp: now + i64::from(ACCESS_TOKEN_SECS),
        iat: now,
        fam: family,
    };
    Ok(TokenPair {
        token_type: "Bearer".into(),
        access_token: Secret::new(state.keys.sign(&claims)?),
        expires_in: ACCESS_TOKEN_SECS,
        refresh_token: Secret::new(refresh),
    })
}

#[derive(Deserialize)]
struct RefreshRow {
    family: String,
    account: AccountId,
    tenant: TenantId,
    expires_at: i64,
    used: bool,
    revoked: bool,
}

/// Rotates a refresh token. Presenting a used token again revokes its whole
/// family: whoever holds the newer token, thief or owner, must sign in again.
pub async fn refresh(state: &AppState, token: &Secret) -> ApiResult<TokenPair> {
    let hash = token_hash(token.expose());
    // Marking the token used is conditional, so of two concurrent uses only
    // one sees `used = false` flip; the other is treated as reuse.
    let mut rows = state
        .store
        .platform()
        .query(
            "SELECT family, account, tenant, expires_at, used, revoked FROM type::record('refresh_token', $hash);
             UPDATE type::record('refresh_token', $hash) SET used = true WHERE used = false AND revoked = false RETURN AFTER;",
        )
        .bind("hash", &hash)
        .run()
        .await?;
    let row: Option<RefreshRow> = rows.first(0)?;
    let flipped: Option<serde_json::Value> = rows.first(1)?;
    let row = row.ok_or_else(|| ApiError::code(ErrorCode::InvalidRefreshToken))?;
    if row.revoked {
        return Err(ApiError::code(ErrorCode::InvalidRefreshToken));
    }
    if row.used || flipped.is_none() {
        revoke_family(state, &row.family).await?;
        tracing::warn!(account = %row.account, "refresh token reused; its family was revoked");
        return Err(ApiError::code(ErrorCode::RefreshTokenReused));
    }
    if row.expires_at <= Timestamp::now().unix_seconds() {
        return Err(ApiError::code(ErrorCode::InvalidRefreshToken));
    }
    let role = memberships(state, &row.account).await?.into_iter().find(|m| m.tenant_id == row.tenant).map(|m| m.role);
    let role = role.ok_or_else(|| ApiError::code(ErrorCode::InvalidRefreshToken))?;
    issue(state, &row.account, &row.tenant, role, Some(row.family)).await
}

async fn revoke_family(state: &AppState, family: &str) -> ApiResult<()> {
    state
        .store
        .platform()
        .query("UPDATE refresh_token SET revoked = true WHERE family = $family")
        .bind("family", family)
        .run()
        .await?;
    Ok(())
}

/// Ends the session the refresh token belongs to. Unknown tokens are fine:
/// logging out twice is not an error.
pub async fn logout(state: &AppState, token: &Secret) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Row {
        family: String,
    }
    let row: Option<Row> = state
        .store
        .platform()
        .query("SELECT family FROM type::record('refresh_token', $hash)")
        .bind("hash", token_hash(token.expose()))
        .run()
        .await?
        .first(0)?;
    if let Some(row) = row {
        revoke_family(state, &row.family).await?;
    }
    Ok(())
}

/// Changes the password, revokes every session of the account and starts a new one.
pub async fn change_password(
    state: &AppState,
    ctx: &TenantCtx,
    request: ChangePasswordRequest,
) -> ApiResult<TokenPair> {
    let account_id = ctx.account().ok_or_else(|| ApiError::new(ErrorCode::Forbidden, "API keys have no password."))?;
    let account = account_by_id(state, account_id).await?.ok_or_else(|| ApiError::code(ErrorCode::Unauthenticated))?;
    if !verify_password(request.current_password.expose(), &account.password_hash).await? {
        return Err(ApiError::new(ErrorCode::InvalidCredentials, "The current password is wrong."));
    }
    let hash = hash_password(request.new_password.expose()).await?;
    state
        .store
        .platform()
        .query(
            "BEGIN TRANSACTION;
             UPDATE type::record('account', $id) SET password_hash = $hash;
             UPDATE refresh_token SET revoked = true WHERE account = $id;
             COMMIT TRANSACTION;",
        )
        .bind("id", account_id)
        .bind("hash", &hash)
        .run()
        .await?;
    crate::audit::bind_audit(ctx.db.db().query(AUDIT_INSERT), ctx, "account.change_password", account_id.as_str())
        .run()
        .await?;
    issue(state, account_id, ctx.tenant(), ctx.role, None).await
}

/// Who the caller is.
pub async fn me(state: &AppState, ctx: &TenantCtx) -> ApiResult<MeResponse> {
    let tenant = crate::tenants::tenant_row(state, ctx.tenant()).await?;
    let membership = Membership { tenant_id: tenant.id, tenant_name: tenant.name, role: ctx.role };
    match ctx.account() {
        Some(id) => {
            let account = account_by_id(state, id).await?.ok_or_else(|| ApiError::code(ErrorCode::Unauthenticated))?;
            let memberships = memberships(state, id).await?;
            Ok(MeResponse { account: Some(account.view()), membership, memberships })
        }
        None => Ok(MeResponse { account: None, memberships: vec![membership.clone()], membership }),
    }
}

/// Marks an account as a platform operator; `false` when no account has the address.
pub async fn grant_operator(state: &AppState, email: &Email) -> ApiResult<bool> {
    let updated: Vec<serde_json::Value> = state
        .store
        .platform()
        .query("UPDATE account SET operator = true WHERE email = $email RETURN AFTER")
        .bind("email", email)
        .run()
        .await?
        .all(0)?;
    Ok(!updated.is_empty())
}
