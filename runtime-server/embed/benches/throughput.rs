//! Local embedding throughput: how many ~200-token passages all-MiniLM-L6-v2 embeds per second on
//! this machine's CPU, the rate at which ingestion can index knowledge.
//!
//! `cargo bench -p animo-embed --bench throughput` (release). Needs the model installed by
//! `cargo xtask setup`. Ends with one machine-readable line: `chunks_per_s=… tokens_per_s=…`.

use std::time::Instant;

use animo_embed::{Embedder, MiniLm, model_dir};
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
    let dir = model_dir(None);
    let model = MiniLm::load(&dir).with_context(|| format!("loading the model from {}", dir.display()))?;
    let passages = passages(&model)?;
    let tokens: usize = passages.iter().map(|passage| model.count_tokens(passage)).sum::<Result<_, _>>()?;

    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async {
        // One warm-up call: first-touch allocation and thread-pool start-up are not throughput.
        model.embed(&passages[..PER_CALL]).await?;
        let started = Instant::now();
        for call in passages.chunks(PER_CALL) {
            model.embed(call).await?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let chunks_per_s = PASSAGES as f64 / seconds;
        let tokens_per_s = tokens as f64 / seconds;
        println!(
            "{PASSAGES} passages of {:.0} tokens on average in {seconds:.2} s, {} threads",
            tokens as f64 / PASSAGES as f64,
            std::thread::available_parallelism().map_or(1, usize::from)
        );
        println!("chunks_per_s={chunks_per_s:.1} tokens_per_s={tokens_per_s:.0}");
        anyhow::Ok(())
    })
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
