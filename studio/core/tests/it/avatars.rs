//! The avatar flow end to end: inspect, upload with progress, suggested
//! mapping, attach, pre-publish checks, publish, diff and rollback.

use std::sync::Arc;

use animo_shared::ErrorCode;
use animo_shared::avatar::BotAvatar;
use animo_shared::avatar::slots::Slot;
use animo_shared::bot::{Personality, PublishRequest, UpdateBotRequest};
use animo_shared::text::Label;
use animo_studio_core::{DraftSaveStatus, PublishCheckKind};

use crate::common::{personality, progress_log, robot, signed_up};

#[tokio::test]
async fn an_avatar_is_uploaded_mapped_published_and_rolled_back() {
    let (_server, t) = signed_up().await;
    let bot = t.create_bot(personality(serde_json::json!({ "name": "Robo" }))).await;

    // Inspected here first, as the Studio shows the report before uploading.
    let local = t.studio.inspect_avatar_file(robot()).await.expect("inspected");
    assert!(local.clips.iter().any(|clip| clip.name == "Idle"), "{:?}", local.clips);
    let not_glb = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(not_glb.path(), b"not a model").expect("written");
    assert_eq!(t.studio.inspect_avatar_file(not_glb.path()).await.expect_err("refused").code, ErrorCode::NotGlb);

    let total = std::fs::metadata(robot()).expect("fixture").len();
    let (log, progress) = progress_log();
    let avatar = t.studio.upload_avatar(robot(), Arc::clone(&progress)).await.expect("uploaded");
    assert_eq!(avatar.bytes, total);
    assert_eq!(avatar.report, local, "the server's inspection matches the local one");
    let reports = log.lock().expect("not poisoned").clone();
    assert!(reports.len() >= 3, "{reports:?}");
    assert!(reports.windows(2).all(|pair| pair[0].sent <= pair[1].sent), "monotonic: {reports:?}");
    assert!(reports.iter().all(|report| report.total == total));
    assert_eq!(reports.last().map(|report| report.sent), Some(total));
    assert_eq!(t.studio.avatars().await.expect("listed").avatars.len(), 1);
    assert_eq!(t.studio.avatar_model(&avatar.id).await.expect("bytes").len() as u64, total);

    // Without an avatar the checks pass (the owner may publish a 2D bot).
    let checks = t.studio.publish_checks(&bot.id).await.expect("checked");
    assert!(checks.ready, "{checks:?}");

    // A mapping without talking is caught here before the server refuses it.
    let suggestion = t.studio.suggested_mapping(&avatar.id).await.expect("suggested");
    assert!(suggestion.mapping.slots.contains_key(&Slot::Idle));
    let mut partial = suggestion.mapping.clone();
    partial.slots.remove(&Slot::Talking);
    let saved = t
        .studio
        .attach_avatar(&bot.id, BotAvatar { avatar_id: avatar.id.clone(), mapping: partial })
        .await
        .expect("a draft may be incomplete");
    assert_eq!(saved.status, DraftSaveStatus::Saved);
    let checks = t.studio.publish_checks(&bot.id).await.expect("checked");
    assert!(!checks.ready);
    let mapping = checks.checks.iter().find(|check| check.kind == PublishCheckKind::AvatarMapping).expect("present");
    assert!(!mapping.passed && mapping.message.contains("talking"), "{mapping:?}");
    // The server refuses too, and its refusal comes back as it is.
    let refused = t.studio.publish(&bot.id, &PublishRequest::default()).await.expect_err("refused");
    assert_eq!(refused.code, ErrorCode::MappingInvalid);

    let mut full = suggestion.mapping.clone();
    if !full.slots.contains_key(&Slot::Talking) {
        let idle = full.slots.get(&Slot::Idle).cloned().expect("idle mapped");
        full.slots.insert(Slot::Talking, idle);
    }
    let saved = t
        .studio
        .attach_avatar(&bot.id, BotAvatar { avatar_id: avatar.id.clone(), mapping: full.clone() })
        .await
        .expect("attached");
    assert_eq!(saved.bot.expect("bot").draft.avatar.expect("avatar").mapping, full);
    let checks = t.studio.publish_checks(&bot.id).await.expect("checked");
    assert!(checks.ready, "{checks:?}");

    let first = t
        .studio
        .publish(&bot.id, &PublishRequest { note: Some(Label::try_from("First".to_owned()).expect("valid")) })
        .await
        .expect("published");
    assert_eq!(first.version, 1);
    assert!(t.studio.draft_diff(&bot.id).await.expect("diff").changes.is_empty());

    let greeting: Personality =
        serde_json::from_value(serde_json::json!({ "name": "Robo", "greeting": "Beep! Hello." })).expect("valid");
    t.studio
        .update_draft(&bot.id, UpdateBotRequest { personality: Some(greeting), ..UpdateBotRequest::default() })
        .await
        .expect("saved");
    let diff = t.studio.draft_diff(&bot.id).await.expect("diff");
    assert_eq!(diff.live_version, Some(1));
    let paths: Vec<&str> = diff.changes.iter().map(|change| change.path.as_str()).collect();
    assert_eq!(paths, ["personality.greeting"]);
    let second = t.studio.publish(&bot.id, &PublishRequest::default()).await.expect("published");
    assert_eq!(second.version, 2);

    let rolled = t.studio.rollback(&bot.id, 1).await.expect("rolled back");
    assert_eq!(rolled.version, 3);
    assert_eq!(rolled.rolled_back_from, Some(1));
    let versions = t.studio.versions(&bot.id).await.expect("listed");
    assert_eq!(versions.live_version, Some(3));
    assert_eq!(versions.versions.len(), 3);
    // The live version is version 1's content again, so the draft differs in the greeting.
    let diff = t.studio.draft_diff(&bot.id).await.expect("diff");
    assert_eq!(diff.changes.len(), 1);
    assert_eq!(diff.changes[0].draft, Some(serde_json::json!("Beep! Hello.")));
}
