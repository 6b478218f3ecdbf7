//! The one table of error codes.
//!
//! HTTP error bodies, WebSocket error frames and Studio command errors all
//! carry an [`ErrorCode`], so every client switches on one enum. A code's
//! name is stable once released: add codes, never rename them.

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = ($name:literal, $status:literal, $meaning:literal),)*) => {
        /// A stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The stable snake_case name sent on the wire.
            pub const fn name(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }

            /// The HTTP status that goes with the code.
            pub const fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// One line saying what the code means.
            pub const fn meaning(self) -> &'static str {
                match self { $(ErrorCode::$variant => $meaning,)* }
            }
        }
    };
}

error_codes! {
    /// The request body is not well-formed JSON.
    MalformedJson = ("malformed_json", 400, "The request body is not well-formed JSON."),
    /// The request is well-formed but a field is missing, unknown or invalid.
    InvalidRequest = ("invalid_request", 422, "A field is missing, unknown or fails validation; the message names it."),
    /// The body is not of a media type the endpoint accepts.
    UnsupportedMediaType = ("unsupported_media_type", 415, "The request body must be sent as application/json."),
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge = ("payload_too_large", 413, "The request body is larger than this endpoint accepts."),
    /// No valid credentials were presented.
    Unauthenticated = ("unauthenticated", 401, "Sign in first: no valid access token or API key was presented."),
    /// The access token has expired; refresh it.
    TokenExpired = ("token_expired", 401, "The access token has expired; use the refresh token to get a new one."),
    /// E-mail and password do not match an account.
    InvalidCredentials = ("invalid_credentials", 401, "The e-mail address or password is wrong."),
    /// The refresh token is unknown, expired or revoked.
    InvalidRefreshToken = ("invalid_refresh_token", 401, "The refresh token is unknown, expired or revoked; sign in again."),
    /// A refresh token was used twice; its whole family was revoked.
    RefreshTokenReused = ("refresh_token_reused", 401, "A refresh token was used twice, so every session of that sign-in was revoked; sign in again."),
    /// Too many failed sign-ins; wait before trying again.
    TooManyAttempts = ("too_many_attempts", 429, "Too many failed attempts; wait before trying again."),
    /// The caller's role does not allow the action.
    Forbidden = ("forbidden", 403, "Your role in this tenant does not allow this action."),
    /// Open sign-up is switched off on this server.
    SignupDisabled = ("signup_disabled", 403, "This server does not accept new sign-ups; ask for an invitation."),
    /// The tenant is suspended by the platform operator.
    TenantSuspended = ("tenant_suspended", 403, "This tenant is suspended; its bots do not answer and its data cannot be changed."),
    /// A plan limit would be exceeded.
    QuotaExceeded = ("quota_exceeded", 403, "The tenant's plan does not allow more of this; the details name the limit."),
    /// The thing does not exist, or the caller may not know that it does.
    NotFound = ("not_found", 404, "Nothing with this id exists for you."),
    /// The route exists but not with this HTTP method.
    MethodNotAllowed = ("method_not_allowed", 405, "This route does not accept this HTTP method."),
    /// An account with this e-mail address already exists.
    EmailTaken = ("email_taken", 409, "An account with this e-mail address already exists."),
    /// The action conflicts with the current state (for example, removing the last owner).
    Conflict = ("conflict", 409, "The action conflicts with the current state; the message says why."),
    /// The bot has no published version yet.
    NotPublished = ("not_published", 409, "The bot has no published version yet."),
    /// The bot is archived and cannot be changed.
    BotArchived = ("bot_archived", 409, "The bot is archived; it cannot be edited or published."),
    /// The invitation is unknown, used or expired.
    InviteInvalid = ("invite_invalid", 400, "The invitation is unknown, already used or expired."),
    /// A dangerous action needs a confirmation token that is missing or wrong.
    ConfirmationRequired = ("confirmation_required", 409, "This action needs the confirmation token from its first step."),
    /// The uploaded file is not a binary glTF.
    NotGlb = ("not_glb", 422, "The file is not a binary glTF (.glb); export the avatar from Blender as glTF Binary."),
    /// The file is glTF 1.0 or another unsupported version.
    GltfVersionUnsupported = ("gltf_version_unsupported", 422, "Only glTF 2.0 is supported; re-export the avatar as glTF 2.0."),
    /// The GLB is truncated or its chunks, buffers or accessors are inconsistent.
    GlbCorrupt = ("glb_corrupt", 422, "The GLB is truncated or its buffers are inconsistent; export it again."),
    /// The GLB requires an extension the preview cannot load.
    GltfExtensionUnsupported = ("gltf_extension_unsupported", 422, "The avatar requires an extension the preview cannot load (Draco, meshopt, KTX2); export it uncompressed."),
    /// The avatar is over the plan's size or complexity limits.
    AvatarTooComplex = ("avatar_too_complex", 422, "The avatar exceeds the plan's limits on size or complexity; the details name the limit."),
    /// An animation mapping names clips or morph targets the avatar lacks, or misses required slots.
    MappingInvalid = ("mapping_invalid", 422, "The animation mapping does not fit the avatar; the details list each problem."),
    /// The requested byte range lies outside the file.
    RangeNotSatisfiable = ("range_not_satisfiable", 416, "The requested byte range lies outside the file."),
    /// The page embedding the widget is not among the bot's allowed origins.
    OriginNotAllowed = ("origin_not_allowed", 403, "This site is not among the bot's allowed origins; add it in the Studio."),
    /// The visitor token is missing, malformed, tampered with or for another origin.
    VisitorTokenInvalid = ("visitor_token_invalid", 401, "The visitor token is missing or invalid; fetch the embed config again."),
    /// The visitor token has expired.
    VisitorTokenExpired = ("visitor_token_expired", 401, "The visitor token has expired; fetch the embed config again."),
    /// A signed user identity did not verify.
    IdentityInvalid = ("identity_invalid", 403, "The user identity signature does not match; sign the user id with the tenant's identity secret."),
    /// Too many messages in a short time.
    RateLimited = ("rate_limited", 429, "Too many messages; wait before sending more. The details name the limit."),
    /// The tenant's or the bot's spending budget is used up.
    BudgetExhausted = ("budget_exhausted", 402, "The assistant's budget for this month is used up; try again later."),
    /// Every configured language model failed.
    ProviderFailed = ("provider_failed", 502, "The language model did not answer; try again shortly."),
    /// The uploaded document is of a kind Animo does not read.
    UnsupportedDocument = ("unsupported_document", 415, "Animo reads txt, md, html, pdf, docx, csv and json documents."),
    /// The document cannot be read: truncated, damaged or encrypted.
    DocumentUnreadable = ("document_unreadable", 422, "The document cannot be read; it may be damaged or encrypted."),
    /// The document holds no text.
    DocumentEmpty = ("document_empty", 422, "The document holds no text (a scanned PDF needs text recognition first)."),
    /// The document is over a size limit.
    DocumentTooLarge = ("document_too_large", 413, "The document is over a size limit; the details name it."),
    /// The URL points at an address Animo does not fetch.
    UrlForbidden = ("url_forbidden", 422, "Only public http and https addresses can be fetched."),
    /// The URL could not be fetched.
    UrlUnreachable = ("url_unreachable", 422, "The page could not be fetched; the message says why."),
    /// The poster is not a PNG image within the size and dimension limits.
    PosterInvalid = ("poster_invalid", 422, "The poster must be a PNG image within the size and dimension limits; the message says what is wrong."),
    /// The widget's files were not built or not found when the server started.
    WidgetNotBuilt = ("widget_not_built", 503, "This server has no widget files; build them with `npm run build` in widget/ (or `cargo xtask run`) and restart the server."),
    /// No demo bot has been seeded on this server.
    DemoNotSeeded = ("demo_not_seeded", 404, "There is no demo bot on this server; create it with `animo-server demo`."),
    /// The Studio could not reach the server (refused, timed out, no route). The
    /// Studio's own code, never sent by a server: edits wait in the outbox and
    /// are sent when the server answers again.
    ServerUnreachable = ("server_unreachable", 503, "The server cannot be reached; edits are kept on this computer and sent when it answers again."),
    /// The Studio's session ended because the server refused its refresh token
    /// (expired, revoked or reused). The Studio's own code: only signing in
    /// again helps, and unsent edits are kept until then.
    SessionExpired = ("session_expired", 401, "The session has ended; sign in again. Unsent edits are kept and sent after signing in."),
    /// The server cannot serve right now (for example, the database is unreachable).
    Unavailable = ("unavailable", 503, "The service is temporarily unavailable; try again shortly."),
    /// An unexpected failure; the request id identifies it in the server's logs.
    Internal = ("internal", 500, "Internal error; quote the request id when reporting it."),
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The id of the request, as in the server's logs and the `x-request-id` header.
    pub request_id: String,
    /// Structured details, for example the plan limit that was hit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "Record<string, unknown>"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("serializes");
            assert_eq!(json, serde_json::Value::String(code.name().to_owned()));
            assert!(seen.insert(code.name()), "duplicate name {}", code.name());
            assert!((400..600).contains(&code.http_status()));
            assert!(code.meaning().ends_with('.'));
        }
    }
}
