//! Sign-up, login, refresh rotation and reuse detection, logout, throttling,
//! password change, closed sign-up, roles.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{PASSWORD, TestServer, assert_error};

#[tokio::test]
async fn signup_login_and_me() {
    let t = TestServer::start().await;
    let owner = t.signup("Ana@Example.com", "Acme").await;
    let (status, me) = t.get("/v1/me", &owner.access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["account"]["email"], "ana@example.com");
    assert_eq!(me["membership"]["role"], "owner");
    assert_eq!(me["membership"]["tenant_name"], "Acme");

    let (status, body) = t
        .call(Method::POST, "/v1/auth/login", None, Some(json!({ "email": "ana@example.com", "password": PASSWORD })))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["membership"]["tenant_id"], owner.tenant_id.as_str());

    let (status, body) = t
        .call(
            Method::POST,
            "/v1/auth/signup",
            None,
            Some(json!({ "email": "ana@example.com", "password": PASSWORD, "tenant_name": "Again" })),
        )
        .await;
    assert_error(status, &body, 409, "email_taken");

    let (status, body) = t.call(Method::GET, "/v1/me", None, None).await;
    assert_error(status, &body, 401, "unauthenticated");
    let (status, body) = t.get("/v1/me", "not-a-token").await;
    assert_error(status, &body, 401, "unauthenticated");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let t = TestServer::start().await;
    let owner = t.signup("rot@example.com", "Rotations").await;
    let refresh = |token: &str| {
        let body = json!({ "refresh_token": token });
        t.call(Method::POST, "/v1/auth/refresh", None, Some(body))
    };
    let (status, first) = refresh(&owner.refresh).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let second_token = first["refresh_token"].as_str().expect("token").to_owned();
    assert_ne!(second_token, owner.refresh);
    let (status, _) = t.get("/v1/me", first["access_token"].as_str().expect("access")).await;
    assert_eq!(status, StatusCode::OK);

    // The first token again: someone replayed it. The whole family dies.
    let (status, body) = refresh(&owner.refresh).await;
    assert_error(status, &body, 401, "refresh_token_reused");
    let (status, body) = refresh(&second_token).await;
    assert_error(status, &body, 401, "invalid_refresh_token");

    let (status, body) = refresh("rt_unknown").await;
    assert_error(status, &body, 401, "invalid_refresh_token");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let t = TestServer::start().await;
    let owner = t.signup("out@example.com", "Logout").await;
    let (status, _) =
        t.call(Method::POST, "/v1/auth/logout", None, Some(json!({ "refresh_token": owner.refresh }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) =
        t.call(Method::POST, "/v1/auth/refresh", None, Some(json!({ "refresh_token": owner.refresh }))).await;
    assert_error(status, &body, 401, "invalid_refresh_token");
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let t = TestServer::start_with(|config| config.login_max_failures = 3).await;
    t.signup("slow@example.com", "Throttle").await;
    let attempt = |password: &'static str| {
        t.call(Method::POST, "/v1/auth/login", None, Some(json!({ "email": "slow@example.com", "password": password })))
    };
    for _ in 0..3 {
        let (status, body) = attempt("wrong password!").await;
        assert_error(status, &body, 401, "invalid_credentials");
    }
    // Locked now, even with the right password.
    let (status, body) = attempt(PASSWORD).await;
    assert_error(status, &body, 429, "too_many_attempts");
    // An unknown address fails the same way as a wrong password.
    let (status, body) = t
        .call(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({ "email": "nobody@example.com", "password": PASSWORD })),
        )
        .await;
    assert_error(status, &body, 401, "invalid_credentials");
}

#[tokio::test]
async fn password_change_revokes_old_sessions() {
    let t = TestServer::start().await;
    let owner = t.signup("pw@example.com", "Passwords").await;
    let (status, body) = t
        .post(
            "/v1/auth/password",
            &owner.access,
            json!({ "current_password": "wrong password!", "new_password": "a brand new secret" }),
        )
        .await;
    assert_error(status, &body, 401, "invalid_credentials");
    let (status, tokens) = t
        .post(
            "/v1/auth/password",
            &owner.access,
            json!({ "current_password": PASSWORD, "new_password": "a brand new secret" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let (status, body) =
        t.call(Method::POST, "/v1/auth/refresh", None, Some(json!({ "refresh_token": owner.refresh }))).await;
    assert_error(status, &body, 401, "invalid_refresh_token");
    let (status, _) = t
        .call(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({ "email": "pw@example.com", "password": "a brand new secret" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn closed_signup_refuses_with_a_code() {
    let t = TestServer::start_with(|config| config.open_signup = false).await;
    let (status, body) = t
        .call(
            Method::POST,
            "/v1/auth/signup",
            None,
            Some(json!({ "email": "a@example.com", "password": PASSWORD, "tenant_name": "X" })),
        )
        .await;
    assert_error(status, &body, 403, "signup_disabled");
}

#[tokio::test]
async fn roles_are_enforced() {
    let t = TestServer::start().await;
    let owner = t.signup("boss@example.com", "Roles").await;
    let bot = t.create_bot(&owner.access, "Ava").await;
    let bot_id = bot["id"].as_str().expect("id");
    let designer = t.add_member(&owner, "designer@example.com", "designer").await;
    let viewer = t.add_member(&owner, "viewer@example.com", "viewer").await;

    // A designer edits but cannot publish.
    let (status, _) =
        t.patch(&format!("/v1/bots/{bot_id}"), &designer.access, json!({ "personality": { "name": "Bea" } })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.post(&format!("/v1/bots/{bot_id}/publish"), &designer.access, json!({})).await;
    assert_error(status, &body, 403, "forbidden");
    // A viewer reads but cannot edit.
    let (status, _) = t.get(&format!("/v1/bots/{bot_id}"), &viewer.access).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) =
        t.patch(&format!("/v1/bots/{bot_id}"), &viewer.access, json!({ "personality": { "name": "Cy" } })).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = t.post("/v1/bots", &viewer.access, json!({ "personality": { "name": "Dee" } })).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = t.post("/v1/api-keys", &designer.access, json!({ "name": "x", "role": "owner" })).await;
    assert_error(status, &body, 403, "forbidden");

    // API keys act with their role: an owner key publishes, a designer key does not.
    let owner_key = t.api_key(&owner, "owner").await;
    let designer_key = t.api_key(&owner, "designer").await;
    let (status, body) = t.post(&format!("/v1/bots/{bot_id}/publish"), &designer_key, json!({})).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = t.post(&format!("/v1/bots/{bot_id}/publish"), &owner_key, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Demoting the viewer's role takes effect at once, without waiting for token expiry.
    let (status, _) =
        t.patch(&format!("/v1/members/{}", designer.account_id), &owner.access, json!({ "role": "viewer" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) =
        t.patch(&format!("/v1/bots/{bot_id}"), &designer.access, json!({ "personality": { "name": "Eve" } })).await;
    assert_error(status, &body, 403, "forbidden");

    // The last owner cannot be demoted or removed.
    let (status, body) =
        t.patch(&format!("/v1/members/{}", owner.account_id), &owner.access, json!({ "role": "viewer" })).await;
    assert_error(status, &body, 409, "conflict");
    let (status, body) =
        t.call(Method::DELETE, &format!("/v1/members/{}", owner.account_id), Some(&owner.access), None).await;
    assert_error(status, &body, 409, "conflict");

    // A removed member's token stops working at once.
    let (status, _) =
        t.call(Method::DELETE, &format!("/v1/members/{}", viewer.account_id), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = t.get("/v1/bots", &viewer.access).await;
    assert_error(status, &body, 401, "unauthenticated");

    // Revoked API keys stop working.
    let (status, keys) = t.get("/v1/api-keys", &owner.access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(2));
    assert!(keys.to_string().find("secret").is_none(), "listing must not show secrets: {keys}");
    let key_id = keys["keys"][0]["id"].as_str().expect("id");
    let (status, _) = t.call(Method::DELETE, &format!("/v1/api-keys/{key_id}"), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = t.get("/v1/bots", &owner_key).await;
    assert_error(status, &body, 401, "unauthenticated");
}

#[tokio::test]
async fn invitations_are_single_use() {
    let t = TestServer::start().await;
    let owner = t.signup("inviter@example.com", "Invites").await;
    let (_, invite) =
        t.post("/v1/members/invites", &owner.access, json!({ "email": "new@example.com", "role": "viewer" })).await;
    let accept = json!({ "token": invite["token"], "password": PASSWORD });
    let (status, _) = t.call(Method::POST, "/v1/invites/accept", None, Some(accept.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.call(Method::POST, "/v1/invites/accept", None, Some(accept)).await;
    assert_error(status, &body, 400, "invite_invalid");
    let (_, members) = t.get("/v1/members", &owner.access).await;
    assert_eq!(members["members"].as_array().map(Vec::len), Some(2));
}
