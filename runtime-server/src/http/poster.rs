//! The poster: uploaded to a bot's draft by the Studio, served to embeds of
//! the published version. See [`crate::poster`].

use animo_shared::chat::PosterView;
use animo_shared::{BotId, EmbedId, ErrorBody};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;

use super::extract::IdPath;
use crate::context::Designer;
use crate::error::ApiResult;
use crate::state::AppState;

/// Stores a PNG (at most 2 MiB, 2048 pixels a side) as the poster of the
/// bot's draft: the widget's 2D fallback once published.
#[utoipa::path(put, path = "/v1/bots/{bot_id}/poster", tag = "bots",
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = PosterView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn put_poster(
    State(state): State<AppState>,
    Designer(ctx): Designer,
    IdPath(bot): IdPath<BotId>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<PosterView>> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    crate::poster::store(&state, &ctx, &bot, content_type, body).await.map(Json)
}

/// The poster of a published bot, by content hash: immutable, with a strong ETag.
#[utoipa::path(get, path = "/v1/embed/{embed_id}/posters/{sha256}", tag = "chat",
    responses((status = 200, content_type = "image/png"), (status = 304), (status = "4XX", body = ErrorBody)))]
pub async fn embed_poster(
    State(state): State<AppState>,
    axum::extract::Path((embed_id, sha256)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // Ids are checked here rather than by the path extractor so that any
    // malformed id is the same `not_found` as an unknown one.
    let embed = EmbedId::try_from(embed_id).map_err(|_| crate::error::ApiError::not_found())?;
    crate::chat::embed::poster(&state, &embed, &sha256, &headers).await
}
