//! Per-bot analytics, computed from the stored messages so that they are
//! exact and disappear with the messages they came from (a visitor's
//! erasure erases their part of every figure).

use std::collections::{BTreeMap, HashMap, HashSet};

use animo_shared::chat::{AnalyticsQuery, Author, BotAnalytics, DayAnalytics, MessageUsage, QuestionCount, Rating};
use animo_shared::{BotId, ErrorCode};
use serde::Deserialize;
use time::Date;
use time::macros::format_description;

use crate::context::TenantCtx;
use crate::error::{ApiError, ApiResult};

/// Longest range, in days.
const MAX_DAYS: i64 = 366;
/// Questions listed in each ranking.
const TOP: usize = 10;

#[derive(Debug, Deserialize)]
struct Row {
    author: Author,
    conversation: String,
    visitor: String,
    #[serde(default)]
    user_id: Option<String>,
    day: String,
    text: String,
    #[serde(default)]
    first_token_ms: Option<u64>,
    #[serde(default)]
    usage: Option<MessageUsage>,
    #[serde(default)]
    compound: Option<f64>,
    #[serde(default)]
    rating: Option<Rating>,
    #[serde(default)]
    unanswered: Option<bool>,
    #[serde(default)]
    reply_to: Option<String>,
    id: String,
}

fn parse_day(text: &str, name: &str) -> ApiResult<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, format!("`{name}` must be a date like 2026-11-23.")))
}

/// The bot's analytics per day over the range.
pub async fn bot_analytics(ctx: &TenantCtx, bot: &BotId, query: &AnalyticsQuery) -> ApiResult<BotAnalytics> {
    let from = parse_day(&query.from, "from")?;
    let to = parse_day(&query.to, "to")?;
    let span = (to - from).whole_days();
    if !(0..MAX_DAYS).contains(&span) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("`to` must be on or after `from` and at most {MAX_DAYS} days later."),
        ));
    }
    crate::bots::get(ctx, bot).await?;
    let rows: Vec<Row> = ctx
        .db
        .db()
        .query(
            "SELECT record::id(id) AS id, author, conversation, visitor, user_id, day, text, first_token_ms, usage,
                    sentiment.compound AS compound, feedback.rating AS rating, unanswered, reply_to
             FROM message WHERE bot = $bot AND day >= $from AND day <= $to AND test != true",
        )
        .bind("bot", bot)
        .bind("from", &query.from)
        .bind("to", &query.to)
        .run()
        .await?
        .all(0)?;
    Ok(compute(&rows, from, to))
}

#[derive(Default)]
struct Accumulator {
    stats: DayAnalytics,
    conversations: HashSet<String>,
    visitors: HashSet<String>,
    latencies: Vec<u64>,
}

impl Accumulator {
    fn add(&mut self, row: &Row) {
        let stats = &mut self.stats;
        match row.author {
            Author::Visitor => {
                stats.visitor_messages += 1;
                self.conversations.insert(row.conversation.clone());
                self.visitors
                    .insert(row.user_id.clone().map_or_else(|| row.visitor.clone(), |user| format!("user:{user}")));
                match row.compound.unwrap_or(0.0) {
                    score if score >= 0.05 => stats.sentiment.positive += 1,
                    score if score <= -0.05 => stats.sentiment.negative += 1,
                    _ => stats.sentiment.neutral += 1,
                }
            }
            Author::Bot => {
                stats.answers += 1;
                if let Some(ms) = row.first_token_ms {
                    self.latencies.push(ms);
                }
                if let Some(usage) = row.usage {
                    stats.input_tokens += u64::from(usage.input_tokens);
                    stats.output_tokens += u64::from(usage.output_tokens);
                    stats.cost_micro_usd += usage.cost_micro_usd;
                }
                match row.rating {
                    Some(Rating::Up) => stats.feedback_up += 1,
                    Some(Rating::Down) => stats.feedback_down += 1,
                    None => {}
                }
                if row.unanswered == Some(true) {
                    stats.unanswered += 1;
                }
            }
        }
    }

    fn finish(mut self, day: String) -> DayAnalytics {
        self.stats.day = day;
        self.stats.conversations = self.conversations.len() as u64;
        self.stats.unique_visitors = self.visitors.len() as u64;
        if !self.latencies.is_empty() {
            self.latencies.sort_unstable();
            let count = self.latencies.len();
            self.stats.latency_ms_mean = self.latencies.iter().sum::<u64>() / count as u64;
            // Nearest-rank percentile.
            let rank = (count * 95).div_ceil(100).clamp(1, count);
            self.stats.latency_ms_p95 = self.latencies.get(rank - 1).copied().unwrap_or_default();
        }
        self.stats
    }
}

fn ranking(counts: HashMap<String, (String, u64)>) -> Vec<QuestionCount> {
    let mut list: Vec<QuestionCount> =
        counts.into_values().map(|(question, count)| QuestionCount { question, count }).collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.question.cmp(&b.question)));
    list.truncate(TOP);
    list
}

fn compute(rows: &[Row], from: Date, to: Date) -> BotAnalytics {
    let mut days: BTreeMap<String, Accumulator> = BTreeMap::new();
    let mut day = from;
    loop {
        days.insert(day.to_string(), Accumulator::default());
        match day.next_day() {
            Some(next) if next <= to => day = next,
            _ => break,
        }
    }
    let mut totals = Accumulator::default();
    let mut asked: HashMap<String, (String, u64)> = HashMap::new();
    let questions: HashMap<&str, &Row> =
        rows.iter().filter(|row| row.author == Author::Visitor).map(|row| (row.id.as_str(), row)).collect();
    let mut unanswered: HashMap<String, (String, u64)> = HashMap::new();
    for row in rows {
        if let Some(accumulator) = days.get_mut(&row.day) {
            accumulator.add(row);
        }
        totals.add(row);
        match row.author {
            Author::Visitor => {
                let entry = asked.entry(super::cache::normalize(&row.text)).or_insert_with(|| (row.text.clone(), 0));
                entry.1 += 1;
            }
            Author::Bot if row.unanswered == Some(true) => {
                if let Some(question) = row.reply_to.as_deref().and_then(|id| questions.get(id)) {
                    let entry = unanswered
                        .entry(super::cache::normalize(&question.text))
                        .or_insert_with(|| (question.text.clone(), 0));
                    entry.1 += 1;
                }
            }
            Author::Bot => {}
        }
    }
    asked.remove("");
    BotAnalytics {
        days: days.into_iter().map(|(day, accumulator)| accumulator.finish(day)).collect(),
        totals: totals.finish(String::new()),
        top_questions: ranking(asked),
        unanswered_questions: ranking(unanswered),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(author: Author, id: &str, day: &str, text: &str) -> Row {
        Row {
            author,
            conversation: "cv_1".into(),
            visitor: "vis_1".into(),
            user_id: None,
            day: day.into(),
            text: text.into(),
            first_token_ms: None,
            usage: None,
            compound: None,
            rating: None,
            unanswered: None,
            reply_to: None,
            id: id.into(),
        }
    }

    #[test]
    fn figures_add_up_per_day_and_over_the_range() {
        let day = |d| Date::parse(d, format_description!("[year]-[month]-[day]")).expect("date");
        let mut rows = vec![
            Row { compound: Some(0.6), ..row(Author::Visitor, "m1", "2026-11-01", "Opening hours?") },
            Row {
                first_token_ms: Some(10),
                usage: Some(MessageUsage { input_tokens: 100, output_tokens: 20, cost_micro_usd: 7 }),
                rating: Some(Rating::Up),
                reply_to: Some("m1".into()),
                ..row(Author::Bot, "m2", "2026-11-01", "9 to 5")
            },
            Row {
                visitor: "vis_2".into(),
                conversation: "cv_2".into(),
                compound: Some(-0.5),
                ..row(Author::Visitor, "m3", "2026-11-03", "opening hours")
            },
            Row {
                first_token_ms: Some(30),
                unanswered: Some(true),
                reply_to: Some("m3".into()),
                ..row(Author::Bot, "m4", "2026-11-03", "I don't know")
            },
        ];
        rows.push(Row { user_id: Some("u1".into()), ..row(Author::Visitor, "m5", "2026-11-03", "Bitcoin?") });
        let result = compute(&rows, day("2026-11-01"), day("2026-11-03"));
        assert_eq!(result.days.len(), 3, "days without messages are listed too");
        let first = &result.days[0];
        assert_eq!((first.visitor_messages, first.answers, first.unique_visitors), (1, 1, 1));
        assert_eq!((first.input_tokens, first.output_tokens, first.cost_micro_usd, first.feedback_up), (100, 20, 7, 1));
        assert_eq!(first.sentiment.positive, 1);
        assert_eq!(result.days[1], DayAnalytics { day: "2026-11-02".into(), ..DayAnalytics::default() });
        let third = &result.days[2];
        assert_eq!((third.conversations, third.unique_visitors, third.unanswered), (2, 2, 1));
        assert_eq!(third.sentiment.negative, 1);
        assert_eq!(result.totals.unique_visitors, 3);
        assert_eq!((result.totals.latency_ms_mean, result.totals.latency_ms_p95), (20, 30));
        assert_eq!(result.top_questions[0], QuestionCount { question: "Opening hours?".into(), count: 2 });
        assert_eq!(result.unanswered_questions, [QuestionCount { question: "opening hours".into(), count: 1 }]);
    }
}
