//! Search latency over a bot's passage index at a chosen size.
//!
//! `cargo bench -p animo-server --bench search -- --chunks 100000`
//!
//! Fills one bot's index with `--chunks` passages through the same insert the
//! ingestion worker uses, then times the search answers run
//! (`knowledge::rank`: BM25, vector and hybrid with the answer refinement)
//! for the scifact claims, one query at a time and then several at once.
//!
//! Passage text is real English: sentences of the scifact abstracts
//! (../shared/fixtures/retrieval/scifact-train), recombined so that every
//! passage differs, grouped twenty to a document. Vectors are pseudo-random
//! unit vectors of the local model's 384 dimensions: making 100,000 real
//! embeddings takes hours on this machine, and an HNSW search over random
//! vectors has no clusters to shortcut through, so it is the harder case.
//! Retrieval quality is measured by `cargo xtask bench-retrieval`, not here.
//!
//! `--data DIR` keeps the database: a second run with the same `--chunks`
//! skips the filling (the slow part at 100,000).
//!
//! Ends with one machine-readable line:
//! `chunks=… hybrid_p50_ms=… hybrid_p95_ms=… bm25_p95_ms=… vector_p95_ms=… concurrent_hybrid_p95_ms=…`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use animo_server::ids::NewId;
use animo_server::knowledge::lexicon::Lexicon;
use animo_server::knowledge::{self, index};
use animo_server::store::{Store, TenantDb};
use animo_shared::knowledge::SearchMode;
use animo_shared::{BotId, TenantId};
use anyhow::{Context, Result, bail};

const DIMENSIONS: usize = 384;
const PASSAGES_PER_DOCUMENT: usize = 20;
/// Passages returned per search, as chat retrieval asks.
const K: usize = 5;
/// Chat's refinement without its similarity threshold, which random
/// vectors would never pass: candidates are still four times `K` and
/// diversified by MMR.
const REFINEMENT: index::Refinement = index::Refinement { min_similarity: None, mmr: knowledge::ANSWER_REFINEMENT.mmr };

struct Args {
    chunks: usize,
    queries: usize,
    warmup: usize,
    concurrency: usize,
    data: Option<PathBuf>,
    corpus: PathBuf,
    modes: Vec<SearchMode>,
}

fn parse_args() -> Result<Args> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = Args {
        chunks: 10_000,
        queries: 300,
        warmup: 300,
        concurrency: 4,
        data: None,
        corpus: root.join("../shared/fixtures/retrieval/scifact-train"),
        modes: vec![SearchMode::Hybrid, SearchMode::Bm25, SearchMode::Vector],
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = || given.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--chunks" => args.chunks = value()?.parse().context("--chunks")?,
            "--queries" => args.queries = value()?.parse().context("--queries")?,
            "--warmup" => args.warmup = value()?.parse().context("--warmup")?,
            "--concurrency" => args.concurrency = value()?.parse().context("--concurrency")?,
            "--data" => args.data = Some(PathBuf::from(value()?)),
            "--corpus" => args.corpus = PathBuf::from(value()?),
            "--modes" => {
                args.modes = value()?
                    .split(',')
                    .map(|mode| match mode {
                        "hybrid" => Ok(SearchMode::Hybrid),
                        "bm25" => Ok(SearchMode::Bm25),
                        "vector" => Ok(SearchMode::Vector),
                        other => Err(anyhow::anyhow!("unknown mode {other}; use hybrid, bm25 or vector")),
                    })
                    .collect::<Result<_>>()?;
            }
            // What `cargo bench` passes to every bench target.
            "--bench" => {}
            other => bail!(
                "unknown argument {other}; use --chunks N --queries N --warmup N --concurrency N --modes hybrid,bm25,vector --data DIR --corpus BEIR_DIR"
            ),
        }
    }
    if args.chunks == 0 || args.queries == 0 || args.concurrency == 0 {
        bail!("--chunks, --queries and --concurrency must be positive");
    }
    Ok(args)
}

/// A deterministic pseudo-random unit vector.
fn vector(seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let mut values: Vec<f32> = (0..DIMENSIONS)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            #[expect(clippy::cast_precision_loss, reason = "53 bits into a unit interval")]
            let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
            #[expect(clippy::cast_possible_truncation, reason = "a vector component")]
            let component = (unit * 2.0 - 1.0) as f32;
            component
        })
        .collect();
    let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
    values.iter_mut().for_each(|v| *v /= norm);
    values
}

struct Abstract {
    title: String,
    sentences: Vec<String>,
}

fn read_jsonl(path: &Path) -> Result<Vec<serde_json::Value>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).with_context(|| format!("a line of {}", path.display())))
        .collect()
}

fn field(value: &serde_json::Value, name: &str) -> String {
    value.get(name).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned()
}

fn abstracts(corpus: &Path) -> Result<Vec<Abstract>> {
    let abstracts: Vec<Abstract> = read_jsonl(&corpus.join("corpus.jsonl"))?
        .iter()
        .map(|line| Abstract {
            title: field(line, "title"),
            sentences: field(line, "text")
                .split(". ")
                .map(str::trim)
                .filter(|sentence| !sentence.is_empty())
                .map(str::to_owned)
                .collect(),
        })
        .filter(|item| !item.sentences.is_empty())
        .collect();
    if abstracts.is_empty() {
        bail!("{} has no abstracts", corpus.display());
    }
    Ok(abstracts)
}

fn document_key(document: usize) -> String {
    format!("{document:026}:{:064x}", document.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Passage `i`: five sentences, three from one abstract and two from
/// another, so that passages beyond the corpus's own still differ.
fn passage(abstracts: &[Abstract], i: usize) -> index::StoredChunk {
    let count = abstracts.len();
    let first = &abstracts[i % count];
    let second = &abstracts[(i / count + i.wrapping_mul(7_919)) % count];
    let start = (i / count) % first.sentences.len();
    let mut sentences: Vec<&str> = first.sentences.iter().cycle().skip(start).take(3).map(String::as_str).collect();
    sentences.extend(second.sentences.iter().take(2).map(String::as_str));
    let text = sentences.join(". ");
    index::StoredChunk {
        doc_key: document_key(i / PASSAGES_PER_DOCUMENT),
        ordinal: u32::try_from(i % PASSAGES_PER_DOCUMENT).unwrap_or(0),
        char_start: 0,
        char_end: text.len(),
        text,
        title: first.title.clone(),
        section: Vec::new(),
        page: None,
        url: None,
        embedding: Some(vector(i as u64)),
    }
}

/// The database and the bot, filled with `chunks` passages unless `--data`
/// already holds them.
async fn prepare(args: &Args, folder: &Path, abstracts: &[Abstract]) -> Result<(Store, TenantDb, BotId)> {
    let marker = folder.join("bench-search.json");
    let previous: Option<serde_json::Value> =
        std::fs::read(&marker).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let store = Store::open(&format!("surrealkv://{}", folder.join("db").display())).await?;
    if let Some(previous) = previous
        && previous.get("chunks").and_then(serde_json::Value::as_u64) == Some(args.chunks as u64)
    {
        let tenant: TenantId = field(&previous, "tenant").parse().context("tenant in the marker")?;
        let bot: BotId = field(&previous, "bot").parse().context("bot in the marker")?;
        let db = store.tenant(&tenant).await?;
        println!("reusing {} passages in {}", args.chunks, folder.display());
        return Ok((store, db, bot));
    }
    if marker.exists() {
        bail!("{} holds a different size; use another --data folder", folder.display());
    }
    let tenant = TenantId::generate();
    let bot = BotId::generate();
    let db = store.tenant(&tenant).await?;
    index::ensure(&db, &bot, DIMENSIONS).await?;
    let started = Instant::now();
    let mut reported = Instant::now();
    let batch = 64;
    for first in (0..args.chunks).step_by(batch) {
        let chunks: Vec<index::StoredChunk> =
            (first..(first + batch).min(args.chunks)).map(|i| passage(abstracts, i)).collect();
        index::insert(&db, &bot, &chunks).await?;
        if reported.elapsed() > Duration::from_secs(30) {
            reported = Instant::now();
            let done = first + chunks.len();
            println!("filled {done} of {} passages ({:.0} s)", args.chunks, started.elapsed().as_secs_f64());
        }
    }
    println!(
        "filled {} passages in {:.1} s ({:.0}/s)",
        args.chunks,
        started.elapsed().as_secs_f64(),
        args.chunks as f64 / started.elapsed().as_secs_f64()
    );
    let state = serde_json::json!({ "chunks": args.chunks, "tenant": tenant.to_string(), "bot": bot.to_string() });
    std::fs::write(&marker, serde_json::to_vec(&state)?)?;
    Ok((store, db, bot))
}

/// Nearest-rank percentile of sorted milliseconds.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "an index into the samples")]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

#[derive(Clone)]
struct Query {
    text: String,
    vector: Vec<f32>,
}

/// What every search of the run shares.
struct Index {
    db: TenantDb,
    bot: BotId,
    lexicon: Lexicon,
    keys: Vec<String>,
}

/// Runs every query once, `concurrency` at a time, each worker a task of its
/// own as a server's requests are (so they run on both cores), and returns
/// the sorted latencies in ms and the passages found.
async fn timed(
    index: &Arc<Index>,
    queries: Vec<Query>,
    mode: SearchMode,
    concurrency: usize,
) -> Result<(Vec<f64>, usize)> {
    let queries = Arc::new(queries);
    let next = Arc::new(AtomicUsize::new(0));
    let found = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (index, queries, next, found) =
            (Arc::clone(index), Arc::clone(&queries), Arc::clone(&next), Arc::clone(&found));
        workers.spawn(async move {
            let Index { db, bot, lexicon, keys } = &*index;
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(query) = queries.get(i) else { break };
                let vector = (mode != SearchMode::Bm25).then_some(query.vector.as_slice());
                let started = Instant::now();
                let (hits, _) =
                    knowledge::rank(db, bot, lexicon, keys, &query.text, vector, K, Some(mode), REFINEMENT).await?;
                samples.push(started.elapsed().as_secs_f64() * 1_000.0);
                found.fetch_add(hits.len(), Ordering::Relaxed);
            }
            anyhow::Ok(samples)
        });
    }
    let mut samples = Vec::new();
    while let Some(result) = workers.join_next().await {
        samples.extend(result.context("a search task panicked")??);
    }
    samples.sort_by(f64::total_cmp);
    Ok((samples, found.load(Ordering::Relaxed)))
}

async fn run(args: Args) -> Result<()> {
    let abstracts = abstracts(&args.corpus)?;
    let temporary = tempfile::tempdir()?;
    let folder = args.data.clone().unwrap_or_else(|| temporary.path().to_path_buf());
    std::fs::create_dir_all(&folder)?;
    let (_store, db, bot) = prepare(&args, &folder, &abstracts).await?;
    let documents = args.chunks.div_ceil(PASSAGES_PER_DOCUMENT);
    let keys: Vec<String> = (0..documents).map(document_key).collect();
    let claims: Vec<String> = read_jsonl(&args.corpus.join("queries.jsonl"))?
        .iter()
        .map(|claim| field(claim, "text"))
        .filter(|text| !text.is_empty())
        .collect();
    // Every set of searches gets questions and vectors of its own: the
    // warm-up must not replay what is measured (that would time answers the
    // engine's caches already hold), nor may one mode warm the next.
    let queries = |set: u64, skip: usize, count: usize| -> Vec<Query> {
        claims
            .iter()
            .cycle()
            .skip(skip)
            .take(count)
            .enumerate()
            .map(|(i, text)| Query { text: text.clone(), vector: vector(1_000_000_007 * (set + 1) + i as u64) })
            .collect()
    };
    let warmup = queries(0, args.queries, args.warmup.max(1));
    // The first search loads the postings of every version; then the caches
    // are warmed the way a running server's are, by other questions.
    let index = Arc::new(Index { db, bot, lexicon: Lexicon::default(), keys });
    let (first, _) = timed(&index, warmup[..1].to_vec(), SearchMode::Hybrid, 1).await?;
    println!(
        "first search (loads the word postings of {documents} versions): {:.0} ms, {} postings held",
        first.first().copied().unwrap_or(f64::NAN),
        index.lexicon.size()
    );
    let (cold, _) = timed(&index, warmup[1..].to_vec(), SearchMode::Hybrid, 1).await?;
    if !cold.is_empty() {
        println!(
            "warm-up: {} other questions, hybrid p50 {:.2} / p95 {:.2} ms while the caches fill",
            cold.len(),
            percentile(&cold, 50.0),
            percentile(&cold, 95.0)
        );
    }
    println!(
        "{} passages in {documents} documents, {} queries, k = {K}, 4k candidates per list, MMR 0.7",
        args.chunks, args.queries
    );
    println!(
        "{:<10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "mode", "concurrent", "p50 ms", "p95 ms", "p99 ms", "max ms", "hits/query"
    );
    let mut line = format!("chunks={}", args.chunks);
    let mut set = 0;
    for (mode, name) in [(SearchMode::Hybrid, "hybrid"), (SearchMode::Bm25, "bm25"), (SearchMode::Vector, "vector")] {
        if !args.modes.contains(&mode) {
            continue;
        }
        for concurrency in [1, args.concurrency] {
            set += 1;
            let measured = queries(set, 0, args.queries);
            let (samples, found) = timed(&index, measured, mode, concurrency).await?;
            let (p50, p95) = (percentile(&samples, 50.0), percentile(&samples, 95.0));
            println!(
                "{name:<10} {concurrency:>11} {p50:>9.2} {p95:>9.2} {:>9.2} {:>9.2} {:>10.1}",
                percentile(&samples, 99.0),
                samples.last().copied().unwrap_or(f64::NAN),
                found as f64 / samples.len() as f64
            );
            if concurrency == 1 && mode == SearchMode::Hybrid {
                line.push_str(&format!(" hybrid_p50_ms={p50:.2} hybrid_p95_ms={p95:.2}"));
            } else if concurrency == 1 {
                line.push_str(&format!(" {name}_p95_ms={p95:.2}"));
            } else if mode == SearchMode::Hybrid {
                line.push_str(&format!(" concurrent_hybrid_p95_ms={p95:.2}"));
            }
            if concurrency == args.concurrency {
                break;
            }
        }
    }
    println!("{line}");
    Ok(())
}

fn main() -> Result<()> {
    let args = parse_args()?;
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(args))
}
