//! Bots, personality edits, and the outbox across a period when the server
//! cannot be reached.

use animo_shared::ErrorCode;
use animo_shared::bot::UpdateBotRequest;
use animo_studio_core::{Connectivity, DraftSaveStatus, EditKind};

use crate::common::{Relay, TestServer, TestStudio, personality, signed_up};

#[tokio::test]
async fn bots_are_created_duplicated_archived_and_counted() {
    let (server, t) = signed_up().await;
    let created = t.create_bot(personality(serde_json::json!({ "name": "Ava", "greeting": "Hello!" }))).await;
    let copy = t.studio.duplicate_bot(&created.id).await.expect("duplicated");
    assert_eq!(copy.draft.personality.name.as_str(), "Ava (copy)");
    assert_eq!(copy.draft.personality.greeting.as_str(), "Hello!");
    assert_ne!(copy.id, created.id);
    let tenant = t.studio.tenant().await.expect("tenant");
    assert_eq!(tenant.usage.bots, 2);
    assert!(tenant.plan.max_bots >= 2);

    t.studio.archive_bot(&copy.id).await.expect("archived");
    assert_eq!(t.studio.bots(false).await.expect("listed").bots.len(), 1);
    assert_eq!(t.studio.bots(true).await.expect("listed").bots.len(), 2);
    let snippet = t.studio.embed_snippet(&created.id).await.expect("snippet");
    assert_eq!(
        snippet.snippet,
        format!("<script async src=\"{}/embed.js\" data-embed-id=\"{}\"></script>", server.url(), created.embed_id)
    );
    // An archived bot refuses edits: the refusal is the server's code, and
    // the edit is kept (marked refused) until discarded.
    let refused = t
        .studio
        .update_draft(
            &copy.id,
            UpdateBotRequest {
                personality: Some(personality(serde_json::json!({"name": "Z"}))),
                ..UpdateBotRequest::default()
            },
        )
        .await
        .expect_err("archived");
    assert_eq!(refused.code, ErrorCode::BotArchived);
    let pending = t.studio.pending_edits().await.expect("listed");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].refused.as_ref().map(|error| error.code), Some(ErrorCode::BotArchived));
    t.studio.discard_edit(&pending[0].id).await.expect("discarded");
    assert!(t.studio.pending_edits().await.expect("listed").is_empty());
    assert_eq!(t.studio.discard_edit("../../etc/passwd").await.expect_err("refused").code, ErrorCode::NotFound);
}

#[tokio::test]
async fn personality_edits_are_validated_as_the_server_does_and_saved() {
    let (server, t) = signed_up().await;
    let bot = t.create_bot(personality(serde_json::json!({ "name": "Ava" }))).await;

    let form = serde_json::json!({ "name": "Ava", "greeting": "Hi, I'm Ava!", "temperature": 9 });
    let check = t.studio.check_personality(&form);
    assert_eq!(check.problems.len(), 1);
    assert_eq!(check.problems[0].field, "temperature");
    // The server refuses the same value: the Studio mirrors it.
    let session = t.studio.session().await.expect("signed in");
    let tokens = animo_studio_core::secrets::SecretStore::open(&t.service, t.secrets.clone())
        .await
        .expect("opens")
        .load(&session.account.key())
        .await
        .expect("readable")
        .expect("stored");
    let response = reqwest::Client::new()
        .patch(format!("{}/v1/bots/{}", server.url(), bot.id))
        .bearer_auth(tokens.access_token.expose())
        .json(&serde_json::json!({ "personality": form }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.expect("error body");
    assert_eq!(body["code"], "invalid_request");

    let form = serde_json::json!({ "name": "Ava", "greeting": "Hi, I'm Ava!", "temperature": 0.4 });
    let valid = t.studio.check_personality(&form).personality.expect("valid");
    let saved = t
        .studio
        .update_draft(&bot.id, UpdateBotRequest { personality: Some(valid), ..UpdateBotRequest::default() })
        .await
        .expect("saved");
    assert_eq!(saved.status, DraftSaveStatus::Saved);
    assert_eq!(saved.pending, 0);
    assert_eq!(saved.bot.expect("bot").draft.personality.greeting.as_str(), "Hi, I'm Ava!");
    assert_eq!(t.studio.bot(&bot.id).await.expect("read").draft.personality.greeting.as_str(), "Hi, I'm Ava!");
    assert!(t.studio.pending_edits().await.expect("listed").is_empty());
}

#[tokio::test]
async fn edits_made_while_the_server_is_unreachable_reach_it_later() {
    let server = TestServer::start().await;
    let mut relay = Relay::start(server.server.addr).await;
    let dirs = tempfile::tempdir().expect("dir");
    let secrets = animo_studio_core::SecretBackendChoice::File(dirs.path().join("secrets.json"));
    let t = TestStudio::open_in(
        dirs,
        format!("animo-studio-test-{}", crate::common::uuid()),
        secrets,
        std::time::Duration::from_secs(3),
    )
    .await;
    let session = t.sign_up(&relay.url()).await;
    let bot = t.create_bot(personality(serde_json::json!({ "name": "Ava" }))).await;

    relay.down();
    let edit = |greeting: &str| UpdateBotRequest {
        personality: Some(personality(serde_json::json!({ "name": "Ava", "greeting": greeting }))),
        ..UpdateBotRequest::default()
    };
    let queued = t.studio.update_draft(&bot.id, edit("First try")).await.expect("queued, not failed");
    assert_eq!(queued.status, DraftSaveStatus::Queued);
    assert_eq!(t.studio.connectivity(), Connectivity::Unreachable);
    let queued = t.studio.update_draft(&bot.id, edit("Welcome, offline edit!")).await.expect("queued");
    assert_eq!(queued.status, DraftSaveStatus::Queued);
    // The later edit of the same section replaced the earlier one on disk.
    let pending = t.studio.pending_edits().await.expect("listed");
    assert_eq!(pending.len(), 1);
    assert!(
        matches!(&pending[0].edit, EditKind::UpdateDraft { update } if update.personality.as_ref().expect("set").greeting.as_str() == "Welcome, offline edit!")
    );
    let files: Vec<_> = std::fs::read_dir(t.outbox_dir()).expect("outbox on disk").collect();
    assert_eq!(files.len(), 1, "the edit is on disk before anything was sent");

    // A Studio restarted meanwhile still has the edit (same folders and keyring).
    let dirs = t.dirs;
    let restarted =
        TestStudio::open_in(dirs, t.service.clone(), t.secrets.clone(), std::time::Duration::from_secs(3)).await;
    let error = restarted.studio.resume(&session.account).await.expect_err("server still down");
    assert!(error.is_unreachable(), "{error:?}");
    assert_eq!(error.code, ErrorCode::ServerUnreachable);
    assert_eq!(restarted.studio.pending_edits().await.expect("listed").len(), 1);
    let report = restarted.studio.flush_outbox().await.expect("flush runs");
    assert_eq!((report.sent, report.pending), (0, 1));

    relay.up().await;
    let retry = restarted.studio.spawn_outbox_retry(std::time::Duration::from_millis(100));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while !restarted.studio.pending_edits().await.expect("listed").is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the outbox was not sent after the server came back");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    retry.abort();
    assert_eq!(restarted.studio.connectivity(), Connectivity::Online);
    let on_server = restarted.studio.bot(&bot.id).await.expect("read");
    assert_eq!(on_server.draft.personality.greeting.as_str(), "Welcome, offline edit!");
    assert_eq!(std::fs::read_dir(restarted.outbox_dir()).expect("outbox").count(), 0);
}
