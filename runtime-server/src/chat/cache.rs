//! Answers to repeated opening questions, per published version of a bot.
//!
//! The key is the question normalised (case, punctuation and spacing
//! removed), so "Opening hours?" and "opening hours" meet. Entries name the
//! version they were made for, so publishing a new version starts a fresh
//! cache, and publishing removes the bot's old entries. Each entry records
//! the visitor whose question created it, so erasing a visitor erases it.

use animo_shared::BotId;
use animo_shared::Timestamp;
use animo_shared::chat::Source;
use serde::Deserialize;

use super::store::Speaker;
use crate::error::ApiResult;
use crate::store::TenantDb;

/// A cached answer.
#[derive(Debug, Deserialize)]
pub struct CachedAnswer {
    /// The text.
    pub text: String,
    /// Its sources.
    #[serde(default)]
    pub sources: Vec<Source>,
}

/// The cache key of a question.
pub fn normalize(question: &str) -> String {
    question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The cached answer for a key.
///
/// Only read: hits are counted by the `animo_chat_cache_lookups_total` metric. Counting
/// them in the entry made every visitor asking a popular opening question
/// write the same record, and those writes conflicted and were retried.
pub async fn lookup(db: &TenantDb, bot: &BotId, version: u32, key: &str) -> ApiResult<Option<CachedAnswer>> {
    Ok(db
        .db()
        .query("SELECT text, sources FROM answer_cache WHERE bot = $bot AND version = $version AND key = $key")
        .bind("bot", bot)
        .bind("version", version)
        .bind("key", key)
        .run()
        .await?
        .first(0)?)
}

/// Caches an answer; a concurrent insert of the same key keeps the first.
pub async fn insert(
    db: &TenantDb,
    bot: &BotId,
    version: u32,
    key: &str,
    text: &str,
    sources: &[Source],
    speaker: &Speaker,
) -> ApiResult<()> {
    let stored = db
        .db()
        .query("CREATE answer_cache CONTENT $entry")
        .bind(
            "entry",
            serde_json::json!({
                "bot": bot, "version": version, "key": key, "text": text, "sources": sources,
                "visitor": speaker.visitor, "user_id": speaker.user_id, "created_at": Timestamp::now(),
            }),
        )
        .run()
        .await;
    match stored {
        Ok(_) => Ok(()),
        // The unique index refused a second entry for the key: the first stays.
        Err(crate::store::StoreError::Database(error)) if error.message().contains("already contains") => Ok(()),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn questions_that_differ_only_in_form_share_a_key() {
        assert_eq!(super::normalize("  Opening HOURS?? "), "opening hours");
        assert_eq!(super::normalize("opening hours"), "opening hours");
        assert_eq!(super::normalize("?!"), "");
    }
}
