//! Avatars: upload and inspection, serving with validators and ranges,
//! suggested mappings, attaching to drafts, publishing rules, deletion.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestServer, assert_error};

const ROBOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/avatars/RobotExpressive.glb");

fn robot() -> Vec<u8> {
    std::fs::read(ROBOT).expect("the RobotExpressive fixture sits in ../shared/fixtures/avatars")
}

async fn upload(t: &TestServer, token: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let response = t.client.post(t.url("/v1/avatars")).bearer_auth(token).multipart(form).send().await.expect("sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn upload_inspect_serve_map_and_publish() {
    let t = TestServer::start().await;
    let owner = t.signup("avatars@example.com", "Avatars").await;
    let bytes = robot();
    let (status, avatar) = upload(&t, &owner.access, "RobotExpressive.glb", bytes.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{avatar}");
    assert_eq!(avatar["bytes"], bytes.len());
    assert_eq!(avatar["report"]["clips"].as_array().map(Vec::len), Some(14));
    let id = avatar["id"].as_str().expect("id").to_owned();

    let (_, listed) = t.get("/v1/avatars", &owner.access).await;
    assert_eq!(listed["avatars"][0]["id"], id.as_str());
    let (_, tenant) = t.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["usage"]["avatar_bytes"], bytes.len());

    // The bytes come back whole, with a strong validator, and in ranges.
    let model = t.url(&format!("/v1/avatars/{id}/model.glb"));
    let response = t.client.get(&model).bearer_auth(&owner.access).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(etag, format!("\"{}\"", avatar["sha256"].as_str().expect("sha")));
    assert!(response.headers()["cache-control"].to_str().expect("cc").contains("immutable"));
    assert_eq!(response.bytes().await.expect("body").as_ref(), bytes.as_slice());
    let response =
        t.client.get(&model).bearer_auth(&owner.access).header("if-none-match", &etag).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    let response =
        t.client.get(&model).bearer_auth(&owner.access).header("range", "bytes=0-11").send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.headers()["content-range"], format!("bytes 0-11/{}", bytes.len()).as_str());
    assert_eq!(response.bytes().await.expect("body").as_ref(), &bytes[..12]);
    let response =
        t.client.get(&model).bearer_auth(&owner.access).header("range", "bytes=99999999-").send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    // The suggestion maps what the names say and invents nothing.
    let (status, suggestion) = t.get(&format!("/v1/avatars/{id}/suggested-mapping"), &owner.access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(suggestion["mapping"]["slots"]["greeting"]["clip"], "Wave");
    assert_eq!(suggestion["mapping"]["slots"]["idle"]["clip"], "Idle");
    assert!(suggestion["mapping"]["slots"]["talking"].is_null());

    let bot = t.create_bot(&owner.access, "Robo").await;
    let bot_id = bot["id"].as_str().expect("id");
    let path = format!("/v1/bots/{bot_id}/avatar");
    // A clip the avatar lacks is refused with every problem listed.
    let (status, body) = t
        .call(
            Method::PUT,
            &path,
            Some(&owner.access),
            Some(json!({ "avatar_id": id, "mapping": { "slots": { "idle": { "clip": "Floss" } } } })),
        )
        .await;
    assert_error(status, &body, 422, "mapping_invalid");
    assert_eq!(body["details"]["problems"][0]["slot"], "idle");

    let mut mapping = suggestion["mapping"].clone();
    let (status, attached) =
        t.call(Method::PUT, &path, Some(&owner.access), Some(json!({ "avatar_id": id, "mapping": mapping }))).await;
    assert_eq!(status, StatusCode::OK, "{attached}");
    assert_eq!(attached["draft"]["avatar"]["avatar_id"], id.as_str());

    // Publishing needs idle and talking.
    let (status, body) = t.post(&format!("/v1/bots/{bot_id}/publish"), &owner.access, json!({})).await;
    assert_error(status, &body, 422, "mapping_invalid");
    mapping["slots"]["talking"] = json!({ "clip": "Yes", "loop_mode": "loop", "speed": 0.8 });
    let (status, _) =
        t.call(Method::PUT, &path, Some(&owner.access), Some(json!({ "avatar_id": id, "mapping": mapping }))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, version) = t.post(&format!("/v1/bots/{bot_id}/publish"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    assert_eq!(version["config"]["avatar"]["mapping"]["slots"]["talking"]["clip"], "Yes");

    // The widget fetches the published avatar from the URL its config names
    // (regression: the config once named a route that does not exist).
    let shop = "https://shop.example";
    let (status, _) =
        t.call(Method::PUT, "/v1/tenant/test-origins", Some(&owner.access), Some(json!({ "origins": [shop] }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let embed = bot["embed_id"].as_str().expect("embed id");
    let config = t.client.get(t.url(&format!("/v1/embed/{embed}/config"))).header("origin", shop).send().await;
    let config: Value = config.expect("sent").json().await.expect("json");
    let model_url = config["avatar"]["model_url"].as_str().expect("the config names the avatar's model");
    let model = t.client.get(t.url(model_url)).header("origin", shop).send().await.expect("sent");
    assert_eq!(model.status(), StatusCode::OK, "{model_url}");
    assert_eq!(model.bytes().await.expect("body").len(), bytes.len());

    // The published version freezes the avatar: it cannot be deleted, even after detaching it from the draft.
    let (status, _) = t.call(Method::DELETE, &path, Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.call(Method::DELETE, &format!("/v1/avatars/{id}"), Some(&owner.access), None).await;
    assert_error(status, &body, 409, "conflict");
    let (_, versions) = t.get(&format!("/v1/bots/{bot_id}/versions"), &owner.access).await;
    assert_eq!(versions["versions"][0]["config"]["avatar"]["avatar_id"], id.as_str());

    // Another tenant sees none of it.
    let other = t.signup("other@example.com", "Other").await;
    for path in [
        format!("/v1/avatars/{id}"),
        format!("/v1/avatars/{id}/model.glb"),
        format!("/v1/avatars/{id}/suggested-mapping"),
    ] {
        let (status, body) = t.get(&path, &other.access).await;
        assert_error(status, &body, 404, "not_found");
    }
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/v1/bots/{bot_id}/avatar"),
            Some(&other.access),
            Some(json!({ "avatar_id": id, "mapping": {} })),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
}

#[tokio::test]
async fn unused_avatars_can_be_deleted_and_free_their_bytes() {
    let t = TestServer::start().await;
    let owner = t.signup("delete@example.com", "Delete").await;
    let (_, avatar) = upload(&t, &owner.access, "robot.glb", robot()).await;
    let id = avatar["id"].as_str().expect("id");
    let (status, _) = t.call(Method::DELETE, &format!("/v1/avatars/{id}"), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = t.get(&format!("/v1/avatars/{id}/model.glb"), &owner.access).await;
    assert_error(status, &body, 404, "not_found");
    let (_, tenant) = t.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["usage"]["avatar_bytes"], 0);
}

#[tokio::test]
async fn bad_files_and_quotas_get_coded_errors() {
    let t = TestServer::start_with(|config| {
        for plan in &mut config.plans {
            plan.avatar_bytes = 600_000;
        }
    })
    .await;
    let owner = t.signup("bad@example.com", "Bad files").await;
    let (status, body) = upload(&t, &owner.access, "notes.txt", b"hello, not a model".to_vec()).await;
    assert_error(status, &body, 422, "not_glb");
    let mut truncated = robot();
    truncated.truncate(100_000);
    let (status, body) = upload(&t, &owner.access, "cut.glb", truncated).await;
    assert_error(status, &body, 422, "glb_corrupt");
    let (_, tenant) = t.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["usage"]["avatar_bytes"], 0, "refused uploads do not count");

    // One robot fits in 600 kB; a second does not.
    let (status, _) = upload(&t, &owner.access, "one.glb", robot()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = upload(&t, &owner.access, "two.glb", robot()).await;
    assert_error(status, &body, 413, "payload_too_large");

    let viewer = t.add_member(&owner, "viewer@example.com", "viewer").await;
    let (status, body) = upload(&t, &viewer.access, "robot.glb", robot()).await;
    assert_error(status, &body, 403, "forbidden");
    let response = t
        .client
        .post(t.url("/v1/avatars"))
        .bearer_auth(&owner.access)
        .multipart(reqwest::multipart::Form::new().text("note", "no file here"))
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_error(status, &body, 422, "invalid_request");
}
