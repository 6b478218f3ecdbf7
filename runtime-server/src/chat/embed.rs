//! The public side of a bot: resolving an embed id, checking the page's
//! origin, verifying a tenant-signed user identity, and issuing and checking
//! visitor tokens.

use std::sync::Arc;

use animo_shared::api::TenantStatus;
use animo_shared::bot::{AllowedOrigins, BotConfig, BotStatus, Origin};
use animo_shared::chat::{EmbedAvatar, EmbedConfig, EmbedConfigQuery, MAX_USER_ID_CHARS, VisitorSession};
use animo_shared::{BotId, EmbedId, ErrorCode, TenantId, Timestamp, VisitorId};
use serde::{Deserialize, Serialize};

use crate::context::TenantCtx;
use crate::crypto::{TokenProblem, constant_time_eq, hmac_hex};
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::state::AppState;
use crate::store::TenantDb;

/// How long a visitor token works; the widget fetches a fresh config before then.
pub const VISITOR_TOKEN_SECS: i64 = 30 * 60;
/// The audience of visitor tokens, which sets them apart from access tokens.
const VISITOR_AUDIENCE: &str = "animo-visitor";

/// What a visitor token says. It is bound to one embed id, one origin and
/// one visitor, so a token lifted from one site cannot be used from another.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisitorClaims {
    /// Always [`VISITOR_AUDIENCE`].
    pub aud: String,
    /// The embed id the config was fetched for.
    pub emb: EmbedId,
    /// The bot's tenant.
    pub tid: TenantId,
    /// The bot.
    pub bot: BotId,
    /// The page origin the config was fetched from.
    pub org: String,
    /// The visitor.
    pub vis: VisitorId,
    /// The tenant's user id, when verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// A bot reached through its embed id.
#[derive(Debug, Clone)]
pub struct PublicBot {
    /// The tenant.
    pub tenant: TenantId,
    /// The tenant's database.
    pub db: TenantDb,
    /// The bot.
    pub bot: BotId,
    /// The live version's number.
    pub version: u32,
    /// The live version's configuration.
    pub config: Arc<BotConfig>,
    /// The document versions the live version answers from.
    pub knowledge_keys: Arc<[String]>,
}

#[derive(Deserialize)]
struct EmbedRow {
    tenant: TenantId,
    bot: BotId,
}

#[derive(Deserialize)]
struct TenantRow {
    status: TenantStatus,
    #[serde(default)]
    test_origins: Vec<Origin>,
    #[serde(default)]
    identity_secret: Option<String>,
}

/// The tenant and bot behind an embed id, or `not_found`.
async fn embed_row(state: &AppState, embed: &EmbedId) -> ApiResult<EmbedRow> {
    let row: Option<EmbedRow> = state
        .store
        .platform()
        .query("SELECT tenant, bot FROM type::record('embed', $embed)")
        .bind("embed", embed)
        .run()
        .await?
        .first(0)?;
    row.ok_or_else(ApiError::not_found)
}

async fn tenant_row(state: &AppState, tenant: &TenantId) -> ApiResult<TenantRow> {
    let row: Option<TenantRow> = state
        .store
        .platform()
        .query("SELECT status, test_origins ?? [] AS test_origins, identity_secret FROM type::record('tenant', $id)")
        .bind("id", tenant)
        .run()
        .await?
        .first(0)?;
    let row = row.ok_or_else(ApiError::not_found)?;
    if row.status == TenantStatus::Suspended {
        return Err(ApiError::code(ErrorCode::TenantSuspended));
    }
    Ok(row)
}

/// The live version of an active bot, from the caches when they have it:
/// the live version's number until it changes, and published versions,
/// which never change, so a cached one is never stale.
pub async fn live_bot(state: &AppState, tenant: &TenantId, bot: &BotId) -> ApiResult<PublicBot> {
    #[derive(Deserialize)]
    struct BotRow {
        status: BotStatus,
        live_version: Option<u32>,
    }
    let db = state.store.tenant(tenant).await?;
    let read = async {
        let row: Option<BotRow> = db
            .db()
            .query("SELECT status, live_version FROM type::record('bot', $id)")
            .bind("id", bot)
            .run()
            .await?
            .first(0)?;
        let row = row.filter(|row| row.status == BotStatus::Active).ok_or_else(ApiError::not_found)?;
        row.live_version.ok_or_else(|| ApiError::code(ErrorCode::NotPublished))
    };
    let version = state.chat.live_versions.get_or_read((tenant.clone(), bot.clone()), read).await?;
    let (config, knowledge_keys) = match state.chat.versions.get(tenant, bot, version) {
        Some(cached) => cached,
        None => {
            #[derive(Deserialize)]
            struct VersionRow {
                config: BotConfig,
                #[serde(default)]
                knowledge_keys: Vec<String>,
            }
            let stored: Option<VersionRow> = db
                .db()
                .query("SELECT config, knowledge_keys ?? [] AS knowledge_keys FROM bot_version WHERE bot_id = $id AND version = $version")
                .bind("id", bot)
                .bind("version", version)
                .run()
                .await?
                .first(0)?;
            let stored = stored
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("live version {version} of {bot} is missing")))?;
            let cached: (Arc<BotConfig>, Arc<[String]>) = (Arc::new(stored.config), stored.knowledge_keys.into());
            state.chat.versions.insert(tenant, bot, version, cached.clone());
            cached
        }
    };
    Ok(PublicBot { tenant: tenant.clone(), db, bot: bot.clone(), version, config, knowledge_keys })
}

/// Whether `origin` may embed a bot with these allowed origins: the bot's
/// list when it has one, else only the tenant's test origins.
fn origin_allowed(origin: &str, allowed: &AllowedOrigins, test_origins: &[Origin]) -> bool {
    let list = if allowed.items().is_empty() { test_origins } else { allowed.items() };
    list.iter().any(|entry| entry.allows(origin))
}

/// Answers `GET /v1/embed/{embed_id}/config` for a page at `origin`.
pub async fn config(
    state: &AppState,
    embed: &EmbedId,
    origin: Option<&str>,
    query: EmbedConfigQuery,
) -> ApiResult<EmbedConfig> {
    // Browsers always send Origin on the cross-origin request the widget
    // makes; a request without one is not from a page we could check.
    let origin = origin.ok_or_else(|| {
        ApiError::new(
            ErrorCode::OriginNotAllowed,
            "The request has no Origin header; embeds are loaded from web pages.",
        )
    })?;
    let row = embed_row(state, embed).await?;
    let tenant = tenant_row(state, &row.tenant).await?;
    let bot = live_bot(state, &row.tenant, &row.bot).await?;
    if !origin_allowed(origin, &bot.config.allowed_origins, &tenant.test_origins) {
        return Err(ApiError::code(ErrorCode::OriginNotAllowed).with_details(serde_json::json!({ "origin": origin })));
    }
    let user_id = match (query.user_id, query.user_hash) {
        (None, None) => None,
        (Some(user_id), Some(hash)) => {
            verify_identity(tenant.identity_secret.as_deref(), &user_id, &hash)?;
            Some(user_id)
        }
        _ => {
            return Err(ApiError::new(ErrorCode::IdentityInvalid, "user_id and user_hash must be given together."));
        }
    };
    let visitor_id = query.visitor_id.unwrap_or_else(VisitorId::generate);
    let now = time::OffsetDateTime::now_utc();
    let exp = now.unix_timestamp() + VISITOR_TOKEN_SECS;
    let claims = VisitorClaims {
        aud: VISITOR_AUDIENCE.to_owned(),
        emb: embed.clone(),
        tid: row.tenant.clone(),
        bot: row.bot.clone(),
        org: origin.to_ascii_lowercase(),
        vis: visitor_id.clone(),
        uid: user_id.clone(),
        exp,
    };
    let token = state.keys.sign_claims(&claims)?;
    let config = &bot.config;
    Ok(EmbedConfig {
        embed_id: embed.clone(),
        version: bot.version,
        bot_name: config.personality.name.as_str().to_owned(),
        greeting: config.personality.greeting.as_str().to_owned(),
        language: config.personality.language.as_str().to_owned(),
        widget: config.widget.clone(),
        placement: config.placement.clone(),
        avatar: config.avatar.as_ref().map(|avatar| EmbedAvatar {
            model_url: format!("/v1/embed/{embed}/avatars/{}/model.glb", avatar.avatar_id),
            mapping: avatar.mapping.clone(),
        }),
        poster_url: config.poster.as_ref().map(|poster| crate::poster::embed_url(embed, poster)),
        visitor: VisitorSession {
            token,
            expires_at: Timestamp::from_datetime(now + time::Duration::seconds(VISITOR_TOKEN_SECS)),
            visitor_id,
            user_id,
        },
    })
}

/// Checks the tenant backend's signature of a user id.
fn verify_identity(secret: Option<&str>, user_id: &str, hash: &str) -> ApiResult<()> {
    if user_id.is_empty() || user_id.chars().count() > MAX_USER_ID_CHARS {
        return Err(ApiError::new(
            ErrorCode::IdentityInvalid,
            format!("user_id must have 1 to {MAX_USER_ID_CHARS} characters."),
        ));
    }
    let secret = secret.ok_or_else(|| {
        ApiError::new(ErrorCode::IdentityInvalid, "The tenant has no identity secret; an owner can create one.")
    })?;
    let expected = hmac_hex(secret.as_bytes(), user_id.as_bytes());
    if constant_time_eq(&expected, &hash.to_ascii_lowercase()) {
        Ok(())
    } else {
        Err(ApiError::code(ErrorCode::IdentityInvalid))
    }
}

/// Checks a visitor token and, when the client is a browser (it sent an
/// Origin), that the page is the one the token was issued to.
pub fn verify_token(state: &AppState, token: &str, origin: Option<&str>) -> ApiResult<VisitorClaims> {
    let claims: VisitorClaims = state.keys.verify_claims(token, VISITOR_AUDIENCE).map_err(|problem| match problem {
        TokenProblem::Expired => ApiError::code(ErrorCode::VisitorTokenExpired),
        TokenProblem::Invalid => ApiError::code(ErrorCode::VisitorTokenInvalid),
    })?;
    match origin {
        Some(origin) if origin.eq_ignore_ascii_case(&claims.org) => Ok(claims),
        Some(_) => Err(ApiError::new(ErrorCode::OriginNotAllowed, "The token was issued to another site.")),
        None => Err(ApiError::new(ErrorCode::OriginNotAllowed, "Chat requests must carry the page's Origin.")),
    }
}

/// Whether the embed id in a token still leads to its bot (it may have been
/// rotated or the bot archived since the token was issued).
pub async fn check_embed_current(state: &AppState, claims: &VisitorClaims) -> ApiResult<()> {
    let row = embed_row(state, &claims.emb).await.map_err(|_| ApiError::code(ErrorCode::VisitorTokenInvalid))?;
    if row.tenant != claims.tid || row.bot != claims.bot {
        return Err(ApiError::code(ErrorCode::VisitorTokenInvalid));
    }
    tenant_row(state, &row.tenant).await?;
    Ok(())
}

/// Serves the GLB of the avatar a published bot shows, to its embeds.
pub async fn avatar_model(
    state: &AppState,
    embed: &EmbedId,
    avatar: &animo_shared::AvatarId,
    headers: &axum::http::HeaderMap,
) -> ApiResult<axum::response::Response> {
    let row = embed_row(state, embed).await?;
    tenant_row(state, &row.tenant).await?;
    let bot = live_bot(state, &row.tenant, &row.bot).await?;
    let shown = bot.config.avatar.as_ref().is_some_and(|shown| &shown.avatar_id == avatar);
    if !shown {
        return Err(ApiError::not_found());
    }
    crate::avatars::model(state, &bot.db, avatar, headers).await
}

/// Serves the poster of a published bot's live version to its embeds.
pub async fn poster(
    state: &AppState,
    embed: &EmbedId,
    sha256: &str,
    headers: &axum::http::HeaderMap,
) -> ApiResult<axum::response::Response> {
    let row = embed_row(state, embed).await?;
    tenant_row(state, &row.tenant).await?;
    let bot = live_bot(state, &row.tenant, &row.bot).await?;
    if bot.config.poster.as_ref().is_none_or(|poster| poster.etag != sha256) {
        return Err(ApiError::not_found());
    }
    crate::poster::serve(state, &bot.db, sha256, headers).await
}

/// Stores the tenant's test origins (where bots without allowed origins may be embedded).
pub async fn set_test_origins(state: &AppState, ctx: &TenantCtx, origins: &AllowedOrigins) -> ApiResult<()> {
    state
        .store
        .platform()
        .query("UPDATE type::record('tenant', $id) SET test_origins = $origins")
        .bind("id", ctx.tenant())
        .bind("origins", origins)
        .run()
        .await?;
    // The setting lives in the platform database and the log in the
    // tenant's, so the entry follows the change rather than sharing its transaction.
    audit_setting(ctx, "tenant.test_origins").await
}

/// Creates or replaces the tenant's identity secret and returns it; the
/// previous one stops verifying at once.
pub async fn rotate_identity_secret(state: &AppState, ctx: &TenantCtx) -> ApiResult<String> {
    let secret = crate::crypto::random_token("idk_");
    state
        .store
        .platform()
        .query("UPDATE type::record('tenant', $id) SET identity_secret = $secret")
        .bind("id", ctx.tenant())
        .bind("secret", &secret)
        .run()
        .await?;
    audit_setting(ctx, "tenant.identity_secret").await?;
    Ok(secret)
}

async fn audit_setting(ctx: &TenantCtx, action: &str) -> ApiResult<()> {
    let query = ctx.db.db().query(crate::audit::AUDIT_INSERT);
    crate::audit::bind_audit(query, ctx, action, "tenant").run().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_signatures_verify_and_tampering_fails() {
        let hash = hmac_hex(b"idk_secret", b"user-42");
        assert!(verify_identity(Some("idk_secret"), "user-42", &hash).is_ok());
        assert!(verify_identity(Some("idk_secret"), "user-42", &hash.to_uppercase()).is_ok());
        assert!(verify_identity(Some("idk_secret"), "user-43", &hash).is_err());
        assert!(verify_identity(Some("idk_other"), "user-42", &hash).is_err());
        assert!(verify_identity(None, "user-42", &hash).is_err());
        assert!(verify_identity(Some("idk_secret"), "", &hash).is_err());
    }

    #[test]
    fn empty_allowed_origins_fall_back_to_test_origins() {
        let allowed = AllowedOrigins::default();
        let test: Vec<Origin> = vec![serde_json::from_str("\"http://localhost:3000\"").expect("origin")];
        assert!(origin_allowed("http://localhost:3000", &allowed, &test));
        assert!(!origin_allowed("https://evil.example", &allowed, &test));
        assert!(!origin_allowed("http://localhost:3000", &allowed, &[]));
        let allowed: AllowedOrigins = serde_json::from_str(r#"["https://*.shop.example"]"#).expect("origins");
        assert!(origin_allowed("https://www.shop.example", &allowed, &[]));
        assert!(!origin_allowed("http://localhost:3000", &allowed, &test));
    }
}
