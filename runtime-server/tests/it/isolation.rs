//! Tenant isolation: with a valid token and an API key of tenant A, every
//! endpoint that takes an id is aimed at tenant B's ids. Each attempt must
//! fail exactly like an attempt on an id that does not exist, so it reveals
//! nothing, and B's data must be unchanged afterwards.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestServer, assert_error};

struct Probe {
    method: Method,
    path: String,
    body: Option<Value>,
}

fn probes(bot: &str, account: &str, key: &str) -> Vec<Probe> {
    let probe = |method: Method, path: String, body: Option<Value>| Probe { method, path, body };
    vec![
        probe(Method::GET, format!("/v1/bots/{bot}"), None),
        probe(Method::PATCH, format!("/v1/bots/{bot}"), Some(json!({ "personality": { "name": "Hijacked" } }))),
        probe(Method::DELETE, format!("/v1/bots/{bot}"), None),
        probe(Method::POST, format!("/v1/bots/{bot}/publish"), Some(json!({}))),
        probe(Method::GET, format!("/v1/bots/{bot}/versions"), None),
        probe(Method::POST, format!("/v1/bots/{bot}/rollback"), Some(json!({ "version": 1 }))),
        probe(Method::POST, format!("/v1/bots/{bot}/embed-id"), Some(json!({}))),
        probe(Method::GET, format!("/v1/bots/{bot}/analytics?from=2026-01-01&to=2026-01-31"), None),
        probe(Method::PATCH, format!("/v1/members/{account}"), Some(json!({ "role": "viewer" }))),
        probe(Method::DELETE, format!("/v1/members/{account}"), None),
        probe(Method::DELETE, format!("/v1/api-keys/{key}"), None),
    ]
}

async fn answer(t: &TestServer, probe: &Probe, token: &str) -> (StatusCode, Value) {
    t.call(probe.method.clone(), &probe.path, Some(token), probe.body.clone()).await
}

#[tokio::test]
async fn tenant_a_cannot_reach_tenant_b() {
    let t = TestServer::start().await;
    let a = t.signup("a@example.com", "Tenant A").await;
    let b = t.signup("b@example.com", "Tenant B").await;
    let a_key = t.api_key(&a, "owner").await;
    let b_key = t.api_key(&b, "owner").await;
    let b_bot = t.create_bot(&b.access, "B's bot").await;
    let b_bot_id = b_bot["id"].as_str().expect("id").to_owned();
    let (status, _) = t.post(&format!("/v1/bots/{b_bot_id}/publish"), &b.access, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let b_member = t.add_member(&b, "b-designer@example.com", "designer").await;
    let (_, b_keys) = t.get("/v1/api-keys", &b.access).await;
    let b_key_id = b_keys["keys"][0]["id"].as_str().expect("key id").to_owned();
    // A also has things of its own, so "empty tenant" is not why the probes fail.
    t.create_bot(&a.access, "A's bot").await;

    let real = probes(&b_bot_id, &b_member.account_id, &b_key_id);
    let absent = probes(
        "bot_0000000000000000000000000000abcd",
        "ac_0000000000000000000000000000abcd",
        "key_0000000000000000000000000000abcd",
    );
    for token in [a.access.as_str(), a_key.as_str()] {
        for (probe, control) in real.iter().zip(&absent) {
            let (status, body) = answer(&t, probe, token).await;
            let (control_status, control_body) = answer(&t, control, token).await;
            assert_error(status, &body, 404, "not_found");
            assert_eq!(status, control_status, "{} {} differs from an unknown id", probe.method, probe.path);
            assert_eq!(body["message"], control_body["message"], "{} {} leaks existence", probe.method, probe.path);
        }
    }

    // A's lists show only A's things.
    let (_, a_bots) = t.get("/v1/bots", &a.access).await;
    assert_eq!(a_bots["bots"].as_array().map(Vec::len), Some(1));
    assert!(!a_bots.to_string().contains(&b_bot_id));
    let (_, a_members) = t.get("/v1/members", &a_key).await;
    assert!(!a_members.to_string().contains("b@example.com"));
    let (_, a_audit) = t.get("/v1/audit", &a.access).await;
    assert!(!a_audit.to_string().contains(&b_bot_id));

    // B is untouched.
    let (_, bot) = t.get(&format!("/v1/bots/{b_bot_id}"), &b.access).await;
    assert_eq!(bot["draft"]["personality"]["name"], "B's bot");
    assert_eq!(bot["status"], "active");
    assert_eq!(bot["embed_id"], b_bot["embed_id"]);
    let (_, versions) = t.get(&format!("/v1/bots/{b_bot_id}/versions"), &b.access).await;
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(1));
    let (_, members) = t.get("/v1/members", &b.access).await;
    assert_eq!(members["members"].as_array().map(Vec::len), Some(2));
    let (status, _) = t.get("/v1/bots", &b_key).await;
    assert_eq!(status, StatusCode::OK);

    // Tenant-wide endpoints act on the caller's own tenant only.
    let (_, tenant) = t.get("/v1/tenant", &a_key).await;
    assert_eq!(tenant["id"], a.tenant_id.as_str());
    // Operator endpoints refuse ordinary owners.
    let (status, body) = t.get("/v1/admin/tenants", &a.access).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) =
        t.patch(&format!("/v1/admin/tenants/{}", b.tenant_id), &a.access, json!({ "status": "suspended" })).await;
    assert_error(status, &body, 403, "forbidden");
}
