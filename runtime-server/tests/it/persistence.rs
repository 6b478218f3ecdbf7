//! The on-disk engine: data written before a stop is there after a restart,
//! and the demo seeding is idempotent. These run the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::PASSWORD;

const BINARY: &str = env!("CARGO_BIN_EXE_animo-server");

/// A running `animo-server serve`, stopped with SIGTERM like an operator would.
struct Process {
    child: Child,
    url: String,
}

impl Process {
    fn start(data: &std::path::Path) -> Self {
        let mut child = Command::new(BINARY)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .arg("--database")
            .arg(format!("surrealkv://{}", data.join("db").display()))
            .arg("--blobs")
            .arg(data.join("blobs"))
            .env("ANIMO_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("server starts");
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
    fn kill(mut self) {
        self.child.kill().expect("killed");
        let _reaped = self.child.wait();
    }

    fn stop(mut self) {
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

async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("sent");
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn data_survives_a_restart_on_disk() {
    let data = tempfile::tempdir().expect("temp dir");
    let client = reqwest::Client::new();
    let server = Process::start(data.path());
    let (status, session) = post(
        &client,
        format!("{}/v1/auth/signup", server.url),
        None,
        json!({ "email": "disk@example.com", "password": PASSWORD, "tenant_name": "Disk" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let access = session["tokens"]["access_token"].as_str().expect("token").to_owned();
    let (status, bot) = post(
        &client,
        format!("{}/v1/bots", server.url),
        Some(&access),
        json!({ "personality": { "name": "Durable" } }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let bot_id = bot["id"].as_str().expect("id").to_owned();
    let (status, _) = post(&client, format!("{}/v1/bots/{bot_id}/publish", server.url), Some(&access), json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    server.stop();

    let server = Process::start(data.path());
    // The signing secret is kept in the database, so the old token is still valid.
    let response = client
        .get(format!("{}/v1/bots/{bot_id}/versions", server.url))
        .bearer_auth(&access)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let versions: Value = response.json().await.expect("json");
    assert_eq!(versions["live_version"], 1);
    assert_eq!(versions["versions"][0]["config"]["personality"]["name"], "Durable");
    let (status, _) = post(
        &client,
        format!("{}/v1/auth/login", server.url),
        None,
        json!({ "email": "disk@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    server.stop();
}

#[tokio::test]
async fn acknowledged_messages_survive_a_kill() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    const SHOP: &str = "https://shop.example";

    let data = tempfile::tempdir().expect("temp dir");
    let client = reqwest::Client::new();
    let server = Process::start(data.path());
    let (_, session) = post(
        &client,
        format!("{}/v1/auth/signup", server.url),
        None,
        json!({ "email": "crash@example.com", "password": PASSWORD, "tenant_name": "Crash" }),
    )
    .await;
    let access = session["tokens"]["access_token"].as_str().expect("token").to_owned();
    let (_, bot) = post(
        &client,
        format!("{}/v1/bots", server.url),
        Some(&access),
        json!({ "personality": { "name": "Durable" }, "allowed_origins": [SHOP] }),
    )
    .await;
    let bot_id = bot["id"].as_str().expect("id");
    post(&client, format!("{}/v1/bots/{bot_id}/publish", server.url), Some(&access), json!({})).await;
    let embed = bot["embed_id"].as_str().expect("embed");
    let config: Value = client
        .get(format!("{}/v1/embed/{embed}/config", server.url))
        .header("origin", SHOP)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let token = config["visitor"]["token"].as_str().expect("token").to_owned();

    let mut request = format!("{}/v1/chat?token={token}", server.url.replacen("http://", "ws://", 1))
        .into_client_request()
        .expect("url");
    request.headers_mut().insert("origin", SHOP.parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connects");
    let mut acknowledged = Vec::new();
    for n in 0..5 {
        let frame = json!({ "type": "user_message", "client_msg_id": format!("c{n}"), "text": format!("Message {n}") });
        socket.send(Message::Text(frame.to_string().into())).await.expect("sent");
    }
    // Each acknowledgement is a promise that the message is on disk; the
    // server is killed the moment the last one arrives.
    while acknowledged.len() < 5 {
        let Some(Ok(Message::Text(text))) = socket.next().await else { panic!("socket closed early") };
        let frame: Value = serde_json::from_str(text.as_str()).expect("json");
        if frame["type"] == "ack" {
            acknowledged.push(frame["client_msg_id"].as_str().expect("id").to_owned());
        }
    }
    server.kill();

    let server = Process::start(data.path());
    let history: Value = client
        .get(format!("{}/v1/chat/history?token={token}", server.url))
        .header("origin", SHOP)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let stored: Vec<&str> = history["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|message| message["author"] == "visitor")
        .filter_map(|message| message["client_msg_id"].as_str())
        .collect();
    assert_eq!(stored, acknowledged, "every acknowledged message is still there: {history}");
    server.stop();
}

#[test]
fn demo_seeding_is_idempotent() {
    let data = tempfile::tempdir().expect("temp dir");
    let run = || {
        let output = Command::new(BINARY)
            .arg("demo")
            .arg("--database")
            .arg(format!("surrealkv://{}", data.path().join("db").display()))
            .arg("--blobs")
            .arg(data.path().join("blobs"))
            .output()
            .expect("demo runs");
        assert!(output.status.success(), "demo failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let first = run();
    assert!(first.contains("demo created") && first.contains("demo@animo.localhost"), "{first}");
    let second = run();
    assert!(second.contains("demo already present"), "{second}");
    assert!(first.contains("(20 slots mapped)"), "the demo avatar maps every slot: {first}");
    let bot_line = |text: &str| text.lines().find(|l| l.contains("bot:")).map(str::to_owned);
    assert_eq!(bot_line(&first), bot_line(&second), "the same bot is found again");
}
