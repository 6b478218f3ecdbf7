//! The real `animo-server` binary as a child process on the on-disk engine,
//! for tests where persistence matters: stopped with SIGTERM like an
//! operator would, or killed without warning like a crash.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

pub const BINARY: &str = env!("CARGO_BIN_EXE_animo-server");

/// The database URL of a data folder.
pub fn database_url(data: &Path) -> String {
    format!("surrealkv://{}", data.join("db").display())
}

/// A running `animo-server serve` on `data`.
pub struct Process {
    child: Child,
    pub url: String,
}

impl Process {
    pub fn start(data: &Path) -> Self {
        Self::start_with(data, &[])
    }

    /// Starts with extra environment variables (the server's configuration).
    pub fn start_with(data: &Path, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(BINARY);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .arg("--database")
            .arg(database_url(data))
            .arg("--blobs")
            .arg(data.join("blobs"))
            .env("ANIMO_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("server starts");
        let stderr = child.stderr.take().expect("stderr");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or_default().to_owned();
                    // The receiver may be gone after a timeout; nothing to do then.
                    let _gone = sender.send(addr);
                }
            }
        });
        let addr = receiver.recv_timeout(Duration::from_secs(60)).expect("server prints its address");
        Self { child, url: format!("http://{addr}") }
    }

    /// Kills the server without warning, as a crash or an OOM kill would.
    pub fn kill(mut self) {
        self.child.kill().expect("killed");
        let _reaped = self.child.wait();
    }

    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("server exits");
        assert!(exit.success(), "graceful shutdown exits cleanly: {exit:?}");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Already reaped after `stop`; otherwise make sure no server outlives the test.
        let _already_gone = self.child.kill();
        let _reaped = self.child.wait();
    }
}

/// POSTs JSON, with a bearer token when given; returns status and body (Null when not JSON).
pub async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("sent");
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

/// Signs up an account and tenant on `server`; returns the access token.
pub async fn signup(client: &reqwest::Client, server: &Process, email: &str, tenant: &str) -> String {
    let body = json!({ "email": email, "password": crate::common::PASSWORD, "tenant_name": tenant });
    let (status, session) = post(client, format!("{}/v1/auth/signup", server.url), None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    session["tokens"]["access_token"].as_str().expect("token").to_owned()
}

/// GETs JSON with a bearer token.
pub async fn get(client: &reqwest::Client, url: String, token: &str) -> (StatusCode, Value) {
    let response = client.get(url).bearer_auth(token).send().await.expect("sent");
    (response.status(), response.json().await.unwrap_or(Value::Null))
}
