//! Health, readiness, metrics, OpenAPI, docs, request ids, CORS.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::TestServer;

#[tokio::test]
async fn health_metrics_openapi_and_docs() {
    let t = TestServer::start().await;
    for path in ["/healthz", "/readyz"] {
        let (status, body) = t.call(Method::GET, path, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["status"], "ok");
    }
    let owner = t.signup("ops@example.com", "Ops").await;
    t.get("/v1/bots", &owner.access).await;
    let metrics = t.client.get(t.url("/metrics")).send().await.expect("sent").text().await.expect("text");
    assert!(
        metrics.contains("animo_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/bots\",status=\"200\""),
        "{metrics}"
    );

    let (status, doc) = t.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/v1/auth/signup",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/auth/logout",
        "/v1/bots",
        "/v1/bots/{bot_id}",
        "/v1/bots/{bot_id}/publish",
        "/v1/bots/{bot_id}/versions",
        "/v1/bots/{bot_id}/rollback",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["BotConfig"].is_object());
    assert!(doc["components"]["schemas"]["ErrorCode"].is_object());

    let page = t.client.get(t.url("/docs")).send().await.expect("sent").text().await.expect("text");
    assert!(page.contains("/v1/bots/{bot_id}/publish") && page.contains("quota_exceeded"));
}

#[tokio::test]
async fn request_ids_are_echoed_and_kept() {
    let t = TestServer::start().await;
    let response =
        t.client.get(t.url("/v1/nothing-here")).header("x-request-id", "trace-me-123").send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["request_id"], "trace-me-123");
    assert_eq!(body["code"], "not_found");

    // An unreasonable incoming id is replaced, not reflected.
    let response = t.client.get(t.url("/healthz")).header("x-request-id", "<script>").send().await.expect("sent");
    assert_ne!(response.headers()["x-request-id"], "<script>");
}

#[tokio::test]
async fn cors_allows_the_studio_origin_only() {
    let t = TestServer::start().await;
    let preflight = |origin: &'static str| {
        t.client
            .request(Method::OPTIONS, t.url("/v1/bots"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
            .send()
    };
    let allowed = preflight("tauri://localhost").await.expect("sent");
    assert_eq!(allowed.headers()["access-control-allow-origin"], "tauri://localhost");
    let refused = preflight("https://evil.example").await.expect("sent");
    assert!(refused.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn embed_routes_answer_any_origin_at_the_cors_level() {
    let t = TestServer::start().await;
    let response = t
        .client
        .request(Method::OPTIONS, t.url("/v1/chat/messages"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("sent");
    // The handlers check the origin against the bot; CORS only lets the page read the answer.
    assert_eq!(response.headers()["access-control-allow-origin"], "https://shop.example");
}
