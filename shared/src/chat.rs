//! The conversation protocol between the widget (or the Studio's test chat)
//! and the runtime server.
//!
//! A page fetches `GET /v1/embed/{embed_id}/config`, which checks its origin
//! and hands out a short-lived visitor token. With that token it opens the
//! WebSocket `GET /v1/chat?token=…` and exchanges [`ClientFrame`]s and
//! [`ServerFrame`]s, each a JSON object with a `type` field. Where WebSockets
//! are blocked, `POST /v1/chat/messages` ([`SseMessageRequest`]) answers with
//! the same server frames as `text/event-stream`, one frame per `data:` line.

use serde::{Deserialize, Serialize};

use crate::avatar::mapping::{AnimationMapping, Emotion, Intent, WidgetEvent};
use crate::avatar::slots::Slot;
use crate::bot::{PlacementRules, WidgetLook};
use crate::error::ErrorCode;
use crate::ids::{ConversationId, EmbedId, MessageId, VisitorId};
use crate::time::Timestamp;

/// Longest visitor message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// Longest verified user id, in characters.
pub const MAX_USER_ID_CHARS: usize = 200;
/// Longest `client_msg_id`, in characters.
pub const MAX_CLIENT_MSG_ID_CHARS: usize = 100;

/// Query parameters of `GET /v1/embed/{embed_id}/config`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct EmbedConfigQuery {
    /// The visitor id the widget remembered from an earlier visit; a new one is issued when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub visitor_id: Option<VisitorId>,
    /// The tenant's own user id, when the tenant's site signs its users in.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub user_id: Option<String>,
    /// Hex HMAC-SHA256 of `user_id` under the tenant's identity secret, computed by the tenant's backend.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub user_hash: Option<String>,
}

/// What the widget needs to draw a bot and talk to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmbedConfig {
    /// The embed id asked for.
    pub embed_id: EmbedId,
    /// The published version served.
    pub version: u32,
    /// The bot's name.
    pub bot_name: String,
    /// The first message a visitor sees.
    pub greeting: String,
    /// The language the bot answers in (BCP 47).
    pub language: String,
    /// How the widget looks.
    pub widget: WidgetLook,
    /// Where and when the widget appears.
    pub placement: PlacementRules,
    /// The avatar, when the bot has one; otherwise the widget shows a 2D poster.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub avatar: Option<EmbedAvatar>,
    /// A PNG of the avatar in its idle pose, rendered when the bot was
    /// published: the widget's 2D fallback where the 3D avatar does not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub poster_url: Option<String>,
    /// The visitor's session.
    pub visitor: VisitorSession,
}

/// The avatar of a published bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmbedAvatar {
    /// Where to fetch the GLB (a path on the runtime server, immutable per avatar).
    pub model_url: String,
    /// The slot mapping of the published version.
    pub mapping: AnimationMapping,
}

/// A visitor's credentials for the chat endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitorSession {
    /// The signed visitor token, bound to the embed id, the origin and the visitor.
    pub token: String,
    /// When the token stops working; fetch the config again before then.
    pub expires_at: Timestamp,
    /// The visitor id to remember in the browser.
    pub visitor_id: VisitorId,
    /// The tenant's user id, when the identity was verified.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub user_id: Option<String>,
}

/// A page-view event's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageView {
    /// The page's URL.
    pub url: String,
    /// The page's title.
    #[serde(default)]
    pub title: String,
}

/// How a visitor rated an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Rating {
    /// Helpful.
    Up,
    /// Not helpful.
    Down,
}

/// A frame the widget sends over the chat WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ClientFrame {
    /// The visitor wrote something. Sending the same `client_msg_id` again
    /// (after a lost connection) stores and answers it once.
    UserMessage {
        /// An id the client chose for this message, unique within the conversation.
        client_msg_id: String,
        /// What the visitor wrote.
        text: String,
    },
    /// Something happened in the widget; the server answers with a cue.
    Event {
        /// What happened.
        kind: WidgetEvent,
        /// Details: a [`PageView`] for `page_view`, nothing otherwise.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(type = "unknown"))]
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        data: serde_json::Value,
    },
    /// The visitor rated an answer.
    Feedback {
        /// The answer rated.
        message_id: MessageId,
        /// Up or down.
        rating: Rating,
        /// Optional words.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        comment: Option<String>,
    },
    /// After a reconnect: replay the conversation's messages after `after`.
    Resume {
        /// The conversation to continue.
        conversation_id: ConversationId,
        /// The sequence number of the last message the client has (0 for none).
        after: u64,
    },
}

/// Tokens and cost of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageUsage {
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Answer tokens.
    pub output_tokens: u32,
    /// Cost in millionths of a US dollar.
    pub cost_micro_usd: u64,
}

/// A passage an answer is based on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    /// The number the answer cites, as in `[1]`.
    pub number: u32,
    /// The document or entry's title.
    pub title: String,
    /// Where it comes from (a URL, or a name inside the bot's knowledge).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub url: Option<String>,
    /// The passage itself, possibly shortened.
    pub excerpt: String,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Author {
    /// The website visitor.
    Visitor,
    /// The bot.
    Bot,
}

/// A stored message, as replayed on resume and listed in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatMessage {
    /// The message's id.
    pub id: MessageId,
    /// Its position in the conversation, from 1.
    pub seq: u64,
    /// Who wrote it.
    pub author: Author,
    /// The text.
    pub text: String,
    /// The client's id for a visitor message.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub client_msg_id: Option<String>,
    /// The sources of an answer.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// When it was stored.
    pub created_at: Timestamp,
}

/// A frame the server sends over the chat WebSocket or as an SSE event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ServerFrame {
    /// The session is open.
    Ready {
        /// The visitor's current conversation, if they have one.
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        conversation_id: Option<ConversationId>,
        /// The sequence number of the conversation's last message (0 for none).
        last_seq: u64,
    },
    /// A visitor message is stored; it will not be lost.
    Ack {
        /// The client's id of the message.
        client_msg_id: String,
        /// The stored message's id.
        message_id: MessageId,
        /// The conversation it belongs to (created with the first message).
        conversation_id: ConversationId,
        /// Its sequence number.
        seq: u64,
        /// True when the message had been stored before (a retry).
        duplicate: bool,
    },
    /// The avatar should play a slot; sent before the words it goes with.
    Cue {
        /// The slot to play.
        slot: Slot,
        /// The emotion read.
        emotion: Emotion,
        /// How strongly, from 0 to 1.
        intensity: f64,
        /// The intent read, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        intent: Option<Intent>,
    },
    /// A piece of the answer.
    Token {
        /// The text to append.
        text: String,
    },
    /// The passages the answer cites.
    Sources {
        /// The sources, numbered as the answer cites them.
        sources: Vec<Source>,
    },
    /// The answer is complete and stored.
    Done {
        /// The stored answer's id (rate it with `feedback`).
        message_id: MessageId,
        /// Its sequence number.
        seq: u64,
        /// Tokens and cost.
        usage: MessageUsage,
    },
    /// A message stored earlier, replayed after `resume`.
    Message {
        /// The message.
        message: ChatMessage,
    },
    /// Something went wrong; the code says what.
    Error {
        /// What went wrong, for programs.
        code: ErrorCode,
        /// What went wrong, for people.
        message: String,
    },
}

/// Body of `POST /v1/chat/messages`, the SSE fallback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SseMessageRequest {
    /// The visitor token from the embed config.
    pub token: String,
    /// The conversation to continue; the visitor's current one when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub conversation_id: Option<ConversationId>,
    /// An id the client chose for this message.
    pub client_msg_id: String,
    /// What the visitor wrote.
    pub text: String,
}

/// Body of `POST /v1/bots/{bot_id}/test-chat`: a member's message to the
/// bot's draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestChatRequest {
    /// The test conversation to continue (from an earlier `ack`); a new one when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub conversation_id: Option<ConversationId>,
    /// An id the client chose for this message, making a retry idempotent; the server picks one when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub client_msg_id: Option<String>,
    /// What the member wrote.
    pub text: String,
}

/// A bot's poster as stored, from `PUT /v1/bots/{bot_id}/poster`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PosterView {
    /// The image's content hash, which is also its strong ETag.
    pub etag: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size in bytes.
    pub bytes: u64,
}

/// The largest poster accepted, in bytes.
pub const MAX_POSTER_BYTES: usize = 2 * 1024 * 1024;
/// The largest poster width or height accepted, in pixels.
pub const MAX_POSTER_SIDE: u32 = 2_048;

/// A visitor's own conversation, from `GET /v1/chat/history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatHistory {
    /// The conversation, if the visitor has one.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub conversation_id: Option<ConversationId>,
    /// Its messages, oldest first.
    pub messages: Vec<ChatMessage>,
}

/// What happens when a budget is used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BudgetAction {
    /// Keep answering with the free offline responder.
    #[default]
    Offline,
    /// Refuse with a polite `budget_exhausted` error.
    Refuse,
}

/// Monthly spending limits on language models, in millionths of a US dollar.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetSettings {
    /// The tenant's limit for all bots together; none means unlimited.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub tenant_monthly_micro_usd: Option<u64>,
    /// Limits of single bots.
    #[serde(default)]
    pub bot_monthly_micro_usd: std::collections::BTreeMap<crate::ids::BotId, u64>,
    /// What happens at a limit.
    #[serde(default)]
    pub when_exhausted: BudgetAction,
}

/// Body of `PUT /v1/tenant/test-origins`: where bots without allowed
/// origins may be embedded (a developer's machine, a staging site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestOrigins {
    /// The origins.
    pub origins: crate::bot::AllowedOrigins,
}

/// The tenant's identity secret, shown once when created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentitySecret {
    /// Sign user ids with HMAC-SHA256 under this secret (hex digest) on the tenant's own server.
    pub secret: String,
}

/// Query of `GET /v1/bots/{bot_id}/analytics`: an inclusive range of UTC days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct AnalyticsQuery {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`; at most 366 days after `from`.
    pub to: String,
}

/// How visitors' messages felt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentimentCounts {
    /// Messages with a compound score of at least 0.05.
    pub positive: u64,
    /// Messages in between.
    pub neutral: u64,
    /// Messages with a compound score of at most -0.05.
    pub negative: u64,
}

/// One day of a bot's conversations, computed from the stored messages.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayAnalytics {
    /// The day, `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Conversations with at least one visitor message that day.
    pub conversations: u64,
    /// Visitor messages.
    pub visitor_messages: u64,
    /// Answers.
    pub answers: u64,
    /// Distinct visitors (verified users count once across devices).
    pub unique_visitors: u64,
    /// Mean milliseconds from a visitor message to its answer's first words.
    pub latency_ms_mean: u64,
    /// 95th percentile of the same.
    pub latency_ms_p95: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Answer tokens.
    pub output_tokens: u64,
    /// Cost in millionths of a US dollar.
    pub cost_micro_usd: u64,
    /// Sentiment of visitor messages.
    pub sentiment: SentimentCounts,
    /// Answers rated helpful.
    pub feedback_up: u64,
    /// Answers rated unhelpful.
    pub feedback_down: u64,
    /// Answers that fell back to "I don't know".
    pub unanswered: u64,
}

/// A question and how often it was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionCount {
    /// The question as first asked.
    pub question: String,
    /// Times asked (questions equal up to case, spacing and punctuation count together).
    pub count: u64,
}

/// A bot's analytics over a range of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotAnalytics {
    /// Every day of the range, oldest first, including days without messages.
    pub days: Vec<DayAnalytics>,
    /// The range as a whole (`day` is empty; unique visitors over the range).
    pub totals: DayAnalytics,
    /// The most asked questions over the range, most asked first.
    pub top_questions: Vec<QuestionCount>,
    /// Questions the bot could not answer, most asked first.
    pub unanswered_questions: Vec<QuestionCount>,
}

/// Everything stored about one visitor or verified user, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitorData {
    /// Their conversations.
    #[cfg_attr(feature = "ts", ts(type = "unknown[]"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub conversations: Vec<serde_json::Value>,
    /// Every message of those conversations and every message they sent.
    #[cfg_attr(feature = "ts", ts(type = "unknown[]"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub messages: Vec<serde_json::Value>,
    /// Cached answers created from their questions.
    #[cfg_attr(feature = "ts", ts(type = "unknown[]"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub cached_answers: Vec<serde_json::Value>,
}

/// What erasing a visitor removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitorErasure {
    /// Conversations removed.
    pub conversations: u64,
    /// Messages removed (with them, every analytics figure they made).
    pub messages: u64,
    /// Cached answers removed.
    pub cached_answers: u64,
}

/// How the `type` of a frame is spelled on the wire, for logs and metrics.
impl ServerFrame {
    /// The frame's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ready { .. } => "ready",
            Self::Ack { .. } => "ack",
            Self::Cue { .. } => "cue",
            Self::Token { .. } => "token",
            Self::Sources { .. } => "sources",
            Self::Done { .. } => "done",
            Self::Message { .. } => "message",
            Self::Error { .. } => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_a_type_field() {
        let frame: ClientFrame =
            serde_json::from_str(r#"{"type":"user_message","client_msg_id":"c1","text":"Hi"}"#).expect("parses");
        assert_eq!(frame, ClientFrame::UserMessage { client_msg_id: "c1".into(), text: "Hi".into() });
        let event: ClientFrame = serde_json::from_str(
            r#"{"type":"event","kind":"page_view","data":{"url":"https://a.example/x","title":"X"}}"#,
        )
        .expect("parses");
        assert!(matches!(event, ClientFrame::Event { kind: WidgetEvent::PageView, .. }));
        let token = serde_json::to_value(ServerFrame::Token { text: "Hel".into() }).expect("serializes");
        assert_eq!(token, serde_json::json!({"type": "token", "text": "Hel"}));
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"user_message","text":"no id"}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"shout","text":"x"}"#).is_err());
    }
}
