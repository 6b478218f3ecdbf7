//! The HTTP surface: routing, middleware, CORS, limits, OpenAPI.

mod chat;
mod extract;
mod knowledge;
mod middleware;
pub mod openapi;
mod poster;
mod routes;
mod test_chat;
mod widget;

use std::any::Any;

use animo_shared::ErrorCode;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Router, middleware as axum_middleware};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::ApiError;
use crate::state::AppState;

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/auth/signup", post(routes::signup))
        .route("/v1/auth/login", post(routes::login))
        .route("/v1/auth/refresh", post(routes::refresh))
        .route("/v1/auth/logout", post(routes::logout))
        .route("/v1/auth/password", post(routes::change_password))
        .route("/v1/me", get(routes::me))
        .route("/v1/bots", get(routes::list_bots).post(routes::create_bot))
        .route("/v1/bots/{bot_id}", get(routes::get_bot).patch(routes::update_bot).delete(routes::archive_bot))
        .route("/v1/bots/{bot_id}/publish", post(routes::publish_bot))
        .route("/v1/bots/{bot_id}/versions", get(routes::bot_versions))
        .route("/v1/bots/{bot_id}/rollback", post(routes::rollback_bot))
        .route("/v1/bots/{bot_id}/embed-id", post(routes::rotate_embed_id))
        .route("/v1/bots/{bot_id}/embed-snippet", get(widget::embed_snippet))
        .route("/v1/bots/{bot_id}/avatar", put(routes::attach_avatar).delete(routes::detach_avatar))
        .route(
            "/v1/avatars",
            get(routes::list_avatars).post(routes::upload_avatar).layer(DefaultBodyLimit::max(avatar_body_limit())),
        )
        .route("/v1/avatars/{avatar_id}", get(routes::get_avatar).delete(routes::delete_avatar))
        .route("/v1/avatars/{avatar_id}/model.glb", get(routes::avatar_model))
        .route("/v1/avatars/{avatar_id}/suggested-mapping", get(routes::suggested_mapping))
        .route("/v1/tenant", get(routes::tenant))
        .route("/v1/tenant/export", get(routes::export))
        .route("/v1/tenant/deletion", post(routes::request_deletion))
        .route("/v1/tenant/deletion/confirm", post(routes::confirm_deletion))
        .route("/v1/members", get(routes::list_members))
        .route("/v1/members/invites", post(routes::invite))
        .route("/v1/members/{account_id}", patch(routes::change_role).delete(routes::remove_member))
        .route("/v1/invites/accept", post(routes::accept_invite))
        .route("/v1/api-keys", get(routes::list_api_keys).post(routes::create_api_key))
        .route("/v1/api-keys/{key_id}", axum::routing::delete(routes::revoke_api_key))
        .route("/v1/audit", get(routes::audit_log))
        .route("/v1/admin/tenants", get(routes::admin_tenants))
        .route("/v1/admin/tenants/{tenant_id}", patch(routes::admin_update_tenant))
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route("/metrics", get(routes::metrics))
        .route("/openapi.json", get(routes::openapi))
        .route("/docs", get(routes::docs))
        .route("/v1/tenant/test-origins", put(chat::set_test_origins))
        .route("/v1/tenant/identity-secret", post(chat::rotate_identity_secret))
        .route("/v1/tenant/budget", get(chat::budget).put(chat::set_budget))
        .route("/v1/bots/{bot_id}/analytics", get(chat::bot_analytics))
        .route("/v1/bots/{bot_id}/test-chat", post(test_chat::test_chat))
        .route("/v1/bots/{bot_id}/poster", put(poster::put_poster))
        .route(
            "/v1/bots/{bot_id}/knowledge",
            get(knowledge::list_documents)
                .post(knowledge::add_document)
                .layer(DefaultBodyLimit::max(knowledge_body_limit())),
        )
        .route("/v1/bots/{bot_id}/knowledge/search", post(knowledge::search))
        .route("/v1/bots/{bot_id}/knowledge/{doc_id}", axum::routing::delete(knowledge::delete_document))
        .route("/v1/bots/{bot_id}/knowledge/{doc_id}/resync", post(knowledge::resync_document))
        .route("/v1/visitors/{visitor_id}", get(chat::export_visitor).delete(chat::erase_visitor))
        .route("/v1/verified-users/{user_id}", get(chat::export_user).delete(chat::erase_user))
        .route_layer(axum_middleware::from_fn_with_state(state.clone(), middleware::record_latency));

    // Embeds are called from tenants' sites, which the server-wide CORS list
    // cannot know: these routes answer any origin at the CORS level and check
    // it themselves against the bot's allowed origins or the visitor token.
    let public = Router::new()
        .route("/v1/embed/{embed_id}/config", get(chat::embed_config))
        .route("/v1/embed/{embed_id}/avatars/{avatar_id}/model.glb", get(chat::embed_avatar))
        .route("/v1/embed/{embed_id}/posters/{sha256}", get(poster::embed_poster))
        .route("/v1/chat", get(chat::chat_socket))
        .route("/v1/chat/messages", post(chat::chat_sse))
        .route("/v1/chat/history", get(chat::chat_history))
        .route_layer(axum_middleware::from_fn_with_state(state.clone(), middleware::record_latency));

    // The widget's files and the demo page: static, cacheable, and readable
    // from any site (the handlers say so in their own headers).
    let assets = Router::new()
        .route("/embed.js", get(widget::embed_js))
        .route("/widget/{*file}", get(widget::widget_file))
        .route("/demo", get(widget::demo_page))
        .route_layer(axum_middleware::from_fn_with_state(state.clone(), middleware::record_latency));

    api.merge(public)
        .merge(assets)
        .fallback(|| async { ApiError::new(ErrorCode::NotFound, "There is no such route.") })
        .method_not_allowed_fallback(|| async { ApiError::code(ErrorCode::MethodNotAllowed) })
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(cors(&state.config.cors_origins))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum_middleware::from_fn(middleware::observe))
        .with_state(state)
}

/// Avatars are uploaded as multipart bodies far larger than JSON requests;
/// the plan's byte quota is enforced while the file streams in.
fn avatar_body_limit() -> usize {
    let max = animo_shared::avatar::inspect::InspectLimits::default().max_file_bytes;
    usize::try_from(max).unwrap_or(usize::MAX).saturating_add(64 * 1024)
}

/// Paths that tenants' sites call; every other path serves only the
/// configured origins (the Studio).
fn is_public_path(path: &str) -> bool {
    path.starts_with("/v1/embed/") || path == "/v1/chat" || path.starts_with("/v1/chat/")
}

/// Documents are uploaded as multipart bodies up to the extraction limit.
fn knowledge_body_limit() -> usize {
    animo_knowledge::ExtractLimits::default().max_bytes.saturating_add(64 * 1024)
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|origin| HeaderValue::from_str(origin).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, request| {
            is_public_path(request.uri.path()) || origins.contains(origin)
        }))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static(middleware::REQUEST_ID_HEADER),
        ])
        .expose_headers([HeaderName::from_static(middleware::REQUEST_ID_HEADER)])
}

/// A panic in a handler is a bug: the client gets the ordinary internal error.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::internal(anyhow::anyhow!("handler panicked: {detail}")).into_response()
}
