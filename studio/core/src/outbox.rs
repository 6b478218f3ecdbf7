//! Unsaved edits are never lost: each edit is written to disk before it is
//! sent and removed only once the server has accepted it.
//!
//! The outbox is a folder with one JSON file per edit, named so that the
//! folder's sorted listing is the order the edits were made in. Each edit
//! belongs to one account (server, e-mail address, tenant), so edits made
//! while signed in to one server are never sent to another. An edit the
//! server refuses (for example because the bot was archived meanwhile) is not
//! dropped either: it stays, marked with the refusal, until the user discards
//! it, so nothing disappears without the user seeing it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use animo_shared::BotId;
use animo_shared::Timestamp;
use animo_shared::avatar::BotAvatar;
use animo_shared::bot::UpdateBotRequest;
use serde::{Deserialize, Serialize};

use crate::error::{StudioError, StudioResult};
use crate::files;

/// What an edit changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EditKind {
    /// Replaces sections of a bot's draft (personality, model, widget, origins, placement).
    UpdateDraft {
        /// The sections to replace (boxed: a whole draft is far larger than a mapping).
        update: Box<UpdateBotRequest>,
    },
    /// Sets the avatar and slot mapping of a bot's draft.
    AttachAvatar {
        /// The avatar with its mapping.
        avatar: BotAvatar,
    },
}

/// One edit waiting for the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PendingEdit {
    /// Identifies the edit (its file name in the outbox).
    pub id: String,
    /// The account the edit was made under (see `KnownAccount::key`).
    pub account: String,
    /// The bot it changes.
    pub bot_id: BotId,
    /// The change.
    pub edit: EditKind,
    /// When it was made.
    pub queued_at: Timestamp,
    /// How often sending it has failed because the server was unreachable.
    pub attempts: u32,
    /// Set when the server refused the edit: it will not be sent again until
    /// the user discards it (or edits the same section again, which replaces it).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub refused: Option<StudioError>,
}

/// The folder of pending edits.
#[derive(Debug)]
pub struct Outbox {
    dir: PathBuf,
    sequence: AtomicU64,
}

impl Outbox {
    /// The outbox kept in `dir` (created on first write).
    pub fn new(dir: &Path) -> Self {
        // Edit ids start with the time in microseconds, and the counter keeps
        // two edits in one microsecond (or after a clock step back) in order.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
        Self { dir: dir.to_path_buf(), sequence: AtomicU64::new(now) }
    }

    /// Writes a new edit to disk and returns it. Once this returns, the edit
    /// survives a crash or a restart of the Studio.
    pub async fn push(&self, account: &str, bot_id: &BotId, edit: EditKind) -> StudioResult<PendingEdit> {
        let now_micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
        let previous = self.sequence.fetch_max(now_micros, Ordering::SeqCst).max(now_micros);
        let sequence = self.sequence.fetch_add(1, Ordering::SeqCst).max(previous);
        let id = format!("{sequence:020}-{}", uuid::Uuid::new_v4().simple());
        let pending = PendingEdit {
            id,
            account: account.to_owned(),
            bot_id: bot_id.clone(),
            edit,
            queued_at: Timestamp::now(),
            attempts: 0,
            refused: None,
        };
        self.save(&pending).await?;
        Ok(pending)
    }

    /// Rewrites an edit (after a failed attempt or a refusal).
    pub async fn save(&self, edit: &PendingEdit) -> StudioResult<()> {
        files::write_json(&self.path_of(&edit.id)?, edit).await
    }

    /// Removes an edit the server accepted (or the user discarded).
    pub async fn remove(&self, id: &str) -> StudioResult<()> {
        match tokio::fs::remove_file(self.path_of(id)?).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(StudioError::local("A sent edit could not be removed from the outbox", error)),
        }
    }

    /// The edits of `account`, oldest first.
    pub async fn list(&self, account: &str) -> StudioResult<Vec<PendingEdit>> {
        let mut names = Vec::new();
        let mut entries = match tokio::fs::read_dir(&self.dir).await {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(StudioError::local("The outbox could not be read", error)),
        };
        while let Some(entry) =
            entries.next_entry().await.map_err(|error| StudioError::local("The outbox could not be read", error))?
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Temporary files of an interrupted write start with a dot.
            if name.ends_with(".json") && !name.starts_with('.') {
                names.push(name);
            }
        }
        names.sort();
        let mut edits = Vec::with_capacity(names.len());
        for name in names {
            if let Some(edit) = files::read_json::<PendingEdit>(&self.dir.join(&name)).await?
                && edit.account == account
            {
                edits.push(edit);
            }
        }
        Ok(edits)
    }

    fn path_of(&self, id: &str) -> StudioResult<PathBuf> {
        // Ids come from `push`; anything else (a path, a dot) is refused
        // rather than letting a command reach outside the folder.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(StudioError::new(animo_shared::ErrorCode::NotFound, "There is no such pending edit."));
        }
        Ok(self.dir.join(format!("{id}.json")))
    }
}

/// Whether two edits change the same thing, so that the later one makes the
/// earlier one pointless once both are pending.
pub fn supersedes(later: &EditKind, earlier: &EditKind) -> bool {
    match (later, earlier) {
        (EditKind::AttachAvatar { .. }, EditKind::AttachAvatar { .. }) => true,
        (EditKind::UpdateDraft { update: later }, EditKind::UpdateDraft { update: earlier }) => {
            let covers = |later: bool, earlier: bool| later || !earlier;
            covers(later.personality.is_some(), earlier.personality.is_some())
                && covers(later.model.is_some(), earlier.model.is_some())
                && covers(later.widget.is_some(), earlier.widget.is_some())
                && covers(later.allowed_origins.is_some(), earlier.allowed_origins.is_some())
                && covers(later.placement.is_some(), earlier.placement.is_some())
        }
        _ => false,
    }
}
