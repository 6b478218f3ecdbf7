//! Publishing: checks computed here before the button is pressed, the
//! differences between the draft and the live version, versions and rollback.

use animo_shared::api::Role;
use animo_shared::avatar::mapping::REQUIRED_FOR_PUBLISH;
use animo_shared::bot::{BotConfig, BotVersionList, BotVersionView, Personality, PublishRequest, RollbackRequest};
use animo_shared::knowledge::{DocumentList, DocumentStatus};
use animo_shared::{BotId, ErrorCode};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::Studio;
use crate::error::{StudioError, StudioResult};

/// What a pre-publish check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PublishCheckKind {
    /// The personality passes animo-shared's validation.
    Personality,
    /// The avatar's idle and talking slots are mapped (when there is an avatar).
    AvatarMapping,
    /// Every knowledge document is indexed.
    Knowledge,
    /// No edit of this bot is still waiting in the outbox.
    SavedEdits,
    /// The signed-in account may publish (owners).
    Permission,
}

/// One check with its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PublishCheck {
    /// What was checked.
    pub kind: PublishCheckKind,
    /// Whether it passed.
    pub passed: bool,
    /// What was found, for people (why it failed, or what passed).
    pub message: String,
}

/// Every check; publishing is offered when all passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PublishChecks {
    /// Each check.
    pub checks: Vec<PublishCheck>,
    /// All passed.
    pub ready: bool,
}

/// One field that differs between the live version and the draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldChange {
    /// The field's path, such as `personality.greeting` or `widget.primary_color`.
    pub path: String,
    /// Its value in the live version; absent when the field is new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "unknown"))]
    pub published: Option<serde_json::Value>,
    /// Its value in the draft; absent when the field was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "unknown"))]
    pub draft: Option<serde_json::Value>,
}

/// What publishing the draft would change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DraftDiff {
    /// The live version compared with, if the bot was ever published.
    pub live_version: Option<u32>,
    /// The fields that differ, in a stable order; everything when never published.
    pub changes: Vec<FieldChange>,
}

impl Studio {
    /// The pre-publish checks of a bot's draft, computed here from the
    /// draft, its avatar, its knowledge and the outbox. The server checks
    /// again when publishing; its refusal comes back from [`Studio::publish`].
    pub async fn publish_checks(&self, bot: &BotId) -> StudioResult<PublishChecks> {
        let view = self.bot(bot).await?;
        let documents: DocumentList = self.knowledge(bot).await?;
        let pending = self.pending_edits().await?;
        let role = self.current_account().await?.role;
        let mut checks = vec![personality_check(&view.draft), knowledge_check(&documents)];
        checks.push(match &view.draft.avatar {
            None => PublishCheck {
                kind: PublishCheckKind::AvatarMapping,
                passed: true,
                message: "No avatar: the widget shows its 2D look.".into(),
            },
            Some(avatar) => {
                let report = self.avatar(&avatar.avatar_id).await?.report;
                let clips: Vec<String> = report.clips.iter().map(|clip| clip.name.clone()).collect();
                let targets: Vec<String> =
                    report.morph_targets.iter().flat_map(|mesh| mesh.targets.iter().cloned()).collect();
                match avatar.mapping.validate(&clips, &targets, true) {
                    Ok(()) => PublishCheck {
                        kind: PublishCheckKind::AvatarMapping,
                        passed: true,
                        message: format!(
                            "The {} slots are mapped to clips of the avatar.",
                            REQUIRED_FOR_PUBLISH.iter().map(|slot| slot.name()).collect::<Vec<_>>().join(" and ")
                        ),
                    },
                    Err(problems) => PublishCheck {
                        kind: PublishCheckKind::AvatarMapping,
                        passed: false,
                        message: problems
                            .iter()
                            .map(|problem| format!("{}: {}", problem.slot.name(), problem.problem))
                            .collect::<Vec<_>>()
                            .join("; "),
                    },
                }
            }
        });
        let waiting = pending.iter().filter(|edit| edit.bot_id == *bot).count();
        checks.push(PublishCheck {
            kind: PublishCheckKind::SavedEdits,
            passed: waiting == 0,
            message: if waiting == 0 {
                "Every edit is on the server.".into()
            } else {
                format!("{waiting} edit(s) of this bot have not reached the server yet.")
            },
        });
        checks.push(PublishCheck {
            kind: PublishCheckKind::Permission,
            passed: role == Role::Owner,
            message: if role == Role::Owner {
                "You are an owner of this tenant.".into()
            } else {
                format!("Only owners can publish; you are a {} of this tenant.", role.name())
            },
        });
        let ready = checks.iter().all(|check| check.passed);
        Ok(PublishChecks { checks, ready })
    }

    /// Publishes the draft as the next version (owners). Waiting edits of
    /// the bot are sent first; if any cannot be, nothing is published, as
    /// the server would publish a draft the user does not see.
    pub async fn publish(&self, bot: &BotId, request: &PublishRequest) -> StudioResult<BotVersionView> {
        self.flush_outbox().await?;
        if self.pending_edits().await?.iter().any(|edit| edit.bot_id == *bot) {
            return Err(StudioError::new(
                ErrorCode::Conflict,
                "Some edits of this bot have not reached the server; publish once they are sent or discarded.",
            ));
        }
        self.call(Method::POST, &format!("/v1/bots/{bot}/publish"), Some(request)).await
    }

    /// The bot's versions, newest first.
    pub async fn versions(&self, bot: &BotId) -> StudioResult<BotVersionList> {
        self.get(&format!("/v1/bots/{bot}/versions")).await
    }

    /// Makes an earlier version live again, as a new version (owners).
    pub async fn rollback(&self, bot: &BotId, version: u32) -> StudioResult<BotVersionView> {
        self.call(Method::POST, &format!("/v1/bots/{bot}/rollback"), Some(&RollbackRequest { version })).await
    }

    /// The fields the draft changes compared with the live version.
    pub async fn draft_diff(&self, bot: &BotId) -> StudioResult<DraftDiff> {
        let view = self.bot(bot).await?;
        let live = match view.live_version {
            None => None,
            Some(number) => self.versions(bot).await?.versions.into_iter().find(|version| version.version == number),
        };
        diff_configs(live.as_ref().map(|version| (version.version, &version.config)), &view.draft)
    }
}

fn personality_check(draft: &BotConfig) -> PublishCheck {
    // The draft came through animo-shared's types, so it is valid unless the
    // server and the Studio disagree on the rules; a round trip says which.
    let round_trip = serde_json::to_value(&draft.personality)
        .map_err(|error| error.to_string())
        .and_then(|value| serde_json::from_value::<Personality>(value).map_err(|error| error.to_string()));
    match round_trip {
        Ok(_) => PublishCheck {
            kind: PublishCheckKind::Personality,
            passed: true,
            message: "The personality is complete and valid.".into(),
        },
        Err(error) => PublishCheck { kind: PublishCheckKind::Personality, passed: false, message: error },
    }
}

fn knowledge_check(documents: &DocumentList) -> PublishCheck {
    let unfinished: Vec<String> = documents
        .documents
        .iter()
        .filter(|document| document.status != DocumentStatus::Indexed)
        .map(|document| {
            // Every kind of source names itself by `name` or `url`.
            let source = serde_json::to_value(&document.source).unwrap_or_default();
            let name = source
                .get("name")
                .or_else(|| source.get("url"))
                .and_then(serde_json::Value::as_str)
                .map_or_else(|| document.id.to_string(), str::to_owned);
            format!("{name} is {}", status_name(document.status))
        })
        .collect();
    if unfinished.is_empty() {
        PublishCheck {
            kind: PublishCheckKind::Knowledge,
            passed: true,
            message: format!("{} document(s), all indexed.", documents.documents.len()),
        }
    } else {
        PublishCheck { kind: PublishCheckKind::Knowledge, passed: false, message: unfinished.join("; ") }
    }
}

fn status_name(status: DocumentStatus) -> &'static str {
    match status {
        DocumentStatus::Queued => "queued",
        DocumentStatus::Extracting => "being read",
        DocumentStatus::Embedding => "being embedded",
        DocumentStatus::Indexed => "indexed",
        DocumentStatus::Failed => "failed (remove it or fix and upload it again)",
    }
}

/// Field-level differences: objects are walked, anything else (text,
/// numbers, lists) is compared whole.
pub(crate) fn diff_configs(live: Option<(u32, &BotConfig)>, draft: &BotConfig) -> StudioResult<DraftDiff> {
    let encode = |config: &BotConfig| {
        serde_json::to_value(config).map_err(|error| StudioError::local("The draft could not be compared", error))
    };
    let draft_value = encode(draft)?;
    let live_value = live.map(|(_, config)| encode(config)).transpose()?;
    let mut changes = Vec::new();
    walk("", live_value.as_ref(), Some(&draft_value), &mut changes);
    Ok(DraftDiff { live_version: live.map(|(number, _)| number), changes })
}

fn walk(
    path: &str,
    published: Option<&serde_json::Value>,
    draft: Option<&serde_json::Value>,
    changes: &mut Vec<FieldChange>,
) {
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match (published, draft) {
        (Some(serde_json::Value::Object(before)), Some(serde_json::Value::Object(after))) => {
            let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                walk(&join(key), before.get(key), after.get(key), changes);
            }
        }
        (None, Some(serde_json::Value::Object(after))) => {
            for (key, value) in after {
                walk(&join(key), None, Some(value), changes);
            }
        }
        (before, after) if before != after => {
            // `null` and absent mean the same thing in a configuration.
            let present = |value: Option<&serde_json::Value>| value.filter(|value| !value.is_null()).cloned();
            let (before, after) = (present(before), present(after));
            if before != after {
                changes.push(FieldChange { path: path.to_owned(), published: before, draft: after });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use animo_shared::bot::{BotName, Greeting};

    use super::*;

    fn config(name: &str) -> BotConfig {
        BotConfig::with_personality(Personality::named(BotName::try_from(name.to_owned()).expect("valid")))
    }

    #[test]
    fn diff_names_changed_fields_only() {
        let live = config("Ava");
        let mut draft = live.clone();
        assert!(diff_configs(Some((1, &live)), &draft).expect("diff").changes.is_empty());

        draft.personality.greeting = Greeting::try_from("Welcome back!".to_owned()).expect("valid");
        draft.personality.name = BotName::try_from("Bea".to_owned()).expect("valid");
        let diff = diff_configs(Some((3, &live)), &draft).expect("diff");
        assert_eq!(diff.live_version, Some(3));
        let paths: Vec<&str> = diff.changes.iter().map(|change| change.path.as_str()).collect();
        assert_eq!(paths, ["personality.greeting", "personality.name"]);
        assert_eq!(diff.changes[1].published, Some(serde_json::json!("Ava")));
        assert_eq!(diff.changes[1].draft, Some(serde_json::json!("Bea")));
    }

    #[test]
    fn never_published_lists_every_field() {
        let diff = diff_configs(None, &config("Ava")).expect("diff");
        assert_eq!(diff.live_version, None);
        assert!(diff.changes.iter().any(|change| change.path == "personality.name" && change.published.is_none()));
        assert!(diff.changes.iter().all(|change| change.draft.is_some()));
    }
}
