//! Signing up and in, silent refresh with rotation, expiry, signing out, and
//! the tokens in the kernel keyring.

use animo_server::crypto::{AccessClaims, JwtKeys};
use animo_shared::ErrorCode;
use animo_shared::api::Role;
use animo_shared::text::Secret;
use animo_studio_core::secrets::{SecretBackendChoice, SecretStore, StoredTokens};
use animo_studio_core::{Connectivity, SecretBackend, SignInRequest};

use crate::common::{PASSWORD, Relay, TestServer, TestStudio};

async fn keyring(t: &TestStudio) -> SecretStore {
    SecretStore::open(&t.service, t.secrets.clone()).await.expect("the store opens")
}

/// An access token for the signed-in account that expired a minute ago,
/// signed with the server's own key.
fn expired_token(server: &TestServer, session: &animo_studio_core::SessionInfo) -> Secret {
    let profile = session.profile.as_ref().expect("profile");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = AccessClaims {
        sub: profile.id.clone(),
        tid: session.account.tenant_id.clone(),
        role: Role::Owner,
        exp: now - 60,
        iat: now - 960,
        fam: "test".into(),
    };
    Secret::new(server.server.state.keys.sign(&claims).expect("signs"))
}

#[tokio::test]
async fn sign_up_sign_in_and_remembered_accounts() {
    let server = TestServer::start().await;
    let t = TestStudio::open().await;
    assert_eq!(t.studio.secret_backend(), SecretBackend::File);
    assert_eq!(t.studio.connectivity(), Connectivity::SignedOut);
    let error = t.studio.bots(false).await.expect_err("signed out");
    assert_eq!(error.code, ErrorCode::Unauthenticated);

    let session = t.sign_up(&server.url()).await;
    assert_eq!(session.server_url, server.url());
    assert_eq!(session.account.role, Role::Owner);
    assert_eq!(t.studio.connectivity(), Connectivity::Online);
    let stored = keyring(&t).await.load(&session.account.key()).await.expect("readable").expect("tokens stored");
    assert!(stored.access_token.expose().starts_with("ey"), "a JWT is stored");

    // The remembered account has no secret in it.
    let accounts = t.studio.known_accounts().await.expect("listed");
    assert_eq!(accounts.len(), 1);
    let file = std::fs::read_to_string(t.dirs.path().join("config/accounts.json")).expect("written");
    assert!(file.contains(session.account.email.as_str()));
    assert!(!file.contains(stored.refresh_token.expose()) && !file.contains(stored.access_token.expose()));
    assert!(!file.contains(PASSWORD));

    // Wrong password and bad input are coded errors; nothing is signed in by them.
    let wrong = t
        .studio
        .sign_in(SignInRequest {
            server_url: Some(server.url()),
            email: session.account.email.as_str().to_owned(),
            password: "not the password".into(),
            tenant_id: None,
        })
        .await
        .expect_err("refused");
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    assert!(wrong.request_id.is_some());
    let short = t
        .studio
        .sign_in(SignInRequest {
            server_url: None,
            email: "a@example.com".into(),
            password: "short".into(),
            tenant_id: None,
        })
        .await
        .expect_err("refused before sending");
    assert_eq!(short.code, ErrorCode::InvalidRequest);
    assert_eq!(short.details.expect("details")["field"], "Password");

    // A second Studio (a restart) resumes from the keyring without the password.
    let again = TestStudio::open_in(
        tempfile::tempdir().expect("dir"),
        t.service.clone(),
        t.secrets.clone(),
        std::time::Duration::from_secs(10),
    )
    .await;
    let resumed = again.studio.resume(&accounts[0]).await.expect("resumes from the keyring");
    assert_eq!(resumed.account.key(), session.account.key());
    assert_eq!(again.studio.bots(false).await.expect("works").bots.len(), 0);

    // Signing in with the password works too and refreshes the remembered entry.
    let signed_in = t
        .studio
        .sign_in(SignInRequest {
            server_url: Some(format!("{}/", server.url())),
            email: session.account.email.as_str().to_owned(),
            password: PASSWORD.into(),
            tenant_id: Some(session.account.tenant_id.clone()),
        })
        .await
        .expect("signs in");
    assert_eq!(signed_in.account.key(), session.account.key());
    assert_eq!(t.studio.known_accounts().await.expect("listed").len(), 1);
}

#[tokio::test]
async fn expired_access_tokens_are_refreshed_silently_and_rotated() {
    let server = TestServer::start().await;
    let t = TestStudio::open().await;
    let session = t.sign_up(&server.url()).await;
    let store = keyring(&t).await;
    let original = store.load(&session.account.key()).await.expect("readable").expect("stored");

    // An expired access token, as after a night away: the next call refreshes first.
    store
        .save(
            &session.account.key(),
            &StoredTokens {
                access_token: expired_token(&server, &session),
                refresh_token: original.refresh_token.clone(),
            },
        )
        .await
        .expect("saved");
    t.studio.resume(&session.account).await.expect("resumes by refreshing");
    let rotated = store.load(&session.account.key()).await.expect("readable").expect("stored");
    assert_ne!(rotated.refresh_token, original.refresh_token, "the rotated refresh token is stored");
    assert_eq!(t.studio.bots(false).await.expect("works").bots.len(), 0);

    // A token the server refuses although it looks fresh: refused with 401,
    // refreshed once, and the call retried.
    let foreign = JwtKeys::new(&[7; 32]);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let forged = foreign
        .sign(&AccessClaims {
            sub: session.profile.as_ref().expect("profile").id.clone(),
            tid: session.account.tenant_id.clone(),
            role: Role::Owner,
            exp: now + 600,
            iat: now,
            fam: "x".into(),
        })
        .expect("signs");
    store
        .save(
            &session.account.key(),
            &StoredTokens { access_token: Secret::new(forged), refresh_token: rotated.refresh_token.clone() },
        )
        .await
        .expect("saved");
    t.studio.resume(&session.account).await.expect("resumes after a refused token");
    let second = store.load(&session.account.key()).await.expect("readable").expect("stored");
    assert_ne!(second.refresh_token, rotated.refresh_token);
    assert_eq!(t.studio.connectivity(), Connectivity::Online);

    // Many calls at once with an expired token refresh once: a second refresh
    // with the same token would look stolen and end the session.
    store
        .save(
            &session.account.key(),
            &StoredTokens { access_token: expired_token(&server, &session), refresh_token: second.refresh_token },
        )
        .await
        .expect("saved");
    t.studio.resume(&session.account).await.expect("resumes");
    let calls = (0..8).map(|_| t.studio.tenant());
    for result in futures::future::join_all(calls).await {
        result.expect("every concurrent call succeeds");
    }
}

#[tokio::test]
async fn a_refused_refresh_ends_the_session_with_its_own_code() {
    let server = TestServer::start().await;
    let t = TestStudio::open().await;
    let session = t.sign_up(&server.url()).await;
    let store = keyring(&t).await;
    store
        .save(
            &session.account.key(),
            &StoredTokens {
                access_token: expired_token(&server, &session),
                refresh_token: Secret::new("rt_revoked-or-made-up".into()),
            },
        )
        .await
        .expect("saved");
    let changes = t.studio.watch_connectivity();
    let error = t.studio.resume(&session.account).await.expect_err("the session has ended");
    assert!(error.is_session_expired(), "{error:?}");
    assert_eq!(error.code, ErrorCode::SessionExpired);
    assert_eq!(t.studio.connectivity(), Connectivity::SessionExpired);
    assert!(changes.has_changed().expect("sender alive"));
    // The dead tokens are gone; later calls say the same without a request.
    assert!(store.load(&session.account.key()).await.expect("readable").is_none());
    let later = t.studio.bots(false).await.expect_err("expired");
    assert!(later.is_session_expired());
    // Resuming without tokens says the same.
    assert!(t.studio.resume(&session.account).await.expect_err("no tokens").is_session_expired());
}

#[tokio::test]
async fn sign_out_ends_the_server_session_and_removes_the_secrets() {
    let server = TestServer::start().await;
    let t = TestStudio::open().await;
    let session = t.sign_up(&server.url()).await;
    let store = keyring(&t).await;
    let tokens = store.load(&session.account.key()).await.expect("readable").expect("stored");

    t.studio.sign_out().await.expect("signs out");
    assert!(store.load(&session.account.key()).await.expect("readable").is_none(), "secrets removed");
    assert_eq!(t.studio.connectivity(), Connectivity::SignedOut);
    assert!(t.studio.session().await.is_none());
    assert_eq!(t.studio.bots(false).await.expect_err("signed out").code, ErrorCode::Unauthenticated);
    // The server ended the session: the refresh token no longer works.
    let response = reqwest::Client::new()
        .post(format!("{}/v1/auth/refresh", server.url()))
        .json(&serde_json::json!({ "refresh_token": tokens.refresh_token.expose() }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
    // The account is still offered, without secrets; signing out twice is fine.
    assert_eq!(t.studio.known_accounts().await.expect("listed").len(), 1);
    t.studio.sign_out().await.expect("nothing to do");
    t.studio.forget_account(&session.account).await.expect("forgotten");
    assert!(t.studio.known_accounts().await.expect("listed").is_empty());
}

#[tokio::test]
async fn secret_stores_keep_services_apart_and_never_fall_back_to_a_file_silently() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("secrets.json");
    let one = SecretStore::open("animo-studio-test-one", SecretBackendChoice::File(path.clone())).await.expect("opens");
    let other =
        SecretStore::open("animo-studio-test-other", SecretBackendChoice::File(path.clone())).await.expect("opens");
    let tokens = StoredTokens { access_token: Secret::new("a".into()), refresh_token: Secret::new("r".into()) };
    one.save("account", &tokens).await.expect("saved");
    assert!(other.load("account").await.expect("readable").is_none());
    assert_eq!(one.load("account").await.expect("readable").expect("present").refresh_token.expose(), "r");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("written").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only the user may read the secrets file");
    }
    one.delete("account").await.expect("deleted");
    one.delete("account").await.expect("deleting nothing is fine");
    assert!(one.load("account").await.expect("readable").is_none());

    // Keyutils either works completely (the probe wrote, read and deleted)
    // or is refused with a coded error; the same for Auto, which never
    // picks the file store.
    match SecretStore::open(&format!("animo-studio-test-{}", crate::common::uuid()), SecretBackendChoice::Keyutils)
        .await
    {
        Ok(store) => {
            assert_eq!(store.backend(), SecretBackend::Keyutils);
            store.save("account", &tokens).await.expect("saved");
            assert!(store.load("account").await.expect("readable").is_some());
            store.delete("account").await.expect("deleted");
        }
        Err(error) => {
            assert_eq!(error.code, ErrorCode::Internal);
            assert!(error.message.contains("keyutils"), "{error:?}");
        }
    }
    match SecretStore::open("animo-studio-test-auto", SecretBackendChoice::Auto).await {
        Ok(store) => assert!(matches!(store.backend(), SecretBackend::Keyutils | SecretBackend::SecretService)),
        Err(error) => assert!(error.message.contains("Neither the Secret Service nor the kernel keyring"), "{error:?}"),
    }
}

/// The banner's "session ended" state comes from its own code, whatever
/// the server's refusal was: here the refresh token was revoked by signing
/// out on the server (as another device or an administrator would).
#[tokio::test]
async fn a_revoked_refresh_token_ends_the_session_with_the_session_expired_code() {
    let server = TestServer::start().await;
    let t = TestStudio::open().await;
    let session = t.sign_up(&server.url()).await;
    let store = keyring(&t).await;
    let stored = store.load(&session.account.key()).await.expect("readable").expect("tokens stored");
    let logout = reqwest::Client::new()
        .post(format!("{}/v1/auth/logout", server.url()))
        .json(&serde_json::json!({ "refresh_token": stored.refresh_token.expose() }))
        .send()
        .await
        .expect("the server answers");
    assert!(logout.status().is_success(), "{}", logout.status());
    // The access token runs out: the next call must refresh, with the revoked token.
    store
        .save(
            &session.account.key(),
            &StoredTokens { access_token: expired_token(&server, &session), refresh_token: stored.refresh_token },
        )
        .await
        .expect("saved");
    let error = t.studio.resume(&session.account).await.expect_err("the session has ended");
    assert_eq!(error.code, ErrorCode::SessionExpired, "{error:?}");
    assert_eq!(error.details.expect("the server's refusal")["refused_with"], "invalid_refresh_token");
    assert!(error.request_id.is_some(), "the refusal's request id is kept for reports");
    assert_eq!(t.studio.connectivity(), Connectivity::SessionExpired);
    let later = t.studio.bots(false).await.expect_err("still ended");
    assert_eq!(later.code, ErrorCode::SessionExpired);
}

/// A server that is down is `server_unreachable`, both before sign-in and
/// for a signed-in session, never a generic `unavailable`.
#[tokio::test]
async fn a_server_that_is_down_is_reported_with_the_server_unreachable_code() {
    // A port that was just free and is closed again: nothing listens there.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = closed.local_addr().expect("address");
    drop(closed);
    let t = TestStudio::open().await;
    let error = t
        .studio
        .sign_in(SignInRequest {
            server_url: Some(format!("http://{address}")),
            email: "owner@example.com".into(),
            password: PASSWORD.into(),
            tenant_id: None,
        })
        .await
        .expect_err("nothing answers");
    assert_eq!(error.code, ErrorCode::ServerUnreachable, "{error:?}");
    assert!(error.message.contains(&address.to_string()), "{}", error.message);
    assert_eq!(t.studio.connectivity(), Connectivity::SignedOut, "nobody is signed in");

    let server = TestServer::start().await;
    let mut relay = Relay::start(server.server.addr).await;
    t.sign_up(&relay.url()).await;
    relay.down();
    let error = t.studio.bots(false).await.expect_err("the server is down");
    assert_eq!(error.code, ErrorCode::ServerUnreachable, "{error:?}");
    assert!(error.is_unreachable());
    assert_eq!(t.studio.connectivity(), Connectivity::Unreachable);
    relay.up().await;
    t.studio.bots(false).await.expect("answers again");
    assert_eq!(t.studio.connectivity(), Connectivity::Online);
}
