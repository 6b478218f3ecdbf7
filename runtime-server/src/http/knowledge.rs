//! Routes of a bot's knowledge: documents, re-sync, and the test search.

use animo_shared::knowledge::{AddUrlRequest, DocumentList, DocumentView, SearchRequest, SearchResponse};
use animo_shared::{BotId, DocumentId, ErrorBody, ErrorCode};
use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};

use super::extract::{ApiJson, IdPath};
use crate::context::{Designer, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::knowledge::{self, documents};
use crate::state::AppState;

/// Adds a document: a file (multipart field `file`) or a URL source (JSON
/// `{url, crawl?, resync_every_hours?}`).
///
/// A URL source is its page alone, or with `crawl: {max_pages, max_depth}` a
/// breadth-first crawl of the same site (scheme, host and port) that obeys
/// robots.txt, reads only the content types Animo reads, and makes each page
/// it reaches a document of its own (source `crawled`), so each passage cites
/// its page. The server's configuration caps both limits (`invalid_request`
/// beyond them). With `resync_every_hours` (1 to 720) the source is fetched
/// again by itself; unchanged pages keep their passages. Fetched bytes count
/// against the plan's knowledge bytes like uploads (`quota_exceeded` on the
/// document when a page would pass it). The same address added again with the
/// same settings is the same document; with other settings, `conflict`.
#[utoipa::path(post, path = "/v1/bots/{bot_id}/knowledge", tag = "knowledge", request_body = AddUrlRequest,
    responses((status = 202, body = DocumentView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_document(
    State(state): State<AppState>,
    Designer(ctx): Designer,
    IdPath(bot): IdPath<BotId>,
    request: Request,
) -> ApiResult<(StatusCode, Json<DocumentView>)> {
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("").to_owned();
    let document = if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|error| ApiError::new(ErrorCode::InvalidRequest, error.body_text()))?;
        documents::upload(&state, &ctx, &bot, multipart).await?
    } else {
        let ApiJson(body) = ApiJson::<AddUrlRequest>::from_request(request, &state).await?;
        documents::add_url(&state, &ctx, &bot, &body).await?
    };
    // Accepted: ingestion runs in the background; the status says how far it got.
    Ok((StatusCode::ACCEPTED, Json(document)))
}

/// The bot's documents with their ingestion status.
#[utoipa::path(get, path = "/v1/bots/{bot_id}/knowledge", tag = "knowledge",
    responses((status = 200, body = DocumentList), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_documents(Viewer(ctx): Viewer, IdPath(bot): IdPath<BotId>) -> ApiResult<Json<DocumentList>> {
    documents::list(&ctx, &bot).await.map(Json)
}

/// Removes a document with its passages and stored file.
#[utoipa::path(delete, path = "/v1/bots/{bot_id}/knowledge/{doc_id}", tag = "knowledge",
    responses((status = 204), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_document(
    State(state): State<AppState>,
    Designer(ctx): Designer,
    IdPath((bot, document)): IdPath<(BotId, DocumentId)>,
) -> ApiResult<StatusCode> {
    documents::delete(&state, &ctx, &bot, &document).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Fetches a URL source again (its whole crawl, or one crawled page);
/// unchanged pages change nothing, changed ones replace only their own
/// passages, and pages the crawl no longer reaches are removed.
#[utoipa::path(post, path = "/v1/bots/{bot_id}/knowledge/{doc_id}/resync", tag = "knowledge",
    responses((status = 202, body = DocumentView), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn resync_document(
    State(state): State<AppState>,
    Designer(ctx): Designer,
    IdPath((bot, document)): IdPath<(BotId, DocumentId)>,
) -> ApiResult<(StatusCode, Json<DocumentView>)> {
    Ok((StatusCode::ACCEPTED, Json(documents::resync(&state, &ctx, &bot, &document).await?)))
}

/// Ranked passages with scores and citations, from the draft's knowledge.
#[utoipa::path(post, path = "/v1/bots/{bot_id}/knowledge/search", tag = "knowledge", request_body = SearchRequest,
    responses((status = 200, body = SearchResponse), (status = "4XX", body = ErrorBody)), security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    Viewer(ctx): Viewer,
    IdPath(bot): IdPath<BotId>,
    ApiJson(body): ApiJson<SearchRequest>,
) -> ApiResult<Json<SearchResponse>> {
    knowledge::search(&state, &ctx, &bot, &body).await.map(Json)
}
