//! The visitor-facing routes: embed config, the avatar of a published bot,
//! the chat WebSocket, its SSE fallback and the history; plus the owner's
//! settings for embeds (test origins, identity secret, budgets).
//!
//! Transport only: frames are parsed and serialized here, and every turn is
//! the chat engine's.

use std::convert::Infallible;

use animo_shared::chat::{
    AnalyticsQuery, BotAnalytics, BudgetSettings, ChatHistory, ClientFrame, EmbedConfig, EmbedConfigQuery,
    IdentitySecret, ServerFrame, SseMessageRequest, TestOrigins, VisitorData, VisitorErasure,
};
use animo_shared::{AvatarId, BotId, ConversationId, EmbedId, ErrorBody, ErrorCode, VisitorId};
use axum::Json;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::extract::{ApiJson, ApiQuery, IdPath};
use crate::chat::visitors::Subject;
use crate::chat::{self, TurnRequest, VisitorSession, analytics, embed, visitors};
use crate::context::{Owner, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

type Client = ConnectInfo<std::net::SocketAddr>;

/// Frames waiting for a slow connection; a turn waits when the buffer is full.
const FRAME_BUFFER: usize = 64;
/// Most frames written to a connection at once.
const FRAMES_PER_WRITE: usize = 32;

/// The origin of the page asking. Browsers leave `Origin` out of same-origin
/// GET requests (the server's own `/demo` page fetching its config and
/// history), marking them `Sec-Fetch-Site: same-origin` instead; such a
/// request comes from the server's public origin.
fn origin(state: &AppState, headers: &HeaderMap) -> Option<String> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().ok().filter(|value| *value != "null").map(str::to_owned);
    }
    let same_origin = headers.get("sec-fetch-site").is_some_and(|value| value.as_bytes() == b"same-origin");
    if !same_origin {
        return None;
    }
    reqwest::Url::parse(&state.public_url).ok().map(|url| url.origin().ascii_serialization())
}

fn session(state: &AppState, token: &str, headers: &HeaderMap, client: &Client) -> ApiResult<VisitorSession> {
    let claims = embed::verify_token(state, token, origin(state, headers).as_deref())?;
    Ok(VisitorSession { claims, ip: Some(client.0.ip().to_string()) })
}

/// The published bot's widget configuration and a visitor token, for a page
/// on an allowed origin.
#[utoipa::path(get, path = "/v1/embed/{embed_id}/config", tag = "chat", params(EmbedConfigQuery),
    responses((status = 200, body = EmbedConfig), (status = "4XX", body = ErrorBody)))]
pub async fn embed_config(
    State(state): State<AppState>,
    IdPath(embed_id): IdPath<EmbedId>,
    ApiQuery(query): ApiQuery<EmbedConfigQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let config = embed::config(&state, &embed_id, origin(&state, &headers).as_deref(), query).await?;
    // The token in the body is personal: no cache may keep it.
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(config)).into_response())
}

/// The GLB of the avatar a published bot shows.
#[utoipa::path(get, path = "/v1/embed/{embed_id}/avatars/{avatar_id}/model.glb", tag = "chat",
    responses((status = 200, content_type = "model/gltf-binary"), (status = "4XX", body = ErrorBody)))]
pub async fn embed_avatar(
    State(state): State<AppState>,
    IdPath((embed_id, avatar_id)): IdPath<(EmbedId, AvatarId)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    embed::avatar_model(&state, &embed_id, &avatar_id, &headers).await
}

/// The visitor token, as the chat routes take it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TokenQuery {
    /// The visitor token from the embed config.
    token: String,
    /// The conversation (history only); the visitor's current one when absent.
    #[serde(default)]
    conversation_id: Option<ConversationId>,
}

/// The chat WebSocket: client and server frames as JSON text messages.
#[utoipa::path(get, path = "/v1/chat", tag = "chat", params(TokenQuery),
    responses((status = 101, description = "Switching to the chat WebSocket"), (status = "4XX", body = ErrorBody)))]
pub async fn chat_socket(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TokenQuery>,
    headers: HeaderMap,
    client: Client,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    // The token is checked before the upgrade, so a refused client gets an
    // HTTP status and a coded body rather than a socket that closes.
    let session = session(&state, &query.token, &headers, &client)?;
    let ready = chat::ready(&state, &session).await?;
    // Visitor frames are small (64 KiB at most) and a session is idle most of
    // the time, so a 4 KiB read buffer grows only for the rare large frame
    // instead of every session holding tungstenite's default 128 KiB.
    Ok(upgrade
        .max_message_size(64 * 1024)
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| run_socket(state, session, ready, socket)))
}

async fn run_socket(state: AppState, session: VisitorSession, ready: ServerFrame, socket: WebSocket) {
    state.metrics.chat_sessions.inc();
    let (mut outgoing, mut incoming) = socket.split();
    let (sink, mut frames) = mpsc::channel::<ServerFrame>(FRAME_BUFFER);
    let writer = tokio::spawn(async move {
        let mut waiting = Vec::with_capacity(FRAMES_PER_WRITE);
        // Every frame waiting is queued and then written at once: a turn's
        // cue and token frames then leave in one write instead of one each.
        while frames.recv_many(&mut waiting, FRAMES_PER_WRITE).await > 0 {
            let mut sent = Ok(());
            for frame in waiting.drain(..) {
                let Ok(text) = serde_json::to_string(&frame) else { continue };
                sent = outgoing.feed(Message::Text(text.into())).await;
                if sent.is_err() {
                    break;
                }
            }
            if sent.is_err() || outgoing.flush().await.is_err() {
                // The visitor left; turns still finish and are stored.
                break;
            }
        }
        // Closing may fail when the peer is already gone, which is the point.
        let _already_closed = outgoing.close().await;
    });
    let _sent = sink.send(ready).await;

    // Turns of one connection run in order, in a task of their own, so a
    // visitor who disconnects mid-answer still gets the answer stored.
    let (turns, mut queue) = mpsc::unbounded_channel::<TurnRequest>();
    let runner = {
        let (state, session, sink) = (state.clone(), session.clone(), sink.clone());
        tokio::spawn(async move {
            // The conversation of the previous turn: later turns skip looking
            // it up, and it keeps what the turns know about it in memory.
            let mut held = None;
            while let Some(request) = queue.recv().await {
                // Boxed, so that an idle session's task is a few words and
                // not the size of a whole turn's state machine.
                Box::pin(chat::turn(state.clone(), session.clone(), request, sink.clone(), &mut held)).await;
            }
        })
    };

    let mut conversation: Option<ConversationId> = None;
    while let Some(Ok(message)) = incoming.next().await {
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => break,
            Message::Binary(_) => {
                let error = ApiError::new(ErrorCode::InvalidRequest, "Frames are JSON text messages.");
                let _sent = sink.send(chat::error_frame(&error)).await;
                continue;
            }
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        let frame = match serde_json::from_str::<ClientFrame>(text.as_str()) {
            Ok(frame) => frame,
            Err(error) => {
                let code = if error.is_syntax() || error.is_eof() {
                    ErrorCode::MalformedJson
                } else {
                    ErrorCode::InvalidRequest
                };
                let _sent = sink.send(chat::error_frame(&ApiError::new(code, error.to_string()))).await;
                continue;
            }
        };
        let result = match frame {
            ClientFrame::UserMessage { client_msg_id, text } => {
                let request = TurnRequest { conversation: conversation.clone(), client_msg_id, text };
                // The runner lives as long as this loop, so the queue is open.
                let _queued = turns.send(request);
                Ok(())
            }
            // The rarer frames' handlers are boxed too: inline, the largest of
            // them would size this loop's future for every idle session.
            ClientFrame::Event { kind, data: _ } => match Box::pin(chat::event_cue(&state, &session, kind)).await {
                Ok(Some(cue)) => {
                    let _sent = sink.send(cue).await;
                    Ok(())
                }
                Ok(None) => Ok(()),
                Err(error) => Err(error),
            },
            ClientFrame::Feedback { message_id, rating, comment } => {
                Box::pin(chat::feedback(&state, &session, &message_id, rating, comment.as_deref())).await
            }
            ClientFrame::Resume { conversation_id, after } => {
                let resumed = Box::pin(chat::resume(&state, &session, &conversation_id, after, &sink)).await;
                if resumed.is_ok() {
                    conversation = Some(conversation_id);
                }
                resumed
            }
        };
        if let Err(error) = result {
            let _sent = sink.send(chat::error_frame(&error)).await;
        }
    }
    drop(turns);
    drop(sink);
    // Queued turns finish (their messages were sent, so they are stored and
    // answered); then the writer drains and closes.
    let _runner_done = runner.await;
    let _writer_done = writer.await;
    state.metrics.chat_sessions.dec();
}

/// The SSE fallback: one message in, the turn's frames out as
/// `text/event-stream`, one JSON frame per `data:` line.
#[utoipa::path(post, path = "/v1/chat/messages", tag = "chat", request_body = SseMessageRequest,
    responses((status = 200, content_type = "text/event-stream", description = "Server frames, one per event"),
        (status = "4XX", body = ErrorBody)))]
pub async fn chat_sse(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    ApiJson(body): ApiJson<SseMessageRequest>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let session = session(&state, &body.token, &headers, &client)?;
    embed::check_embed_current(&state, &session.claims).await?;
    let (sink, frames) = mpsc::channel::<ServerFrame>(FRAME_BUFFER);
    let request =
        TurnRequest { conversation: body.conversation_id, client_msg_id: body.client_msg_id, text: body.text };
    tokio::spawn(async move { chat::turn(state, session, request, sink, &mut None).await });
    let events = tokio_stream_from(frames).map(|frame| {
        let data = serde_json::to_string(&frame).unwrap_or_default();
        Ok(Event::default().data(data))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn tokio_stream_from(mut receiver: mpsc::Receiver<ServerFrame>) -> impl Stream<Item = ServerFrame> {
    futures::stream::poll_fn(move |context| receiver.poll_recv(context))
}

/// The visitor's own conversation and nobody else's.
#[utoipa::path(get, path = "/v1/chat/history", tag = "chat", params(TokenQuery),
    responses((status = 200, body = ChatHistory), (status = "4XX", body = ErrorBody)))]
pub async fn chat_history(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TokenQuery>,
    headers: HeaderMap,
    client: Client,
) -> ApiResult<Json<ChatHistory>> {
    let session = session(&state, &query.token, &headers, &client)?;
    chat::history(&state, &session, query.conversation_id.as_ref()).await.map(Json)
}

/// Sets where bots without allowed origins may be embedded.
#[utoipa::path(put, path = "/v1/tenant/test-origins", tag = "tenant", request_body = TestOrigins,
    responses((status = 204), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn set_test_origins(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    ApiJson(body): ApiJson<TestOrigins>,
) -> ApiResult<StatusCode> {
    embed::set_test_origins(&state, &ctx, &body.origins).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates or replaces the secret the tenant's backend signs user ids with.
#[utoipa::path(post, path = "/v1/tenant/identity-secret", tag = "tenant",
    responses((status = 201, body = IdentitySecret), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn rotate_identity_secret(
    State(state): State<AppState>,
    Owner(ctx): Owner,
) -> ApiResult<(StatusCode, Json<IdentitySecret>)> {
    let secret = embed::rotate_identity_secret(&state, &ctx).await?;
    Ok((StatusCode::CREATED, Json(IdentitySecret { secret })))
}

/// The tenant's monthly budgets.
#[utoipa::path(get, path = "/v1/tenant/budget", tag = "tenant",
    responses((status = 200, body = BudgetSettings), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn budget(Viewer(ctx): Viewer) -> ApiResult<Json<BudgetSettings>> {
    chat::budget_settings(&ctx.db).await.map(Json)
}

/// Replaces the tenant's monthly budgets.
#[utoipa::path(put, path = "/v1/tenant/budget", tag = "tenant", request_body = BudgetSettings,
    responses((status = 200, body = BudgetSettings), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn set_budget(Owner(ctx): Owner, ApiJson(body): ApiJson<BudgetSettings>) -> ApiResult<Json<BudgetSettings>> {
    chat::set_budget_settings(&ctx, &body).await?;
    Ok(Json(body))
}

/// A bot's conversations per day: messages, visitors, latency, tokens and
/// cost, sentiment, feedback, and the top and unanswered questions.
#[utoipa::path(get, path = "/v1/bots/{bot_id}/analytics", tag = "bots", params(AnalyticsQuery),
    responses((status = 200, body = BotAnalytics), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn bot_analytics(
    Viewer(ctx): Viewer,
    IdPath(bot): IdPath<BotId>,
    ApiQuery(query): ApiQuery<AnalyticsQuery>,
) -> ApiResult<Json<BotAnalytics>> {
    analytics::bot_analytics(&ctx, &bot, &query).await.map(Json)
}

/// Everything stored about a visitor, as JSON.
#[utoipa::path(get, path = "/v1/visitors/{visitor_id}", tag = "data rights",
    responses((status = 200, body = VisitorData), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn export_visitor(Owner(ctx): Owner, IdPath(visitor): IdPath<VisitorId>) -> ApiResult<Json<VisitorData>> {
    visitors::export(&ctx, &Subject::Visitor(visitor)).await.map(Json)
}

/// Erases everything stored about a visitor.
#[utoipa::path(delete, path = "/v1/visitors/{visitor_id}", tag = "data rights",
    responses((status = 200, body = VisitorErasure), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn erase_visitor(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    IdPath(visitor): IdPath<VisitorId>,
) -> ApiResult<Json<VisitorErasure>> {
    visitors::erase(&state, &ctx, &Subject::Visitor(visitor)).await.map(Json)
}

/// Everything stored about a verified user, across their devices, as JSON.
#[utoipa::path(get, path = "/v1/verified-users/{user_id}", tag = "data rights",
    responses((status = 200, body = VisitorData), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn export_user(
    Owner(ctx): Owner,
    axum::extract::Path(user): axum::extract::Path<String>,
) -> ApiResult<Json<VisitorData>> {
    visitors::export(&ctx, &Subject::user(user)?).await.map(Json)
}

/// Erases everything stored about a verified user.
#[utoipa::path(delete, path = "/v1/verified-users/{user_id}", tag = "data rights",
    responses((status = 200, body = VisitorErasure), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn erase_user(
    State(state): State<AppState>,
    Owner(ctx): Owner,
    axum::extract::Path(user): axum::extract::Path<String>,
) -> ApiResult<Json<VisitorErasure>> {
    visitors::erase(&state, &ctx, &Subject::user(user)?).await.map(Json)
}
