//! Bot drafts, publishing, versions, rollback, archiving, embed ids and bad input.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestServer, assert_error};

#[tokio::test]
async fn draft_publish_versions_and_rollback() {
    let t = TestServer::start().await;
    let owner = t.signup("owner@example.com", "Bots").await;
    let bot = t.create_bot(&owner.access, "Ava").await;
    let id = bot["id"].as_str().expect("id").to_owned();
    assert_eq!(bot["live_version"], serde_json::Value::Null);
    assert_eq!(bot["draft"]["personality"]["tone"], "friendly");
    assert!(bot["embed_id"].as_str().is_some_and(|e| e.len() == 43), "embed id has 160 bits: {bot}");

    let (status, v1) = t.post(&format!("/v1/bots/{id}/publish"), &owner.access, json!({ "note": "first" })).await;
    assert_eq!(status, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["version"], 1);

    let (status, edited) = t
        .patch(
            &format!("/v1/bots/{id}"),
            &owner.access,
            json!({ "personality": { "name": "Bea", "greeting": "Hello!" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["draft"]["personality"]["name"], "Bea");
    // Sections not named in the patch are untouched.
    assert_eq!(edited["draft"]["widget"], bot["draft"]["widget"]);

    // Publishing without a body works too.
    let (status, v2) = t.call(Method::POST, &format!("/v1/bots/{id}/publish"), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["config"]["personality"]["name"], "Bea");

    // Version 1 is frozen: editing the draft did not change it.
    let (_, versions) = t.get(&format!("/v1/bots/{id}/versions"), &owner.access).await;
    assert_eq!(versions["live_version"], 2);
    assert_eq!(versions["versions"][1]["config"]["personality"]["name"], "Ava");
    assert_eq!(versions["versions"][1]["note"], "first");

    let (status, v3) = t.post(&format!("/v1/bots/{id}/rollback"), &owner.access, json!({ "version": 1 })).await;
    assert_eq!(status, StatusCode::CREATED, "{v3}");
    assert_eq!(v3["version"], 3);
    assert_eq!(v3["rolled_back_from"], 1);
    assert_eq!(v3["config"]["personality"]["name"], "Ava");
    let (_, bot_now) = t.get(&format!("/v1/bots/{id}"), &owner.access).await;
    assert_eq!(bot_now["live_version"], 3);
    assert_eq!(bot_now["draft"]["personality"]["name"], "Bea", "rollback leaves the draft alone");

    let (status, body) = t.post(&format!("/v1/bots/{id}/rollback"), &owner.access, json!({ "version": 42 })).await;
    assert_error(status, &body, 404, "not_found");

    // Rotating the embed id replaces it.
    let (status, rotated) = t.post(&format!("/v1/bots/{id}/embed-id"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["embed_id"], bot["embed_id"]);

    // Archiving: the bot leaves the list, cannot be edited or published, and versions stay readable.
    let (status, archived) = t.call(Method::DELETE, &format!("/v1/bots/{id}"), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::OK, "{archived}");
    assert_eq!(archived["status"], "archived");
    let (_, list) = t.get("/v1/bots", &owner.access).await;
    assert_eq!(list["bots"].as_array().map(Vec::len), Some(0));
    let (_, list) = t.get("/v1/bots?include_archived=true", &owner.access).await;
    assert_eq!(list["bots"].as_array().map(Vec::len), Some(1));
    let (status, body) =
        t.patch(&format!("/v1/bots/{id}"), &owner.access, json!({ "personality": { "name": "X" } })).await;
    assert_error(status, &body, 409, "bot_archived");
    let (status, body) = t.post(&format!("/v1/bots/{id}/publish"), &owner.access, json!({})).await;
    assert_error(status, &body, 409, "bot_archived");
    let (status, _) = t.get(&format!("/v1/bots/{id}/versions"), &owner.access).await;
    assert_eq!(status, StatusCode::OK);

    // Every mutation is in the audit log, newest first.
    let (_, audit) = t.get("/v1/audit", &owner.access).await;
    let actions: Vec<&str> =
        audit["entries"].as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "bot.archive",
            "bot.rotate_embed_id",
            "bot.rollback",
            "bot.publish",
            "bot.update",
            "bot.publish",
            "bot.create",
            "tenant.create"
        ]
    );
    let (_, page) = t.get("/v1/audit?limit=3", &owner.access).await;
    assert_eq!(page["entries"].as_array().map(Vec::len), Some(3));
    let before = page["next_before"].as_str().expect("more pages");
    let (_, rest) = t.get(&format!("/v1/audit?limit=10&before={before}"), &owner.access).await;
    assert_eq!(rest["entries"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn the_audit_log_cannot_be_rewritten() {
    let t = TestServer::start().await;
    let owner = t.signup("audit@example.com", "Audit").await;
    let tenant = animo_shared::TenantId::try_from(owner.tenant_id.clone()).expect("tenant id");
    let db = t.server.state.store.tenant(&tenant).await.expect("tenant db");
    let update = db.db().query("UPDATE audit SET action = 'forged'").run().await;
    assert!(update.is_err(), "updating the audit log must fail");
    let delete = db.db().query("DELETE audit").run().await;
    assert!(delete.is_err(), "deleting from the audit log must fail");
    let (_, audit) = t.get("/v1/audit", &owner.access).await;
    assert_eq!(audit["entries"][0]["action"], "tenant.create");
}

#[tokio::test]
async fn bad_input_gets_coded_errors() {
    let t = TestServer::start().await;
    let owner = t.signup("input@example.com", "Input").await;
    let cases = [
        (json!({ "personality": { "name": "" } }), "invalid_request"),
        (json!({ "personality": { "name": "Ava", "temperature": 7 } }), "invalid_request"),
        (json!({ "personality": { "name": "Ava" }, "colour": "red" }), "invalid_request"),
        (json!({ "personality": { "name": "Ava" }, "allowed_origins": ["not an origin"] }), "invalid_request"),
        (
            json!({ "personality": { "name": "Ava" }, "model": { "chain": [{ "provider": "openai" }] } }),
            "invalid_request",
        ),
        (json!({ "personality": { "name": "Ava", "greeting": "x".repeat(501) } }), "invalid_request"),
        (json!([1, 2, 3]), "invalid_request"),
    ];
    for (body, code) in cases {
        let (status, answer) = t.post("/v1/bots", &owner.access, body.clone()).await;
        assert_error(status, &answer, 422, code);
    }
    let raw = |body: &'static str, content_type: &'static str| {
        t.client.post(t.url("/v1/bots")).bearer_auth(&owner.access).header("content-type", content_type).body(body)
    };
    let response = raw("{\"personality\":", "application/json").send().await.expect("sent");
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("json error body");
    assert_error(status, &body, 400, "malformed_json");
    let response = raw("{}", "text/plain").send().await.expect("sent");
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("json error body");
    assert_error(status, &body, 415, "unsupported_media_type");

    let huge = format!("{{\"personality\":{{\"name\":\"{}\"}}}}", "a".repeat(2 * 1024 * 1024));
    let response = t
        .client
        .post(t.url("/v1/bots"))
        .bearer_auth(&owner.access)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("json error body");
    assert_error(status, &body, 413, "payload_too_large");

    // Malformed ids are indistinguishable from unknown ones.
    for path in [
        "/v1/bots/garbage",
        "/v1/bots/bot_00000000000000000000000000000000",
        "/v1/bots/tn_00000000000000000000000000000000",
    ] {
        let (status, body) = t.get(path, &owner.access).await;
        assert_error(status, &body, 404, "not_found");
    }
    let (status, body) = t.call(Method::PUT, "/v1/bots", Some(&owner.access), None).await;
    assert_error(status, &body, 405, "method_not_allowed");
    let (status, body) = t.get("/v1/bots?include_archived=maybe", &owner.access).await;
    assert_error(status, &body, 422, "invalid_request");
}
