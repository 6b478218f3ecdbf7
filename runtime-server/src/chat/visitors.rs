//! Visitors' data rights: everything stored about a visitor (or a user the
//! tenant verified) as JSON, and its erasure.

use animo_shared::chat::{VisitorData, VisitorErasure};
use animo_shared::{ConversationId, ErrorCode, VisitorId};
use serde_json::Value;

use crate::audit::{AUDIT_INSERT, bind_audit};
use crate::context::TenantCtx;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Whose data.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A browser's visitor id.
    Visitor(VisitorId),
    /// The tenant's own user id, for verified users.
    User(String),
}

impl Subject {
    /// The field of messages, conversations and cache entries that names the subject.
    fn field(&self) -> &'static str {
        match self {
            Self::Visitor(_) => "visitor",
            Self::User(_) => "user_id",
        }
    }

    fn value(&self) -> Value {
        match self {
            Self::Visitor(id) => Value::String(id.to_string()),
            Self::User(id) => Value::String(id.clone()),
        }
    }

    fn audit_target(&self) -> String {
        match self {
            Self::Visitor(id) => id.to_string(),
            Self::User(id) => format!("user:{id}"),
        }
    }

    /// Checks a verified user id as given in a path.
    pub fn user(id: String) -> ApiResult<Self> {
        if id.is_empty() || id.chars().count() > animo_shared::chat::MAX_USER_ID_CHARS {
            return Err(ApiError::new(ErrorCode::InvalidRequest, "The user id is empty or too long."));
        }
        Ok(Self::User(id))
    }
}

/// Selects the subject's conversations into `$conversations`; the field name
/// comes from [`Subject::field`], never from input.
fn conversations_sql(subject: &Subject) -> String {
    format!("LET $conversations = (SELECT VALUE id FROM conversation WHERE {} = $subject);", subject.field())
}

/// Everything stored about the subject.
pub async fn export(ctx: &TenantCtx, subject: &Subject) -> ApiResult<VisitorData> {
    let field = subject.field();
    let sql = format!(
        "{}
         SELECT * FROM conversation WHERE id IN $conversations ORDER BY created_at;
         SELECT * FROM message WHERE {field} = $subject OR conversation IN $conversations.map(|$c| record::id($c))
             ORDER BY created_at;
         SELECT * FROM answer_cache WHERE {field} = $subject;",
        conversations_sql(subject)
    );
    let mut rows = ctx.db.db().query(sql).bind("subject", subject.value()).run().await?;
    Ok(VisitorData { conversations: rows.all(1)?, messages: rows.all(2)?, cached_answers: rows.all(3)? })
}

/// Erases everything stored about the subject, in one transaction with its
/// audit entry; analytics, being computed from messages, lose their share.
///
/// A visitor may still be chatting: the subject's conversations are held
/// (their turn locks) across the erasure and then forget what they knew, so
/// a message after it starts its conversation afresh, from sequence 1,
/// rather than continuing the erased one's numbering and retry ids.
pub async fn erase(state: &AppState, ctx: &TenantCtx, subject: &Subject) -> ApiResult<VisitorErasure> {
    let field = subject.field();
    let mut ids: Vec<ConversationId> = ctx
        .db
        .db()
        .query(format!("SELECT VALUE record::id(id) FROM conversation WHERE {field} = $subject"))
        .bind("subject", subject.value())
        .run()
        .await?
        .all(0)?;
    // One order for everyone who holds several, so two erasures cannot wait on each other.
    ids.sort_by_key(ToString::to_string);
    let held: Vec<_> = ids.iter().map(|id| state.chat.conversation(id)).collect();
    let mut guards = Vec::with_capacity(held.len());
    for conversation in &held {
        guards.push(conversation.state.lock().await);
    }
    let sql = format!(
        "BEGIN TRANSACTION;
         {}
         LET $ids = $conversations.map(|$c| record::id($c));
         LET $messages = (DELETE message WHERE {field} = $subject OR conversation IN $ids RETURN BEFORE);
         LET $cached = (DELETE answer_cache WHERE {field} = $subject RETURN BEFORE);
         DELETE conversation WHERE id IN $conversations;
         {AUDIT_INSERT}
         RETURN {{ conversations: array::len($conversations), messages: array::len($messages), cached_answers: array::len($cached) }};
         COMMIT TRANSACTION;",
        conversations_sql(subject)
    );
    let query = ctx.db.db().query(sql).bind("subject", subject.value());
    let mut rows = bind_audit(query, ctx, "visitor.erase", &subject.audit_target()).run().await?;
    let erased = rows.returned()?;
    for guard in &mut guards {
        **guard = None;
    }
    Ok(erased)
}
