//! Export, two-step deletion, operator plan changes and suspension.

use std::io::Read;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{PASSWORD, TestServer, assert_error};

#[tokio::test]
async fn export_contains_the_tenants_records_and_no_secrets() {
    let t = TestServer::start().await;
    let owner = t.signup("export@example.com", "Export").await;
    let bot = t.create_bot(&owner.access, "Exported bot").await;
    t.api_key(&owner, "viewer").await;
    let response = t.client.get(t.url("/v1/tenant/export")).bearer_auth(&owner.access).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/gzip");
    let bytes = response.bytes().await.expect("body");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_ref()));
    let mut files = std::collections::BTreeMap::new();
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").display().to_string();
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("text");
        files.insert(name, text);
    }
    assert!(files["animo-export/records/bot.json"].contains(bot["id"].as_str().expect("id")));
    assert!(files["animo-export/tenant.json"].contains("Export"));
    assert!(files["animo-export/members.json"].contains("export@example.com"));
    let keys = &files["animo-export/records/api_key.json"];
    assert!(keys.contains("\"prefix\"") && !keys.contains("secret_hash"), "no key hashes in exports: {keys}");

    let designer = t.add_member(&owner, "d@example.com", "designer").await;
    let (status, body) = t.get("/v1/tenant/export", &designer.access).await;
    assert_error(status, &body, 403, "forbidden");
}

#[tokio::test]
async fn deletion_needs_confirmation_and_removes_everything() {
    let t = TestServer::start().await;
    let owner = t.signup("gone@example.com", "Doomed").await;
    let other = t.signup("stays@example.com", "Survivor").await;
    let bot = t.create_bot(&owner.access, "Doomed bot").await;
    let other_bot = t.create_bot(&other.access, "Surviving bot").await;
    let key = t.api_key(&owner, "owner").await;

    let (status, challenge) = t.post("/v1/tenant/deletion", &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{challenge}");
    let (status, body) =
        t.post("/v1/tenant/deletion/confirm", &owner.access, json!({ "confirmation_token": "del_wrong" })).await;
    assert_error(status, &body, 409, "confirmation_required");
    let (_, still) = t.get(&format!("/v1/bots/{}", bot["id"].as_str().expect("id")), &owner.access).await;
    assert_eq!(still["status"], "active");

    let (status, _) = t
        .post(
            "/v1/tenant/deletion/confirm",
            &owner.access,
            json!({ "confirmation_token": challenge["confirmation_token"] }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    for token in [owner.access.as_str(), key.as_str()] {
        let (status, body) = t.get("/v1/bots", token).await;
        assert_error(status, &body, 401, "unauthenticated");
    }
    let (status, body) = t
        .call(Method::POST, "/v1/auth/login", None, Some(json!({ "email": "gone@example.com", "password": PASSWORD })))
        .await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) =
        t.call(Method::POST, "/v1/auth/refresh", None, Some(json!({ "refresh_token": owner.refresh }))).await;
    assert_error(status, &body, 401, "invalid_refresh_token");

    // The other tenant is untouched.
    let (status, survivor) = t.get(&format!("/v1/bots/{}", other_bot["id"].as_str().expect("id")), &other.access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(survivor["draft"]["personality"]["name"], "Surviving bot");
}

#[tokio::test]
async fn operators_change_plans_and_suspend_tenants() {
    let t = TestServer::start().await;
    let operator = t.signup("ops@example.com", "Platform").await;
    let email = animo_shared::text::Email::try_from("ops@example.com").expect("email");
    assert!(animo_server::accounts::grant_operator(&t.server.state, &email).await.expect("grant"));
    let owner = t.signup("customer@example.com", "Customer").await;
    let bot = t.create_bot(&owner.access, "Ava").await;
    let bot_id = bot["id"].as_str().expect("id");

    let (status, tenants) = t.get("/v1/admin/tenants", &operator.access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tenants.as_array().map(Vec::len), Some(2));

    let path = format!("/v1/admin/tenants/{}", owner.tenant_id);
    let (status, body) = t.patch(&path, &operator.access, json!({ "plan": "platinum" })).await;
    assert_error(status, &body, 422, "invalid_request");
    let (status, _) = t.patch(&path, &operator.access, json!({ "plan": "pro" })).await;
    assert_eq!(status, StatusCode::OK);
    let (_, tenant) = t.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["plan"]["name"], "pro");

    let (status, changed) = t.patch(&path, &operator.access, json!({ "status": "suspended" })).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let (status, body) =
        t.patch(&format!("/v1/bots/{bot_id}"), &owner.access, json!({ "personality": { "name": "X" } })).await;
    assert_error(status, &body, 403, "tenant_suspended");
    let (status, body) = t.post("/v1/bots", &owner.access, json!({ "personality": { "name": "Y" } })).await;
    assert_error(status, &body, 403, "tenant_suspended");
    // Reading and exporting stay possible while suspended.
    let (status, _) = t.get(&format!("/v1/bots/{bot_id}"), &owner.access).await;
    assert_eq!(status, StatusCode::OK);
    let response = t.client.get(t.url("/v1/tenant/export")).bearer_auth(&owner.access).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, audit) = t.get("/v1/audit", &owner.access).await;
    assert_eq!(audit["entries"][0]["action"], "tenant.suspend");
    assert_eq!(audit["entries"][0]["actor"]["kind"], "operator");

    let (status, _) = t.patch(&path, &operator.access, json!({ "status": "active" })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        t.patch(&format!("/v1/bots/{bot_id}"), &owner.access, json!({ "personality": { "name": "Z" } })).await;
    assert_eq!(status, StatusCode::OK);
}
