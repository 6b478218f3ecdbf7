//! Routes of the widget's delivery: the loader, its chunks, the demo page and
//! the per-bot snippet.

use animo_shared::bot::EmbedSnippet;
use animo_shared::{BotId, ErrorBody, ErrorCode};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

use super::extract::IdPath;
use crate::context::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::widget::{self, Asset, CHUNK_DIR, LOADER};

/// The loader may change with every deployment, so browsers keep it only
/// briefly and then revalidate it with its ETag.
const LOADER_CACHE: &str = "public, max-age=300";
/// Chunks are named after their content: a name never changes meaning.
const CHUNK_CACHE: &str = "public, max-age=31536000, immutable";

/// The widget's loader, the script in every snippet.
#[utoipa::path(get, path = "/embed.js", tag = "widget",
    responses((status = 200, content_type = "text/javascript", description = "The loader"),
        (status = 304, description = "The copy named by If-None-Match is current"),
        (status = 503, body = ErrorBody, description = "widget_not_built")))]
pub async fn embed_js(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let asset = state.widget.get(LOADER).ok_or_else(|| ApiError::code(ErrorCode::WidgetNotBuilt))?;
    Ok(send(asset, &headers, LOADER_CACHE))
}

/// A content-hashed chunk of the widget, as the loader names it.
#[utoipa::path(get, path = "/widget/{file}", tag = "widget", params(("file" = String, Path)),
    responses((status = 200, content_type = "text/javascript", description = "The chunk"),
        (status = 304, description = "The copy named by If-None-Match is current"),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody, description = "widget_not_built")))]
pub async fn widget_file(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> ApiResult<Response> {
    if !state.widget.is_built() {
        return Err(ApiError::code(ErrorCode::WidgetNotBuilt));
    }
    // The raw path is looked up as it is: names in the set are plain, so an
    // encoded or dotted path simply matches nothing.
    let name = uri.path().strip_prefix('/').unwrap_or_default();
    let asset = name
        .starts_with(CHUNK_DIR)
        .then(|| state.widget.get(name))
        .flatten()
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "The widget has no such file."))?;
    Ok(send(asset, &headers, CHUNK_CACHE))
}

/// A page that embeds the demo bot with its public snippet.
#[utoipa::path(get, path = "/demo", tag = "widget",
    responses((status = 200, content_type = "text/html"), (status = 404, body = ErrorBody, description = "demo_not_seeded")))]
pub async fn demo_page(State(state): State<AppState>) -> ApiResult<Response> {
    let demo = crate::demo::current(&state).await?;
    let embed = widget::snippet(&state.public_url, &demo.embed_id);
    let page = widget::demo_page(&state.public_url, &demo.name, &embed);
    // The embed id can be rotated, so the page is never kept stale.
    Ok(([(header::CACHE_CONTROL, "no-cache")], Html(page)).into_response())
}

/// The snippet that shows this bot's widget on a site, built from the server's public URL.
#[utoipa::path(get, path = "/v1/bots/{bot_id}/embed-snippet", tag = "bots", params(("bot_id" = String, Path)),
    responses((status = 200, body = EmbedSnippet), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn embed_snippet(
    State(state): State<AppState>,
    Viewer(ctx): Viewer,
    IdPath(bot): IdPath<BotId>,
) -> ApiResult<Json<EmbedSnippet>> {
    widget::bot_snippet(&state, &ctx, &bot).await.map(Json)
}

/// The asset in the coding the client accepts, or 304 when its copy is current.
fn send(asset: &Asset, request: &HeaderMap, cache_control: &'static str) -> Response {
    let accept = request.get(header::ACCEPT_ENCODING).and_then(|value| value.to_str().ok());
    let variant = asset.variant(accept);
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| widget::none_match(tags, &variant.etag));
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { variant.body.clone().into_response() };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(etag) = HeaderValue::from_str(&variant.etag) {
        headers.insert(header::ETAG, etag);
    }
    // Tenants' pages load these scripts from another origin, chunks as
    // modules (which are fetched in CORS mode), so any site may read them.
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("cross-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !fresh {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        if let Some(encoding) = variant.encoding.header() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
    }
    response
}
