//! Scheduled re-syncs of URL sources.
//!
//! A URL source with `resync_every_hours` carries its next due time in its
//! document record (`next_sync_unix`), so the schedule survives restarts:
//! one task per server looks for due sources every minute, moves each one's
//! due time forward and marks it queued in a single conditional update (so
//! two server instances never both take it), then hands it to the worker.
//! A queued document is also re-queued at start-up, so a re-sync taken just
//! before a crash still runs. Re-syncing unchanged pages changes nothing.

use std::time::Duration;

use animo_shared::knowledge::DocumentStatus;
use animo_shared::{DocumentId, Timestamp};
use serde::Deserialize;

use super::documents::Job;
use crate::state::AppState;

/// Shortest re-sync interval a source may ask for, in hours.
pub const MIN_HOURS: u32 = 1;
/// Longest re-sync interval, in hours (30 days).
pub const MAX_HOURS: u32 = 720;
/// How often the scheduler looks for due sources.
const TICK: Duration = Duration::from_secs(60);

/// When a source re-synced every `hours` from `from` is next due.
pub fn next_due(from: Timestamp, hours: u32) -> Timestamp {
    from.plus(Duration::from_secs(u64::from(hours) * 3600))
}

/// Queues due re-syncs until the server stops, starting at once.
pub async fn run(state: AppState) {
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = enqueue_due(&state, Timestamp::now()).await {
            tracing::warn!(%error, "could not look for due re-syncs; trying again at the next tick");
        }
    }
}

/// Queues every URL source whose re-sync is due at `now` and is not being
/// ingested already; returns how many were queued. `now` is a parameter so
/// that tests can move the clock.
pub async fn enqueue_due(state: &AppState, now: Timestamp) -> anyhow::Result<usize> {
    #[derive(Deserialize)]
    struct Due {
        id: DocumentId,
        hours: u32,
    }
    let tenants = state.store.tenant_ids().await?;
    let mut queued = 0;
    for tenant in tenants {
        let db = state.store.tenant(&tenant).await?;
        let due: Vec<Due> = db
            .db()
            .query(
                "SELECT record::id(id) AS id, resync_every_hours AS hours FROM document
                 WHERE next_sync_unix <= $now AND resync_every_hours > 0 AND status IN ['indexed', 'failed']",
            )
            .bind("now", now.unix_seconds())
            .run()
            .await?
            .all(0)?;
        for source in due {
            let next = next_due(now, source.hours);
            let claimed: Option<DocumentId> = db
                .db()
                .query(
                    "UPDATE type::record('document', $id)
                     SET status = $queued, next_sync_at = $next, next_sync_unix = $next_unix, updated_at = $at
                     WHERE next_sync_unix <= $now AND status IN ['indexed', 'failed']
                     RETURN VALUE record::id(id)",
                )
                .bind("id", &source.id)
                .bind("queued", DocumentStatus::Queued)
                .bind("next", next)
                .bind("next_unix", next.unix_seconds())
                .bind("at", Timestamp::now())
                .bind("now", now.unix_seconds())
                .run()
                .await?
                .first(0)?;
            if let Some(document) = claimed {
                state.knowledge.enqueue(Job { tenant: tenant.clone(), document });
                queued += 1;
            }
        }
    }
    Ok(queued)
}
