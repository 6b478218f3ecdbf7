//! Test chat with a bot's draft, for the Studio: one message in, the turn's
//! frames out as `text/event-stream`, exactly as the visitors' SSE fallback
//! sends them. The policy (marking, analytics, cache, budgets, limits) is
//! the chat engine's; see [`crate::chat::test_chat`].

use std::convert::Infallible;

use animo_shared::chat::{ServerFrame, TestChatRequest};
use animo_shared::{BotId, ErrorBody};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;

use super::extract::{ApiJson, IdPath};
use crate::chat::test_chat;
use crate::context::Designer;
use crate::error::ApiResult;
use crate::state::AppState;

/// Frames waiting for a slow reader; the turn waits when the buffer is full.
const FRAME_BUFFER: usize = 64;

/// Sends a test message to the bot's draft (designers and owners) and
/// streams the answer's frames: `ack`, `cue`s and `token`s, `sources`,
/// `done`, or a final `error`. Test turns are kept out of analytics and the
/// answer cache; their model spending counts against the budgets.
#[utoipa::path(post, path = "/v1/bots/{bot_id}/test-chat", tag = "bots", request_body = TestChatRequest,
    responses((status = 200, content_type = "text/event-stream", description = "Server frames, one per event"),
        (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn test_chat(
    State(state): State<AppState>,
    Designer(ctx): Designer,
    IdPath(bot): IdPath<BotId>,
    ApiJson(body): ApiJson<TestChatRequest>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Every refusal that does not need the answer (body, role, bot, rate
    // limit) is an HTTP error; later ones arrive as an `error` frame.
    let prepared = test_chat::prepare(&state, &ctx, &bot, body).await?;
    let (sink, mut frames) = mpsc::channel::<ServerFrame>(FRAME_BUFFER);
    tokio::spawn(test_chat::run(state, prepared, sink));
    let events = futures::stream::poll_fn(move |context| frames.poll_recv(context)).map(|frame| {
        let data = serde_json::to_string(&frame).unwrap_or_default();
        Ok(Event::default().data(data))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
