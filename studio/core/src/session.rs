//! Signing in, resuming, signing out.

use animo_shared::api::{AccountView, MeResponse, Membership, SessionResponse};
use animo_shared::text::{DisplayName, Email, Password, TenantName};
use animo_shared::{ErrorCode, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::accounts::KnownAccount;
use crate::client::{Connectivity, checked, parse};
use crate::error::{StudioError, StudioResult};
use crate::secrets::{SecretBackend, StoredTokens};
use crate::{DEFAULT_SERVER_URL, Studio};

/// The signed-in account, in memory only.
pub(crate) struct Session {
    pub(crate) server_url: String,
    pub(crate) account: KnownAccount,
    pub(crate) view: Option<AccountView>,
    pub(crate) tokens: StoredTokens,
    /// The refresh token was refused; calls fail until the next sign-in.
    pub(crate) expired: bool,
}

/// Sign in with e-mail and password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignInRequest {
    /// The server's base URL; [`DEFAULT_SERVER_URL`] when omitted.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub server_url: Option<String>,
    /// The account's e-mail address.
    pub email: String,
    /// The password (never stored).
    pub password: String,
    /// The tenant to act in, for accounts in several; the first otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub tenant_id: Option<TenantId>,
}

/// Create an account and its tenant (where the server allows sign-ups).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignUpRequest {
    /// The server's base URL; [`DEFAULT_SERVER_URL`] when omitted.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub server_url: Option<String>,
    /// The account's e-mail address.
    pub email: String,
    /// The password (never stored).
    pub password: String,
    /// How the account is shown to other members.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub display_name: Option<String>,
    /// The new tenant's name.
    pub tenant_name: String,
}

/// Who is signed in where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionInfo {
    /// The server's base URL.
    pub server_url: String,
    /// The remembered account (the key of its tokens and edits).
    pub account: KnownAccount,
    /// The account as the server describes it.
    pub profile: Option<AccountView>,
    /// Where the tokens are kept.
    pub secret_backend: SecretBackend,
}

/// Checks and normalizes a server URL: http or https, no query or
/// fragment, no trailing slash.
pub(crate) fn normalize_server_url(text: Option<&str>) -> StudioResult<String> {
    let text = text.map(str::trim).filter(|text| !text.is_empty()).unwrap_or(DEFAULT_SERVER_URL);
    let refuse = |reason: &str| {
        StudioError::new(ErrorCode::InvalidRequest, format!("server_url: {reason}"))
            .with_details(serde_json::json!({ "field": "server_url", "reason": reason }))
    };
    let url = url::Url::parse(text).map_err(|_| refuse("must be an address such as http://127.0.0.1:8080"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("must start with http:// or https://"));
    }
    if url.host_str().is_none() {
        return Err(refuse("must name a host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("must not carry a query, a fragment or credentials"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Studio {
    /// Signs in with e-mail and password; the tokens go to the keyring and
    /// the account (without secrets) to the remembered accounts.
    pub async fn sign_in(&self, request: SignInRequest) -> StudioResult<SessionInfo> {
        let server = normalize_server_url(request.server_url.as_deref())?;
        let email = Email::try_from(request.email)?;
        let password = Password::try_from(request.password)?;
        let mut body = serde_json::json!({ "email": email, "password": password.expose() });
        if let Some(tenant) = request.tenant_id {
            body["tenant_id"] = serde_json::json!(tenant);
        }
        let request = self.inner.http.post(format!("{server}/v1/auth/login")).json(&body);
        let response: SessionResponse = parse(checked(self.execute(&server, request).await?).await?).await?;
        self.start_session(server, response).await
    }

    /// Creates an account with its own tenant and signs in to it.
    pub async fn sign_up(&self, request: SignUpRequest) -> StudioResult<SessionInfo> {
        let server = normalize_server_url(request.server_url.as_deref())?;
        let email = Email::try_from(request.email)?;
        let password = Password::try_from(request.password)?;
        let tenant_name = TenantName::try_from(request.tenant_name)?;
        let mut body = serde_json::json!({ "email": email, "password": password.expose(), "tenant_name": tenant_name });
        if let Some(name) = request.display_name.filter(|name| !name.trim().is_empty()) {
            body["display_name"] = serde_json::json!(DisplayName::try_from(name)?);
        }
        let request = self.inner.http.post(format!("{server}/v1/auth/signup")).json(&body);
        let response: SessionResponse = parse(checked(self.execute(&server, request).await?).await?).await?;
        self.start_session(server, response).await
    }

    /// Signs in again as a remembered account with the tokens in the
    /// keyring (refreshing them if needed). Without tokens, or with tokens
    /// the server refuses, the answer is the session-expired error and the
    /// user signs in with the password.
    pub async fn resume(&self, account: &KnownAccount) -> StudioResult<SessionInfo> {
        let Some(tokens) = self.inner.secrets.load(&account.key()).await? else {
            return Err(StudioError::session_expired(None));
        };
        *self.inner.session.write().await = Some(Session {
            server_url: account.server_url.clone(),
            account: account.clone(),
            view: None,
            tokens,
            expired: false,
        });
        self.inner.connectivity.send_replace(Connectivity::Online);
        let me: MeResponse = self.get("/v1/me").await?;
        let info = self.update_profile(me.account, &me.membership).await?;
        Ok(info)
    }

    /// Who is signed in, if anyone.
    pub async fn session(&self) -> Option<SessionInfo> {
        let session = self.inner.session.read().await;
        session.as_ref().map(|session| SessionInfo {
            server_url: session.server_url.clone(),
            account: session.account.clone(),
            profile: session.view.clone(),
            secret_backend: self.secret_backend(),
        })
    }

    /// Ends the session on the server and removes the tokens from the
    /// keyring. The account stays remembered (without secrets) and its
    /// unsent edits stay in the outbox. A server that cannot be reached does
    /// not keep anyone signed in: the tokens are removed anyway.
    pub async fn sign_out(&self) -> StudioResult<()> {
        let Some(session) = self.inner.session.write().await.take() else {
            return Ok(());
        };
        self.inner.connectivity.send_replace(Connectivity::SignedOut);
        let request = self
            .inner
            .http
            .post(format!("{}/v1/auth/logout", session.server_url))
            .json(&serde_json::json!({ "refresh_token": session.tokens.refresh_token.expose() }));
        match request.send().await {
            Ok(response) if !response.status().is_success() => {
                // An already revoked token is what signing out wants anyway.
                tracing::debug!(status = %response.status(), "logout refused; removing the tokens regardless");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not tell the server about signing out"),
        }
        self.inner.secrets.delete(&session.account.key()).await
    }

    async fn start_session(&self, server: String, response: SessionResponse) -> StudioResult<SessionInfo> {
        let account = KnownAccount {
            server_url: server.clone(),
            email: response.account.email.clone(),
            tenant_id: response.membership.tenant_id.clone(),
            tenant_name: response.membership.tenant_name.clone(),
            role: response.membership.role,
            last_used_at: Timestamp::now(),
        };
        let tokens =
            StoredTokens { access_token: response.tokens.access_token, refresh_token: response.tokens.refresh_token };
        self.inner.secrets.save(&account.key(), &tokens).await?;
        self.inner.accounts.remember(account.clone()).await?;
        *self.inner.session.write().await =
            Some(Session { server_url: server, account, view: Some(response.account), tokens, expired: false });
        self.inner.connectivity.send_replace(Connectivity::Online);
        self.session().await.ok_or_else(StudioError::signed_out)
    }

    async fn update_profile(&self, view: Option<AccountView>, membership: &Membership) -> StudioResult<SessionInfo> {
        let account = {
            let mut session = self.inner.session.write().await;
            let session = session.as_mut().ok_or_else(StudioError::signed_out)?;
            session.view = view;
            session.account.role = membership.role;
            session.account.tenant_name = membership.tenant_name.clone();
            session.account.last_used_at = Timestamp::now();
            session.account.clone()
        };
        self.inner.accounts.remember(account).await?;
        self.session().await.ok_or_else(StudioError::signed_out)
    }

    /// The key of the signed-in account (tokens and outbox).
    pub(crate) async fn account_key(&self) -> StudioResult<String> {
        let session = self.inner.session.read().await;
        session.as_ref().map(|session| session.account.key()).ok_or_else(StudioError::signed_out)
    }

    /// The signed-in account's role and server.
    pub(crate) async fn current_account(&self) -> StudioResult<KnownAccount> {
        let session = self.inner.session.read().await;
        session.as_ref().map(|session| session.account.clone()).ok_or_else(StudioError::signed_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::account_key;

    #[test]
    fn server_urls_are_normalized_or_refused() {
        let ok = |input: Option<&str>, expected: &str| {
            assert_eq!(normalize_server_url(input).expect("accepted"), expected, "{input:?}");
        };
        ok(None, "http://127.0.0.1:8080");
        ok(Some("  "), "http://127.0.0.1:8080");
        ok(Some("http://localhost:9000/"), "http://localhost:9000");
        ok(Some("https://animo.example.com"), "https://animo.example.com");
        ok(Some("https://example.com/animo/"), "https://example.com/animo");
        for bad in ["ftp://example.com", "example.com", "http://", "http://a.b/?x=1", "http://u:p@a.b", "http://a.b/#f"]
        {
            let error = normalize_server_url(Some(bad)).expect_err(bad);
            assert_eq!(error.code, ErrorCode::InvalidRequest, "{bad}");
        }
    }

    #[test]
    fn account_keys_separate_servers_and_tenants() {
        let email = Email::try_from("a@example.com".to_owned()).expect("valid");
        let tenant = TenantId::from_bytes(&[1; 16]);
        let other = TenantId::from_bytes(&[2; 16]);
        assert_ne!(account_key("http://a", &email, &tenant), account_key("http://b", &email, &tenant));
        assert_ne!(account_key("http://a", &email, &tenant), account_key("http://a", &email, &other));
    }
}
