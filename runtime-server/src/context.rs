//! Who is calling, for which tenant, with which role: as types.
//!
//! [`Caller`] resolves the `Authorization` header (an access JWT or an
//! `ak_…` API key) to a tenant context, re-checking the membership and the
//! tenant's status in the database. The role extractors [`Viewer`],
//! [`Designer`] and [`Owner`] wrap it and refuse weaker roles, so a handler's
//! signature states who may call it; [`Designer`] and [`Owner`] also refuse
//! writes to a suspended tenant.

use std::net::SocketAddr;

use animo_shared::api::{Actor, Role, TenantStatus};
use animo_shared::{AccountId, ApiKeyId, ErrorCode, TenantId};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::Deserialize;

use crate::crypto::{TokenProblem, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::TenantDb;

/// An authenticated caller acting in one tenant.
#[derive(Debug, Clone)]
pub struct TenantCtx {
    /// The tenant's database session: the only door to its records.
    pub db: TenantDb,
    /// The caller's role in the tenant.
    pub role: Role,
    /// Who the caller is, for the audit log.
    pub actor: Actor,
    /// The tenant's status.
    pub status: TenantStatus,
    /// The client's address.
    pub client_addr: Option<String>,
    /// The refresh-token family of the session, for access tokens.
    pub session_family: Option<String>,
}

impl TenantCtx {
    /// The tenant acted in.
    pub fn tenant(&self) -> &TenantId {
        self.db.tenant()
    }

    /// The signed-in account, if the caller is a person.
    pub fn account(&self) -> Option<&AccountId> {
        match &self.actor {
            Actor::Account { id } => Some(id),
            _ => None,
        }
    }

    /// A short text naming the actor, e.g. for `published_by`.
    pub fn actor_name(&self) -> String {
        match &self.actor {
            Actor::Account { id } => id.to_string(),
            Actor::ApiKey { id } => id.to_string(),
            Actor::Operator { name } => format!("operator:{name}"),
        }
    }

    fn require(self, needed: Role) -> ApiResult<Self> {
        if self.role < needed {
            return Err(ApiError::forbidden(needed.name()));
        }
        if needed > Role::Viewer && self.status == TenantStatus::Suspended {
            return Err(ApiError::code(ErrorCode::TenantSuspended));
        }
        Ok(self)
    }
}

/// Any authenticated member or API key of a tenant.
#[derive(Debug, Clone)]
pub struct Caller(pub TenantCtx);
/// At least a viewer: may read.
#[derive(Debug, Clone)]
pub struct Viewer(pub TenantCtx);
/// At least a designer: may edit bots; the tenant must be active.
#[derive(Debug, Clone)]
pub struct Designer(pub TenantCtx);
/// An owner: may publish and manage people and data; the tenant must be active.
#[derive(Debug, Clone)]
pub struct Owner(pub TenantCtx);

/// The client's address from the connection.
pub fn client_addr(parts: &Parts) -> Option<String> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string())
}

fn bearer(parts: &Parts) -> ApiResult<&str> {
    let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| ApiError::code(ErrorCode::Unauthenticated))?;
    let value = header.to_str().map_err(|_| ApiError::code(ErrorCode::Unauthenticated))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "Use `Authorization: Bearer <token>`."))?;
    Ok(token.trim())
}

#[derive(Deserialize)]
struct MembershipRow {
    role: Role,
    status: Option<TenantStatus>,
}

#[derive(Deserialize)]
struct TenantRow {
    status: TenantStatus,
}

#[derive(Deserialize)]
struct KeyIndexRow {
    tenant: TenantId,
}

#[derive(Deserialize)]
struct KeyRow {
    id: ApiKeyId,
    role: Role,
    secret_hash: String,
    last_used_minute: Option<i64>,
}

async fn tenant_status(state: &AppState, tenant: &TenantId) -> ApiResult<TenantStatus> {
    let row: Option<TenantRow> = state
        .store
        .platform()
        .query("SELECT status FROM type::record('tenant', $id)")
        .bind("id", tenant)
        .run()
        .await?
        .first(0)?;
    // A deleted tenant's tokens may still be unexpired; they authenticate nothing.
    row.map(|r| r.status).ok_or_else(|| ApiError::code(ErrorCode::Unauthenticated))
}

async fn resolve(parts: &Parts, state: &AppState) -> ApiResult<TenantCtx> {
    let token = bearer(parts)?;
    let client_addr = client_addr(parts);
    if token.starts_with("ak_") {
        return resolve_api_key(state, token, client_addr).await;
    }
    let claims = state.keys.verify(token).map_err(|problem| match problem {
        TokenProblem::Expired => ApiError::code(ErrorCode::TokenExpired),
        TokenProblem::Invalid => ApiError::code(ErrorCode::Unauthenticated),
    })?;
    // The membership and the tenant's status are read on every request, in
    // one round trip, so that a removed member, a changed role or a
    // suspension takes effect at once, not when the token expires.
    let membership: Option<MembershipRow> = state
        .store
        .platform()
        .query(
            "SELECT role, type::record('tenant', tenant).status AS status FROM membership
             WHERE account = $account AND tenant = $tenant LIMIT 1",
        )
        .bind("account", &claims.sub)
        .bind("tenant", &claims.tid)
        .run()
        .await?
        .first(0)?;
    // A deleted tenant's tokens may still be unexpired; they authenticate nothing.
    let membership = membership.ok_or_else(|| ApiError::code(ErrorCode::Unauthenticated))?;
    let status = membership.status.ok_or_else(|| ApiError::code(ErrorCode::Unauthenticated))?;
    Ok(TenantCtx {
        db: state.store.tenant(&claims.tid).await?,
        role: membership.role,
        actor: Actor::Account { id: claims.sub },
        status,
        client_addr,
        session_family: Some(claims.fam),
    })
}

/// API keys look like `ak_<prefix>_<secret>`; the prefix finds the tenant in
/// the platform index, the hash of the whole key is checked in the tenant.
async fn resolve_api_key(state: &AppState, token: &str, client_addr: Option<String>) -> ApiResult<TenantCtx> {
    let unauthenticated = || ApiError::new(ErrorCode::Unauthenticated, "The API key is unknown or revoked.");
    let prefix = crate::api_keys::prefix_of(token).ok_or_else(unauthenticated)?;
    let index: Option<KeyIndexRow> = state
        .store
        .platform()
        .query("SELECT tenant FROM type::record('api_key_index', $prefix)")
        .bind("prefix", prefix)
        .run()
        .await?
        .first(0)?;
    let index = index.ok_or_else(unauthenticated)?;
    let db = state.store.tenant(&index.tenant).await?;
    let key: Option<KeyRow> = db
        .db()
        .query("SELECT record::id(id) AS id, role, secret_hash, last_used_minute FROM api_key WHERE prefix = $prefix AND revoked = false LIMIT 1")
        .bind("prefix", prefix)
        .run()
        .await?
        .first(0)?;
    let key = key.ok_or_else(unauthenticated)?;
    if !constant_time_eq(key.secret_hash.as_bytes(), token_hash(token).as_bytes()) {
        return Err(unauthenticated());
    }
    let minute = time::OffsetDateTime::now_utc().unix_timestamp() / 60;
    if key.last_used_minute != Some(minute) {
        // Recorded at most once a minute so busy keys do not turn every read into a write.
        db.db()
            .query("UPDATE type::record('api_key', $id) SET last_used_minute = $minute, last_used_at = time::now()")
            .bind("id", &key.id)
            .bind("minute", minute)
            .run()
            .await?;
    }
    let status = tenant_status(state, &index.tenant).await?;
    Ok(TenantCtx { db, role: key.role, actor: Actor::ApiKey { id: key.id }, status, client_addr, session_family: None })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        resolve(parts, state).await.map(Caller)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        resolve(parts, state).await?.require(Role::Viewer).map(Viewer)
    }
}

impl FromRequestParts<AppState> for Designer {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        resolve(parts, state).await?.require(Role::Designer).map(Designer)
    }
}

impl FromRequestParts<AppState> for Owner {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        resolve(parts, state).await?.require(Role::Owner).map(Owner)
    }
}

/// A signed-in platform operator (an account with the operator flag).
#[derive(Debug, Clone)]
pub struct Operator {
    /// The operator's account.
    pub account: AccountId,
}

#[derive(Deserialize)]
struct OperatorRow {
    operator: Option<bool>,
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let token = bearer(parts)?;
        let claims = state.keys.verify(token).map_err(|problem| match problem {
            TokenProblem::Expired => ApiError::code(ErrorCode::TokenExpired),
            TokenProblem::Invalid => ApiError::code(ErrorCode::Unauthenticated),
        })?;
        let row: Option<OperatorRow> = state
            .store
            .platform()
            .query("SELECT operator FROM type::record('account', $id)")
            .bind("id", &claims.sub)
            .run()
            .await?
            .first(0)?;
        match row {
            Some(OperatorRow { operator: Some(true) }) => Ok(Operator { account: claims.sub }),
            Some(_) => Err(ApiError::new(ErrorCode::Forbidden, "This action needs a platform operator.")),
            None => Err(ApiError::code(ErrorCode::Unauthenticated)),
        }
    }
}
