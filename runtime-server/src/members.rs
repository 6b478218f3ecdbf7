//! Members of a tenant: invitations by e-mail token, roles, removal.

use animo_shared::api::{
    AcceptInviteRequest, AccountView, Actor, InviteCreated, InviteRequest, MemberList, MemberView, Membership,
    PendingInvite, QuotaKind, Role, SessionResponse,
};
use animo_shared::text::{Email, Secret};
use animo_shared::{AccountId, ErrorCode, InviteId, TenantId, Timestamp};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{account_by_email, email_taken, issue, new_account_content};
use crate::audit::{AUDIT_INSERT, audited, bind_audit, bind_audit_as};
use crate::context::TenantCtx;
use crate::crypto::{hash_password, random_token, token_hash, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::state::AppState;
use crate::store::StoreError;
use crate::tenants::{limit, tenant_row};

/// How long an invitation stays valid.
const INVITE_SECS: u64 = 7 * 24 * 60 * 60;

/// Invites an address with a role. The token is returned once for the owner
/// to send; it is also logged at info level for operators without mail.
pub async fn invite(state: &AppState, ctx: &TenantCtx, request: InviteRequest) -> ApiResult<InviteCreated> {
    let id = InviteId::generate();
    let token = random_token("inv_");
    let hash = token_hash(&token);
    let expires_at = Timestamp::now().plus(std::time::Duration::from_secs(INVITE_SECS));
    state
        .store
        .platform()
        .query("CREATE type::record('invite_index', $hash) CONTENT { tenant: $tenant, invite: $invite }")
        .bind("hash", &hash)
        .bind("tenant", ctx.tenant())
        .bind("invite", &id)
        .run()
        .await?;
    let query = ctx.db.db().query(audited("CREATE type::record('invite', $id) CONTENT $invite;")).bind("id", &id).bind(
        "invite",
        json!({
            "email": request.email,
            "role": request.role,
            "token_hash": hash,
            "expires_at": expires_at,
            "accepted": false,
        }),
    );
    bind_audit(query, ctx, "member.invite", request.email.as_str()).run().await?;
    tracing::info!(tenant = %ctx.tenant(), email = %request.email, "invitation created");
    Ok(InviteCreated { id, email: request.email, role: request.role, token: Secret::new(token), expires_at })
}

#[derive(Deserialize)]
struct InviteRow {
    email: Email,
    role: Role,
    expires_at: Timestamp,
    accepted: bool,
}

/// Accepts an invitation, creating the account when the address has none.
pub async fn accept(
    state: &AppState,
    request: AcceptInviteRequest,
    client: Option<&str>,
) -> ApiResult<SessionResponse> {
    #[derive(Deserialize)]
    struct Index {
        tenant: TenantId,
        invite: InviteId,
    }
    let hash = token_hash(request.token.expose());
    let index: Option<Index> = state
        .store
        .platform()
        .query("SELECT tenant, invite FROM type::record('invite_index', $hash)")
        .bind("hash", &hash)
        .run()
        .await?
        .first(0)?;
    let index = index.ok_or_else(|| ApiError::code(ErrorCode::InviteInvalid))?;
    let db = state.store.tenant(&index.tenant).await?;
    let invite: Option<InviteRow> = db
        .db()
        .query("SELECT email, role, expires_at, accepted FROM type::record('invite', $id)")
        .bind("id", &index.invite)
        .run()
        .await?
        .first(0)?;
    let invite = invite.ok_or_else(|| ApiError::code(ErrorCode::InviteInvalid))?;
    if invite.accepted || invite.expires_at < Timestamp::now() {
        return Err(ApiError::code(ErrorCode::InviteInvalid));
    }
    let existing = account_by_email(state, &invite.email).await?;
    let now = Timestamp::now();
    let (account_id, account_view, new_account) = match existing {
        Some(account) => {
            if !verify_password(request.password.expose(), &account.password_hash).await? {
                return Err(ApiError::new(
                    ErrorCode::InvalidCredentials,
                    "An account with this address exists; enter its password to join.",
                ));
            }
            let view = AccountView {
                id: account.id.clone(),
                email: account.email,
                display_name: account.display_name,
                created_at: account.created_at,
            };
            (account.id, view, None)
        }
        None => {
            let id = AccountId::generate();
            let name = request.display_name.unwrap_or_default();
            let hash = hash_password(request.password.expose()).await?;
            let content = new_account_content(&invite.email, &name, &hash, now);
            let view = AccountView { id: id.clone(), email: invite.email.clone(), display_name: name, created_at: now };
            (id, view, Some(content))
        }
    };
    let max = limit(state, &index.tenant, QuotaKind::Members).await?;
    state
        .store
        .platform()
        .query(
            "BEGIN TRANSACTION;
             IF (SELECT count() FROM membership WHERE account = $account AND tenant = $tenant GROUP ALL)[0].count > 0 {
                 THROW 'animo:already_member';
             };
             LET $tenant_row = (UPDATE type::record('tenant', $tenant) SET member_count = (member_count ?? 0) + 1 RETURN AFTER)[0];
             IF $tenant_row.member_count > $limit { THROW 'animo:quota:members'; };
             IF $new_account != NONE { CREATE type::record('account', $account) CONTENT $new_account; };
             CREATE membership CONTENT { account: $account, tenant: $tenant, role: $role, joined_at: $now };
             DELETE type::record('invite_index', $hash);
             COMMIT TRANSACTION;",
        )
        .bind("account", &account_id)
        .bind("tenant", &index.tenant)
        .bind("limit", max)
        .bind("new_account", &new_account)
        .bind("role", invite.role)
        .bind("now", now)
        .bind("hash", &hash)
        .run()
        .await
        .map_err(|error| match error {
            StoreError::Thrown(message) if message == "already_member" => {
                ApiError::new(ErrorCode::Conflict, "This account is already a member of the tenant.")
            }
            StoreError::Thrown(message) if message.starts_with("quota:") => ApiError::quota(QuotaKind::Members, max),
            other => email_taken(other),
        })?;
    let actor = Actor::Account { id: account_id.clone() };
    let query =
        db.db().query(audited("UPDATE type::record('invite', $id) SET accepted = true;")).bind("id", &index.invite);
    bind_audit_as(query, &actor, client, "member.join", account_id.as_str()).run().await?;
    let tenant = tenant_row(state, &index.tenant).await?;
    let tokens = issue(state, &account_id, &index.tenant, invite.role, None).await?;
    Ok(SessionResponse {
        account: account_view,
        membership: Membership { tenant_id: index.tenant, tenant_name: tenant.name, role: invite.role },
        tokens,
    })
}

/// Members and pending invitations.
pub async fn list(state: &AppState, ctx: &TenantCtx) -> ApiResult<MemberList> {
    #[derive(Deserialize)]
    struct Row {
        account: AccountId,
        role: Role,
        joined_at: Timestamp,
        email: Email,
        display_name: animo_shared::text::DisplayName,
    }
    let rows: Vec<Row> = state
        .store
        .platform()
        .query(
            "SELECT account, role, joined_at,
                    type::record('account', account).email AS email,
                    type::record('account', account).display_name AS display_name
             FROM membership WHERE tenant = $tenant ORDER BY joined_at",
        )
        .bind("tenant", ctx.tenant())
        .run()
        .await?
        .all(0)?;
    let members = rows
        .into_iter()
        .map(|r| MemberView {
            account_id: r.account,
            email: r.email,
            display_name: r.display_name,
            role: r.role,
            joined_at: r.joined_at,
        })
        .collect();
    let pending_invites: Vec<PendingInvite> = ctx
        .db
        .db()
        .query("SELECT record::id(id) AS id, email, role, expires_at FROM invite WHERE accepted = false AND expires_at > $now ORDER BY id")
        .bind("now", Timestamp::now())
        .run()
        .await?
        .all(0)?;
    Ok(MemberList { members, pending_invites })
}

/// Refusals thrown by membership changes.
fn membership_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Thrown(message) if message == "not_found" => ApiError::not_found(),
        StoreError::Thrown(message) if message == "last_owner" => {
            ApiError::new(ErrorCode::Conflict, "A tenant must keep at least one owner.")
        }
        other => other.into(),
    }
}

/// The check, inside a platform transaction, that the change leaves an owner.
const KEEP_AN_OWNER: &str = "
    LET $member = (SELECT role FROM membership WHERE account = $account AND tenant = $tenant)[0];
    IF $member = NONE { THROW 'animo:not_found'; };
    LET $owners = (SELECT count() FROM membership WHERE tenant = $tenant AND role = 'owner' GROUP ALL)[0].count;
    IF $member.role = 'owner' AND $new_role != 'owner' AND $owners <= 1 { THROW 'animo:last_owner'; };";

/// Changes a member's role, keeping at least one owner.
pub async fn change_role(state: &AppState, ctx: &TenantCtx, account: &AccountId, role: Role) -> ApiResult<()> {
    state
        .store
        .platform()
        .query(format!(
            "BEGIN TRANSACTION; {KEEP_AN_OWNER}
             UPDATE membership SET role = $new_role WHERE account = $account AND tenant = $tenant;
             COMMIT TRANSACTION;"
        ))
        .bind("account", account)
        .bind("tenant", ctx.tenant())
        .bind("new_role", role)
        .run()
        .await
        .map_err(membership_error)?;
    bind_audit(ctx.db.db().query(AUDIT_INSERT), ctx, &format!("member.role.{}", role.name()), account.as_str())
        .run()
        .await?;
    Ok(())
}

/// Removes a member, keeping at least one owner, and ends their sessions in this tenant.
pub async fn remove(state: &AppState, ctx: &TenantCtx, account: &AccountId) -> ApiResult<()> {
    state
        .store
        .platform()
        .query(format!(
            "BEGIN TRANSACTION; {KEEP_AN_OWNER}
             DELETE membership WHERE account = $account AND tenant = $tenant;
             UPDATE type::record('tenant', $tenant) SET member_count = math::max([0, (member_count ?? 1) - 1]);
             UPDATE refresh_token SET revoked = true WHERE account = $account AND tenant = $tenant;
             COMMIT TRANSACTION;"
        ))
        .bind("account", account)
        .bind("tenant", ctx.tenant())
        .bind("new_role", "none")
        .run()
        .await
        .map_err(membership_error)?;
    bind_audit(ctx.db.db().query(AUDIT_INSERT), ctx, "member.remove", account.as_str()).run().await?;
    Ok(())
}
