//! Knowledge documents: upload with progress, URL sources refused by the
//! server's rules, listing with status, search, delete, and the publish check.

use std::time::Duration;

use animo_shared::ErrorCode;
use animo_shared::knowledge::{DocumentStatus, SearchRequest};
use animo_studio_core::PublishCheckKind;

use crate::common::{personality, progress_log, signed_up};

fn search(query: &str) -> SearchRequest {
    serde_json::from_value(serde_json::json!({ "query": query, "k": 3 })).expect("valid search")
}

#[tokio::test]
async fn documents_are_uploaded_listed_searched_and_deleted() {
    let (_server, t) = signed_up().await;
    let bot = t.create_bot(personality(serde_json::json!({ "name": "Bikes" }))).await;

    let dir = tempfile::tempdir().expect("dir");
    let guide = dir.path().join("bike-care.md");
    std::fs::write(
        &guide,
        "# Bike care\n\n## Chain\n\nOil the chain once a month and wipe off the extra oil.\n\n## Tyres\n\nPump the tyres to the pressure printed on their side every week.\n",
    )
    .expect("written");
    let (log, progress) = progress_log();
    let document = t.studio.add_knowledge_file(&bot.id, &guide, progress).await.expect("accepted");
    let total = std::fs::metadata(&guide).expect("file").len();
    assert_eq!(
        log.lock().expect("not poisoned").last().map(|report| (report.sent, report.total)),
        Some((total, total))
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let indexed = loop {
        let list = t.studio.knowledge(&bot.id).await.expect("listed");
        let current = list.documents.into_iter().find(|listed| listed.id == document.id).expect("listed");
        if matches!(current.status, DocumentStatus::Indexed | DocumentStatus::Failed) {
            break current;
        }
        assert!(tokio::time::Instant::now() < deadline, "ingestion did not finish: {current:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(indexed.status, DocumentStatus::Indexed, "{indexed:?}");
    assert!(indexed.chunks >= 1);
    let checks = t.studio.publish_checks(&bot.id).await.expect("checked");
    assert!(checks.checks.iter().any(|check| check.kind == PublishCheckKind::Knowledge && check.passed));

    let found =
        t.studio.search_knowledge(&bot.id, &search("how often should I oil the chain")).await.expect("searched");
    assert!(found.passages.first().is_some_and(|passage| passage.text.contains("once a month")), "{found:?}");

    // The server's own rules come back coded: loopback URLs are not fetched,
    // and unknown file kinds are refused.
    let loopback = serde_json::from_value(serde_json::json!({ "url": "http://127.0.0.1:1/page" })).expect("valid");
    let refused = t.studio.add_knowledge_url(&bot.id, &loopback).await.expect_err("not fetched");
    assert_eq!(refused.code, ErrorCode::UrlForbidden);
    let binary = dir.path().join("photo.bin");
    std::fs::write(&binary, [0_u8, 159, 146, 150, 0, 1, 2]).expect("written");
    let (_, progress) = progress_log();
    let unsupported = t.studio.add_knowledge_file(&bot.id, &binary, progress).await.expect_err("refused");
    assert_eq!(unsupported.code, ErrorCode::UnsupportedDocument);
    let (_, progress) = progress_log();
    let missing =
        t.studio.add_knowledge_file(&bot.id, &dir.path().join("absent.md"), progress).await.expect_err("no file");
    assert_eq!(missing.code, ErrorCode::Internal);

    t.studio.delete_knowledge(&bot.id, &document.id).await.expect("deleted");
    let left = t.studio.knowledge(&bot.id).await.expect("listed");
    assert!(left.documents.iter().all(|listed| listed.id != document.id));
    assert_eq!(t.studio.delete_knowledge(&bot.id, &document.id).await.expect_err("gone").code, ErrorCode::NotFound);
}
