//! A test server and a small JSON client.

use animo_server::{Config, RunningServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A server with its own in-memory database and blob folder.
pub struct TestServer {
    pub server: RunningServer,
    pub client: reqwest::Client,
    _blobs: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        // Server errors are logged; the test harness shows them for failing tests.
        let _already_set = tracing_subscriber::fmt().with_env_filter("warn").with_test_writer().try_init();
        let blobs = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_tests(blobs.path());
        adjust(&mut config);
        let server = animo_server::spawn(config).await.expect("server starts");
        Self { server, client: reqwest::Client::new(), _blobs: blobs }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// Sends a request; the body is JSON when given. Returns status and parsed body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request is sent");
        let status = response.status();
        let text = response.text().await.expect("body is read");
        let value =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// A widget's request: no credentials, sent from a page of `origin`; the JSON answer.
    pub async fn get_from_page(&self, path: &str, origin: &str) -> Value {
        self.client.get(self.url(path)).header("origin", origin).send().await.expect("sent").json().await.expect("json")
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(token), Some(body)).await
    }

    /// Signs up a new account and tenant; returns the session body.
    pub async fn signup(&self, email: &str, tenant: &str) -> Session {
        let (status, body) = self
            .call(
                Method::POST,
                "/v1/auth/signup",
                None,
                Some(json!({ "email": email, "password": PASSWORD, "tenant_name": tenant })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "signup failed: {body}");
        Session::from_body(&body)
    }

    /// Creates a bot and returns its body.
    pub async fn create_bot(&self, token: &str, name: &str) -> Value {
        let (status, body) = self.post("/v1/bots", token, json!({ "personality": { "name": name } })).await;
        assert_eq!(status, StatusCode::CREATED, "create bot failed: {body}");
        body
    }

    /// Invites `email` with `role` into the owner's tenant and accepts; returns the new member's session.
    pub async fn add_member(&self, owner: &Session, email: &str, role: &str) -> Session {
        let (status, invite) =
            self.post("/v1/members/invites", &owner.access, json!({ "email": email, "role": role })).await;
        assert_eq!(status, StatusCode::CREATED, "invite failed: {invite}");
        let (status, body) = self
            .call(
                Method::POST,
                "/v1/invites/accept",
                None,
                Some(json!({ "token": invite["token"], "password": PASSWORD })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "accept failed: {body}");
        Session::from_body(&body)
    }

    /// Creates an API key with a role and returns its secret.
    pub async fn api_key(&self, owner: &Session, role: &str) -> String {
        let (status, body) = self.post("/v1/api-keys", &owner.access, json!({ "name": "test", "role": role })).await;
        assert_eq!(status, StatusCode::CREATED, "api key failed: {body}");
        body["secret"].as_str().expect("secret").to_owned()
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// The useful parts of a session answer.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub tenant_id: String,
    pub account_id: String,
}

impl Session {
    pub fn from_body(body: &Value) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_else(|| panic!("missing field in {body}")).to_owned();
        Self {
            access: text(&body["tokens"]["access_token"]),
            refresh: text(&body["tokens"]["refresh_token"]),
            tenant_id: text(&body["membership"]["tenant_id"]),
            account_id: text(&body["account"]["id"]),
        }
    }
}

/// Asserts an error answer: status, code, and the standard body shape.
pub fn assert_error(status: StatusCode, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status.as_u16(), expected_status, "unexpected status, body {body}");
    assert_eq!(body["code"], code, "unexpected code in {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "no message in {body}");
    assert!(body["request_id"].as_str().is_some_and(|r| r.len() >= 8), "no request id in {body}");
}

/// A word made of letters only, unique to `n`, so that the word analyzer
/// keeps it whole and a search for it can match one passage alone.
pub fn marker(mut n: usize) -> String {
    let mut word = String::from("qz");
    for _ in 0..4 {
        word.push(char::from(b'a' + u8::try_from(n % 26).unwrap_or(0)));
        n /= 26;
    }
    word
}
