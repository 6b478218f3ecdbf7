//! The tenant's append-only audit log.
//!
//! Each mutating action writes its entry in the same transaction as the
//! change itself (see [`AUDIT_INSERT`]), so the log cannot miss an action
//! that happened. The database refuses updates and deletions of entries.

use animo_shared::api::{Actor, AuditEntry, AuditPage};
use animo_shared::{AuditId, Timestamp};
use serde_json::json;

use crate::context::TenantCtx;
use crate::error::ApiResult;
use crate::ids::NewId;
use crate::store::Query;

/// The statement that appends `$audit` as entry `$audit_id`; splice it into
/// a mutation's transaction and bind with [`bind_audit`].
pub const AUDIT_INSERT: &str = "CREATE type::record('audit', $audit_id) CONTENT $audit;";

/// `statements` and the audit entry, in one transaction; bind with [`bind_audit`].
pub fn audited(statements: &str) -> String {
    format!("BEGIN TRANSACTION; {statements} {AUDIT_INSERT} COMMIT TRANSACTION;")
}

/// Binds the audit entry for an action on `target` by the context's actor.
pub fn bind_audit<'a>(query: Query<'a>, ctx: &TenantCtx, action: &str, target: &str) -> Query<'a> {
    bind_audit_as(query, &ctx.actor, ctx.client_addr.as_deref(), action, target)
}

/// Binds an audit entry for an explicit actor (operator tasks, sign-up).
pub fn bind_audit_as<'a>(
    query: Query<'a>,
    actor: &Actor,
    client_addr: Option<&str>,
    action: &str,
    target: &str,
) -> Query<'a> {
    query.bind("audit_id", AuditId::generate()).bind(
        "audit",
        json!({
            "at": Timestamp::now(),
            "actor": actor,
            "action": action,
            "target": target,
            "client_addr": client_addr,
        }),
    )
}

/// A page of entries, newest first.
pub async fn list(ctx: &TenantCtx, before: Option<AuditId>, limit: u32) -> ApiResult<AuditPage> {
    let limit = limit.clamp(1, 200);
    // Audit ids are time-ordered, so ordering by id is ordering by time.
    let filter = if before.is_some() { "WHERE id < type::record('audit', $before)" } else { "" };
    let sql = format!("SELECT *, record::id(id) AS id FROM audit {filter} ORDER BY id DESC LIMIT {}", limit + 1);
    let mut entries: Vec<AuditEntry> = ctx.db.db().query(&sql).bind("before", &before).run().await?.all(0)?;
    let next_before = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|entry| entry.id.clone())
    } else {
        None
    };
    Ok(AuditPage { entries, next_before })
}
