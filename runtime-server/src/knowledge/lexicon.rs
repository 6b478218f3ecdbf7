//! Ranking passages by words (BM25) in the server's memory.
//!
//! SurrealDB's full-text index finds the passages containing any query
//! word quickly, but ranks them by reading and scoring every one: a
//! question's common words ("cells", "patients") match most of a large
//! bot's passages, and at 10,000 passages a search took 400 ms
//! (docs/benchmarks.md). Here each document version's passages become a
//! [`Segment`] of postings (term → passages with the term's count) built
//! once from the stored passages; the segments of the versions a search may
//! answer from are merged into one view, kept for the next questions over
//! the same versions; a search scores only the postings of its terms and
//! reads just the best passages back from the database.
//!
//! A document version's passages never change once written (a changed
//! document becomes a new version with a new key), so a segment stays true
//! for as long as its key is answered from, in this process or any other
//! sharing the database. The one exception, a version written again after a
//! crash, shows up as passages that are no longer there; the segment is
//! then dropped and loaded again. Views and segments no search asks for
//! any more are dropped, least recently used first, when the cache grows
//! over its budget.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, PoisonError};

use animo_shared::{BotId, TenantId};
use rust_stemmers::{Algorithm, Stemmer};
use serde::Deserialize;

use super::index::Ranked;
use crate::store::{StoreError, TenantDb};

/// BM25's term-frequency saturation (the customary 1.2).
const K1: f64 = 1.2;
/// BM25's length normalisation (the customary 0.75).
const B: f64 = 0.75;
/// Postings the cache holds before it drops the least recently used
/// segments: about 8 bytes each, so some 256 MiB.
const DEFAULT_BUDGET: usize = 32 << 20;
/// Up to this many missing versions are loaded through the `doc_key`
/// index, more in one pass over the bot's table.
const FEW_VERSIONS: usize = 32;

/// English words too common to tell passages apart; dropping them keeps
/// the postings a question walks short without changing the ranking much
/// (their BM25 weight is close to nothing).
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being",
    "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "during", "each", "few", "for",
    "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if",
    "in", "into", "is", "it", "its", "itself", "me", "more", "most", "my", "no", "nor", "not", "of", "off", "on",
    "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such",
    "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "through",
    "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
    "whom", "why", "will", "with", "would", "you", "your",
];

/// Turns text into index terms: runs of letters and runs of digits (a
/// change of character class ends a term, as "5-6" is "5" and "6"),
/// folded to lowercase ASCII, stop words dropped, stemmed (Snowball English).
pub struct Analyzer {
    stemmer: Stemmer,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Analyzer(english)")
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self { stemmer: Stemmer::create(Algorithm::English) }
    }
}

impl Analyzer {
    /// The terms of `text`, in order, repeated as often as they occur.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let folded: Cow<'_, str> =
            if text.is_ascii() { Cow::Borrowed(text) } else { Cow::Owned(deunicode::deunicode(text)) };
        let mut terms = Vec::new();
        let mut word = String::new();
        let mut digits = false;
        let flush = |word: &mut String, terms: &mut Vec<String>| {
            if !word.is_empty() && !STOP_WORDS.contains(&word.as_str()) {
                terms.push(self.stemmer.stem(word).into_owned());
            }
            word.clear();
        };
        for c in folded.chars() {
            let is_digit = c.is_ascii_digit();
            if c.is_ascii_alphabetic() || is_digit {
                if !word.is_empty() && digits != is_digit {
                    flush(&mut word, &mut terms);
                }
                digits = is_digit;
                word.push(c.to_ascii_lowercase());
            } else {
                flush(&mut word, &mut terms);
            }
        }
        flush(&mut word, &mut terms);
        terms
    }
}

/// Hash maps on the search path. Their keys are words of the tenant's own
/// passages and version keys, looked up tens of thousands of times per
/// question, so a multiply-rotate hash replaces the default's SipHash; a
/// tenant crafting colliding words could only slow its own bot.
type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// The multiply-rotate hash of [`FastMap`], eight bytes at a time.
#[derive(Default)]
struct FastHasher {
    hash: u64,
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits, which pick a table's bucket,
        // poorly mixed; fold the high bits in (Murmur3's finaliser).
        let mut hash = self.hash;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash
    }
}

/// The postings of one document version's passages.
#[derive(Debug, Default)]
pub struct Segment {
    /// The document version.
    key: String,
    /// Record ids of the passages, in the bot's passages table.
    ids: Vec<String>,
    /// Terms per passage.
    lengths: Vec<u32>,
    total_length: u64,
    /// Term → (passage index, occurrences).
    postings: FastMap<Box<str>, Vec<(u32, u32)>>,
    /// Number of postings, what the cache budget counts.
    size: usize,
}

impl Segment {
    /// A segment from passages as (record id, words).
    fn build(analyzer: &Analyzer, key: String, passages: Vec<(String, String)>) -> Self {
        let mut segment = Segment { key, ..Segment::default() };
        for (id, words) in passages {
            let Ok(index) = u32::try_from(segment.ids.len()) else { break };
            let terms = analyzer.terms(&words);
            let mut counts: FastMap<&str, u32> = FastMap::default();
            for term in &terms {
                *counts.entry(term.as_str()).or_insert(0) += 1;
            }
            segment.size += counts.len();
            for (term, count) in counts {
                segment.postings.entry(term.into()).or_default().push((index, count));
            }
            let length = u32::try_from(terms.len()).unwrap_or(u32::MAX);
            segment.lengths.push(length);
            segment.total_length += u64::from(length);
            segment.ids.push(id);
        }
        segment
    }
}

struct Cached {
    segment: Arc<Segment>,
    last_used: AtomicU64,
}

/// The postings of a set of versions merged into one collection: what a
/// search scores. A bot is searched over a few sets of versions (its draft,
/// its live version), each the same from one question to the next, so the
/// merge is done once per set and kept.
struct View {
    /// Which set of versions (see [`fingerprint`]).
    fingerprint: (u64, u64, usize),
    segments: Vec<Arc<Segment>>,
    /// Per passage of the collection: its segment and place in it.
    owners: Vec<(u32, u32)>,
    /// Per passage: its number of terms.
    lengths: Vec<u32>,
    average_length: f64,
    /// Term → (passage of the collection, occurrences).
    postings: FastMap<Box<str>, Vec<(u32, u32)>>,
    size: usize,
    last_used: AtomicU64,
}

impl View {
    fn build(fingerprint: (u64, u64, usize), segments: Vec<Arc<Segment>>, now: u64) -> Self {
        let mut owners = Vec::new();
        let mut lengths = Vec::new();
        let mut postings: FastMap<Box<str>, Vec<(u32, u32)>> = FastMap::default();
        let mut size = 0;
        let mut total_length = 0u64;
        for (position, segment) in segments.iter().enumerate() {
            let Ok(position) = u32::try_from(position) else { break };
            let Ok(offset) = u32::try_from(owners.len()) else { break };
            for (passage, length) in segment.lengths.iter().enumerate() {
                owners.push((position, u32::try_from(passage).unwrap_or(u32::MAX)));
                lengths.push(*length);
            }
            total_length += segment.total_length;
            for (term, list) in &segment.postings {
                size += list.len();
                let merged = postings.entry(term.clone()).or_default();
                merged.extend(list.iter().map(|&(passage, count)| (offset + passage, count)));
            }
        }
        #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let average_length = if owners.is_empty() { 1.0 } else { (total_length as f64 / owners.len() as f64).max(1.0) };
        Self { fingerprint, segments, owners, lengths, average_length, postings, size, last_used: AtomicU64::new(now) }
    }

    /// BM25 over the collection: document frequencies and the average
    /// length are those of these versions only.
    fn score(&self, terms: &[String], k: usize) -> Vec<Ranked> {
        if self.owners.is_empty() || k == 0 {
            return Vec::new();
        }
        #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let n = self.owners.len() as f64;
        let mut scores = vec![0.0f64; self.owners.len()];
        let mut touched: Vec<u32> = Vec::new();
        for term in terms {
            let Some(postings) = self.postings.get(term.as_str()) else { continue };
            #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
            let df = postings.len() as f64;
            let weight = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(passage, count) in postings {
                let length = self.lengths.get(passage as usize).copied().unwrap_or(0);
                let tf = f64::from(count);
                let norm = K1 * (1.0 - B + B * f64::from(length) / self.average_length);
                if let Some(score) = scores.get_mut(passage as usize) {
                    if *score == 0.0 {
                        touched.push(passage);
                    }
                    *score += weight * tf * (K1 + 1.0) / (tf + norm);
                }
            }
        }
        let mut heap: BinaryHeap<Candidate> = BinaryHeap::with_capacity(k + 1);
        for passage in touched {
            let score = scores.get(passage as usize).copied().unwrap_or(0.0);
            let candidate = Candidate { score, passage };
            if heap.len() < k {
                heap.push(candidate);
            } else if heap.peek().is_some_and(|worst| candidate < *worst) {
                heap.pop();
                heap.push(candidate);
            }
        }
        // Ascending in the heap's order is best first.
        heap.into_sorted_vec()
            .into_iter()
            .filter_map(|candidate| {
                let &(position, passage) = self.owners.get(candidate.passage as usize)?;
                let segment = self.segments.get(position as usize)?;
                Some(Ranked {
                    id: segment.ids.get(passage as usize)?.clone(),
                    doc_key: segment.key.clone(),
                    score: candidate.score,
                })
            })
            .collect()
    }
}

/// Identifies a set of version keys whatever their order: two sums of
/// per-key hashes under different seeds, and the count.
fn fingerprint(keys: &[String]) -> (u64, u64, usize) {
    use std::hash::{Hash, Hasher};
    let mut sums = (0u64, 0u64);
    for key in keys {
        let mut first = FastHasher { hash: 0x243f_6a88_85a3_08d3 };
        key.hash(&mut first);
        let mut second = FastHasher { hash: 0x1319_8a2e_0370_7344 };
        key.hash(&mut second);
        sums = (sums.0.wrapping_add(first.finish()), sums.1.wrapping_add(second.finish()));
    }
    (sums.0, sums.1, keys.len())
}

/// A bot's passages table in a tenant's database.
type BotKey = (TenantId, String);

/// What the cache holds for one bot.
#[derive(Default)]
struct BotCache {
    /// Its versions' segments by version key.
    segments: FastMap<String, Cached>,
    /// The merged sets of versions searched lately, at most [`VIEWS_PER_BOT`].
    views: Vec<Arc<View>>,
}

/// How many merged sets of versions a bot keeps: its draft and its live
/// version, and one more while either changes.
const VIEWS_PER_BOT: usize = 3;

/// The postings of every bot this process searched, shared by all requests.
pub struct Lexicon {
    analyzer: Analyzer,
    bots: Mutex<FastMap<BotKey, BotCache>>,
    /// One load at a time, so concurrent first searches load a version once.
    loading: tokio::sync::Mutex<()>,
    clock: AtomicU64,
    budget: usize,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon").field("budget", &self.budget).finish_non_exhaustive()
    }
}

impl Default for Lexicon {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET)
    }
}

/// A candidate in the top-k heap, ordered so the heap's top is the worst kept.
#[derive(PartialEq)]
struct Candidate {
    score: f64,
    passage: u32,
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: the lowest score (then the later passage) is the greatest.
        other.score.total_cmp(&self.score).then_with(|| self.passage.cmp(&other.passage))
    }
}

#[derive(Deserialize)]
struct LoadedPassage {
    id: String,
    doc_key: String,
    ordinal: u32,
    title: String,
    #[serde(default)]
    section: Vec<String>,
    text: String,
}

impl Lexicon {
    /// A cache that keeps about `budget` postings.
    pub fn with_budget(budget: usize) -> Self {
        Self {
            analyzer: Analyzer::default(),
            bots: Mutex::new(FastMap::default()),
            loading: tokio::sync::Mutex::new(()),
            clock: AtomicU64::new(0),
            budget,
        }
    }

    /// The analyzer terms are made with.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The best `k` passages for `query` by BM25 among the document versions `keys`.
    pub async fn rank(
        &self,
        db: &TenantDb,
        bot: &BotId,
        query: &str,
        k: usize,
        keys: &[String],
    ) -> Result<Vec<Ranked>, StoreError> {
        let mut terms = self.analyzer.terms(query);
        terms.sort_unstable();
        terms.dedup();
        if terms.is_empty() || k == 0 || keys.is_empty() {
            return Ok(Vec::new());
        }
        let view = self.view(db, bot, keys).await?;
        // Scoring a large bot takes milliseconds of CPU: off the async workers.
        Ok(tokio::task::spawn_blocking(move || view.score(&terms, k)).await?)
    }

    /// Loads (once) the postings of the versions `keys`, so that a later
    /// search over exactly these does not wait for them.
    pub async fn warm(&self, db: &TenantDb, bot: &BotId, keys: &[String]) -> Result<(), StoreError> {
        if !keys.is_empty() {
            self.view(db, bot, keys).await?;
        }
        Ok(())
    }

    /// The most postings this cache keeps.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Forgets the segment of `doc_key` and the merged sets holding it,
    /// e.g. when its passages turned out to have been written again.
    pub fn forget(&self, db: &TenantDb, bot: &BotId, doc_key: &str) {
        let key = (db.tenant().clone(), super::index::table(bot));
        if let Some(cache) = self.bots.lock().unwrap_or_else(PoisonError::into_inner).get_mut(&key) {
            cache.segments.remove(doc_key);
            cache.views.retain(|view| view.segments.iter().all(|segment| segment.key != doc_key));
        }
    }

    /// The merged postings of `keys`, made (and the missing segments
    /// loaded) when this set was not searched lately.
    async fn view(&self, db: &TenantDb, bot: &BotId, keys: &[String]) -> Result<Arc<View>, StoreError> {
        let table = super::index::table(bot);
        let bot_key: BotKey = (db.tenant().clone(), table.clone());
        let wanted = fingerprint(keys);
        let find = || {
            let now = self.clock.fetch_add(1, AtomicOrdering::Relaxed);
            let bots = self.bots.lock().unwrap_or_else(PoisonError::into_inner);
            let view = bots.get(&bot_key)?.views.iter().find(|view| view.fingerprint == wanted)?;
            view.last_used.store(now, AtomicOrdering::Relaxed);
            Some(Arc::clone(view))
        };
        if let Some(view) = find() {
            return Ok(view);
        }
        let _loading = self.loading.lock().await;
        // Another search may have made it while this one waited.
        if let Some(view) = find() {
            return Ok(view);
        }
        let mut missing = Vec::new();
        let mut segments = Vec::with_capacity(keys.len());
        {
            let now = self.clock.fetch_add(1, AtomicOrdering::Relaxed);
            let bots = self.bots.lock().unwrap_or_else(PoisonError::into_inner);
            let cached = bots.get(&bot_key);
            for key in keys {
                match cached.and_then(|cache| cache.segments.get(key.as_str())) {
                    Some(cached) => {
                        cached.last_used.store(now, AtomicOrdering::Relaxed);
                        segments.push(Arc::clone(&cached.segment));
                    }
                    None => missing.push(key.clone()),
                }
            }
        }
        missing.sort_unstable();
        missing.dedup();
        let loaded = if missing.is_empty() { Vec::new() } else { self.load(db, &table, &missing).await? };
        let loaded: Vec<Arc<Segment>> = loaded.into_iter().map(Arc::new).collect();
        segments.extend(loaded.iter().cloned());
        let now = self.clock.fetch_add(1, AtomicOrdering::Relaxed);
        let view = Arc::new(tokio::task::spawn_blocking(move || View::build(wanted, segments, now)).await?);
        let mut bots = self.bots.lock().unwrap_or_else(PoisonError::into_inner);
        let cache = bots.entry(bot_key.clone()).or_default();
        for segment in loaded {
            cache.segments.insert(segment.key.clone(), Cached { segment, last_used: AtomicU64::new(now) });
        }
        if cache.views.len() >= VIEWS_PER_BOT {
            cache.views.sort_by_key(|view| std::cmp::Reverse(view.last_used.load(AtomicOrdering::Relaxed)));
            cache.views.truncate(VIEWS_PER_BOT - 1);
        }
        cache.views.push(Arc::clone(&view));
        self.evict(&mut bots, &bot_key, now);
        Ok(view)
    }

    /// Reads and indexes the passages of `keys` (a version without
    /// passages gets an empty segment): through the `doc_key` index for a
    /// few versions, in one pass over the table for many (a bot's first
    /// search after a start, where one lookup per version cost far more).
    async fn load(&self, db: &TenantDb, table: &str, keys: &[String]) -> Result<Vec<Segment>, StoreError> {
        let passages: Vec<LoadedPassage> = if keys.len() > FEW_VERSIONS {
            db.db()
                .query(format!("SELECT record::id(id) AS id, doc_key, ordinal, title, section, text FROM {table}"))
                .run()
                .await?
                .all(0)?
        } else {
            let statements: String = (0..keys.len())
                .map(|i| {
                    format!(
                        "SELECT record::id(id) AS id, doc_key, ordinal, title, section, text FROM {table} \
                         WHERE doc_key = $keys[{i}];"
                    )
                })
                .collect();
            let mut rows = db.db().query(statements).bind("keys", keys).run().await?;
            let mut passages = Vec::new();
            for i in 0..keys.len() {
                passages.extend(rows.all::<LoadedPassage>(i)?);
            }
            passages
        };
        let mut by_key: HashMap<&str, Vec<LoadedPassage>> = keys.iter().map(|key| (key.as_str(), Vec::new())).collect();
        for passage in passages {
            if let Some(list) = by_key.get_mut(passage.doc_key.as_str()) {
                list.push(passage);
            }
        }
        let analyzer = &self.analyzer;
        Ok(by_key
            .into_iter()
            .map(|(key, mut passages)| {
                passages.sort_unstable_by_key(|passage| passage.ordinal);
                let words = passages
                    .into_iter()
                    .map(|passage| {
                        let words = super::index::words_of(&passage.title, &passage.section, &passage.text);
                        (passage.id, words)
                    })
                    .collect();
                Segment::build(analyzer, key.to_owned(), words)
            })
            .collect())
    }

    /// Keeps the cache within budget: first other bots' merged sets, then
    /// the least recently used segments (never those used at `now`), then
    /// this bot's older merged sets.
    fn evict(&self, bots: &mut FastMap<BotKey, BotCache>, current: &BotKey, now: u64) {
        let total = |bots: &FastMap<BotKey, BotCache>| -> usize {
            bots.values()
                .map(|cache| {
                    cache.segments.values().map(|cached| cached.segment.size).sum::<usize>()
                        + cache.views.iter().map(|view| view.size).sum::<usize>()
                })
                .sum()
        };
        if total(bots) <= self.budget {
            return;
        }
        for (bot, cache) in bots.iter_mut() {
            if bot != current {
                cache.views.clear();
            }
        }
        let mut excess = total(bots).saturating_sub(self.budget);
        if excess > 0 {
            let mut by_age: Vec<(u64, BotKey, String, usize)> = bots
                .iter()
                .flat_map(|(bot, cache)| {
                    cache.segments.iter().map(move |(key, cached)| {
                        (cached.last_used.load(AtomicOrdering::Relaxed), bot.clone(), key.clone(), cached.segment.size)
                    })
                })
                .filter(|(used, ..)| *used < now)
                .collect();
            by_age.sort_unstable_by_key(|(used, ..)| *used);
            for (_, bot, key, size) in by_age {
                if excess == 0 {
                    break;
                }
                if let Some(cache) = bots.get_mut(&bot) {
                    cache.segments.remove(&key);
                }
                excess = excess.saturating_sub(size);
            }
        }
        if excess > 0
            && let Some(cache) = bots.get_mut(current)
        {
            cache.views.retain(|view| view.last_used.load(AtomicOrdering::Relaxed) >= now);
        }
        bots.retain(|_, cache| !cache.segments.is_empty() || !cache.views.is_empty());
    }

    /// How many postings the cache holds, segments and merged sets together.
    pub fn size(&self) -> usize {
        let bots = self.bots.lock().unwrap_or_else(PoisonError::into_inner);
        bots.values()
            .map(|cache| {
                cache.segments.values().map(|cached| cached.segment.size).sum::<usize>()
                    + cache.views.iter().map(|view| view.size).sum::<usize>()
            })
            .sum()
    }
}

/// BM25 over `segments` taken together as one collection.
#[cfg(test)]
fn score(segments: &[Arc<Segment>], terms: &[String], k: usize) -> Vec<Ranked> {
    View::build(fingerprint(&[]), segments.to_vec(), 0).score(terms, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_folded_stemmed_and_split_where_the_character_class_changes() {
        let analyzer = Analyzer::default();
        assert_eq!(
            analyzer.terms("The Cafés are OPENING at 9pm, 5-6 days"),
            ["cafe", "open", "9", "pm", "5", "6", "day"]
        );
        assert!(analyzer.terms("the of and").is_empty(), "stop words only");
        assert!(analyzer.terms("").is_empty());
    }

    fn segment(analyzer: &Analyzer, key: &str, texts: &[&str], prefix: &str) -> Arc<Segment> {
        Arc::new(Segment::build(
            analyzer,
            key.to_owned(),
            texts.iter().enumerate().map(|(i, text)| (format!("{prefix}{i}"), (*text).to_owned())).collect(),
        ))
    }

    #[test]
    fn bm25_prefers_rarer_words_more_occurrences_and_shorter_passages() {
        let analyzer = Analyzer::default();
        let first = segment(
            &analyzer,
            "a:1",
            &[
                "Shipping to the EU takes three days.",
                "Shipping shipping shipping: every order ships from our warehouse.",
                "Returns are free within thirty days of delivery, no questions asked, always, anywhere.",
            ],
            "a",
        );
        let second = segment(&analyzer, "b:1", &["Our warehouse is in Lyon.", "Returns take days."], "b");
        let segments = vec![first, second];
        let mut terms = analyzer.terms("how many days does EU shipping take");
        terms.sort_unstable();
        terms.dedup();
        let ranked = score(&segments, &terms, 3);
        let ids: Vec<&str> = ranked.iter().map(|hit| hit.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&"a0"), "the passage with the rare words 'EU' and 'take' leads: {ranked:?}");
        assert_eq!(ranked.len(), 3);
        assert!(ranked.windows(2).all(|pair| pair[0].score >= pair[1].score), "best first: {ranked:?}");
        assert_eq!(ranked[0].doc_key, "a:1");
        // Only the versions given are the collection.
        let only_second = score(&segments[1..], &terms, 5);
        assert!(only_second.iter().all(|hit| hit.doc_key == "b:1"), "{only_second:?}");
        assert_eq!(only_second.first().map(|hit| hit.id.as_str()), Some("b1"));
        assert!(score(&segments, &["zebra".to_owned()], 5).is_empty(), "no passage has the word");
    }

    #[test]
    fn the_top_k_equals_a_full_sort() {
        let analyzer = Analyzer::default();
        let texts: Vec<String> = (0..300)
            .map(|i| format!("passage {i} mentions apples {} times and pears {} times", i % 7, (i * 13) % 11))
            .collect();
        let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
        let segments = vec![segment(&analyzer, "d:1", &borrowed, "p")];
        let terms = vec!["appl".to_owned(), "pear".to_owned(), "1".to_owned()];
        let all = score(&segments, &terms, 1_000);
        let top = score(&segments, &terms, 10);
        assert_eq!(top.len(), 10);
        assert_eq!(top, all[..10].to_vec());
    }
}
