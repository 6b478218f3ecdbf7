//! The on-disk engine: data written before a stop is there after a restart,
//! and the demo seeding is idempotent. These run the real binary.

use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{PASSWORD, marker};
use crate::process::{BINARY, Process, get, post, signup};

#[tokio::test]
async fn data_survives_a_restart_on_disk() {
    let data = tempfile::tempdir().expect("temp dir");
    let client = reqwest::Client::new();
    let server = Process::start(data.path());
    let access = signup(&client, &server, "disk@example.com", "Disk").await;
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
    let access = signup(&client, &server, "crash@example.com", "Crash").await;
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

#[tokio::test]
async fn ingestion_killed_midway_completes_after_a_restart_without_duplicates() {
    const SECTIONS: usize = 400;
    let data = tempfile::tempdir().expect("temp dir");
    let client = reqwest::Client::new();
    let server = Process::start(data.path());
    let access = signup(&client, &server, "ingest-crash@example.com", "Ingest Crash").await;
    let (_, bot) = post(
        &client,
        format!("{}/v1/bots", server.url),
        Some(&access),
        json!({ "personality": { "name": "Librarian" } }),
    )
    .await;
    let bot_id = bot["id"].as_str().expect("id").to_owned();
    // One short section per passage: many embedding batches, each quick, so
    // the job is certainly seen half-way through.
    let mut text = String::from("# Catalogue\n\n");
    for n in 0..SECTIONS {
        let word = marker(n);
        text.push_str(&format!("## Entry {word}\n\nThe {word} entry describes one catalogue item in a few words.\n\n"));
    }
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(text.into_bytes()).file_name("catalogue.md"));
    let response = client
        .post(format!("{}/v1/bots/{bot_id}/knowledge", server.url))
        .bearer_auth(&access)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let document: Value = response.json().await.expect("json");
    let doc_id = document["id"].as_str().expect("id").to_owned();

    let view = |url: String| {
        let client = client.clone();
        let access = access.clone();
        let doc_id = doc_id.clone();
        async move {
            let (_, list) = get(&client, url, &access).await;
            list["documents"]
                .as_array()
                .and_then(|documents| documents.iter().find(|d| d["id"] == doc_id.as_str()))
                .cloned()
                .expect("the document is listed")
        }
    };
    // Poll until the job is part-way through embedding, then kill the server.
    let list_url = |server: &Process| format!("{}/v1/bots/{bot_id}/knowledge", server.url);
    let started = std::time::Instant::now();
    let total = loop {
        let current = view(list_url(&server)).await;
        let done = current["progress_done"].as_u64().unwrap_or(0);
        let total = current["progress_total"].as_u64().unwrap_or(0);
        if current["status"] == "embedding" && done > 0 && done < total {
            break total;
        }
        assert!(
            matches!(current["status"].as_str(), Some("queued" | "extracting" | "embedding")),
            "the job ended before it could be interrupted (is the embedding model installed? `cargo xtask setup`): {current}"
        );
        assert!(started.elapsed() < Duration::from_secs(300), "the job never got under way: {current}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    server.kill();
    assert!(total > SECTIONS as u64, "one passage per section at least: {total}");

    let server = Process::start(data.path());
    let started = std::time::Instant::now();
    let finished = loop {
        let current = view(list_url(&server)).await;
        if current["status"] == "indexed" || current["status"] == "failed" {
            break current;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "the job did not finish after the restart: {current}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(finished["status"], "indexed", "{finished}");
    assert_eq!(finished["chunks"].as_u64(), Some(total), "{finished}");
    // Each entry is found once, in its own passage.
    for n in [0, SECTIONS / 2, SECTIONS - 1] {
        let word = marker(n);
        let (status, found) = post(
            &client,
            format!("{}/v1/bots/{bot_id}/knowledge/search", server.url),
            Some(&access),
            json!({ "query": word, "k": 10 }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let holding: Vec<&Value> = found["passages"]
            .as_array()
            .expect("passages")
            .iter()
            .filter(|passage| passage["text"].as_str().is_some_and(|text| text.contains(&word)))
            .collect();
        assert_eq!(holding.len(), 1, "{word} is in exactly one passage: {found}");
    }
    server.stop();
}
