//! Local embedding throughput: how many ~200-token passages all-MiniLM-L6-v2 embeds per second on
//! this machine's CPU, the rate at which ingestion can index knowledge.
//!
//! `cargo bench -p animo-embed --bench throughput [-- --batch-tokens 512,1024,2048]` (release).
//! Needs the model installed by `cargo xtask setup`. For each batch bound (default: the model's
//! own) prints the wall-clock rate and the process's CPU time, which says more than the wall
//! clock on a machine shared with other work; the last line is machine-readable:
//! `chunks_per_s=… tokens_per_s=… cpu_s_per_chunk=…` for the last bound measured.

use std::time::Instant;

use animo_embed::{DEFAULT_BATCH_TOKENS, Embedder, MiniLm, model_dir};
use anyhow::{Context, Result};

/// Passages measured, in calls of [`PER_CALL`] as ingestion sends a document's chunks.
const PASSAGES: usize = 256;
const PER_CALL: usize = 64;
/// The size of a passage in tokens, as the knowledge chunker cuts them.
const TARGET_TOKENS: usize = 200;

const WORDS: &[&str] = &[
    "account",
    "password",
    "reset",
    "order",
    "delivery",
    "refund",
    "invoice",
    "shipping",
    "customer",
    "support",
    "the",
    "a",
    "your",
    "our",
    "we",
    "you",
    "can",
    "will",
    "should",
    "must",
    "within",
    "after",
    "before",
    "during",
    "days",
    "hours",
    "business",
    "team",
    "email",
    "phone",
    "address",
    "warranty",
    "product",
    "service",
    "plan",
    "subscription",
    "cancel",
    "change",
    "update",
    "payment",
    "card",
    "bank",
    "transfer",
    "return",
    "policy",
    "store",
    "opening",
    "weekend",
    "holiday",
    "contact",
    "request",
    "form",
    "receive",
    "confirmation",
    "link",
    "security",
    "settings",
    "profile",
    "login",
    "two-factor",
    "code",
    "message",
    "device",
    "browser",
    "app",
    "install",
    "download",
    "version",
    "feature",
    "price",
    "discount",
    "coupon",
    "member",
    "reward",
    "points",
    "and",
    "or",
    "but",
    "if",
    "when",
    "then",
    "also",
    "only",
    "every",
    "each",
    "most",
    "some",
    "new",
    "old",
];

fn main() -> Result<()> {
    let mut bounds = vec![DEFAULT_BATCH_TOKENS];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--batch-tokens" => {
                let list = args.next().context("--batch-tokens needs a list such as 512,1024")?;
                bounds = list.split(',').map(str::parse).collect::<Result<_, _>>().context("--batch-tokens")?;
            }
            // `cargo bench` passes `--bench` to every benchmark binary.
            "--bench" => {}
            other => anyhow::bail!("unknown argument {other}; expected --batch-tokens LIST"),
        }
    }
    let dir = model_dir(None);
    let loaded = MiniLm::load(&dir).with_context(|| format!("loading the model from {}", dir.display()))?;
    let passages = passages(&loaded)?;
    let tokens: usize = passages.iter().map(|passage| loaded.count_tokens(passage)).sum::<Result<_, _>>()?;

    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async {
        let mut last = String::new();
        for bound in bounds {
            let model = loaded.clone().with_batch_tokens(bound);
            // One warm-up call: first-touch allocation and thread-pool start-up are not throughput.
            model.embed(&passages[..PER_CALL]).await?;
            let cpu_before = cpu_seconds();
            let started = Instant::now();
            for call in passages.chunks(PER_CALL) {
                model.embed(call).await?;
            }
            let seconds = started.elapsed().as_secs_f64();
            let cpu = cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
            let chunks_per_s = PASSAGES as f64 / seconds;
            let tokens_per_s = tokens as f64 / seconds;
            println!(
                "batches of <= {bound} tokens: {PASSAGES} passages of {:.0} tokens on average in {seconds:.2} s ({chunks_per_s:.1}/s), {} threads, {}",
                tokens as f64 / PASSAGES as f64,
                std::thread::available_parallelism().map_or(1, usize::from),
                cpu.map_or("CPU time unknown".to_owned(), |cpu| format!(
                    "{cpu:.2} CPU-s ({:.1} ms per passage)",
                    cpu * 1e3 / PASSAGES as f64
                )),
            );
            last = format!(
                "chunks_per_s={chunks_per_s:.1} tokens_per_s={tokens_per_s:.0} cpu_s_per_chunk={}",
                cpu.map_or("unknown".to_owned(), |cpu| format!("{:.4}", cpu / PASSAGES as f64))
            );
        }
        println!("{last}");
        anyhow::Ok(())
    })
}

/// User and system CPU time of this process so far, from `/proc/self/stat` (Linux; `None` elsewhere).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks; 100 per second on every Linux this runs on.
    Some((user + system) / 100.0)
}

/// Deterministic English-like passages of [`TARGET_TOKENS`] tokens, each different.
fn passages(model: &MiniLm) -> Result<Vec<String>> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64: reproducible text without a random-number crate.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut passages = Vec::with_capacity(PASSAGES);
    for _ in 0..PASSAGES {
        let mut passage = String::new();
        while model.count_tokens(&passage)? < TARGET_TOKENS {
            let length = 6 + next() % 10;
            let sentence: Vec<&str> = (0..length).map(|_| WORDS[(next() % WORDS.len() as u64) as usize]).collect();
            passage.push_str(&sentence.join(" "));
            passage.push_str(". ");
        }
        passages.push(passage);
    }
    Ok(passages)
}
