//! Tenant-scoped API keys: `ak_<12 hex>_<secret>`. The visible prefix finds
//! the tenant through the platform index; only a SHA-256 hash of the whole
//! key is stored.

use animo_shared::api::{ApiKeyCreated, ApiKeyList, ApiKeyView, CreateApiKeyRequest};
use animo_shared::text::Secret;
use animo_shared::{ApiKeyId, Timestamp};
use serde_json::json;

use crate::audit::{audited, bind_audit};
use crate::context::TenantCtx;
use crate::crypto::{random_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::state::AppState;

const PREFIX_HEX: usize = 12;

/// The visible prefix (`ak_` and 12 hex digits) of a presented key, if it has the key's shape.
pub fn prefix_of(token: &str) -> Option<&str> {
    let prefix = token.get(..3 + PREFIX_HEX)?;
    let valid = prefix.starts_with("ak_")
        && prefix[3..].bytes().all(|b| b.is_ascii_hexdigit())
        && token.as_bytes().get(3 + PREFIX_HEX) == Some(&b'_');
    valid.then_some(prefix)
}

const KEY_FIELDS: &str = "record::id(id) AS id, name, role, prefix, created_at, last_used_at";

/// Creates a key; its secret is in the answer and nowhere else.
pub async fn create(state: &AppState, ctx: &TenantCtx, request: CreateApiKeyRequest) -> ApiResult<ApiKeyCreated> {
    let id = ApiKeyId::generate();
    let prefix = format!("ak_{}", &hex::encode(rand::random::<[u8; 6]>()));
    let secret = format!("{prefix}_{}", random_token(""));
    let now = Timestamp::now();
    // The index first: a key whose index exists but whose record does not
    // authenticates nothing, while the reverse would be a key that cannot be used.
    state
        .store
        .platform()
        .query("CREATE type::record('api_key_index', $prefix) CONTENT { tenant: $tenant }")
        .bind("prefix", &prefix)
        .bind("tenant", ctx.tenant())
        .run()
        .await?;
    let query = ctx.db.db().query(audited("CREATE type::record('api_key', $id) CONTENT $key;")).bind("id", &id).bind(
        "key",
        json!({
            "name": request.name,
            "role": request.role,
            "prefix": prefix,
            "secret_hash": token_hash(&secret),
            "created_at": now,
            "last_used_at": null,
            "revoked": false,
        }),
    );
    bind_audit(query, ctx, "api_key.create", id.as_str()).run().await?;
    let key = ApiKeyView { id, name: request.name, role: request.role, prefix, created_at: now, last_used_at: None };
    Ok(ApiKeyCreated { key, secret: Secret::new(secret) })
}

/// The tenant's keys that are not revoked.
pub async fn list(ctx: &TenantCtx) -> ApiResult<ApiKeyList> {
    let sql = format!("SELECT {KEY_FIELDS} FROM api_key WHERE revoked = false ORDER BY id");
    let keys = ctx.db.db().query(&sql).run().await?.all(0)?;
    Ok(ApiKeyList { keys })
}

/// Revokes a key at once.
pub async fn revoke(state: &AppState, ctx: &TenantCtx, id: &ApiKeyId) -> ApiResult<()> {
    let sql = format!("SELECT {KEY_FIELDS} FROM type::record('api_key', $id) WHERE revoked = false");
    let key: Option<ApiKeyView> = ctx.db.db().query(&sql).bind("id", id).run().await?.first(0)?;
    let key = key.ok_or_else(ApiError::not_found)?;
    let query = ctx.db.db().query(audited("UPDATE type::record('api_key', $id) SET revoked = true;")).bind("id", id);
    bind_audit(query, ctx, "api_key.revoke", id.as_str()).run().await?;
    state
        .store
        .platform()
        .query("DELETE type::record('api_key_index', $prefix)")
        .bind("prefix", &key.prefix)
        .run()
        .await?;
    Ok(())
}
