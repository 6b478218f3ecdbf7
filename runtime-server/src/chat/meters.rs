//! The running totals a turn checks: the tenant's visitor messages this
//! month (the plan's limit), each bot's visitor messages today (the bot's
//! daily limit), and the month's model spending of the tenant and of each
//! bot (the budgets).
//!
//! These totals used to be counter records bumped inside every message's
//! transaction. All concurrent conversations of a tenant then wrote the same
//! record, SurrealDB's optimistic transactions let one of them commit and
//! sent the others back to retry, and throughput collapsed as load grew.
//!
//! The stored messages are already the durable truth: each one carries its
//! author, bot, day, month and (for answers) its cost. So a total is counted
//! from them once, on its first use after start, and kept in memory from then
//! on. Checking a limit and counting the message is one atomic step on that
//! total, so concurrent messages can never both take the last unit; a message
//! that turned out not to be stored gives its unit back. Nothing is lost in a
//! crash: the next start counts again from what was stored.
//!
//! A total is loaded before the message or answer it will count is stored,
//! so the count read from the database never already includes it.
//!
//! The totals are exact for one server process, which is how an embedded
//! database runs (it is locked by its process). Several processes sharing a
//! remote database would each see the messages stored before their total
//! was loaded plus their own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use animo_shared::api::QuotaKind;
use animo_shared::chat::Author;
use animo_shared::{BotId, ErrorCode, TenantId, Timestamp};
use serde_json::json;

use super::store::day_and_month;
use crate::error::{ApiError, ApiResult};
use crate::store::TenantDb;

/// What a total counts, and over which calendar period (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// The tenant's visitor messages in a month.
    TenantMessages { tenant: TenantId, month: String },
    /// A bot's visitor messages on a day.
    BotMessages { tenant: TenantId, bot: BotId, day: String },
    /// The tenant's model spending in a month, in micro-dollars.
    TenantSpend { tenant: TenantId, month: String },
    /// A bot's model spending in a month, in micro-dollars.
    BotSpend { tenant: TenantId, bot: BotId, month: String },
}

impl Key {
    fn period(&self) -> &str {
        match self {
            Self::TenantMessages { month, .. } | Self::TenantSpend { month, .. } | Self::BotSpend { month, .. } => {
                month
            }
            Self::BotMessages { day, .. } => day,
        }
    }

    /// The query counting this total from the stored messages, and its bindings.
    fn count_query(&self) -> (&'static str, Vec<(&'static str, serde_json::Value)>) {
        match self {
            Self::TenantMessages { month, .. } => (
                "RETURN (SELECT count() AS n FROM message WHERE month = $month AND author = $author AND test != true GROUP ALL)[0].n ?? 0",
                vec![("month", json!(month)), ("author", json!(Author::Visitor))],
            ),
            Self::BotMessages { bot, day, .. } => (
                "RETURN (SELECT count() AS n FROM message WHERE bot = $bot AND day = $day AND author = $author AND test != true GROUP ALL)[0].n ?? 0",
                vec![("bot", json!(bot)), ("day", json!(day)), ("author", json!(Author::Visitor))],
            ),
            Self::TenantSpend { month, .. } => (
                "RETURN (SELECT math::sum(usage.cost_micro_usd ?? 0) AS n FROM message WHERE month = $month AND author = $author GROUP ALL)[0].n ?? 0",
                vec![("month", json!(month)), ("author", json!(Author::Bot))],
            ),
            Self::BotSpend { bot, month, .. } => (
                "RETURN (SELECT math::sum(usage.cost_micro_usd ?? 0) AS n FROM message WHERE bot = $bot AND month = $month AND author = $author GROUP ALL)[0].n ?? 0",
                vec![("bot", json!(bot)), ("month", json!(month)), ("author", json!(Author::Bot))],
            ),
        }
    }
}

/// One running total, counted from the database on first use.
#[derive(Debug, Default)]
struct Total {
    value: tokio::sync::OnceCell<Arc<AtomicU64>>,
}

/// A loaded total.
#[derive(Debug, Clone)]
struct Loaded(Arc<AtomicU64>);

impl Loaded {
    fn counter(&self) -> &AtomicU64 {
        &self.0
    }

    fn get(&self) -> u64 {
        self.counter().load(Ordering::SeqCst)
    }

    /// Adds one unless the total has reached `limit`; the total before, on refusal.
    fn take_one(&self, limit: u64) -> Result<(), u64> {
        self.counter().fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| (used < limit).then_some(used + 1))?;
        Ok(())
    }

    fn add(&self, amount: u64) {
        let _previous =
            self.counter().fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| Some(used.saturating_add(amount)));
    }

    fn give_back_one(&self) {
        let _previous =
            self.counter().fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| Some(used.saturating_sub(1)));
    }
}

/// Every running total of the process.
#[derive(Debug, Default)]
pub struct Meters {
    totals: Mutex<HashMap<Key, Arc<Total>>>,
}

/// The limits a visitor message is checked against.
#[derive(Debug, Clone, Copy)]
pub struct MessageLimits {
    /// The plan's visitor messages per month, for the whole tenant.
    pub monthly: u64,
    /// The bot's visitor messages per day.
    pub daily: u64,
}

/// A visitor message counted against the limits before it is stored; give
/// it back with [`MessageReservation::give_back`] if it was not stored.
#[derive(Debug)]
#[must_use = "a reservation is kept, or given back when the message was not stored"]
pub struct MessageReservation {
    month: Loaded,
    day: Loaded,
}

impl MessageReservation {
    /// Uncounts a message that was not stored (an error, or a retry of one stored earlier).
    pub fn give_back(self) {
        self.month.give_back_one();
        self.day.give_back_one();
    }
}

/// The month's spending totals of a tenant and one of its bots, loaded
/// before an answer is stored so its cost can be added afterwards.
#[derive(Debug)]
pub struct SpendTotals {
    tenant: Loaded,
    bot: Loaded,
}

impl SpendTotals {
    /// The tenant's and the bot's spending so far, in micro-dollars.
    pub fn spent(&self) -> (u64, u64) {
        (self.tenant.get(), self.bot.get())
    }

    /// Adds a stored answer's cost.
    pub fn add(&self, cost_micro_usd: u64) {
        self.tenant.add(cost_micro_usd);
        self.bot.add(cost_micro_usd);
    }
}

impl Meters {
    /// Totals of periods other than the current ones are dropped once this many are kept.
    const SWEEP_AT: usize = 4_096;

    /// Counts a visitor message against the plan's monthly limit and the
    /// bot's daily limit, or refuses it (counting nothing) when either is reached.
    pub async fn reserve_message(
        &self,
        db: &TenantDb,
        tenant: &TenantId,
        bot: &BotId,
        limits: MessageLimits,
    ) -> ApiResult<MessageReservation> {
        let (day, month) = day_and_month(Timestamp::now());
        let month = self.load(db, Key::TenantMessages { tenant: tenant.clone(), month }).await?;
        let day = self.load(db, Key::BotMessages { tenant: tenant.clone(), bot: bot.clone(), day }).await?;
        month.take_one(limits.monthly).map_err(|_| ApiError::quota(QuotaKind::MonthlyMessages, limits.monthly))?;
        if day.take_one(limits.daily).is_err() {
            month.give_back_one();
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                format!("This assistant has answered its {} messages for today; try again tomorrow.", limits.daily),
            )
            .with_details(json!({ "limit": "bot_per_day", "max": limits.daily })));
        }
        Ok(MessageReservation { month, day })
    }

    /// The tenant's visitor messages this month.
    pub async fn monthly_messages(&self, db: &TenantDb, tenant: &TenantId) -> ApiResult<u64> {
        let (_, month) = day_and_month(Timestamp::now());
        Ok(self.load(db, Key::TenantMessages { tenant: tenant.clone(), month }).await?.get())
    }

    /// The month's spending totals of the tenant and the bot.
    pub async fn spend(&self, db: &TenantDb, tenant: &TenantId, bot: &BotId) -> ApiResult<SpendTotals> {
        let (_, month) = day_and_month(Timestamp::now());
        let tenant_total = self.load(db, Key::TenantSpend { tenant: tenant.clone(), month: month.clone() }).await?;
        let bot_total = self.load(db, Key::BotSpend { tenant: tenant.clone(), bot: bot.clone(), month }).await?;
        Ok(SpendTotals { tenant: tenant_total, bot: bot_total })
    }

    async fn load(&self, db: &TenantDb, key: Key) -> ApiResult<Loaded> {
        let total = self.total(&key);
        let counter = total
            .value
            .get_or_try_init(|| async {
                let (sql, bindings) = key.count_query();
                let query =
                    bindings.into_iter().fold(db.db().query(sql), |query, (name, value)| query.bind(name, value));
                let count: u64 = query.run().await?.value(0)?;
                Ok::<_, ApiError>(Arc::new(AtomicU64::new(count)))
            })
            .await?;
        Ok(Loaded(Arc::clone(counter)))
    }

    fn total(&self, key: &Key) -> Arc<Total> {
        let mut totals = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(total) = totals.get(key) {
            return Arc::clone(total);
        }
        if totals.len() >= Self::SWEEP_AT {
            // A new day or month makes older totals useless; a total still
            // held by a turn in progress lives on in that turn's Arc.
            let (day, month) = day_and_month(Timestamp::now());
            totals.retain(|key, _| key.period() == day || key.period() == month);
        }
        Arc::clone(totals.entry(key.clone()).or_default())
    }
}
