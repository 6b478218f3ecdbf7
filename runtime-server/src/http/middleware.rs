//! Request ids, access logs and latency metrics.

use std::time::{Duration, Instant};

use animo_shared::ErrorCode;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::error::{ApiError, REQUEST_ID};
use crate::state::AppState;

/// How long any request may take before it is answered with `unavailable`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The header that carries the request id both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

fn incoming_id(request: &Request) -> Option<String> {
    let value = request.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let acceptable = !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    acceptable.then(|| value.to_owned())
}

/// Gives every request an id (a sane incoming `x-request-id` is kept), makes
/// it available to error bodies and logs, echoes it in the response, and
/// writes one access-log line.
pub async fn observe(request: Request, next: Next) -> Response {
    let id = incoming_id(&request).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let started = Instant::now();
    let handled = REQUEST_ID.scope(id.clone(), async {
        // A request that cannot finish in time (a stuck database, a slow
        // client body) is answered rather than left hanging.
        match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
            Ok(response) => response,
            Err(_) => ApiError::new(ErrorCode::Unavailable, "The request took too long and was abandoned.")
                .retry_after(1)
                .into_response(),
        }
    });
    let mut response = handled.instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status();
    span.in_scope(|| {
        tracing::info!(status = status.as_u16(), elapsed_ms = elapsed.as_secs_f64() * 1000.0, "served");
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Records latency by route template (not raw path, to keep label sets small) and status.
pub async fn record_latency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_owned()).unwrap_or_default();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .request_seconds
        .with_label_values(&[method.as_str(), route.as_str(), response.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}
