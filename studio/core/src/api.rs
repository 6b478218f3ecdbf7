//! The calls behind the Studio's screens: bots and drafts, avatars,
//! knowledge, versions, embedding, analytics, members and API keys.

use std::path::Path;
use std::sync::Arc;

use animo_shared::api::{
    ApiKeyCreated, ApiKeyList, ChangeRoleRequest, CreateApiKeyRequest, InviteCreated, InviteRequest, MemberList,
    TenantView,
};
use animo_shared::avatar::inspect::{InspectLimits, InspectionReport, inspect_glb};
use animo_shared::avatar::suggest::MappingSuggestion;
use animo_shared::avatar::{AvatarList, AvatarView, BotAvatar};
use animo_shared::bot::{BotList, BotName, BotView, CreateBotRequest, EmbedSnippet, Personality, UpdateBotRequest};
use animo_shared::chat::{AnalyticsQuery, BotAnalytics};
use animo_shared::knowledge::{AddUrlRequest, DocumentList, DocumentView, SearchRequest, SearchResponse};
use animo_shared::{AccountId, ApiKeyId, AvatarId, BotId, DocumentId, ErrorCode};
use futures::StreamExt;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use crate::Studio;
use crate::client::parse;
use crate::error::{StudioError, StudioResult};
use crate::outbox::{EditKind, PendingEdit, supersedes};

/// How an edit fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DraftSaveStatus {
    /// The server has it.
    Saved,
    /// The server could not be reached or the session ended: the edit is on
    /// disk and will be sent later.
    Queued,
}

/// The outcome of a draft edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DraftSave {
    /// Saved or queued.
    pub status: DraftSaveStatus,
    /// The bot as the server has it after the edit, when saved.
    pub bot: Option<BotView>,
    /// Edits of this account still waiting in the outbox.
    pub pending: u32,
}

/// What sending the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxReport {
    /// Edits the server accepted now.
    pub sent: u32,
    /// Edits still waiting (server unreachable or session ended).
    pub pending: u32,
    /// Edits the server refused, kept until discarded.
    pub refused: u32,
}

/// One field of a personality that fails validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldProblem {
    /// The field, as named in the personality (`greeting`, `temperature`…).
    pub field: String,
    /// What a valid value looks like.
    pub message: String,
}

/// The personality form checked with animo-shared's own validation, so the
/// Studio refuses exactly what the server would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonalityCheck {
    /// The valid personality, when every field passes.
    pub personality: Option<Personality>,
    /// Every field that fails, each on its own.
    pub problems: Vec<FieldProblem>,
}

/// Bytes of an upload handed to the connection so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UploadProgress {
    /// Bytes sent.
    pub sent: u64,
    /// The file's size.
    pub total: u64,
}

/// A progress callback; the Tauri app forwards it to a channel.
pub type ProgressFn = dyn Fn(UploadProgress) + Send + Sync;

/// Pieces of a file handed to the connection at a time, and progress steps.
const UPLOAD_CHUNK: usize = 64 * 1024;

impl Studio {
    // ---- Tenant, bots and drafts ----

    /// The tenant with its plan and usage.
    pub async fn tenant(&self) -> StudioResult<TenantView> {
        self.get("/v1/tenant").await
    }

    /// The tenant's bots.
    pub async fn bots(&self, include_archived: bool) -> StudioResult<BotList> {
        self.get(&format!("/v1/bots?include_archived={include_archived}")).await
    }

    /// One bot with its draft.
    pub async fn bot(&self, bot: &BotId) -> StudioResult<BotView> {
        self.get(&format!("/v1/bots/{bot}")).await
    }

    /// Creates a bot.
    pub async fn create_bot(&self, request: &CreateBotRequest) -> StudioResult<BotView> {
        self.call(Method::POST, "/v1/bots", Some(request)).await
    }

    /// A new bot with a copy of another's draft (personality, model, widget,
    /// origins, placement and avatar mapping), named "… (copy)". Knowledge
    /// documents are not copied: they are uploaded per bot.
    pub async fn duplicate_bot(&self, bot: &BotId) -> StudioResult<BotView> {
        let source = self.bot(bot).await?;
        let mut personality = source.draft.personality.clone();
        personality.name = copy_name(personality.name.as_str())?;
        let request = CreateBotRequest {
            personality,
            model: Some(source.draft.model.clone()),
            widget: Some(source.draft.widget.clone()),
            allowed_origins: Some(source.draft.allowed_origins.clone()),
            placement: Some(source.draft.placement.clone()),
        };
        let created = self.create_bot(&request).await?;
        match source.draft.avatar {
            Some(avatar) => self.call(Method::PUT, &format!("/v1/bots/{}/avatar", created.id), Some(&avatar)).await,
            None => Ok(created),
        }
    }

    /// Archives a bot (owners): it stops answering.
    pub async fn archive_bot(&self, bot: &BotId) -> StudioResult<BotView> {
        self.call::<BotView, ()>(Method::DELETE, &format!("/v1/bots/{bot}"), None).await
    }

    /// Checks a personality form field by field with animo-shared's types.
    /// `form` is the personality as JSON, as the front-end holds it.
    pub fn check_personality(&self, form: &serde_json::Value) -> PersonalityCheck {
        check_personality(form)
    }

    /// Replaces sections of a bot's draft. The edit is written to the
    /// outbox first; see [`DraftSave`].
    pub async fn update_draft(&self, bot: &BotId, update: UpdateBotRequest) -> StudioResult<DraftSave> {
        self.edit(bot, EditKind::UpdateDraft { update: Box::new(update) }).await
    }

    /// Sets a bot draft's avatar and slot mapping (checked by the server
    /// against the avatar). Goes through the outbox like every draft edit.
    pub async fn attach_avatar(&self, bot: &BotId, avatar: BotAvatar) -> StudioResult<DraftSave> {
        self.edit(bot, EditKind::AttachAvatar { avatar }).await
    }

    // ---- The outbox ----

    /// The signed-in account's edits not yet accepted by the server.
    pub async fn pending_edits(&self) -> StudioResult<Vec<PendingEdit>> {
        let account = self.account_key().await?;
        self.inner.outbox.list(&account).await
    }

    /// Drops an edit the user gives up (typically one the server refused).
    pub async fn discard_edit(&self, id: &str) -> StudioResult<()> {
        let _exclusive = self.inner.flush_lock.lock().await;
        let account = self.account_key().await?;
        if !self.inner.outbox.list(&account).await?.iter().any(|edit| edit.id == id) {
            return Err(StudioError::new(ErrorCode::NotFound, "There is no such pending edit."));
        }
        self.inner.outbox.remove(id).await
    }

    /// Sends waiting edits in the order they were made. Stops at the first
    /// that cannot reach the server (they stay, in order); an edit the
    /// server refuses is kept with the refusal and the rest go on.
    pub async fn flush_outbox(&self) -> StudioResult<OutboxReport> {
        let _exclusive = self.inner.flush_lock.lock().await;
        self.flush_locked().await.map(|(report, _)| report)
    }

    async fn flush_locked(&self) -> StudioResult<(OutboxReport, Vec<(String, StudioResult<BotView>)>)> {
        let account = self.account_key().await?;
        let mut report = OutboxReport::default();
        let mut outcomes = Vec::new();
        let mut stopped = false;
        for mut edit in self.inner.outbox.list(&account).await? {
            if edit.refused.is_some() {
                report.refused += 1;
                continue;
            }
            if stopped {
                report.pending += 1;
                continue;
            }
            match self.send_edit(&edit).await {
                Ok(bot) => {
                    self.inner.outbox.remove(&edit.id).await?;
                    report.sent += 1;
                    outcomes.push((edit.id, Ok(bot)));
                }
                Err(error) if error.is_unreachable() || error.is_session_expired() => {
                    edit.attempts = edit.attempts.saturating_add(1);
                    self.inner.outbox.save(&edit).await?;
                    report.pending += 1;
                    stopped = true;
                    outcomes.push((edit.id, Err(error)));
                }
                Err(error) => {
                    edit.refused = Some(error.clone());
                    self.inner.outbox.save(&edit).await?;
                    report.refused += 1;
                    outcomes.push((edit.id, Err(error)));
                }
            }
        }
        Ok((report, outcomes))
    }

    async fn send_edit(&self, edit: &PendingEdit) -> StudioResult<BotView> {
        match &edit.edit {
            EditKind::UpdateDraft { update } => {
                self.call(Method::PATCH, &format!("/v1/bots/{}", edit.bot_id), Some(update)).await
            }
            EditKind::AttachAvatar { avatar } => {
                self.call(Method::PUT, &format!("/v1/bots/{}/avatar", edit.bot_id), Some(avatar)).await
            }
        }
    }

    async fn edit(&self, bot: &BotId, change: EditKind) -> StudioResult<DraftSave> {
        let _exclusive = self.inner.flush_lock.lock().await;
        let account = self.account_key().await?;
        // A waiting edit of the same sections of the same bot is replaced
        // rather than sent first: only the newest content matters, and a
        // refused one should not keep blocking the user's fresh attempt.
        for earlier in self.inner.outbox.list(&account).await? {
            if earlier.bot_id == *bot && supersedes(&change, &earlier.edit) {
                self.inner.outbox.remove(&earlier.id).await?;
            }
        }
        let pending = self.inner.outbox.push(&account, bot, change).await?;
        let (report, outcomes) = self.flush_locked().await?;
        let outcome = outcomes.into_iter().find(|(id, _)| *id == pending.id).map(|(_, outcome)| outcome);
        match outcome {
            Some(Ok(view)) => {
                Ok(DraftSave { status: DraftSaveStatus::Saved, bot: Some(view), pending: report.pending })
            }
            Some(Err(error)) if error.is_unreachable() || error.is_session_expired() => {
                Ok(DraftSave { status: DraftSaveStatus::Queued, bot: None, pending: report.pending })
            }
            Some(Err(error)) => Err(error),
            // An earlier edit could not reach the server, so this one waits behind it.
            None => Ok(DraftSave { status: DraftSaveStatus::Queued, bot: None, pending: report.pending }),
        }
    }

    // ---- Avatars ----

    /// Inspects a GLB on this machine before uploading, with the server's
    /// default limits, so problems show before any byte is sent.
    pub async fn inspect_avatar_file(&self, path: &Path) -> StudioResult<InspectionReport> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|error| StudioError::local(&format!("{} could not be read", path.display()), error))?;
        tokio::task::spawn_blocking(move || inspect_glb(&bytes, &InspectLimits::default()))
            .await
            .map_err(|error| StudioError::local("The inspection failed", error))?
            .map_err(|error| {
                let details = error.limit.map(|limit| serde_json::json!({ "limit": limit }));
                StudioError { code: error.code, message: error.message, request_id: None, details }
            })
    }

    /// Uploads a GLB, reporting bytes sent; the last report has `sent == total`.
    pub async fn upload_avatar(&self, path: &Path, progress: Arc<ProgressFn>) -> StudioResult<AvatarView> {
        let response = self.upload_file(path, "/v1/avatars", "model/gltf-binary", progress).await?;
        parse(response).await
    }

    /// The tenant's avatars.
    pub async fn avatars(&self) -> StudioResult<AvatarList> {
        self.get("/v1/avatars").await
    }

    /// One avatar with its inspection report.
    pub async fn avatar(&self, avatar: &AvatarId) -> StudioResult<AvatarView> {
        self.get(&format!("/v1/avatars/{avatar}")).await
    }

    /// A first mapping proposed from the avatar's clip names.
    pub async fn suggested_mapping(&self, avatar: &AvatarId) -> StudioResult<MappingSuggestion> {
        self.get(&format!("/v1/avatars/{avatar}/suggested-mapping")).await
    }

    /// The avatar's GLB bytes, for the viewport.
    pub async fn avatar_model(&self, avatar: &AvatarId) -> StudioResult<bytes::Bytes> {
        let path = format!("/v1/avatars/{avatar}/model.glb");
        let response =
            self.send(|http, server, token| Ok(http.get(format!("{server}{path}")).bearer_auth(token))).await?;
        response.bytes().await.map_err(|error| StudioError::new(ErrorCode::Unavailable, error.to_string()))
    }

    // ---- Knowledge ----

    /// Uploads a document to a bot's knowledge; ingestion runs on the server.
    pub async fn add_knowledge_file(
        &self,
        bot: &BotId,
        path: &Path,
        progress: Arc<ProgressFn>,
    ) -> StudioResult<DocumentView> {
        let response =
            self.upload_file(path, &format!("/v1/bots/{bot}/knowledge"), document_mime(path), progress).await?;
        parse(response).await
    }

    /// Adds a web page (or a crawl of its site) to a bot's knowledge.
    pub async fn add_knowledge_url(&self, bot: &BotId, request: &AddUrlRequest) -> StudioResult<DocumentView> {
        self.call(Method::POST, &format!("/v1/bots/{bot}/knowledge"), Some(request)).await
    }

    /// A bot's documents with their ingestion status and progress.
    pub async fn knowledge(&self, bot: &BotId) -> StudioResult<DocumentList> {
        self.get(&format!("/v1/bots/{bot}/knowledge")).await
    }

    /// Removes a document.
    pub async fn delete_knowledge(&self, bot: &BotId, document: &DocumentId) -> StudioResult<()> {
        self.call_empty::<()>(Method::DELETE, &format!("/v1/bots/{bot}/knowledge/{document}"), None).await
    }

    /// Fetches a URL source again.
    pub async fn resync_knowledge(&self, bot: &BotId, document: &DocumentId) -> StudioResult<DocumentView> {
        self.call::<DocumentView, ()>(Method::POST, &format!("/v1/bots/{bot}/knowledge/{document}/resync"), None).await
    }

    /// Searches the draft's knowledge as the bot would.
    pub async fn search_knowledge(&self, bot: &BotId, request: &SearchRequest) -> StudioResult<SearchResponse> {
        self.call(Method::POST, &format!("/v1/bots/{bot}/knowledge/search"), Some(request)).await
    }

    // ---- Embedding and analytics ----

    /// The snippet that shows the bot's widget on a site, as the server
    /// builds it from its public URL.
    pub async fn embed_snippet(&self, bot: &BotId) -> StudioResult<EmbedSnippet> {
        self.get(&format!("/v1/bots/{bot}/embed-snippet")).await
    }

    /// Conversations, messages, cost, sentiment and top questions per day.
    pub async fn analytics(&self, bot: &BotId, query: &AnalyticsQuery) -> StudioResult<BotAnalytics> {
        let from = url::form_urlencoded::byte_serialize(query.from.as_bytes()).collect::<String>();
        let to = url::form_urlencoded::byte_serialize(query.to.as_bytes()).collect::<String>();
        self.get(&format!("/v1/bots/{bot}/analytics?from={from}&to={to}")).await
    }

    // ---- Members and API keys (owners) ----

    /// Members and pending invitations.
    pub async fn members(&self) -> StudioResult<MemberList> {
        self.get("/v1/members").await
    }

    /// Invites an address with a role; the token is shown once.
    pub async fn invite(&self, request: &InviteRequest) -> StudioResult<InviteCreated> {
        self.call(Method::POST, "/v1/members/invites", Some(request)).await
    }

    /// Changes a member's role.
    pub async fn change_role(&self, account: &AccountId, request: &ChangeRoleRequest) -> StudioResult<()> {
        self.call_empty(Method::PATCH, &format!("/v1/members/{account}"), Some(request)).await
    }

    /// Removes a member.
    pub async fn remove_member(&self, account: &AccountId) -> StudioResult<()> {
        self.call_empty::<()>(Method::DELETE, &format!("/v1/members/{account}"), None).await
    }

    /// The tenant's API keys, without secrets.
    pub async fn api_keys(&self) -> StudioResult<ApiKeyList> {
        self.get("/v1/api-keys").await
    }

    /// Creates an API key; its secret is in the answer this once.
    pub async fn create_api_key(&self, request: &CreateApiKeyRequest) -> StudioResult<ApiKeyCreated> {
        self.call(Method::POST, "/v1/api-keys", Some(request)).await
    }

    /// Revokes an API key.
    pub async fn revoke_api_key(&self, key: &ApiKeyId) -> StudioResult<()> {
        self.call_empty::<()>(Method::DELETE, &format!("/v1/api-keys/{key}"), None).await
    }

    // ---- Uploads ----

    /// Streams a file as the multipart field `file`, calling `progress` as
    /// pieces are handed to the connection. A retry after a token refresh
    /// reads the file again and reports from zero.
    async fn upload_file(
        &self,
        path: &Path,
        route: &str,
        mime: &str,
        progress: Arc<ProgressFn>,
    ) -> StudioResult<reqwest::Response> {
        let unreadable =
            |error: &dyn std::fmt::Display| StudioError::local(&format!("{} could not be read", path.display()), error);
        let total = tokio::fs::metadata(path).await.map_err(|error| unreadable(&error))?.len();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("upload").to_owned();
        let upload_http = self.inner.upload_http.clone();
        self.send(|_, server, token| {
            let file = std::fs::File::open(path).map_err(|error| unreadable(&error))?;
            let stream = progress_stream(tokio::fs::File::from_std(file), total, Arc::clone(&progress));
            let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), total)
                .file_name(name.clone())
                .mime_str(mime)
                .map_err(|error| StudioError::local("The upload could not be prepared", error))?;
            let form = reqwest::multipart::Form::new().part("file", part);
            Ok(upload_http.post(format!("{server}{route}")).bearer_auth(token).multipart(form))
        })
        .await
    }
}

/// The file in pieces, reporting each piece as it is taken.
fn progress_stream(
    file: tokio::fs::File,
    total: u64,
    progress: Arc<ProgressFn>,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static {
    progress(UploadProgress { sent: 0, total });
    futures::stream::unfold((file, 0_u64), move |(mut file, sent)| {
        let progress = Arc::clone(&progress);
        async move {
            let mut buffer = vec![0_u8; UPLOAD_CHUNK];
            match file.read(&mut buffer).await {
                Ok(0) => None,
                Ok(read) => {
                    buffer.truncate(read);
                    let sent = sent.saturating_add(read as u64).min(total);
                    progress(UploadProgress { sent, total });
                    Some((Ok(bytes::Bytes::from(buffer)), (file, sent)))
                }
                Err(error) => Some((Err(error), (file, sent))),
            }
        }
    })
    .take_while_ok()
}

/// Ends a stream after its first error (which is still passed on), so a
/// failing read does not repeat forever.
trait TakeWhileOk: futures::Stream + Sized {
    fn take_while_ok(self) -> futures::stream::BoxStream<'static, Self::Item>;
}

impl<S> TakeWhileOk for S
where
    S: futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
{
    fn take_while_ok(self) -> futures::stream::BoxStream<'static, Self::Item> {
        let mut failed = false;
        self.take_while(move |item| {
            let keep = !failed;
            failed = failed || item.is_err();
            futures::future::ready(keep)
        })
        .boxed()
    }
}

/// The media type of a document by its extension; the server also looks at
/// the name and the bytes, so an unknown extension is simply left generic.
fn document_mime(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|extension| extension.to_str()).unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "txt" => "text/plain",
        "md" | "markdown" => "text/markdown",
        "html" | "htm" => "text/html",
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "csv" => "text/csv",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// "Name (copy)", shortened so it stays a valid bot name.
fn copy_name(name: &str) -> StudioResult<BotName> {
    const SUFFIX: &str = " (copy)";
    let room = BotName::MAX_CHARS.saturating_sub(SUFFIX.chars().count());
    let base: String = name.chars().take(room).collect();
    Ok(BotName::try_from(format!("{}{SUFFIX}", base.trim_end()))?)
}

/// See [`Studio::check_personality`].
pub(crate) fn check_personality(form: &serde_json::Value) -> PersonalityCheck {
    let Some(fields) = form.as_object() else {
        return PersonalityCheck {
            personality: None,
            problems: vec![FieldProblem { field: String::new(), message: "the personality must be an object".into() }],
        };
    };
    let mut problems = Vec::new();
    // Each field is checked alone, next to a name known to be valid, so that
    // every wrong field is reported and not only the first serde meets.
    for (field, value) in fields {
        let mut probe = serde_json::Map::new();
        probe.insert("name".into(), serde_json::json!("Probe"));
        probe.insert(field.clone(), value.clone());
        if let Err(error) = serde_json::from_value::<Personality>(serde_json::Value::Object(probe)) {
            problems.push(FieldProblem { field: field.clone(), message: error.to_string() });
        }
    }
    if !fields.contains_key("name") {
        problems.push(FieldProblem { field: "name".into(), message: "the bot needs a name".into() });
    }
    let personality = if problems.is_empty() { serde_json::from_value(form.clone()).ok() } else { None };
    PersonalityCheck { personality, problems }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personality_problems_are_reported_per_field() {
        let check = check_personality(&serde_json::json!({ "name": "Ava", "greeting": "Hi there!" }));
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        assert_eq!(check.personality.expect("valid").greeting.as_str(), "Hi there!");

        let check = check_personality(&serde_json::json!({
            "name": "", "temperature": 3.5, "tone": "grumpy", "greeting": "Hello", "colour": 1
        }));
        let fields: Vec<&str> = check.problems.iter().map(|problem| problem.field.as_str()).collect();
        assert_eq!(fields, ["colour", "name", "temperature", "tone"], "{:?}", check.problems);
        assert!(check.personality.is_none());

        let check = check_personality(&serde_json::json!({ "greeting": "Hello" }));
        assert_eq!(check.problems.len(), 1);
        assert_eq!(check.problems[0].field, "name");
        assert_eq!(check_personality(&serde_json::json!([1])).problems.len(), 1);
    }

    #[test]
    fn copies_keep_valid_names() {
        assert_eq!(copy_name("Ava").expect("valid").as_str(), "Ava (copy)");
        let long = "x".repeat(BotName::MAX_CHARS);
        let copy = copy_name(&long).expect("valid");
        assert_eq!(copy.as_str().chars().count(), BotName::MAX_CHARS);
        assert!(copy.as_str().ends_with(" (copy)"));
    }
}
