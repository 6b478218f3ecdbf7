//! Tenants: creation, the plan catalogue, usage and quotas, suspension,
//! data export and deletion.

use animo_shared::api::{
    Actor, AdminTenantUpdate, AdminTenantView, DeletionChallenge, Plan, QuotaKind, TenantStatus, TenantView, Usage,
};
use animo_shared::text::{Secret, TenantName};
use animo_shared::{ErrorCode, TenantId, Timestamp};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{AUDIT_INSERT, bind_audit, bind_audit_as};
use crate::context::TenantCtx;
use crate::crypto::{random_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{Store, StoreError, THROW_PREFIX};

/// The access-token signing secret kept in the platform database, created
/// on first start so tokens survive restarts without configuration.
pub async fn signing_secret(store: &Store) -> Result<Vec<u8>, StoreError> {
    #[derive(Deserialize)]
    struct Row {
        secret: String,
    }
    let fresh = hex::encode(rand::random::<[u8; 32]>());
    // Two instances starting together both try; the second's CREATE fails
    // on the existing record and both then read the same secret.
    let _first_wins = store
        .platform()
        .query("CREATE type::record('platform_secret', 'jwt') CONTENT { secret: $secret }")
        .bind("secret", &fresh)
        .run()
        .await;
    let row: Option<Row> =
        store.platform().query("SELECT secret FROM type::record('platform_secret', 'jwt')").run().await?.first(0)?;
    Ok(row.map(|r| r.secret).unwrap_or(fresh).into_bytes())
}

/// Writes the configured plan catalogue to the platform database.
pub async fn sync_plans(store: &Store, plans: &[Plan]) -> Result<(), StoreError> {
    store
        .platform()
        .query("FOR $plan IN $plans { UPSERT type::record('plan', $plan.name) CONTENT $plan; }")
        .bind("plans", plans)
        .run()
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub(crate) struct TenantRow {
    pub id: TenantId,
    pub name: TenantName,
    pub plan: String,
    pub status: TenantStatus,
    pub created_at: Timestamp,
    #[serde(default)]
    pub member_count: u64,
}

pub(crate) const TENANT_FIELDS: &str = "record::id(id) AS id, name, plan, status, created_at, member_count";

pub(crate) async fn tenant_row(state: &AppState, tenant: &TenantId) -> ApiResult<TenantRow> {
    let sql = format!("SELECT {TENANT_FIELDS} FROM type::record('tenant', $id)");
    let row: Option<TenantRow> = state.store.platform().query(&sql).bind("id", tenant).run().await?.first(0)?;
    row.ok_or_else(ApiError::not_found)
}

/// The tenant with its plan and usage.
pub async fn view(state: &AppState, ctx: &TenantCtx) -> ApiResult<TenantView> {
    let row = tenant_row(state, ctx.tenant()).await?;
    let bots = usage_count(ctx, QuotaKind::Bots).await?;
    let avatar_bytes = usage_count(ctx, QuotaKind::AvatarBytes).await?;
    let knowledge_bytes = usage_count(ctx, QuotaKind::KnowledgeBytes).await?;
    let monthly_messages = state.chat.meters.monthly_messages(&ctx.db, ctx.tenant()).await?;
    Ok(TenantView {
        id: row.id,
        name: row.name,
        status: row.status,
        plan: state.plan(&row.plan).clone(),
        usage: Usage { bots, members: row.member_count, monthly_messages, knowledge_bytes, avatar_bytes },
        created_at: row.created_at,
    })
}

/// A usage counter of the tenant database.
pub async fn usage_count(ctx: &TenantCtx, kind: QuotaKind) -> ApiResult<u64> {
    let count: Option<u64> = ctx
        .db
        .db()
        .query("RETURN type::record('usage', $kind).count")
        .bind("kind", kind.name())
        .run()
        .await?
        .value(0)?;
    Ok(count.unwrap_or(0))
}

/// The statements that add `$quota_amount` to a usage counter and throw when
/// the plan limit would be passed; splice into the action's transaction and
/// bind `$limit` and `$quota_amount`.
pub fn quota_check_sql(kind: QuotaKind) -> String {
    let name = kind.name();
    format!(
        "LET $used = (UPSERT usage:{name} SET count = (count ?? 0) + $quota_amount RETURN AFTER)[0].count;\n\
         IF $used > $limit {{ THROW '{THROW_PREFIX}quota:{name}'; }};"
    )
}

/// Maps a thrown quota refusal to the coded error.
pub fn quota_error(error: StoreError, kind: QuotaKind, limit: u64) -> ApiError {
    match error {
        StoreError::Thrown(message) if message.starts_with("quota:") => ApiError::quota(kind, limit),
        other => other.into(),
    }
}

/// The plan limit for the tenant.
pub async fn limit(state: &AppState, tenant: &TenantId, kind: QuotaKind) -> ApiResult<u64> {
    let row = tenant_row(state, tenant).await?;
    Ok(kind.limit(state.plan(&row.plan)))
}

/// Lists every tenant (operators).
pub async fn admin_list(state: &AppState) -> ApiResult<Vec<AdminTenantView>> {
    let sql = format!("SELECT {TENANT_FIELDS} FROM tenant ORDER BY id");
    let rows: Vec<TenantRow> = state.store.platform().query(&sql).run().await?.all(0)?;
    Ok(rows.into_iter().map(admin_view).collect())
}

fn admin_view(row: TenantRow) -> AdminTenantView {
    AdminTenantView { id: row.id, name: row.name, plan: row.plan, status: row.status, created_at: row.created_at }
}

/// Changes a tenant's plan or status (operators), recording it in the tenant's audit log.
pub async fn admin_update(
    state: &AppState,
    operator: &str,
    tenant: &TenantId,
    update: AdminTenantUpdate,
) -> ApiResult<AdminTenantView> {
    let mut row = tenant_row(state, tenant).await?;
    if let Some(plan) = &update.plan {
        if state.config.plan(plan).is_none() {
            return Err(ApiError::new(ErrorCode::InvalidRequest, format!("There is no plan named {plan:?}.")));
        }
        row.plan = plan.clone();
    }
    if let Some(status) = update.status {
        row.status = status;
    }
    state
        .store
        .platform()
        .query("UPDATE type::record('tenant', $id) SET plan = $plan, status = $status")
        .bind("id", tenant)
        .bind("plan", &row.plan)
        .bind("status", row.status)
        .run()
        .await?;
    // Turns cache the plan's message limit; the next one reads the new plan.
    state.chat.plan_limits.forget(tenant);
    let db = state.store.tenant(tenant).await?;
    let actor = Actor::Operator { name: operator.to_owned() };
    let action = match update.status {
        Some(TenantStatus::Suspended) => "tenant.suspend",
        Some(TenantStatus::Active) => "tenant.reactivate",
        None => "tenant.change_plan",
    };
    bind_audit_as(db.db().query(AUDIT_INSERT), &actor, None, action, tenant.as_str()).run().await?;
    Ok(admin_view(row))
}

/// Creates an account's first tenant with it as owner, in one transaction.
pub(crate) fn signup_sql() -> String {
    "BEGIN TRANSACTION;
     CREATE type::record('account', $account_id) CONTENT $account;
     CREATE type::record('tenant', $tenant_id) CONTENT $tenant;
     CREATE membership CONTENT { account: $account_id, tenant: $tenant_id, role: 'owner', joined_at: $now };
     COMMIT TRANSACTION;"
        .to_owned()
}

/// The first row of a new tenant.
pub(crate) fn new_tenant_content(state: &AppState, name: &TenantName, now: Timestamp) -> serde_json::Value {
    json!({
        "name": name,
        "plan": state.config.default_plan,
        "status": TenantStatus::Active,
        "created_at": now,
        "member_count": 1,
    })
}

/// Step one of deleting a tenant: a confirmation token valid for ten minutes.
pub async fn request_deletion(state: &AppState, ctx: &TenantCtx) -> ApiResult<DeletionChallenge> {
    let token = random_token("del_");
    let expires_at = Timestamp::now().plus(std::time::Duration::from_secs(600));
    state
        .store
        .platform()
        .query("UPSERT type::record('deletion_challenge', $tenant) CONTENT { token_hash: $hash, expires_at: $expires, requested_by: $by }")
        .bind("tenant", ctx.tenant())
        .bind("hash", token_hash(&token))
        .bind("expires", expires_at.unix_seconds())
        .bind("by", ctx.actor_name())
        .run()
        .await?;
    bind_audit(ctx.db.db().query(AUDIT_INSERT), ctx, "tenant.deletion_requested", ctx.tenant().as_str()).run().await?;
    Ok(DeletionChallenge { confirmation_token: Secret::new(token), expires_at })
}

/// Step two: removes the tenant's database, blobs and platform records.
pub async fn confirm_deletion(state: &AppState, ctx: &TenantCtx, token: &Secret) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Challenge {
        token_hash: String,
        expires_at: i64,
    }
    let challenge: Option<Challenge> = state
        .store
        .platform()
        .query("SELECT token_hash, expires_at FROM type::record('deletion_challenge', $tenant)")
        .bind("tenant", ctx.tenant())
        .run()
        .await?
        .first(0)?;
    let valid = challenge
        .is_some_and(|c| c.token_hash == token_hash(token.expose()) && c.expires_at > Timestamp::now().unix_seconds());
    if !valid {
        return Err(ApiError::code(ErrorCode::ConfirmationRequired));
    }
    delete_everything(state, ctx.tenant()).await
}

async fn delete_everything(state: &AppState, tenant: &TenantId) -> ApiResult<()> {
    // Platform records first, so the tenant stops resolving at once; then its
    // database and blobs, which nothing can reach any more.
    state
        .store
        .platform()
        .query(
            "BEGIN TRANSACTION;
             DELETE membership WHERE tenant = $tenant;
             DELETE embed WHERE tenant = $tenant;
             DELETE api_key_index WHERE tenant = $tenant;
             DELETE invite_index WHERE tenant = $tenant;
             DELETE refresh_token WHERE tenant = $tenant;
             DELETE type::record('deletion_challenge', $tenant);
             DELETE type::record('tenant', $tenant);
             COMMIT TRANSACTION;",
        )
        .bind("tenant", tenant)
        .run()
        .await?;
    state.chat.live_versions.forget_where(|(owner, _)| owner == tenant);
    state.knowledge.draft_keys.forget_where(|(owner, _)| owner == tenant);
    state.store.drop_tenant(tenant).await?;
    crate::blobs::delete_prefix(state, &crate::blobs::tenant_prefix(tenant)).await?;
    tracing::info!(%tenant, "tenant deleted with all its data");
    Ok(())
}
