//! The one error shape every command answers with, so that the front-end
//! handles failures by the code of animo-shared's table as it does the
//! server's.

use animo_preview::prelude::PreviewError;
use animo_shared::ErrorCode;
use serde::Serialize;

/// A command's failure: a code from animo-shared's table and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct CommandError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What went wrong, for the person using the Studio.
    pub message: String,
}

impl CommandError {
    /// A failure with this code and sentence.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl From<PreviewError> for CommandError {
    fn from(error: PreviewError) -> Self {
        // A renderer that has stopped is the Studio's fault, not the
        // request's: the person can retry once it starts again.
        let code = error.code().unwrap_or(ErrorCode::Unavailable);
        Self::new(code, error.to_string())
    }
}

impl From<animo_studio_core::StudioError> for CommandError {
    fn from(error: animo_studio_core::StudioError) -> Self {
        Self::new(error.code, error.message)
    }
}
