//! Commands of the Knowledge, Widget & Placement and Analytics screens and
//! the avatar upload: each calls one method of the Studio core and answers
//! with its result or its [`StudioError`]. Uploads report their progress as
//! `upload-progress` events tagged with an id the front-end chooses.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use animo_shared::ErrorCode;
use animo_shared::avatar::{AvatarView, BotAvatar};
use animo_shared::chat::{AnalyticsQuery, BotAnalytics};
use animo_shared::knowledge::{AddUrlRequest, DocumentList, DocumentView, SearchRequest, SearchResponse};
use animo_shared::{BotId, DocumentId};
use animo_studio_core::app::{AvatarSource, UploadProgressEvent, UploadProgressed};
use animo_studio_core::{DraftSave, ProgressFn, Studio as Core, StudioError, UploadProgress};
use tauri::{AppHandle, State};

use crate::avatar::DEMO_AVATAR;
use crate::emit;

/// The file extensions the server reads as knowledge (see the
/// `unsupported_document` error), offered by the file dialog.
pub const DOCUMENT_EXTENSIONS: &[&str] = &["txt", "md", "markdown", "html", "htm", "pdf", "docx", "csv", "json"];

/// A progress callback that tells the front-end about upload `id`.
fn progress_events(app: &AppHandle, id: String) -> Arc<ProgressFn> {
    let app = app.clone();
    Arc::new(move |progress: UploadProgress| {
        let event = UploadProgressEvent { id: id.clone(), sent: progress.sent, total: progress.total };
        // A window that is closing no longer listens; the upload goes on.
        let _ = emit::<UploadProgressed>(&app, &event);
    })
}

/// An upload id must name the upload for the front-end, nothing more.
fn checked_upload_id(id: String) -> Result<String, StudioError> {
    if id.is_empty() || id.len() > 100 || id.chars().any(char::is_control) {
        return Err(StudioError::new(ErrorCode::InvalidRequest, "an upload id is 1 to 100 printable characters"));
    }
    Ok(id)
}

/// Asks for knowledge documents with the system's file dialog (several at
/// once); empty when cancelled.
#[tauri::command]
pub async fn knowledge_choose_files(app: AppHandle) -> Result<Vec<String>, StudioError> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    // GTK dialogs must run on the thread that runs GTK's loop.
    app.run_on_main_thread(move || {
        let picked = rfd::FileDialog::new()
            .set_title("Add documents")
            .add_filter("Documents (txt, md, html, pdf, docx, csv, json)", DOCUMENT_EXTENSIONS)
            .pick_files();
        // The command may have been abandoned meanwhile; nobody is left to tell.
        let _ = sender.send(picked);
    })
    .map_err(|error| StudioError::local("The file dialog could not open", error))?;
    let picked = receiver
        .await
        .map_err(|_| StudioError::new(ErrorCode::Internal, "the file dialog closed without an answer"))?;
    Ok(picked.unwrap_or_default().into_iter().map(|path| path.display().to_string()).collect())
}

/// Uploads one document to a bot's knowledge, reporting progress as `upload_id`.
#[tauri::command]
pub async fn knowledge_add_file(
    app: AppHandle,
    core: State<'_, Core>,
    bot_id: BotId,
    path: PathBuf,
    upload_id: String,
) -> Result<DocumentView, StudioError> {
    let progress = progress_events(&app, checked_upload_id(upload_id)?);
    core.add_knowledge_file(&bot_id, &path, progress).await
}

/// Adds a web page, or a crawl of its site, to a bot's knowledge.
#[tauri::command]
pub async fn knowledge_add_url(
    core: State<'_, Core>,
    bot_id: BotId,
    request: AddUrlRequest,
) -> Result<DocumentView, StudioError> {
    core.add_knowledge_url(&bot_id, &request).await
}

/// A bot's documents with their ingestion status.
#[tauri::command]
pub async fn knowledge_list(core: State<'_, Core>, bot_id: BotId) -> Result<DocumentList, StudioError> {
    core.knowledge(&bot_id).await
}

/// Removes a document.
#[tauri::command]
pub async fn knowledge_delete(
    core: State<'_, Core>,
    bot_id: BotId,
    document_id: DocumentId,
) -> Result<(), StudioError> {
    core.delete_knowledge(&bot_id, &document_id).await
}

/// Fetches a URL source again.
#[tauri::command]
pub async fn knowledge_resync(
    core: State<'_, Core>,
    bot_id: BotId,
    document_id: DocumentId,
) -> Result<DocumentView, StudioError> {
    core.resync_knowledge(&bot_id, &document_id).await
}

/// Searches the draft's knowledge as the bot would.
#[tauri::command]
pub async fn knowledge_search(
    core: State<'_, Core>,
    bot_id: BotId,
    request: SearchRequest,
) -> Result<SearchResponse, StudioError> {
    core.search_knowledge(&bot_id, &request).await
}

/// A bot's figures per day over a range.
#[tauri::command]
pub async fn analytics_load(
    core: State<'_, Core>,
    bot_id: BotId,
    query: AnalyticsQuery,
) -> Result<BotAnalytics, StudioError> {
    core.analytics(&bot_id, &query).await
}

/// Uploads a GLB (a file, or the built-in demo avatar) to the tenant's
/// avatars, reporting progress as `upload_id`.
#[tauri::command]
pub async fn avatar_upload(
    app: AppHandle,
    core: State<'_, Core>,
    source: AvatarSource,
    upload_id: String,
) -> Result<AvatarView, StudioError> {
    let progress = progress_events(&app, checked_upload_id(upload_id)?);
    match source {
        AvatarSource::File { path } => core.upload_avatar(Path::new(&path), progress).await,
        AvatarSource::Demo => {
            // The core uploads from a file; the demo avatar lives in the binary.
            let path = std::env::temp_dir().join(format!("animo-studio-demo-avatar-{}.glb", std::process::id()));
            tokio::fs::write(&path, DEMO_AVATAR)
                .await
                .map_err(|error| StudioError::local(&format!("{} could not be written", path.display()), error))?;
            let uploaded = core.upload_avatar(&path, progress).await;
            // A leftover copy in the temporary folder is harmless.
            let _ = tokio::fs::remove_file(&path).await;
            uploaded
        }
        AvatarSource::Server { .. } => {
            Err(StudioError::new(ErrorCode::Conflict, "this avatar is already on the server: attach it instead"))
        }
    }
}

/// Attaches an uploaded avatar with a mapping to a bot's draft (the server
/// checks the mapping against the avatar).
#[tauri::command]
pub async fn avatar_attach(core: State<'_, Core>, bot_id: BotId, avatar: BotAvatar) -> Result<DraftSave, StudioError> {
    core.attach_avatar(&bot_id, avatar).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_ids_are_short_printable_names() {
        assert_eq!(checked_upload_id("doc-1".to_owned()).as_deref().ok(), Some("doc-1"));
        for bad in [String::new(), "x".repeat(101), "a\nb".to_owned()] {
            let error = checked_upload_id(bad).expect_err("refused");
            assert_eq!(error.code, ErrorCode::InvalidRequest);
        }
    }

    #[test]
    fn progress_events_carry_the_upload_id() {
        let event = UploadProgressEvent { id: "avatar-3".to_owned(), sent: 65_536, total: 100_000 };
        let json = serde_json::to_value(event).expect("serializable");
        assert_eq!(json, serde_json::json!({ "id": "avatar-3", "sent": 65_536, "total": 100_000 }));
    }

    /// The Widget & Placement screen's update, as its form check builds it
    /// (see widget-form.test.ts), is one the server's type accepts.
    #[test]
    fn the_widget_screens_update_deserializes() {
        let update: animo_shared::bot::UpdateBotRequest = serde_json::from_value(serde_json::json!({
            "widget": {
                "primary_color": "#1f6feb", "on_primary_color": "#ffffff", "theme": "auto",
                "position": "bottom_right", "launcher_text": "Chat with us"
            },
            "allowed_origins": ["https://shop.example.com", "https://*.example.com"],
            "placement": { "include": ["/products/*"], "exclude": [], "auto_open_delay_ms": null },
            "personality": { "name": "Ada", "greeting": "Hi there", "role": "Support" }
        }))
        .expect("the screen's update");
        assert_eq!(update.allowed_origins.expect("origins").items().len(), 2);
        assert!(update.placement.expect("placement").auto_open_delay_ms.is_none());
    }

    #[test]
    fn the_knowledge_and_avatar_requests_deserialize() {
        let request: AddUrlRequest = serde_json::from_value(serde_json::json!({
            "url": "https://example.com/help", "crawl": { "max_pages": 20, "max_depth": 2 }, "resync_every_hours": 24
        }))
        .expect("the URL form's request");
        assert_eq!(request.resync_every_hours, Some(24));
        let demo: AvatarSource = serde_json::from_value(serde_json::json!({ "kind": "demo" })).expect("demo");
        assert!(matches!(demo, AvatarSource::Demo));
        let file: AvatarSource =
            serde_json::from_value(serde_json::json!({ "kind": "file", "path": "/tmp/a.glb" })).expect("file");
        assert!(matches!(file, AvatarSource::File { .. }));
    }

    #[test]
    fn the_dialog_offers_every_format_the_server_reads() {
        for format in ["txt", "md", "html", "pdf", "docx", "csv", "json"] {
            assert!(DOCUMENT_EXTENSIONS.contains(&format), "{format}");
        }
    }
}
