//! The one error type of the Studio core.
//!
//! Every failure, whether the server refused a request, the server could not
//! be reached, a field failed validation before sending, or the disk or the
//! keyring failed, becomes a [`StudioError`] carrying an [`ErrorCode`] from
//! animo-shared. A Tauri command returns it as it is, and the front-end
//! switches on the same codes as for the server's answers.

use animo_shared::{ErrorBody, ErrorCode, ValidationError};
use serde::{Deserialize, Serialize};

/// A failure, for programs (`code`) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StudioError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The server's request id when the server answered, to quote in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub request_id: Option<String>,
    /// Structured details from the server (for example the problems of a
    /// mapping) or from validation here (the field that was refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "Record<string, unknown>"))]
    pub details: Option<serde_json::Value>,
}

/// The result of every fallible call of the Studio core.
pub type StudioResult<T> = Result<T, StudioError>;

impl StudioError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), request_id: None, details: None }
    }

    /// The server could not be reached (`server_unreachable`); the edit or
    /// call may be retried. The front-end's banner switches on the code.
    pub fn unreachable(server: &str, cause: &reqwest::Error) -> Self {
        let message = format!("The server at {server} cannot be reached ({}).", describe_transport(cause));
        Self::new(ErrorCode::ServerUnreachable, message)
    }

    /// The session ended (`session_expired`): the refresh token was refused
    /// (`cause` is the server's refusal, whose code goes into `details`), so
    /// only signing in again helps. The front-end's banner switches on the code.
    pub fn session_expired(cause: Option<ErrorBody>) -> Self {
        let (request_id, details) = match cause {
            Some(body) => (Some(body.request_id), Some(serde_json::json!({ "refused_with": body.code }))),
            None => (None, None),
        };
        Self {
            code: ErrorCode::SessionExpired,
            message: "The session has ended; sign in again. Unsaved edits are kept and sent after signing in."
                .to_owned(),
            request_id,
            details,
        }
    }

    /// No one is signed in.
    pub fn signed_out() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Sign in to a server first.")
    }

    /// A local failure (disk, keyring) that is not the server's.
    pub fn local(what: &str, cause: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, format!("{what}: {cause}"))
    }

    /// A value refused by animo-shared's validation before anything was sent,
    /// in the same shape as the server's `invalid_request`.
    pub fn invalid(error: &ValidationError) -> Self {
        Self::new(ErrorCode::InvalidRequest, error.to_string())
            .with_details(serde_json::json!({ "field": error.field, "reason": error.reason }))
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Whether the server could not be reached, as opposed to refusing.
    pub fn is_unreachable(&self) -> bool {
        self.code == ErrorCode::ServerUnreachable
    }

    /// Whether the session has ended and the user must sign in again.
    pub fn is_session_expired(&self) -> bool {
        self.code == ErrorCode::SessionExpired
    }
}

impl From<ErrorBody> for StudioError {
    fn from(body: ErrorBody) -> Self {
        Self { code: body.code, message: body.message, request_id: Some(body.request_id), details: body.details }
    }
}

impl From<ValidationError> for StudioError {
    fn from(error: ValidationError) -> Self {
        Self::invalid(&error)
    }
}

/// A short reason for a transport failure, without the URL (already named).
fn describe_transport(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection refused or no route"
    } else {
        "the connection failed"
    }
}
