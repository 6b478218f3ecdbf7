//! Test chat: a member (designer or owner) talks to a bot's draft from the
//! Studio, before publishing.
//!
//! A test turn is an ordinary turn of the chat engine ([`super::answer_turn`])
//! answered by the draft instead of a published version: the draft's
//! personality, model chain and avatar mapping, and every indexed document
//! of the bot rather than a version's pinned set. The policy:
//!
//! - its messages are stored marked `test` (version 0, the draft), and are
//!   left out of the bot's analytics and of the visitor message counts (the
//!   plan's monthly messages and the bot's daily limit);
//! - it neither reads nor fills the answer cache;
//! - its model spending is real, so it counts against the tenant's and the
//!   bot's budgets, and an exhausted budget applies to it as to visitors
//!   (a `budget_exhausted` refusal, or the offline responder, as configured);
//! - each member may send as many test messages per minute as a visitor
//!   (`chat_limits.visitor_per_minute`).
//!
//! Test conversations belong to the member who started them: the speaker is
//! a visitor id derived from the tenant and the member, so another member's
//! test conversation id is `not_found`.

use std::sync::Arc;
use std::time::Instant;

use animo_shared::bot::BotStatus;
use animo_shared::chat::TestChatRequest;
use animo_shared::{BotId, ConversationId, ErrorCode, MessageId, VisitorId};

use super::embed::PublicBot;
use super::store::{self, Speaker};
use super::{Asker, Conversation, FrameSink, TurnRequest};
use crate::context::TenantCtx;
use crate::crypto::token_hash;
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::state::AppState;

/// The origin recorded on test messages.
const TEST_ORIGIN: &str = "animo-studio";

/// A test turn whose checks passed, ready to be answered.
#[derive(Debug)]
pub struct PreparedTest {
    bot: PublicBot,
    speaker: Speaker,
    conversation: Arc<Conversation>,
    request: TurnRequest,
}

impl PreparedTest {
    /// The conversation the turn belongs to (new unless the request named one).
    pub fn conversation(&self) -> &ConversationId {
        &self.conversation.id
    }
}

/// The draft of an active bot of the caller's tenant, answering from every
/// indexed document of the bot.
async fn draft_bot(state: &AppState, ctx: &TenantCtx, bot: &BotId) -> ApiResult<PublicBot> {
    let view = crate::bots::get(ctx, bot).await?;
    if view.status == BotStatus::Archived {
        return Err(ApiError::code(ErrorCode::BotArchived));
    }
    let keys = crate::knowledge::documents::draft_keys(state, &ctx.db, bot).await?;
    Ok(PublicBot {
        tenant: ctx.tenant().clone(),
        db: ctx.db.clone(),
        bot: bot.clone(),
        version: 0,
        config: Arc::new(view.draft),
        knowledge_keys: keys,
    })
}

/// The speaker a member tests as: the same visitor id every time for one
/// member of one tenant, and one no embed visitor can have (theirs are random).
fn tester(ctx: &TenantCtx) -> ApiResult<Speaker> {
    let digest = token_hash(&format!("studio-test:{}:{}", ctx.tenant(), ctx.actor_name()));
    let hex = digest.get(..VisitorId::BYTES * 2).unwrap_or_default();
    let visitor = VisitorId::try_from(format!("{}{hex}", VisitorId::PREFIX))
        .map_err(|error| ApiError::internal(anyhow::anyhow!("test speaker id: {error}")))?;
    Ok(Speaker { visitor, user_id: None })
}

/// Checks a test message before anything streams: the body, the bot (in the
/// caller's tenant, not archived), the conversation (the member's own) and
/// the member's rate limit, which counts the message only when all else passed.
pub async fn prepare(state: &AppState, ctx: &TenantCtx, bot: &BotId, body: TestChatRequest) -> ApiResult<PreparedTest> {
    let request = TurnRequest {
        conversation: body.conversation_id,
        client_msg_id: body.client_msg_id.unwrap_or_else(|| MessageId::generate().to_string()),
        text: body.text,
    };
    super::validate(&request)?;
    let draft = draft_bot(state, ctx, bot).await?;
    let speaker = tester(ctx)?;
    let conversation = match &request.conversation {
        Some(id) => {
            store::owned_conversation(&draft.db, bot, &speaker, id).await?;
            state.chat.conversation(id)
        }
        None => state.chat.new_conversation(),
    };
    let max = state.config.chat_limits.visitor_per_minute;
    let key = format!("{}/{}", ctx.tenant(), ctx.actor_name());
    state
        .chat
        .tester_limits
        .check(&key, max, Instant::now())
        .map_err(|refused| super::rate_limited("member_per_minute", max, refused.retry_after))?;
    Ok(PreparedTest { bot: draft, speaker, conversation, request })
}

/// Answers a prepared test message, sending every frame (a final `error`
/// frame on failure) to `sink`; like a visitor's turn, it finishes and is
/// stored even if the member stops listening.
pub async fn run(state: AppState, prepared: PreparedTest, sink: FrameSink) {
    let received = Instant::now();
    let PreparedTest { bot, speaker, conversation, request } = prepared;
    let asker = Asker { bot: &bot, speaker: &speaker, origin: TEST_ORIGIN, test: true };
    let result = super::answer_turn(&state, &asker, &conversation, request, &sink, received).await;
    super::report_turn(&state, &sink, result).await;
}
