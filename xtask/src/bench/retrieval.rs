//! `cargo xtask bench-retrieval --beir DIR`: retrieval quality on a BEIR
//! folder, measured through the product's own paths.
//!
//! It starts a real `animo-server` (release by default) on loopback with
//! SurrealKV in a fresh folder and the local embedding model, signs up a
//! tenant, creates a bot, uploads every corpus document as a Markdown file
//! (`# title` then the text) through `POST /v1/bots/{id}/knowledge`, waits for
//! the ingestion jobs, then asks every judged query through
//! `POST /v1/bots/{id}/knowledge/search` and scores the documents the cited
//! passages come from: nDCG@10 and recall@10, averaged over the queries of
//! the split. A BEIR document is found again from a citation by the document
//! id its upload answered with.
//!
//! `--mode bm25` without `--data` runs the server without the embedding model
//! (the BM25 index is the same with or without vectors). With `--data DIR`
//! the server's database stays in `DIR` with what the run
//! uploaded, and a later run with the same `DIR` and corpus uploads nothing:
//! it waits for whatever ingestion is left (a run stopped half-way resumes,
//! the server's jobs being durable) and scores, so the three modes (or
//! ranking changes that do not touch the index) are compared on one
//! ingestion.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use animo_shared::knowledge::{DocumentList, DocumentStatus, DocumentView, SearchMode, SearchRequest, SearchResponse};
use anyhow::{Context, Result, bail, ensure};
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Profile, Server, build_server, expect_json, wait_until_ready};

/// Documents uploaded at once; the server runs the jobs one at a time anyway.
const UPLOADS_IN_FLIGHT: usize = 8;
/// Searches in flight at once.
const SEARCHES_IN_FLIGHT: usize = 4;
/// Passages asked for per query: the most the search returns. A document can
/// have several passages, so the ten best documents need more than ten.
const PASSAGES_PER_QUERY: u32 = 50;
/// The cut-off of both measures.
const AT: usize = 10;
/// How long ingestion may take before the run gives up.
const INGESTION_TIMEOUT: Duration = Duration::from_secs(4 * 3600);
/// How often progress is printed while ingestion runs.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);
/// The file in `--data` that records an ingested corpus.
const STATE_FILE: &str = "bench-retrieval.json";

/// Options of `cargo xtask bench-retrieval`.
#[derive(Debug, Args)]
pub struct RetrievalArgs {
    /// A BEIR folder: corpus.jsonl, queries.jsonl and qrels/SPLIT.tsv.
    #[arg(long, value_name = "DIR")]
    beir: PathBuf,
    /// Which judgements to score [default: test, or train when the folder has only train].
    #[arg(long)]
    split: Option<String>,
    /// How the search ranks passages.
    #[arg(long, value_enum, default_value_t = Mode::Hybrid)]
    mode: Mode,
    /// Keep the server's database here and reuse what an earlier run with the same corpus ingested.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Use this server binary instead of building one.
    #[arg(long, value_name = "PATH")]
    server_bin: Option<PathBuf>,
    /// The cargo profile the server is built with (ignored with --server-bin).
    #[arg(long, value_enum, default_value_t = Profile::Release)]
    profile: Profile,
    /// Print each query's nDCG@10 with its judged and found documents.
    #[arg(long)]
    verbose: bool,
}

/// The rankings the search offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Bm25,
    Vector,
    Hybrid,
}

impl Mode {
    fn search_mode(self) -> SearchMode {
        match self {
            Mode::Bm25 => SearchMode::Bm25,
            Mode::Vector => SearchMode::Vector,
            Mode::Hybrid => SearchMode::Hybrid,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Bm25 => "bm25",
            Mode::Vector => "vector",
            Mode::Hybrid => "hybrid",
        }
    }
}

/// A corpus document.
#[derive(Debug, Deserialize)]
struct CorpusDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

/// A query.
#[derive(Debug, Deserialize)]
struct Query {
    #[serde(rename = "_id")]
    id: String,
    text: String,
}

/// What `--data` remembers of an ingestion.
#[derive(Debug, Serialize, Deserialize)]
struct Ingested {
    /// Size and modification time of corpus.jsonl, to notice another corpus.
    corpus: String,
    /// An API key of the tenant (designer).
    key: String,
    bot: String,
    /// Server document id → BEIR document id.
    documents: HashMap<String, String>,
}

/// Runs the benchmark; the last line printed is `ndcg@10=… recall@10=…`.
pub fn bench_retrieval(root: &Path, args: &RetrievalArgs) -> Result<()> {
    let split = match &args.split {
        Some(split) => split.clone(),
        None if !args.beir.join("qrels/test.tsv").is_file() && args.beir.join("qrels/train.tsv").is_file() => {
            "train".to_owned()
        }
        None => "test".to_owned(),
    };
    let corpus = read_jsonl::<CorpusDoc>(&args.beir.join("corpus.jsonl"))?;
    let queries = read_jsonl::<Query>(&args.beir.join("queries.jsonl"))?;
    let qrels = read_qrels(&args.beir.join("qrels").join(format!("{split}.tsv")))?;
    let judged: Vec<&Query> = queries.iter().filter(|query| qrels.contains_key(&query.id)).collect();
    ensure!(!judged.is_empty(), "no query of queries.jsonl has a judgement in qrels/{split}.tsv");
    println!(
        "bench-retrieval: {} documents, {} queries judged in {split} ({} judgements), mode {}",
        corpus.len(),
        judged.len(),
        qrels.values().map(HashMap::len).sum::<usize>(),
        args.mode.name()
    );

    let binary = match &args.server_bin {
        Some(path) => std::path::absolute(path).with_context(|| format!("could not resolve {}", path.display()))?,
        None => build_server(root, args.profile)?,
    };
    ensure!(binary.is_file(), "the server binary {} does not exist", binary.display());
    let temporary;
    let dir = match &args.data {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
            dir.clone()
        }
        None => {
            temporary = tempfile::Builder::new()
                .prefix("animo-bench-retrieval-")
                .tempdir()
                .context("could not create the benchmark's temporary folder")?;
            temporary.path().to_path_buf()
        }
    };
    // BM25 alone needs no vectors, so a one-off BM25 run skips the embedding model and ingests in
    // a fraction of the time; with --data the index must serve the other modes later, so it embeds.
    let embeddings = if args.mode == Mode::Bm25 && args.data.is_none() { "false" } else { "true" };
    let mut server = Server::start_on(&binary, &dir, &[("ANIMO_EMBEDDINGS", embeddings)], "127.0.0.1:0")?;
    println!(
        "bench-retrieval: {} listening on {} with SurrealKV in {}",
        binary.display(),
        server.addr(),
        dir.display()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let outcome = runtime.block_on(run(server.addr(), &dir, args, &corpus, &judged, &qrels));
    server.ensure_running()?;
    server.stop()?;
    let scores = outcome?;
    println!("ndcg@{AT}={:.4} recall@{AT}={:.4}", scores.0, scores.1);
    Ok(())
}

async fn run(
    addr: std::net::SocketAddr,
    dir: &Path,
    args: &RetrievalArgs,
    corpus: &[CorpusDoc],
    judged: &[&Query],
    qrels: &HashMap<String, HashMap<String, u32>>,
) -> Result<(f64, f64)> {
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?;
    wait_until_ready(&client, &base).await?;

    let corpus_stamp = stamp(&args.beir.join("corpus.jsonl"))?;
    let state_path = dir.join(STATE_FILE);
    let previous = match std::fs::read(&state_path) {
        Ok(bytes) => Some(serde_json::from_slice::<Ingested>(&bytes).context("unreadable bench-retrieval.json")?),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error).context("could not read bench-retrieval.json"),
    };
    let ingested = match previous {
        Some(ingested) if ingested.corpus == corpus_stamp => {
            println!(
                "bench-retrieval: reusing the {} documents uploaded in {}",
                ingested.documents.len(),
                dir.display()
            );
            ingested
        }
        Some(_) => bail!("{} holds another corpus; use another --data folder", dir.display()),
        None => {
            let ingested = upload_corpus(&client, &base, corpus, corpus_stamp).await?;
            // Saved before the jobs finish: the server's jobs are durable, so a run stopped
            // during ingestion resumes it with the same --data instead of starting over.
            if args.data.is_some() {
                std::fs::write(&state_path, serde_json::to_vec(&ingested)?)
                    .with_context(|| format!("could not write {}", state_path.display()))?;
            }
            ingested
        }
    };
    wait_for_ingestion(&client, &base, &ingested).await?;
    evaluate(&client, &base, &ingested, args, judged, qrels).await
}

/// Signs up, creates the bot and uploads the corpus.
async fn upload_corpus(
    client: &reqwest::Client,
    base: &str,
    corpus: &[CorpusDoc],
    corpus_stamp: String,
) -> Result<Ingested> {
    let signup = json!({
        "email": "bench-retrieval@example.com",
        "password": "bench-password-long-enough",
        "tenant_name": "Retrieval benchmark",
    });
    let body = expect_json(client.post(format!("{base}/v1/auth/signup")).json(&signup), "sign-up").await?;
    let token = body["tokens"]["access_token"].as_str().context("the sign-up answer has no access token")?.to_owned();
    // An API key does not expire during a long ingestion, as an access token would.
    let created = expect_json(
        client
            .post(format!("{base}/v1/api-keys"))
            .bearer_auth(&token)
            .json(&json!({ "name": "retrieval benchmark", "role": "designer" })),
        "API key creation",
    )
    .await?;
    let key = created["secret"].as_str().context("the new API key has no secret")?.to_owned();
    let bot = expect_json(
        client
            .post(format!("{base}/v1/bots"))
            .bearer_auth(&key)
            .json(&json!({ "personality": { "name": "Retrieval" } })),
        "bot creation",
    )
    .await?;
    let bot = bot["id"].as_str().context("the new bot has no id")?.to_owned();

    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(UPLOADS_IN_FLIGHT));
    let mut uploads = tokio::task::JoinSet::new();
    for doc in corpus {
        let permit = Arc::clone(&semaphore).acquire_owned().await?;
        let (client, url, key) = (client.clone(), format!("{base}/v1/bots/{bot}/knowledge"), key.clone());
        let (id, markdown) = (doc.id.clone(), markdown(doc));
        uploads.spawn(async move {
            let _permit = permit;
            let view = upload(&client, &url, &key, &id, markdown).await?;
            anyhow::Ok((view.id.to_string(), id))
        });
    }
    let mut documents = HashMap::with_capacity(corpus.len());
    while let Some(done) = uploads.join_next().await {
        let (server_id, beir_id) = done??;
        documents.insert(server_id, beir_id);
    }
    let uploaded = started.elapsed();
    println!("bench-retrieval: uploaded {} documents in {:.1} s", documents.len(), uploaded.as_secs_f64());

    Ok(Ingested { corpus: corpus_stamp, key, bot, documents })
}

/// Waits until every uploaded document is indexed or failed, saying how far
/// ingestion has got every half minute, and reports the rate and failures.
async fn wait_for_ingestion(client: &reqwest::Client, base: &str, ingested: &Ingested) -> Result<()> {
    let started = Instant::now();
    let list_url = format!("{base}/v1/bots/{}/knowledge", ingested.bot);
    let done = |list: &DocumentList| {
        list.documents
            .iter()
            .filter(|document| matches!(document.status, DocumentStatus::Indexed | DocumentStatus::Failed))
            .count()
    };
    let passages = |list: &DocumentList| list.documents.iter().map(|document| document.chunks).sum::<u64>();
    let mut first: Option<(usize, u64)> = None;
    let mut last_report = Instant::now();
    let list = loop {
        let list: DocumentList = serde_json::from_value(
            expect_json(client.get(&list_url).bearer_auth(&ingested.key), "document list").await?,
        )?;
        first.get_or_insert((done(&list), passages(&list)));
        if done(&list) == list.documents.len() {
            break list;
        }
        if last_report.elapsed() >= PROGRESS_EVERY {
            last_report = Instant::now();
            println!(
                "bench-retrieval: {} of {} documents ingested ({} passages) after {:.0} s",
                done(&list),
                list.documents.len(),
                passages(&list),
                started.elapsed().as_secs_f64()
            );
        }
        ensure!(started.elapsed() < INGESTION_TIMEOUT, "ingestion did not finish within {INGESTION_TIMEOUT:?}");
        // The list of thousands of documents is itself work for the server: not asked for too often.
        tokio::time::sleep(Duration::from_secs(5)).await;
    };
    let (documents_before, passages_before) = first.unwrap_or_default();
    let seconds = started.elapsed().as_secs_f64();
    let failed: Vec<&DocumentView> =
        list.documents.iter().filter(|document| document.status == DocumentStatus::Failed).collect();
    println!(
        "bench-retrieval: {} documents in {} passages ({} failed); this run ingested {} documents, {} passages in {seconds:.1} s: {:.1} passages/s, {:.1} documents/s",
        list.documents.len(),
        passages(&list),
        failed.len(),
        list.documents.len() - documents_before,
        passages(&list) - passages_before,
        (passages(&list) - passages_before) as f64 / seconds,
        (list.documents.len() - documents_before) as f64 / seconds,
    );
    for document in failed.iter().take(5) {
        let reason = document.error.as_ref().map_or("", |error| error.message.as_str());
        println!(
            "bench-retrieval:   failed: {} ({reason})",
            ingested.documents.get(&document.id.to_string()).map_or("?", String::as_str)
        );
    }
    Ok(())
}

/// A BEIR document as the file a business would upload.
fn markdown(doc: &CorpusDoc) -> String {
    let title = doc.title.trim();
    if title.is_empty() { doc.text.clone() } else { format!("# {title}\n\n{}\n", doc.text) }
}

/// Uploads one file as `multipart/form-data` with the field `file`.
async fn upload(client: &reqwest::Client, url: &str, key: &str, id: &str, content: String) -> Result<DocumentView> {
    // The corpus ids are digits and letters; anything else is dropped from the file name only.
    let name: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
    let boundary = "animo-bench-retrieval-boundary-7f3a9c";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}.md\"\r\nContent-Type: text/markdown\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content.as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = client
        .post(url)
        .bearer_auth(key)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    let value = expect_json(request, &format!("upload of document {id}")).await?;
    serde_json::from_value(value).with_context(|| format!("the upload of document {id} answered no document"))
}

/// Asks every judged query and averages nDCG@10 and recall@10.
async fn evaluate(
    client: &reqwest::Client,
    base: &str,
    ingested: &Ingested,
    args: &RetrievalArgs,
    judged: &[&Query],
    qrels: &HashMap<String, HashMap<String, u32>>,
) -> Result<(f64, f64)> {
    let url = format!("{base}/v1/bots/{}/knowledge/search", ingested.bot);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(SEARCHES_IN_FLIGHT));
    let mut searches = tokio::task::JoinSet::new();
    for (index, query) in judged.iter().enumerate() {
        let permit = Arc::clone(&semaphore).acquire_owned().await?;
        let (client, url, key) = (client.clone(), url.clone(), ingested.key.clone());
        // The search accepts at most 1,000 characters.
        let request = SearchRequest {
            query: query.text.chars().take(1_000).collect(),
            k: Some(PASSAGES_PER_QUERY),
            mode: Some(args.mode.search_mode()),
            min_similarity: None,
            mmr: None,
        };
        searches.spawn(async move {
            let _permit = permit;
            let started = Instant::now();
            let value = expect_json(client.post(&url).bearer_auth(&key).json(&request), "search").await?;
            let elapsed = started.elapsed();
            let response: SearchResponse = serde_json::from_value(value).context("the search answer")?;
            anyhow::Ok((index, response, elapsed))
        });
    }
    let mut results = Vec::with_capacity(judged.len());
    while let Some(done) = searches.join_next().await {
        results.push(done??);
    }
    results.sort_by_key(|(index, _, _)| *index);

    let mut ndcg_sum = 0.0;
    let mut recall_sum = 0.0;
    let mut latencies = Vec::with_capacity(results.len());
    for (index, response, elapsed) in &results {
        latencies.push(*elapsed);
        let query = judged[*index];
        let relevant = &qrels[&query.id];
        let mut seen = HashSet::new();
        let ranked: Vec<&str> = response
            .passages
            .iter()
            .filter_map(|passage| ingested.documents.get(&passage.document_id.to_string()).map(String::as_str))
            .filter(|id| seen.insert(*id))
            .take(AT)
            .collect();
        let ndcg = ndcg_at(&ranked, relevant);
        ndcg_sum += ndcg;
        recall_sum += recall_at(&ranked, relevant);
        if args.verbose {
            println!("query {}: ndcg {ndcg:.3} judged {:?} found {:?}", query.id, relevant.keys(), ranked);
        }
    }
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "bench-retrieval: {} searches ({} passages each, {SEARCHES_IN_FLIGHT} in flight): p50 {:.1} ms, p95 {:.1} ms",
        results.len(),
        PASSAGES_PER_QUERY,
        percentile(0.5).as_secs_f64() * 1e3,
        percentile(0.95).as_secs_f64() * 1e3
    );
    let count = results.len() as f64;
    Ok((ndcg_sum / count, recall_sum / count))
}

/// nDCG at [`AT`] with graded gains `2^rel - 1`, as BEIR's evaluation (trec_eval) computes it.
fn ndcg_at(ranked: &[&str], relevant: &HashMap<String, u32>) -> f64 {
    let gain = |grade: u32| 2f64.powi(grade.min(30) as i32) - 1.0;
    let discount = |position: usize| 1.0 / (position as f64 + 2.0).log2();
    let dcg: f64 = ranked
        .iter()
        .take(AT)
        .enumerate()
        .map(|(position, id)| relevant.get(*id).map_or(0.0, |grade| gain(*grade) * discount(position)))
        .sum();
    let mut grades: Vec<u32> = relevant.values().copied().collect();
    grades.sort_unstable_by(|a, b| b.cmp(a));
    let ideal: f64 =
        grades.iter().take(AT).enumerate().map(|(position, grade)| gain(*grade) * discount(position)).sum();
    if ideal > 0.0 { dcg / ideal } else { 0.0 }
}

/// The share of the relevant documents found in the first [`AT`].
fn recall_at(ranked: &[&str], relevant: &HashMap<String, u32>) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    let found = ranked.iter().take(AT).filter(|id| relevant.contains_key(**id)).count();
    found as f64 / relevant.len() as f64
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let file = std::fs::File::open(path).with_context(|| format!("could not open {}", path.display()))?;
    let mut items = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("could not read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        items.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{} line {}: not a BEIR record", path.display(), number + 1))?,
        );
    }
    Ok(items)
}

/// `query-id corpus-id score` rows (after a header) → query → document → grade; grades of 0 are dropped.
fn read_qrels(path: &Path) -> Result<HashMap<String, HashMap<String, u32>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
    let mut qrels: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if fields.len() < 3 || (number == 0 && fields[2].parse::<u32>().is_err()) {
            continue;
        }
        let grade: u32 = fields[2]
            .parse()
            .with_context(|| format!("{} line {}: the score is not a number", path.display(), number + 1))?;
        if grade > 0 {
            qrels.entry(fields[0].to_owned()).or_default().insert(fields[1].to_owned(), grade);
        }
    }
    Ok(qrels)
}

/// Size and content digest of a file: what tells a different corpus in
/// `--data` apart (a fresh copy of the same corpus has other file times).
fn stamp(path: &Path) -> Result<String> {
    use sha2::Digest;
    let bytes = std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    let digest = sha2::Sha256::digest(&bytes);
    Ok(format!("{}:{}", bytes.len(), hex_prefix(&digest)))
}

fn hex_prefix(digest: &[u8]) -> String {
    digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, u32)]) -> HashMap<String, HashMap<String, u32>> {
        HashMap::from([("q".to_owned(), pairs.iter().map(|(id, grade)| ((*id).to_owned(), *grade)).collect())])
    }

    #[test]
    fn ndcg_is_one_for_the_ideal_order_and_discounts_later_hits() {
        let qrels = judged(&[("a", 1), ("b", 1)]);
        let relevant = &qrels["q"];
        assert!((ndcg_at(&["a", "b", "x"], relevant) - 1.0).abs() < 1e-12);
        assert!((ndcg_at(&["b", "a"], relevant) - 1.0).abs() < 1e-12);
        // One hit at rank 2 of two relevant: (1/log2 3) / (1 + 1/log2 3).
        let expected = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&["x", "a"], relevant) - expected).abs() < 1e-12);
        assert_eq!(ndcg_at(&["x", "y"], relevant), 0.0);
    }

    #[test]
    fn recall_counts_only_the_first_ten() {
        let qrels = judged(&[("a", 1), ("b", 1)]);
        let relevant = &qrels["q"];
        let mut ranked = vec!["x"; 10];
        ranked.push("a");
        assert_eq!(recall_at(&ranked, relevant), 0.0);
        ranked[3] = "b";
        assert!((recall_at(&ranked, relevant) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn qrels_skip_the_header_and_zero_grades() {
        let dir = tempfile::tempdir().expect("folder");
        let path = dir.path().join("test.tsv");
        std::fs::write(&path, "query-id\tcorpus-id\tscore\n1\td1\t1\n1\td2\t0\n2\td3\t2\n").expect("write");
        let qrels = read_qrels(&path).expect("qrels");
        assert_eq!(qrels["1"].len(), 1);
        assert_eq!(qrels["2"]["d3"], 2);
    }
}
