//! The server's one error type.
//!
//! Every failure, including a malformed body, an unknown route and an
//! oversized request, becomes `{code, message, request_id}` with the status
//! from the [`ErrorCode`] table. A 5xx says only "internal error" plus the
//! request id; its cause goes to the log.

use animo_shared::api::QuotaKind;
use animo_shared::{ErrorBody, ErrorCode, ValidationError};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

tokio::task_local! {
    /// The id of the request being served, set by the request-id middleware.
    pub static REQUEST_ID: String;
}

/// The current request's id, or `-` outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "-".to_owned())
}

/// A failure to report to the client.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    details: Option<serde_json::Value>,
    retry_after_secs: Option<u64>,
    cause: Option<anyhow::Error>,
}

/// What handlers and domain functions return.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a code and a message for people.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), details: None, retry_after_secs: None, cause: None }
    }

    /// An error with the code's standard meaning as its message.
    pub fn code(code: ErrorCode) -> Self {
        Self::new(code, code.meaning())
    }

    /// `not_found`, with the same words whether the thing does not exist or
    /// belongs to someone else, so ids cannot be probed.
    pub fn not_found() -> Self {
        Self::code(ErrorCode::NotFound)
    }

    /// `forbidden` for a role that is too weak.
    pub fn forbidden(needed: &str) -> Self {
        Self::new(ErrorCode::Forbidden, format!("This action needs the {needed} role."))
    }

    /// `quota_exceeded` naming the limit.
    pub fn quota(kind: QuotaKind, limit: u64) -> Self {
        Self {
            details: Some(serde_json::json!({ "limit": kind.name(), "max": limit })),
            ..Self::new(
                ErrorCode::QuotaExceeded,
                format!("The plan allows at most {limit} {}; upgrade the plan or remove some.", kind.name()),
            )
        }
    }

    /// An internal failure: the cause is logged, never sent.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self { cause: Some(cause.into()), ..Self::code(ErrorCode::Internal) }
    }

    /// Adds structured details to the body.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Asks the client to wait before retrying.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_secs = Some(seconds);
        self
    }

    /// The error's code.
    pub fn error_code(&self) -> ErrorCode {
        self.code
    }

    /// The body sent to the client.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.clone(),
            request_id: current_request_id(),
            details: self.details.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

impl ApiError {
    /// Logs a server-side failure with its cause; client errors are not logged.
    pub fn log_if_server_error(&self) {
        if self.code.http_status() >= 500 {
            match &self.cause {
                Some(cause) => tracing::error!(code = self.code.name(), error = ?cause, "request failed"),
                None => tracing::error!(code = self.code.name(), message = %self.message, "request failed"),
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.log_if_server_error();
        let mut response = (status, axum::Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after_secs
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        Self::new(ErrorCode::InvalidRequest, error.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Contention => {
                Self::new(ErrorCode::Unavailable, "The service is busy with conflicting changes; try again.")
                    .retry_after(1)
            }
            other => Self::internal(other),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::internal(error)
    }
}
