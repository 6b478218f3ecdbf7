//! Conversations: a visitor's message in, a streamed, cued answer out.
//!
//! One turn, as [`turn`] runs it: check the visitor's and the IP's rate
//! limits; count the message against the plan's and the bot's daily limits
//! ([`meters`]), store it and acknowledge it; cue the avatar from the message's sentiment and
//! intent; check the budget; take an answer from the cache, the offline
//! responder or the bot's model chain; stream it sentence by sentence, each
//! sentence's cue before its words; store the answer with its cost; send
//! the sources and `done`. The answer is generated and stored even if the
//! visitor's connection drops, so a reconnecting widget finds it.
//!
//! Nothing here knows about WebSockets or SSE: frames go to a channel that
//! the transport drains.

pub mod analytics;
pub mod cache;
pub mod cues;
pub mod embed;
pub mod limits;
pub mod meters;
pub mod models;
pub mod offline;
pub mod store;
pub mod test_chat;
pub mod visitors;
pub mod writer;

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use animo_shared::avatar::mapping::AnimationMapping;
use animo_shared::bot::BotConfig;
use animo_shared::chat::{
    BudgetAction, BudgetSettings, MAX_CLIENT_MSG_ID_CHARS, MAX_MESSAGE_CHARS, MessageUsage, ServerFrame, Source,
};
use animo_shared::sentiment::{Lexicon, Reading, analyze};
use animo_shared::{BotId, ConversationId, ErrorCode, TenantId};
use futures::{Stream, StreamExt};
use serde_json::json;
use tokio::sync::mpsc;

use self::embed::{PublicBot, VisitorClaims};
use self::limits::RateLimiter;
use self::store::Speaker;
use crate::audit::{audited, bind_audit};
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::memo::Memo;
use crate::state::AppState;

/// Published versions (configuration and pinned knowledge) by tenant, bot
/// and number. Versions never change once published, so entries are never stale; the cache is bounded by clearing
/// it when it grows past [`VersionCache::CAPACITY`].
#[derive(Debug, Default)]
pub struct VersionCache {
    entries: Mutex<HashMap<(TenantId, BotId, u32), CachedVersion>>,
}

impl VersionCache {
    /// Most versions kept.
    pub const CAPACITY: usize = 4_096;

    /// A cached version.
    pub fn get(&self, tenant: &TenantId, bot: &BotId, version: u32) -> Option<CachedVersion> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(&(tenant.clone(), bot.clone(), version)).cloned()
    }

    /// Remembers a version.
    pub fn insert(&self, tenant: &TenantId, bot: &BotId, version: u32, version_data: CachedVersion) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= Self::CAPACITY {
            entries.clear();
        }
        entries.insert((tenant.clone(), bot.clone(), version), version_data);
    }
}

/// A published version's configuration and the document versions it answers from.
pub type CachedVersion = (Arc<BotConfig>, Arc<[String]>);

/// Each answering bot's live version, so a turn does not read the bot's
/// record. Only publishing, rolling back and archiving a bot and deleting its
/// tenant change what a turn reads there, and each forgets the entry once
/// stored (see [`Memo`]).
pub type LiveVersions = Memo<(TenantId, BotId), u32>;

/// Most bots whose live version is kept.
const LIVE_VERSIONS_KEPT: usize = 16_384;

/// Each tenant's plan limit on visitor messages a month, so a turn does not
/// read the tenant's record. The plan catalogue is the server's
/// configuration, and a tenant's plan changes only through the operators'
/// update, which calls [`PlanLimits::forget`] once it is stored.
#[derive(Debug)]
pub struct PlanLimits {
    limits: Memo<TenantId, u64>,
}

impl Default for PlanLimits {
    fn default() -> Self {
        Self { limits: Memo::new(4_096) }
    }
}

impl PlanLimits {
    /// The tenant's monthly message limit.
    pub async fn monthly_messages(&self, state: &AppState, tenant: &TenantId) -> ApiResult<u64> {
        let read = crate::tenants::limit(state, tenant, animo_shared::api::QuotaKind::MonthlyMessages);
        self.limits.get_or_read(tenant.clone(), read).await
    }

    /// Drops a tenant's limit after its plan changed.
    pub fn forget(&self, tenant: &TenantId) {
        self.limits.forget(tenant);
    }
}

/// The chat engine's shared state.
#[derive(Debug)]
pub struct ChatState {
    /// Published versions.
    pub versions: VersionCache,
    /// Model clients and prices.
    pub models: models::Models,
    /// Running message and spending totals for limits and budgets.
    pub meters: meters::Meters,
    /// Plan limits by tenant.
    pub plan_limits: PlanLimits,
    /// Live versions by bot.
    pub live_versions: LiveVersions,
    visitor_limits: RateLimiter,
    ip_limits: RateLimiter,
    /// Test messages per member.
    tester_limits: RateLimiter,
    /// The conversations with a turn in progress or a connection holding them.
    conversations: Mutex<Conversations>,
    /// The group commit of messages.
    pub writers: writer::Writers,
}

/// A conversation whose turns are running or may soon run: its turns take
/// its lock, so they run one after the other, a resume waits for the answer
/// being written so it can replay it, and the lock guards what the turns know
/// about the conversation ([`store::ConversationState`], read on first use).
///
/// There is one per conversation in the process while anyone holds it (a
/// turn, or a chat connection between its turns), so every writer of a
/// conversation's messages goes through the same lock and state. The
/// embedded database belongs to one process, so no other process writes them.
#[derive(Debug)]
pub struct Conversation {
    id: ConversationId,
    state: tokio::sync::Mutex<Option<store::ConversationState>>,
}

impl Conversation {
    /// The conversation's id.
    pub fn id(&self) -> &ConversationId {
        &self.id
    }
}

#[derive(Debug)]
struct Conversations {
    entries: HashMap<ConversationId, Arc<Conversation>>,
    /// Entries nobody holds are dropped when the map reaches this size, which
    /// then becomes twice what is left, so pruning stays rare however many
    /// conversations are held.
    prune_at: usize,
}

impl Default for Conversations {
    fn default() -> Self {
        Self { entries: HashMap::new(), prune_at: Self::MIN_PRUNE_AT }
    }
}

impl Conversations {
    const MIN_PRUNE_AT: usize = 1_024;

    fn insert(&mut self, entry: Conversation) -> Arc<Conversation> {
        if self.entries.len() >= self.prune_at {
            self.entries.retain(|_, entry| Arc::strong_count(entry) > 1);
            self.prune_at = (self.entries.len() * 2).max(Self::MIN_PRUNE_AT);
        }
        let entry = Arc::new(entry);
        self.entries.insert(entry.id.clone(), Arc::clone(&entry));
        entry
    }
}

impl ChatState {
    /// The engine for this configuration.
    pub fn new(config: &crate::config::Config) -> anyhow::Result<Self> {
        Ok(Self {
            versions: VersionCache::default(),
            models: models::Models::new(config)?,
            meters: meters::Meters::default(),
            plan_limits: PlanLimits::default(),
            live_versions: Memo::new(LIVE_VERSIONS_KEPT),
            visitor_limits: RateLimiter::default(),
            ip_limits: RateLimiter::default(),
            tester_limits: RateLimiter::default(),
            conversations: Mutex::default(),
            writers: writer::Writers::default(),
        })
    }

    /// The conversation's shared lock and state.
    pub fn conversation(&self, id: &ConversationId) -> Arc<Conversation> {
        let mut conversations = self.conversations.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = conversations.entries.get(id) {
            return Arc::clone(entry);
        }
        conversations.insert(Conversation { id: id.clone(), state: tokio::sync::Mutex::new(None) })
    }

    /// A conversation that does not exist yet, under a fresh id: nothing is
    /// stored for it, so its first turn has nothing to read.
    pub fn new_conversation(&self) -> Arc<Conversation> {
        let entry = Conversation {
            id: ConversationId::generate(),
            state: tokio::sync::Mutex::new(Some(store::ConversationState::default())),
        };
        self.conversations.lock().unwrap_or_else(PoisonError::into_inner).insert(entry)
    }
}

/// A visitor whose token checked out.
#[derive(Debug, Clone)]
pub struct VisitorSession {
    /// What the token says.
    pub claims: VisitorClaims,
    /// The client's IP address, for the per-IP limit.
    pub ip: Option<String>,
}

impl VisitorSession {
    fn speaker(&self) -> Speaker {
        Speaker { visitor: self.claims.vis.clone(), user_id: self.claims.uid.clone() }
    }
}

/// Where frames go; a closed receiver (the visitor left) does not stop a turn.
pub type FrameSink = mpsc::Sender<ServerFrame>;

async fn emit(sink: &FrameSink, frame: ServerFrame) {
    // A visitor who left gets the answer on resume; the turn goes on.
    let _gone_visitor_reads_on_resume = sink.send(frame).await;
}

/// The error frame for a failure (logged first when it is the server's).
pub fn error_frame(error: &ApiError) -> ServerFrame {
    error.log_if_server_error();
    let body = error.body();
    ServerFrame::Error { code: body.code, message: body.message }
}

/// The `ready` frame: the visitor's current conversation with the bot.
pub async fn ready(state: &AppState, session: &VisitorSession) -> ApiResult<ServerFrame> {
    embed::check_embed_current(state, &session.claims).await?;
    let db = state.store.tenant(&session.claims.tid).await?;
    let current = store::current_conversation(&db, &session.claims.bot, &session.speaker()).await?;
    Ok(ServerFrame::Ready {
        conversation_id: current.as_ref().map(|(id, _)| id.clone()),
        last_seq: current.map_or(0, |(_, seq)| seq),
    })
}

/// Replays a conversation's messages after `after`, once any answer being
/// written for it is stored.
pub async fn resume(
    state: &AppState,
    session: &VisitorSession,
    conversation: &ConversationId,
    after: u64,
    sink: &FrameSink,
) -> ApiResult<()> {
    let db = state.store.tenant(&session.claims.tid).await?;
    store::owned_conversation(&db, &session.claims.bot, &session.speaker(), conversation).await?;
    let entry = state.chat.conversation(conversation);
    drop(entry.state.lock().await);
    for message in store::messages_after(&db, conversation, after).await? {
        emit(sink, ServerFrame::Message { message }).await;
    }
    Ok(())
}

/// The visitor's own conversation, for `GET /v1/chat/history`.
pub async fn history(
    state: &AppState,
    session: &VisitorSession,
    conversation: Option<&ConversationId>,
) -> ApiResult<animo_shared::chat::ChatHistory> {
    let db = state.store.tenant(&session.claims.tid).await?;
    let speaker = session.speaker();
    let id = match conversation {
        Some(id) => {
            store::owned_conversation(&db, &session.claims.bot, &speaker, id).await?;
            Some(id.clone())
        }
        None => store::current_conversation(&db, &session.claims.bot, &speaker).await?.map(|(id, _)| id),
    };
    let messages = match &id {
        Some(id) => store::messages_after(&db, id, 0).await?,
        None => Vec::new(),
    };
    Ok(animo_shared::chat::ChatHistory { conversation_id: id, messages })
}

/// Records a rating of an answer in the visitor's current conversation.
pub async fn feedback(
    state: &AppState,
    session: &VisitorSession,
    message: &animo_shared::MessageId,
    rating: animo_shared::chat::Rating,
    comment: Option<&str>,
) -> ApiResult<()> {
    let comment = comment.map(|text| text.chars().take(1_000).collect::<String>());
    let db = state.store.tenant(&session.claims.tid).await?;
    let (conversation, _) = store::current_conversation(&db, &session.claims.bot, &session.speaker())
        .await?
        .ok_or_else(ApiError::not_found)?;
    store::store_feedback(&db, &conversation, message, rating, comment.as_deref()).await
}

/// The cue a widget event calls for under the bot's mapping.
pub async fn event_cue(
    state: &AppState,
    session: &VisitorSession,
    kind: animo_shared::avatar::mapping::WidgetEvent,
) -> ApiResult<Option<ServerFrame>> {
    let bot = embed::live_bot(state, &session.claims.tid, &session.claims.bot).await?;
    let mapping = mapping_of(&bot.config);
    Ok(mapping.events.get(&kind).map(|slot| ServerFrame::Cue {
        slot: *slot,
        emotion: animo_shared::avatar::mapping::Emotion::Neutral,
        intensity: 0.5,
        intent: None,
    }))
}

fn mapping_of(config: &BotConfig) -> AnimationMapping {
    config.avatar.as_ref().map(|avatar| avatar.mapping.clone()).unwrap_or_default()
}

fn lexicon_of(config: &BotConfig) -> &'static Lexicon {
    Lexicon::for_language(config.personality.language.as_str())
}

fn reading_json(reading: &Reading) -> serde_json::Value {
    json!({
        "compound": reading.compound,
        "emotion": reading.emotion,
        "intensity": reading.intensity,
        "intent": reading.intent,
    })
}

/// What a turn was asked.
#[derive(Debug, Clone)]
pub struct TurnRequest {
    /// The conversation to continue; the visitor's current one when absent.
    pub conversation: Option<ConversationId>,
    /// The client's id of the message.
    pub client_msg_id: String,
    /// The text.
    pub text: String,
}

/// Runs one turn, sending every frame (including a final `error` frame on
/// failure) to `sink`. `held` is the conversation a connection's previous
/// turn used, its ownership checked then (`None` for a first turn or a
/// one-off request); the turn leaves its own conversation there.
pub async fn turn(
    state: AppState,
    session: VisitorSession,
    request: TurnRequest,
    sink: FrameSink,
    held: &mut Option<Arc<Conversation>>,
) {
    let received = Instant::now();
    let result = run_turn(&state, &session, request, &sink, received, held).await;
    report_turn(&state, &sink, result).await;
}

/// Counts a finished turn and sends its error, if any, as the last frame.
async fn report_turn(state: &AppState, sink: &FrameSink, result: ApiResult<()>) {
    let outcome = match result {
        Ok(()) => "answered",
        Err(error) => {
            let outcome = if error.error_code().http_status() >= 500 { "failed" } else { "refused" };
            emit(sink, error_frame(&error)).await;
            outcome
        }
    };
    state.metrics.chat_messages.with_label_values(&[outcome]).inc();
}

fn validate(request: &TurnRequest) -> ApiResult<()> {
    let id_chars = request.client_msg_id.chars().count();
    if id_chars == 0 || id_chars > MAX_CLIENT_MSG_ID_CHARS {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("client_msg_id must have 1 to {MAX_CLIENT_MSG_ID_CHARS} characters."),
        ));
    }
    if request.text.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidRequest, "The message is empty."));
    }
    if request.text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("A message may have at most {MAX_MESSAGE_CHARS} characters."),
        ));
    }
    Ok(())
}

fn rate_limited(limit: &str, max: u32, retry_after: Duration) -> ApiError {
    ApiError::new(ErrorCode::RateLimited, format!("Too many messages; wait {} s.", retry_after.as_secs().max(1)))
        .with_details(json!({ "limit": limit, "max": max, "retry_after_secs": retry_after.as_secs().max(1) }))
}

/// Checks the per-visitor and per-IP limits, counting the message in both
/// or in neither.
fn check_rate_limits(state: &AppState, session: &VisitorSession) -> ApiResult<()> {
    let limits = state.config.chat_limits;
    let chat = &state.chat;
    let now = Instant::now();
    let visitor_key = format!("{}/{}", session.claims.tid, session.claims.vis);
    chat.visitor_limits
        .check(&visitor_key, limits.visitor_per_minute, now)
        .map_err(|refused| rate_limited("visitor_per_minute", limits.visitor_per_minute, refused.retry_after))?;
    if let Some(ip) = &session.ip
        && let Err(refused) = chat.ip_limits.check(ip, limits.ip_per_minute, now)
    {
        chat.visitor_limits.give_back(&visitor_key);
        return Err(rate_limited("ip_per_minute", limits.ip_per_minute, refused.retry_after));
    }
    Ok(())
}

async fn run_turn(
    state: &AppState,
    session: &VisitorSession,
    request: TurnRequest,
    sink: &FrameSink,
    received: Instant,
    held: &mut Option<Arc<Conversation>>,
) -> ApiResult<()> {
    validate(&request)?;
    check_rate_limits(state, session)?;
    let claims = &session.claims;
    let bot = embed::live_bot(state, &claims.tid, &claims.bot).await?;
    let speaker = session.speaker();
    let conversation = match (&request.conversation, held.take()) {
        // The connection's own conversation, checked by an earlier turn.
        (Some(id), Some(entry)) if entry.id() == id => entry,
        (None, Some(entry)) => entry,
        (Some(id), _) => {
            store::owned_conversation(&bot.db, &claims.bot, &speaker, id).await?;
            state.chat.conversation(id)
        }
        (None, None) => match store::current_conversation(&bot.db, &claims.bot, &speaker).await? {
            Some((id, _)) => state.chat.conversation(&id),
            None => state.chat.new_conversation(),
        },
    };
    *held = Some(Arc::clone(&conversation));
    let asker = Asker { bot: &bot, speaker: &speaker, origin: &claims.org, test: false };
    answer_turn(state, &asker, &conversation, request, sink, received).await
}

/// Who a turn answers, and which configuration answers.
pub(crate) struct Asker<'a> {
    /// The bot: a published version for visitors, the draft for a test.
    pub bot: &'a PublicBot,
    /// The person talking.
    pub speaker: &'a Speaker,
    /// Where the message came from (a page's origin).
    pub origin: &'a str,
    /// A member's test of the draft: its messages are marked as tests, do not
    /// count as visitor messages and neither read nor fill the answer cache.
    pub test: bool,
}

/// The turn after its checks: store and acknowledge the message, cue, answer,
/// store the answer, send the sources and `done`, holding the conversation's
/// lock throughout.
pub(crate) async fn answer_turn(
    state: &AppState,
    asker: &Asker<'_>,
    conversation: &Conversation,
    request: TurnRequest,
    sink: &FrameSink,
    received: Instant,
) -> ApiResult<()> {
    let mut guard = conversation.state.lock().await;
    let loaded = match guard.take() {
        Some(known) => known,
        None => store::conversation_state(&asker.bot.db, conversation.id()).await?,
    };
    let known = guard.insert(loaded);
    let result = answer_locked(state, asker, conversation.id(), known, request, sink, received).await;
    if result.is_err() {
        // A failed write may have been stored all the same; what is stored is
        // read again before the next turn.
        *guard = None;
    }
    result
}

async fn answer_locked(
    state: &AppState,
    asker: &Asker<'_>,
    conversation: &ConversationId,
    known: &mut store::ConversationState,
    request: TurnRequest,
    sink: &FrameSink,
    received: Instant,
) -> ApiResult<()> {
    let bot = asker.bot;
    let speaker = asker.speaker;

    let lexicon = lexicon_of(&bot.config);
    let mapping = mapping_of(&bot.config);
    let reading = analyze(&request.text, lexicon);
    let stored = accept_visitor_message(
        state,
        bot,
        known,
        store::VisitorMessage {
            bot: &bot.bot,
            version: bot.version,
            conversation,
            speaker,
            origin: asker.origin,
            client_msg_id: &request.client_msg_id,
            text: &request.text,
            sentiment: reading_json(&reading),
            test: asker.test,
        },
    )
    .await?;
    emit(
        sink,
        ServerFrame::Ack {
            client_msg_id: request.client_msg_id.clone(),
            message_id: stored.id.clone(),
            conversation_id: conversation.clone(),
            seq: stored.seq,
            duplicate: stored.duplicate,
        },
    )
    .await;
    if let Some(answer) = stored.answer {
        // A retry of a message that was answered: the answer is replayed, not generated twice.
        emit(sink, ServerFrame::Message { message: answer }).await;
        return Ok(());
    }
    emit(sink, cues::visitor_cue(&reading, &mapping)).await;

    // Tests never touch the answer cache: a draft's answers may differ from
    // the published version's, and the cache is keyed by published version.
    let cacheable = stored.seq == 1 && !asker.test;
    let answer = answer_source(state, bot, conversation, &request.text, &reading, cacheable).await?;
    let mut writer = cues::CueWriter::new(&mapping, lexicon);
    let mut text = String::new();
    let mut first_token: Option<Instant> = None;
    let mut usage = MessageUsage::default();
    let mut chunks = answer.chunks;
    let mut interrupted = None;
    while let Some(piece) = chunks.next().await {
        match piece {
            Ok(Piece::Text(chunk)) => {
                text.push_str(&chunk);
                for frame in writer.push(&chunk) {
                    note_first_token(&frame, &mut first_token, state, received);
                    emit(sink, frame).await;
                }
            }
            Ok(Piece::Usage(reported)) => usage = reported,
            Err(error) => {
                // The words already sent are kept and stored; the visitor
                // learns that the answer broke off.
                interrupted = Some(error);
                break;
            }
        }
    }
    for frame in writer.finish() {
        note_first_token(&frame, &mut first_token, state, received);
        emit(sink, frame).await;
    }
    let first_token_ms =
        first_token.map_or(0, |at| u64::try_from(at.duration_since(received).as_millis()).unwrap_or(u64::MAX));
    let answer_reading = analyze(&text, lexicon);
    let sources = cited(answer.sources, &text);
    let unanswered = answer.unanswered || text.contains(bot.config.personality.fallback_message.as_str());
    // The spending totals are loaded before the answer is stored, so the
    // count read from the database cannot already include this answer.
    let spend = match usage.cost_micro_usd {
        0 => None,
        _ => Some(state.chat.meters.spend(&bot.db, &bot.tenant, &bot.bot).await?),
    };
    let seq = known.last_seq + 1;
    let message_id = store::store_answer(
        &state.chat.writers,
        &bot.db,
        store::BotAnswer {
            bot: &bot.bot,
            version: bot.version,
            conversation,
            speaker,
            origin: asker.origin,
            reply_to: &stored.id,
            reply_to_client: &request.client_msg_id,
            text: &text,
            sources: &sources,
            usage,
            provider: &answer.provider,
            model: answer.model.as_deref(),
            first_token_ms,
            unanswered,
            sentiment: reading_json(&answer_reading),
            test: asker.test,
        },
        seq,
    )
    .await?;
    known.stored(seq, None);
    if let Some(spend) = spend {
        spend.add(usage.cost_micro_usd);
    }
    if let Some(error) = interrupted {
        return Err(error);
    }
    if let Some(key) = answer.cache_key.as_deref().filter(|_| !unanswered) {
        cache::insert(&bot.db, &bot.bot, bot.version, key, &text, &sources, speaker).await?;
    }
    if !sources.is_empty() {
        emit(sink, ServerFrame::Sources { sources }).await;
    }
    emit(sink, ServerFrame::Done { message_id, seq, usage }).await;
    Ok(())
}

/// Stores a visitor message once per client id, counted against the plan's
/// monthly and the bot's daily limits. A retry of a stored message is found
/// before anything is counted, so it is never refused by a limit it already
/// passed; the caller holds the conversation's lock, so two retries racing
/// each other are one after the other here.
async fn accept_visitor_message(
    state: &AppState,
    bot: &PublicBot,
    known: &mut store::ConversationState,
    message: store::VisitorMessage<'_>,
) -> ApiResult<store::StoredVisitorMessage> {
    if known.may_hold(message.client_msg_id)
        && let Some(found) = store::find_by_client_id(&bot.db, message.conversation, message.client_msg_id).await?
    {
        return Ok(found);
    }
    let seq = known.last_seq + 1;
    let client_msg_id = message.client_msg_id;
    let writers = &state.chat.writers;
    let stored = if message.test {
        // A member's test is not a visitor message: the per-member rate
        // limit bounds it instead of the plan's and the bot's message limits.
        store::store_visitor_message(writers, &bot.db, message, seq).await?
    } else {
        let limits = meters::MessageLimits {
            monthly: state.chat.plan_limits.monthly_messages(state, &bot.tenant).await?,
            daily: state.config.chat_limits.bot_per_day,
        };
        let reservation = state.chat.meters.reserve_message(&bot.db, &bot.tenant, &bot.bot, limits).await?;
        match store::store_visitor_message(writers, &bot.db, message, seq).await {
            Ok(stored) => stored,
            Err(error) => {
                reservation.give_back();
                return Err(error);
            }
        }
    };
    known.stored(seq, Some(client_msg_id));
    Ok(stored)
}

/// The sources an answer cites as `[n]`; all of them when it cites none by
/// number (the offline responder's single source is always cited).
fn cited(sources: Vec<Source>, text: &str) -> Vec<Source> {
    let cited: Vec<Source> =
        sources.iter().filter(|source| text.contains(&format!("[{}]", source.number))).cloned().collect();
    if cited.is_empty() { sources } else { cited }
}

fn note_first_token(frame: &ServerFrame, first: &mut Option<Instant>, state: &AppState, received: Instant) {
    if first.is_none() && matches!(frame, ServerFrame::Token { .. }) {
        let now = Instant::now();
        *first = Some(now);
        state.metrics.chat_first_token_seconds.observe(now.duration_since(received).as_secs_f64());
    }
}

/// A piece of an answer as it streams.
#[derive(Debug)]
enum Piece {
    Text(String),
    Usage(MessageUsage),
}

type Pieces = Pin<Box<dyn Stream<Item = ApiResult<Piece>> + Send>>;

/// Where an answer comes from.
struct AnswerSource {
    chunks: Pieces,
    sources: Vec<Source>,
    provider: String,
    model: Option<String>,
    unanswered: bool,
    /// Set when the answer may be cached under this key once stored.
    cache_key: Option<String>,
}

/// Streams finished text in small pieces, as a model would, so the widget
/// shows every answer the same way.
fn stream_text(text: &str) -> Pieces {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for (index, word) in text.split_inclusive(' ').enumerate() {
        current.push_str(word);
        if index % 4 == 3 {
            pieces.push(Ok(Piece::Text(std::mem::take(&mut current))));
        }
    }
    if !current.is_empty() {
        pieces.push(Ok(Piece::Text(current)));
    }
    Box::pin(futures::stream::iter(pieces))
}

/// The bot's curated Q&A followed by the passages of its published
/// knowledge that match the question.
async fn passages_for(state: &AppState, bot: &PublicBot, question: &str) -> ApiResult<Vec<offline::Passage>> {
    let mut passages = offline::faq_passages(&bot.config.personality);
    let (hits, _) = crate::knowledge::retrieve(state, &bot.db, &bot.bot, &bot.knowledge_keys, question, 5).await?;
    passages.extend(hits.into_iter().map(|hit| {
        let chunk = hit.chunk;
        // A curated Q&A row from a CSV is matched on its question, like the personality's own.
        let about = if chunk.section.first().is_some_and(|s| s == "Q&A") {
            chunk.title.clone()
        } else {
            format!("{} {}", chunk.title, chunk.section.join(" "))
        };
        let title = match chunk.section.last() {
            Some(section) if section != &chunk.title => format!("{} — {section}", chunk.title),
            _ => chunk.title.clone(),
        };
        offline::Passage { title, about, text: chunk.text, url: chunk.url }
    }));
    Ok(passages)
}

fn offline_source(
    bot: &PublicBot,
    question: &str,
    reading: &Reading,
    passages: &[offline::Passage],
    cache_key: Option<String>,
) -> AnswerSource {
    let answer = offline::answer(question, reading, &bot.config.personality, passages);
    AnswerSource {
        chunks: stream_text(&answer.text),
        sources: answer.sources,
        provider: "offline".to_owned(),
        model: None,
        unanswered: answer.unanswered,
        cache_key,
    }
}

async fn answer_source(
    state: &AppState,
    bot: &PublicBot,
    conversation: &ConversationId,
    question: &str,
    reading: &Reading,
    first_in_conversation: bool,
) -> ApiResult<AnswerSource> {
    // Only opening questions are cached: a later question's answer depends
    // on the conversation before it.
    let cache_key = first_in_conversation.then(|| cache::normalize(question)).filter(|key| !key.is_empty());
    if let Some(key) = &cache_key {
        if let Some(hit) = cache::lookup(&bot.db, &bot.bot, bot.version, key).await? {
            state.metrics.chat_cache.with_label_values(&["hit"]).inc();
            return Ok(AnswerSource {
                chunks: stream_text(&hit.text),
                sources: hit.sources,
                provider: "cache".to_owned(),
                model: None,
                unanswered: false,
                cache_key: None,
            });
        }
        state.metrics.chat_cache.with_label_values(&["miss"]).inc();
    }
    let chain = state.chat.models.chain_for(&bot.config).map_err(|error| {
        ApiError::new(ErrorCode::ProviderFailed, "The assistant's language model is misconfigured.")
            .with_details(json!({ "cause": error.to_string() }))
    })?;
    let all_passages = passages_for(state, bot, question).await?;
    let Some(chain) = chain else { return Ok(offline_source(bot, question, reading, &all_passages, cache_key)) };
    match budget_state(state, bot).await? {
        Budget::Available => {}
        Budget::Exhausted(BudgetAction::Refuse) => return Err(ApiError::code(ErrorCode::BudgetExhausted)),
        Budget::Exhausted(BudgetAction::Offline) => {
            return Ok(offline_source(bot, question, reading, &all_passages, cache_key));
        }
    }
    let passages = offline::relevant_passages(question, &all_passages, 5);
    let history = store::recent_history(&bot.db, conversation, models::HISTORY_MESSAGES).await?;
    let first_model = chain.models.first().cloned().unwrap_or_default();
    let system = models::system_prompt(&bot.config, &passages);
    let request = models::request(&bot.config, &first_model, system, &history);
    match chain.chain.stream(&request).await {
        Ok((index, stream)) => {
            let model = chain.models.get(index).cloned().unwrap_or_default();
            let label =
                chain.chain.links().get(index).map_or_else(String::new, |link| link.provider.label().to_owned());
            let prices_model = model.clone();
            let models = state.chat.clone();
            let chunks = stream.map(move |chunk| match chunk {
                Ok(animo_llm::Chunk::Text(text)) => Ok(Piece::Text(text)),
                Ok(animo_llm::Chunk::Usage(usage)) => {
                    let cost = models.models.prices().cost_micro_usd(&prices_model, usage);
                    Ok(Piece::Usage(MessageUsage {
                        input_tokens: usage.input_tokens,
                        output_tokens: usage.output_tokens,
                        cost_micro_usd: cost.micro_usd,
                    }))
                }
                Err(error) => {
                    tracing::warn!(%error, "the model's answer broke off");
                    Err(ApiError::code(ErrorCode::ProviderFailed))
                }
            });
            let sources = passages
                .iter()
                .enumerate()
                .map(|(index, passage)| Source {
                    number: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    title: passage.title.clone(),
                    url: passage.url.clone(),
                    excerpt: passage.text.chars().take(300).collect(),
                })
                .collect();
            Ok(AnswerSource {
                chunks: Box::pin(chunks),
                sources,
                provider: label,
                model: Some(model),
                unanswered: false,
                cache_key,
            })
        }
        Err(error) => {
            // Every model failed before saying anything: the visitor still
            // gets the offline responder's grounded answer or fallback.
            tracing::warn!(%error, "every model of the chain failed; answering offline");
            Ok(offline_source(bot, question, reading, &all_passages, cache_key))
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Budget {
    Available,
    Exhausted(BudgetAction),
}

/// Whether the tenant's and the bot's budgets allow a paid model call.
async fn budget_state(state: &AppState, bot: &PublicBot) -> ApiResult<Budget> {
    let settings = budget_settings(&bot.db).await?;
    let bot_limit = settings.bot_monthly_micro_usd.get(&bot.bot).copied();
    if settings.tenant_monthly_micro_usd.is_none() && bot_limit.is_none() {
        return Ok(Budget::Available);
    }
    let (tenant_spent, bot_spent) = state.chat.meters.spend(&bot.db, &bot.tenant, &bot.bot).await?.spent();
    let over = settings.tenant_monthly_micro_usd.is_some_and(|limit| tenant_spent >= limit)
        || bot_limit.is_some_and(|limit| bot_spent >= limit);
    Ok(if over { Budget::Exhausted(settings.when_exhausted) } else { Budget::Available })
}

/// The tenant's budget settings.
pub async fn budget_settings(db: &crate::store::TenantDb) -> ApiResult<BudgetSettings> {
    let settings: Option<BudgetSettings> = db.db().query("RETURN setting:budget.value").run().await?.value(0)?;
    Ok(settings.unwrap_or_default())
}

/// Replaces the tenant's budget settings, audited.
pub async fn set_budget_settings(ctx: &crate::context::TenantCtx, settings: &BudgetSettings) -> ApiResult<()> {
    let query = ctx.db.db().query(audited("UPSERT setting:budget SET value = $value;")).bind("value", settings);
    bind_audit(query, ctx, "tenant.budget", "budget").run().await?;
    Ok(())
}
