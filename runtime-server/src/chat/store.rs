//! Conversations and messages in the tenant database.
//!
//! A visitor message or a bot answer is written in one transaction with its
//! conversation's new sequence number (batched with other conversations'
//! writes by [`super::writer`]), so a message that is acknowledged is
//! stored. The limits and budgets are checked against running totals kept
//! by [`super::meters`], which count from these messages; no record shared
//! by several conversations is written here.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use animo_shared::chat::{Author, ChatMessage, MessageUsage, Rating, Source};
use animo_shared::{BotId, ConversationId, MessageId, Timestamp, VisitorId};
use serde::Deserialize;
use serde_json::json;

use super::writer::{MessageWrite, Writers};
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::store::TenantDb;

/// Who is talking: an anonymous visitor, or a user the tenant verified.
#[derive(Debug, Clone)]
pub struct Speaker {
    /// The browser's visitor id.
    pub visitor: VisitorId,
    /// The tenant's user id, when verified; such a user has one conversation per bot on every device.
    pub user_id: Option<String>,
}

/// The calendar day and month (UTC) of a moment, as stored for counting.
pub fn day_and_month(at: Timestamp) -> (String, String) {
    let date = at.datetime().date();
    let month = format!("{:04}-{:02}", date.year(), u8::from(date.month()));
    (format!("{month}-{:02}", date.day()), month)
}

#[derive(Debug, Deserialize)]
struct ConversationRow {
    id: ConversationId,
    #[serde(default)]
    last_seq: u64,
}

/// The speaker's conversation with a bot, if they have one: the verified
/// user's, else the visitor's most recent.
pub async fn current_conversation(
    db: &TenantDb,
    bot: &BotId,
    speaker: &Speaker,
) -> ApiResult<Option<(ConversationId, u64)>> {
    let sql = match speaker.user_id {
        Some(_) => {
            "SELECT record::id(id) AS id, last_seq FROM conversation WHERE bot = $bot AND user_id = $user ORDER BY created_at DESC LIMIT 1"
        }
        None => {
            "SELECT record::id(id) AS id, last_seq FROM conversation WHERE bot = $bot AND visitor = $visitor AND (user_id = NONE OR user_id = NULL) ORDER BY created_at DESC LIMIT 1"
        }
    };
    let row: Option<ConversationRow> = db
        .db()
        .query(sql)
        .bind("bot", bot)
        .bind("user", &speaker.user_id)
        .bind("visitor", &speaker.visitor)
        .run()
        .await?
        .first(0)?;
    Ok(row.map(|row| (row.id, row.last_seq)))
}

/// The conversation `id` if it belongs to the speaker and the bot; the same
/// `not_found` otherwise, so conversation ids cannot be probed.
pub async fn owned_conversation(db: &TenantDb, bot: &BotId, speaker: &Speaker, id: &ConversationId) -> ApiResult<u64> {
    #[derive(Deserialize)]
    struct Row {
        bot: BotId,
        visitor: VisitorId,
        #[serde(default)]
        user_id: Option<String>,
        #[serde(default)]
        last_seq: u64,
    }
    let row: Option<Row> = db
        .db()
        .query("SELECT bot, visitor, user_id, last_seq FROM type::record('conversation', $id)")
        .bind("id", id)
        .run()
        .await?
        .first(0)?;
    let row = row.ok_or_else(ApiError::not_found)?;
    let owner = match (&speaker.user_id, &row.user_id) {
        (Some(user), Some(owner)) => user == owner,
        (None, None) => row.visitor == speaker.visitor,
        _ => false,
    };
    if row.bot != *bot || !owner {
        return Err(ApiError::not_found());
    }
    Ok(row.last_seq)
}

/// A stored visitor message, new or found again by its client id.
#[derive(Debug, Clone)]
pub struct StoredVisitorMessage {
    /// The message.
    pub id: MessageId,
    /// Its sequence number.
    pub seq: u64,
    /// Whether it was stored earlier (a retry).
    pub duplicate: bool,
    /// The answer stored for it earlier, if any.
    pub answer: Option<ChatMessage>,
}

/// What is known about a visitor message when it is stored.
#[derive(Debug)]
pub struct VisitorMessage<'a> {
    /// The bot talked to.
    pub bot: &'a BotId,
    /// The live version answering.
    pub version: u32,
    /// The conversation (created if new).
    pub conversation: &'a ConversationId,
    /// Who wrote it.
    pub speaker: &'a Speaker,
    /// The page it was sent from.
    pub origin: &'a str,
    /// The client's id.
    pub client_msg_id: &'a str,
    /// The text.
    pub text: &'a str,
    /// The sentiment read, stored for analytics.
    pub sentiment: serde_json::Value,
    /// A member's test of the draft, kept out of visitor analytics and message counts.
    pub test: bool,
}

const MESSAGE_FIELDS: &str =
    "record::id(id) AS id, seq, author, text, client_msg_id, sources ?? [] AS sources, created_at";

/// The visitor message stored earlier under this client id, with its answer if any.
pub async fn find_by_client_id(
    db: &TenantDb,
    conversation: &ConversationId,
    client_msg_id: &str,
) -> ApiResult<Option<StoredVisitorMessage>> {
    let sql = format!(
        "SELECT {MESSAGE_FIELDS} FROM message WHERE conversation = $conversation AND client_msg_id = $client LIMIT 1;
         SELECT {MESSAGE_FIELDS} FROM message WHERE conversation = $conversation AND reply_to_client = $client LIMIT 1;"
    );
    let mut rows = db.db().query(sql).bind("conversation", conversation).bind("client", client_msg_id).run().await?;
    let found: Option<ChatMessage> = rows.first(0)?;
    let answer: Option<ChatMessage> = rows.first(1)?;
    Ok(found.map(|message| StoredVisitorMessage { id: message.id, seq: message.seq, duplicate: true, answer }))
}

/// The conversation record as it is after a message: what a new
/// conversation starts with, and the `last_seq` and `last_at` an existing
/// one takes (see [`super::writer`]).
fn conversation_record(
    conversation: &ConversationId,
    bot: &BotId,
    speaker: &Speaker,
    origin: &str,
    seq: u64,
    now: Timestamp,
) -> serde_json::Value {
    json!({
        "id": conversation,
        "bot": bot,
        "visitor": speaker.visitor,
        "user_id": speaker.user_id,
        "origin": origin,
        "created_at": now,
        "last_at": now,
        "last_seq": seq,
    })
}

/// What the turns of a conversation need to know about what it holds: its
/// last sequence number and (hashed) the client ids of its visitor messages.
///
/// Loaded once when a conversation's turns start and then kept up to date by
/// the turns themselves, which are the only writers of a conversation's
/// messages and run one at a time (see [`super::Conversation`]); so a turn
/// neither reads the conversation's record nor looks for its client id in
/// the database unless that id may have been stored before.
#[derive(Debug, Default)]
pub struct ConversationState {
    /// The sequence number of the conversation's newest message.
    pub last_seq: u64,
    client_ids: HashSet<u64>,
}

impl ConversationState {
    /// Counts a message stored with this sequence number.
    pub fn stored(&mut self, seq: u64, client_msg_id: Option<&str>) {
        self.last_seq = self.last_seq.max(seq);
        if let Some(id) = client_msg_id {
            self.client_ids.insert(client_id_hash(id));
        }
    }

    /// Whether a visitor message with this client id may be stored already
    /// (a hash matched; only the database can tell for sure).
    pub fn may_hold(&self, client_msg_id: &str) -> bool {
        self.client_ids.contains(&client_id_hash(client_msg_id))
    }
}

fn client_id_hash(id: &str) -> u64 {
    // Fixed keys: the same id hashes the same in every process, which keeps
    // the set a plain function of what is stored.
    let mut hasher = std::hash::DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

/// Reads what the turns of a conversation need to know (empty for a new one).
pub async fn conversation_state(db: &TenantDb, conversation: &ConversationId) -> ApiResult<ConversationState> {
    #[derive(Deserialize)]
    struct Row {
        seq: u64,
        #[serde(default)]
        client_msg_id: Option<String>,
    }
    let rows: Vec<Row> = db
        .db()
        .query("SELECT seq, client_msg_id FROM message WHERE conversation = $conversation")
        .bind("conversation", conversation)
        .run()
        .await?
        .all(0)?;
    let mut state = ConversationState::default();
    for row in rows {
        state.stored(row.seq, row.client_msg_id.as_deref());
    }
    Ok(state)
}

/// Stores a visitor message under sequence number `seq`, durably, with its
/// conversation (created if new). The caller holds the conversation's turn
/// lock, checked that the client id is not stored yet
/// ([`ConversationState::may_hold`], [`find_by_client_id`]) and counted the
/// message against the limits (see [`super::meters`]): no record shared by
/// conversations is written here, so concurrent conversations do not conflict.
pub async fn store_visitor_message(
    writers: &Writers,
    db: &TenantDb,
    message: VisitorMessage<'_>,
    seq: u64,
) -> ApiResult<StoredVisitorMessage> {
    let id = MessageId::generate();
    let now = Timestamp::now();
    let (day, month) = day_and_month(now);
    let record = json!({
        "id": id,
        "seq": seq,
        "conversation": message.conversation,
        "bot": message.bot,
        "version": message.version,
        "visitor": message.speaker.visitor,
        "user_id": message.speaker.user_id,
        "author": Author::Visitor,
        "text": message.text,
        "client_msg_id": message.client_msg_id,
        "sentiment": message.sentiment,
        "test": message.test,
        "created_at": now,
        "day": day,
        "month": month,
    });
    let conversation =
        conversation_record(message.conversation, message.bot, message.speaker, message.origin, seq, now);
    writers.write(db, MessageWrite { message: record, conversation }).await?;
    Ok(StoredVisitorMessage { id, seq, duplicate: false, answer: None })
}

/// What is known about an answer when it is stored.
#[derive(Debug)]
pub struct BotAnswer<'a> {
    /// The bot.
    pub bot: &'a BotId,
    /// The live version that answered.
    pub version: u32,
    /// The conversation.
    pub conversation: &'a ConversationId,
    /// Who asked.
    pub speaker: &'a Speaker,
    /// The page the conversation is on.
    pub origin: &'a str,
    /// The visitor message answered.
    pub reply_to: &'a MessageId,
    /// Its client id, so a retry finds this answer.
    pub reply_to_client: &'a str,
    /// The answer's text.
    pub text: &'a str,
    /// The passages cited.
    pub sources: &'a [Source],
    /// Tokens and cost.
    pub usage: MessageUsage,
    /// Which provider answered (`offline`, `cache`, or a provider's label).
    pub provider: &'a str,
    /// The model, when a language model answered.
    pub model: Option<&'a str>,
    /// Milliseconds from the visitor message to the first token.
    pub first_token_ms: u64,
    /// Whether the bot had no grounded answer and used its fallback message.
    pub unanswered: bool,
    /// The sentiment of the answer.
    pub sentiment: serde_json::Value,
    /// An answer to a member's test of the draft.
    pub test: bool,
}

/// Stores an answer under sequence number `seq`, durably; its cost counts
/// towards the month's spending through the message itself (see
/// [`super::meters`]). The caller holds the conversation's turn lock.
pub async fn store_answer(writers: &Writers, db: &TenantDb, answer: BotAnswer<'_>, seq: u64) -> ApiResult<MessageId> {
    let id = MessageId::generate();
    let now = Timestamp::now();
    let (day, month) = day_and_month(now);
    let record = json!({
        "id": id,
        "seq": seq,
        "conversation": answer.conversation,
        "bot": answer.bot,
        "version": answer.version,
        "visitor": answer.speaker.visitor,
        "user_id": answer.speaker.user_id,
        "author": Author::Bot,
        "text": answer.text,
        "reply_to": answer.reply_to,
        "reply_to_client": answer.reply_to_client,
        "sources": answer.sources,
        "usage": answer.usage,
        "provider": answer.provider,
        "model": answer.model,
        "first_token_ms": answer.first_token_ms,
        "unanswered": answer.unanswered,
        "sentiment": answer.sentiment,
        "test": answer.test,
        "created_at": now,
        "day": day,
        "month": month,
    });
    let conversation = conversation_record(answer.conversation, answer.bot, answer.speaker, answer.origin, seq, now);
    writers.write(db, MessageWrite { message: record, conversation }).await?;
    Ok(id)
}

/// The conversation's messages after `after`, oldest first.
pub async fn messages_after(db: &TenantDb, conversation: &ConversationId, after: u64) -> ApiResult<Vec<ChatMessage>> {
    let sql = format!(
        "SELECT {MESSAGE_FIELDS} FROM message WHERE conversation = $conversation AND seq > $after ORDER BY seq"
    );
    Ok(db.db().query(sql).bind("conversation", conversation).bind("after", after).run().await?.all(0)?)
}

/// The last `limit` turns before the newest message, oldest first, for the model's context.
pub async fn recent_history(db: &TenantDb, conversation: &ConversationId, limit: u32) -> ApiResult<Vec<ChatMessage>> {
    let sql = format!(
        "SELECT * FROM (SELECT {MESSAGE_FIELDS} FROM message WHERE conversation = $conversation ORDER BY seq DESC LIMIT $limit) ORDER BY seq"
    );
    Ok(db.db().query(sql).bind("conversation", conversation).bind("limit", limit).run().await?.all(0)?)
}

/// Records a visitor's rating of an answer in their own conversation.
pub async fn store_feedback(
    db: &TenantDb,
    conversation: &ConversationId,
    message: &MessageId,
    rating: Rating,
    comment: Option<&str>,
) -> ApiResult<()> {
    let updated: Option<serde_json::Value> = db
        .db()
        .query(
            "UPDATE type::record('message', $id) SET feedback = { rating: $rating, comment: $comment, at: $now }
             WHERE conversation = $conversation AND author = 'bot' RETURN AFTER",
        )
        .bind("id", message)
        .bind("conversation", conversation)
        .bind("rating", rating)
        .bind("comment", comment)
        .bind("now", Timestamp::now())
        .run()
        .await?
        .first(0)?;
    updated.map(|_| ()).ok_or_else(ApiError::not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_months_are_utc_calendar_keys() {
        let at = Timestamp::parse("2026-03-07T23:59:59Z").expect("timestamp");
        assert_eq!(day_and_month(at), ("2026-03-07".to_owned(), "2026-03".to_owned()));
    }
}
