//! Plan quotas are enforced at the moment of the action, exactly, under concurrency.

use animo_shared::api::Plan;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestServer;

fn small_plan() -> Plan {
    Plan {
        name: "small".into(),
        max_bots: 10,
        max_members: 3,
        monthly_messages: 100,
        knowledge_bytes: 1_000_000,
        avatar_bytes: 1_000_000,
    }
}

#[tokio::test]
async fn bot_quota_refuses_exactly_at_the_limit_under_50_concurrent_creators() {
    let t = TestServer::start_with(|config| {
        config.plans = vec![small_plan()];
        config.default_plan = "small".into();
    })
    .await;
    let owner = t.signup("quota@example.com", "Quota").await;
    let attempts = (0..50).map(|i| {
        let t = &t;
        let token = owner.access.clone();
        async move { t.post("/v1/bots", &token, json!({ "personality": { "name": format!("Bot {i}") } })).await }
    });
    let results = futures::future::join_all(attempts).await;
    let created = results.iter().filter(|(status, _)| *status == StatusCode::CREATED).count();
    let refused: Vec<_> = results.iter().filter(|(status, _)| *status == StatusCode::FORBIDDEN).collect();
    assert_eq!(created, 10, "exactly the plan's limit is created: {results:?}");
    assert_eq!(refused.len(), 40, "every other attempt is refused: {results:?}");
    for (_, body) in refused {
        assert_eq!(body["code"], "quota_exceeded");
        assert_eq!(body["details"]["limit"], "bots");
        assert_eq!(body["details"]["max"], 10);
    }
    let (_, list) = t.get("/v1/bots", &owner.access).await;
    assert_eq!(list["bots"].as_array().map(Vec::len), Some(10));
    let (_, tenant) = t.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["usage"]["bots"], 10);

    // Archiving frees a place.
    let first = list["bots"][0]["id"].as_str().expect("id");
    let (status, _) = t.call(reqwest::Method::DELETE, &format!("/v1/bots/{first}"), Some(&owner.access), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.post("/v1/bots", &owner.access, json!({ "personality": { "name": "Replacement" } })).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = t.post("/v1/bots", &owner.access, json!({ "personality": { "name": "One too many" } })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn member_quota_counts_the_owner() {
    let t = TestServer::start_with(|config| {
        config.plans = vec![small_plan()];
        config.default_plan = "small".into();
    })
    .await;
    let owner = t.signup("members@example.com", "Members").await;
    t.add_member(&owner, "m1@example.com", "viewer").await;
    t.add_member(&owner, "m2@example.com", "viewer").await;
    let (_, invite) =
        t.post("/v1/members/invites", &owner.access, json!({ "email": "m3@example.com", "role": "viewer" })).await;
    let (status, body) = t
        .call(
            reqwest::Method::POST,
            "/v1/invites/accept",
            None,
            Some(json!({ "token": invite["token"], "password": crate::common::PASSWORD })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "quota_exceeded");
    assert_eq!(body["details"]["limit"], "members");
    let (_, tenant) = t.get("/v1/tenant", &owner.access).await;
    assert_eq!(tenant["usage"]["members"], 3);
}
