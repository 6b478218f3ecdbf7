//! The HTTP side of a session: every request carries the access token, an
//! expired token is refreshed once (storing the rotated refresh token before
//! anything else) and the request retried, and every outcome updates the
//! connectivity the front-end shows.

use std::time::Duration;

use animo_shared::api::TokenPair;
use animo_shared::text::Secret;
use animo_shared::{ErrorBody, ErrorCode};
use base64::Engine;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Studio;
use crate::error::{StudioError, StudioResult};
use crate::secrets::StoredTokens;

/// What the front-end shows in its banner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Connectivity {
    /// No one is signed in.
    SignedOut,
    /// The server answers.
    Online,
    /// The last request could not reach the server; edits wait in the outbox.
    Unreachable,
    /// The refresh token was refused: sign in again (edits wait in the outbox).
    SessionExpired,
}

/// An access token this close to its expiry is refreshed before use, so
/// that a long upload does not start with a token about to be refused.
const REFRESH_MARGIN_SECS: i64 = 20;

impl Studio {
    /// Sends a request built by `build` for the server URL and access token,
    /// refreshing the token and retrying once when the server says it has
    /// expired. `build` is called again for the retry, so request bodies
    /// (such as a streamed file) are made afresh.
    pub(crate) async fn send<F>(&self, build: F) -> StudioResult<Response>
    where
        F: Fn(&reqwest::Client, &str, &str) -> StudioResult<RequestBuilder>,
    {
        let (server, mut token) = self.access().await?;
        if expires_within(token.expose(), REFRESH_MARGIN_SECS) {
            token = self.refresh_after(&token).await?;
        }
        let response = self.execute(&server, build(&self.inner.http, &server, token.expose())?).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return checked(response).await;
        }
        let body = error_body(response).await;
        if !matches!(body.code, ErrorCode::TokenExpired | ErrorCode::Unauthenticated) {
            return Err(body.into());
        }
        let token = self.refresh_after(&token).await?;
        let response = self.execute(&server, build(&self.inner.http, &server, token.expose())?).await?;
        checked(response).await
    }

    /// A JSON request with the session's token; the answer parsed as `T`.
    pub(crate) async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> StudioResult<T> {
        let response = self
            .send(|http, server, token| {
                let mut request = http.request(method.clone(), format!("{server}{path}")).bearer_auth(token);
                if let Some(body) = body {
                    request = request.json(body);
                }
                Ok(request)
            })
            .await?;
        parse(response).await
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> StudioResult<T> {
        self.call::<T, ()>(Method::GET, path, None).await
    }

    /// A request whose answer has no body (204).
    pub(crate) async fn call_empty<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> StudioResult<()> {
        self.send(|http, server, token| {
            let mut request = http.request(method.clone(), format!("{server}{path}")).bearer_auth(token);
            if let Some(body) = body {
                request = request.json(body);
            }
            Ok(request)
        })
        .await
        .map(drop)
    }

    /// Sends without a session (sign-up, sign-in, health checks).
    pub(crate) async fn execute(&self, server: &str, request: RequestBuilder) -> StudioResult<Response> {
        match request.send().await {
            Ok(response) => {
                self.mark_reachable();
                Ok(response)
            }
            Err(error) => {
                self.set_connectivity_if_signed_in(Connectivity::Unreachable);
                Err(StudioError::unreachable(server, &error))
            }
        }
    }

    /// The server URL and the current access token.
    async fn access(&self) -> StudioResult<(String, Secret)> {
        let session = self.inner.session.read().await;
        let Some(session) = session.as_ref() else {
            return Err(StudioError::signed_out());
        };
        if session.expired {
            return Err(StudioError::session_expired(None));
        }
        Ok((session.server_url.clone(), session.tokens.access_token.clone()))
    }

    /// Refreshes the tokens unless another request already did since `used`
    /// was handed out: refreshing twice with one refresh token would look
    /// like a stolen token to the server and end the whole session.
    async fn refresh_after(&self, used: &Secret) -> StudioResult<Secret> {
        let _one_at_a_time = self.inner.refresh_lock.lock().await;
        let (server, key, refresh_token) = {
            let session = self.inner.session.read().await;
            let Some(session) = session.as_ref() else {
                return Err(StudioError::signed_out());
            };
            if session.expired {
                return Err(StudioError::session_expired(None));
            }
            if session.tokens.access_token != *used {
                return Ok(session.tokens.access_token.clone());
            }
            (session.server_url.clone(), session.account.key(), session.tokens.refresh_token.clone())
        };
        let request = self
            .inner
            .http
            .post(format!("{server}/v1/auth/refresh"))
            .json(&serde_json::json!({ "refresh_token": refresh_token.expose() }));
        let response = self.execute(&server, request).await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            let body = error_body(response).await;
            self.end_session_as_expired(&key).await;
            return Err(StudioError::session_expired(Some(body)));
        }
        let pair: TokenPair = parse(checked(response).await?).await?;
        let tokens = StoredTokens { access_token: pair.access_token, refresh_token: pair.refresh_token };
        // The old refresh token is dead from now on: keep the new one before
        // anything else can fail, or the next start could not resume.
        self.inner.secrets.save(&key, &tokens).await?;
        let mut session = self.inner.session.write().await;
        if let Some(session) = session.as_mut().filter(|session| session.account.key() == key) {
            session.tokens = tokens.clone();
        }
        Ok(tokens.access_token)
    }

    /// The refresh token was refused: forget the dead tokens, keep the
    /// account and its unsent edits, and tell the front-end.
    async fn end_session_as_expired(&self, key: &str) {
        if let Err(error) = self.inner.secrets.delete(key).await {
            tracing::warn!(error = %error.message, "could not remove expired tokens from the keyring");
        }
        let mut session = self.inner.session.write().await;
        if let Some(session) = session.as_mut().filter(|session| session.account.key() == key) {
            session.expired = true;
        }
        drop(session);
        self.inner.connectivity.send_replace(Connectivity::SessionExpired);
    }

    fn mark_reachable(&self) {
        self.inner.connectivity.send_if_modified(|state| {
            if *state == Connectivity::Unreachable {
                *state = Connectivity::Online;
                true
            } else {
                false
            }
        });
    }

    pub(crate) fn set_connectivity_if_signed_in(&self, next: Connectivity) {
        self.inner.connectivity.send_if_modified(|state| {
            if matches!(*state, Connectivity::Online | Connectivity::Unreachable) && *state != next {
                *state = next;
                true
            } else {
                false
            }
        });
    }
}

/// Passes a successful response on and turns any other into the server's error.
pub(crate) async fn checked(response: Response) -> StudioResult<Response> {
    if response.status().is_success() { Ok(response) } else { Err(error_body(response).await.into()) }
}

/// Reads a JSON answer.
pub(crate) async fn parse<T: DeserializeOwned>(response: Response) -> StudioResult<T> {
    let bytes = response
        .bytes()
        .await
        .map_err(|error| StudioError::new(ErrorCode::Unavailable, format!("The answer was cut off: {error}")))?;
    serde_json::from_slice(&bytes).map_err(|error| {
        StudioError::new(
            ErrorCode::Internal,
            format!(
                "The server's answer does not match this Studio's version ({error}); update the Studio or the server."
            ),
        )
    })
}

/// The error body of a refused request; a body that is not the server's
/// error shape (a proxy's page, for example) becomes a coded error too.
pub(crate) async fn error_body(response: Response) -> ErrorBody {
    let status = response.status();
    let request_id =
        response.headers().get("x-request-id").and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    let text = response.text().await.unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|_| {
        let code = match status.as_u16() {
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            413 => ErrorCode::PayloadTooLarge,
            429 => ErrorCode::TooManyAttempts,
            500..=599 => ErrorCode::Unavailable,
            _ => ErrorCode::InvalidRequest,
        };
        let excerpt: String = text.chars().take(200).collect();
        ErrorBody {
            code,
            message: format!("The server answered {status} in an unexpected form: {excerpt}"),
            request_id,
            details: None,
        }
    })
}

#[derive(Deserialize)]
struct ExpiryClaim {
    exp: i64,
}

/// Whether a JWT expires within `margin` seconds. The token is not verified
/// (only the server can); a token that cannot be read is left to the server.
fn expires_within(token: &str, margin: i64) -> bool {
    let Some(payload) = token.split('.').nth(1) else {
        return false;
    };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) else {
        return false;
    };
    let Ok(claim) = serde_json::from_slice::<ExpiryClaim>(&bytes) else {
        return false;
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
    claim.exp.saturating_sub(i64::try_from(now).unwrap_or(i64::MAX)) <= margin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(exp: i64) -> String {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{{\"exp\":{exp}}}"));
        format!("e30.{payload}.sig")
    }

    #[test]
    fn expiry_is_read_from_the_payload() {
        let now = i64::try_from(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs(),
        )
        .expect("fits");
        assert!(expires_within(&token(now + 5), 20));
        assert!(expires_within(&token(now - 5), 20));
        assert!(!expires_within(&token(now + 900), 20));
        for unreadable in ["", "abc", "a.!!!.c", "a.e30.c"] {
            assert!(!expires_within(unreadable, 20), "{unreadable:?}");
        }
    }
}
