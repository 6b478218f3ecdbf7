//! `cargo xtask bench chat`: visitors' WebSocket sessions against the
//! release server.
//!
//! The issue's targets are 10,000 concurrent sessions held, memory per idle
//! session under 50 KB, at least 2,000 messages/s sustained, and a p99 under
//! 20 ms from a message to its first `token` frame. One run measures all of
//! them in three phases against a real `animo-server` on loopback with
//! SurrealKV in a temporary folder:
//!
//! 1. Open: every session fetches an embed config (so it is a visitor of its
//!    own, with its own token) and opens `GET /v1/chat` with the page's
//!    `Origin`, as the widget does, until `ready` arrives.
//! 2. Hold: the sessions sit idle; the server's resident memory is read
//!    before and after, then every session sends a ping and counts as held
//!    if the pong comes back.
//! 3. Load: the sending sessions share a fixed offered load, each sending
//!    its next message when it is due. A message is timed from when it was
//!    due, so a server (or a session) that falls behind is charged for the
//!    wait instead of hiding it.
//!
//! The bots answer with the built-in offline responder from curated Q&A, as
//! every bot does with the default model settings: the answer is produced in
//! process, with no network, so the figures are the server's own overhead
//! (storage, rate limits, cues, framing) and not a model's.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use animo_shared::chat::{ClientFrame, EmbedConfig, ServerFrame};
use anyhow::{Context, Result, bail, ensure};
use clap::Args;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{ERROR_SAMPLES, Latencies, Profile, REQUEST_TIMEOUT, Server, build_server, expect_json, wait_until_ready};

/// The page the bots are embedded on; every request carries it as `Origin`.
const ORIGIN: &str = "https://shop.example";
/// Bots the sessions are spread over, all of one tenant.
const BOTS: usize = 4;
/// The curated Q&A every bot answers from; the sessions ask these questions.
const FAQ: [(&str, &str); 4] = [
    ("What are your opening hours?", "We are open from 9 to 5, Monday to Friday. On Saturdays we open at 10."),
    ("Do you ship abroad?", "Yes, we ship to every EU country. Shipping takes 3 to 5 days."),
    (
        "How do I return an item?",
        "You can return any item within 30 days. Print the label from your account and drop the parcel at a post office.",
    ),
    (
        "Which payment methods do you accept?",
        "We accept cards, PayPal and bank transfers. Businesses can pay by invoice.",
    ),
];
/// Sessions being opened at once; more only lengthens the queue in the server.
const OPEN_CONCURRENCY: usize = 64;
/// Longest wait for a session's next frame (ready, pong, or the next frame of
/// an answer); a slower one counts as an error.
const FRAME_TIMEOUT: Duration = Duration::from_secs(15);
/// Time given to the sessions after the last one opened, before memory is
/// read, so that connections still settling are not counted as idle.
const SETTLE: Duration = Duration::from_secs(2);
/// Descriptors the benchmark keeps for itself beyond one per session (the
/// HTTP pool, the runtime, standard streams).
const SPARE_FILES: u64 = 1_024;
/// The server's rate limits during the run. Every session connects from
/// 127.0.0.1, so the per-IP limit (120 a minute by default) would refuse
/// almost everything; the per-visitor and per-bot limits are raised too, so
/// that no setting of `--rate` and `--senders` is refused.
const SERVER_ENV: [(&str, &str); 3] = [
    ("ANIMO_VISITOR_MESSAGES_PER_MINUTE", "1000000"),
    ("ANIMO_IP_MESSAGES_PER_MINUTE", "1000000000"),
    ("ANIMO_BOT_MESSAGES_PER_DAY", "1000000000"),
];
/// The issue's targets.
const SESSIONS_TARGET: usize = 10_000;
const IDLE_KB_TARGET: f64 = 50.0;
const RATE_TARGET: f64 = 2_000.0;
const FIRST_TOKEN_P99_TARGET_MS: f64 = 20.0;

/// Options of `cargo xtask bench chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// WebSocket sessions opened and held, each a visitor with a token of its own.
    #[arg(long, default_value_t = SESSIONS_TARGET)]
    sessions: usize,
    /// How long the open sessions sit idle before memory is read and each is pinged.
    #[arg(long, default_value_t = 10)]
    hold_seconds: u64,
    /// Sessions that send messages in the load phase; 0 means all of them.
    #[arg(long, default_value_t = 0)]
    senders: usize,
    /// Messages per second in all, spread evenly over the senders (an open loop).
    #[arg(long, default_value_t = 2_000)]
    rate: u32,
    /// Length of the measured part of the load phase.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Length of the unmeasured warm-up before it (every conversation's first
    /// message, which creates it and fills the answer cache).
    #[arg(long, default_value_t = 5)]
    warmup_seconds: u64,
    /// Use this server binary instead of building one.
    #[arg(long, value_name = "PATH")]
    server_bin: Option<std::path::PathBuf>,
    /// The cargo profile the server is built with (ignored with --server-bin).
    #[arg(long, value_enum, default_value_t = Profile::Release)]
    profile: Profile,
}

impl ChatArgs {
    fn senders(&self) -> usize {
        if self.senders == 0 { self.sessions } else { self.senders.min(self.sessions) }
    }
}

/// Builds or finds the server, runs the three phases, prints the summary,
/// and fails if any session or message failed: such a run measured
/// something other than the chat working.
pub fn chat(root: &Path, args: &ChatArgs) -> Result<()> {
    ensure!(args.sessions > 0, "--sessions must be at least 1");
    ensure!(args.rate > 0, "--rate must be at least 1");
    ensure!(args.seconds > 0, "--seconds must be at least 1");
    // Each session is a socket here and one in the server; both processes
    // need a descriptor per session. The server inherits this limit.
    let open_files = raise_open_files(args.sessions as u64 + SPARE_FILES)?;
    let binary = match &args.server_bin {
        Some(path) => std::path::absolute(path).with_context(|| format!("could not resolve {}", path.display()))?,
        None => build_server(root, args.profile)?,
    };
    ensure!(binary.is_file(), "the server binary {} does not exist", binary.display());

    let workdir = tempfile::Builder::new()
        .prefix("animo-bench-chat-")
        .tempdir()
        .context("could not create the benchmark's temporary folder")?;
    let mut server = Server::start(&binary, workdir.path(), &SERVER_ENV)?;
    let pid = server.child.id();
    println!(
        "bench: {} (pid {pid}) listening on {} with SurrealKV in {}; open-file limit {open_files}",
        binary.display(),
        server.addr,
        workdir.path().display()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let outcome = runtime.block_on(load(server.addr, pid, args));
    server.ensure_running()?;
    let report = outcome?;
    server.stop()?;
    // Ten thousand sockets close faster with the runtime gone than one by one.
    runtime.shutdown_timeout(Duration::from_secs(1));

    report.print(args, &binary);
    ensure!(
        report.errors() == 0,
        "{} sessions or messages failed (samples above); the figures are not a valid measurement",
        report.errors()
    );
    Ok(())
}

/// Raises this process's soft limit on open files to at least `wanted` (or
/// to the hard limit, when that is higher) and returns the new soft limit.
/// Raising the hard limit needs privileges; without them a hard limit below
/// `wanted` is an error that says what to do.
fn raise_open_files(wanted: u64) -> Result<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let current = getrlimit(Resource::Nofile);
    let hard = current.maximum;
    let soft = match hard {
        Some(hard) if hard < wanted => wanted,
        Some(hard) => hard,
        None => wanted.max(current.current.unwrap_or(0)),
    };
    let maximum = hard.map(|hard| hard.max(soft));
    setrlimit(Resource::Nofile, Rlimit { current: Some(soft), maximum }).with_context(|| {
        format!(
            "{wanted} open files are needed (one per session plus {SPARE_FILES}) but the hard limit is {}; \
             raise it (`ulimit -Hn`) or use fewer --sessions",
            hard.map_or_else(|| "unlimited".to_owned(), |hard| hard.to_string())
        )
    })?;
    Ok(soft)
}

/// The server's resident memory in KiB, from `/proc/<pid>/status`.
fn resident_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("could not read {path}"))?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).context("no VmRSS line in the status")?;
    line.split_whitespace().nth(1).context("an empty VmRSS line")?.parse().context("a VmRSS that is not a number")
}

/// CPU time (user and system) a process has used, from `/proc/<pid>/stat`.
fn cpu_time(pid: &str) -> Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("could not read {path}"))?;
    // The command name is in parentheses and may contain spaces; the fields
    // after it start with the state (field 3), so utime and stime (14 and
    // 15) are the 12th and 13th after the parenthesis.
    let (_, fields) = stat.rsplit_once(')').context("a stat line without the command name")?;
    let mut fields = fields.split_whitespace().skip(11);
    let mut ticks = |name: &str| -> Result<u64> {
        fields
            .next()
            .with_context(|| format!("no {name} in {path}"))?
            .parse()
            .with_context(|| format!("{name} in {path}"))
    };
    let total = ticks("utime")? + ticks("stime")?;
    let per_second = rustix::param::clock_ticks_per_second();
    ensure!(per_second > 0, "the clock tick rate is unknown");
    Ok(Duration::from_secs_f64(total as f64 / per_second as f64))
}

/// What the server's `/metrics` said at one moment.
#[derive(Debug, Default, Clone)]
struct Metrics {
    sessions: f64,
    answered: f64,
    /// `animo_chat_first_token_seconds`: (upper bound, cumulative count) per bucket, sum and count.
    first_token_buckets: Vec<(f64, f64)>,
    first_token_sum: f64,
    first_token_count: f64,
}

impl Metrics {
    fn parse(text: &str) -> Self {
        let mut metrics = Self::default();
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let Some((name, value)) = line.rsplit_once(' ') else { continue };
            let Ok(value) = value.parse::<f64>() else { continue };
            if name == "animo_chat_sessions" {
                metrics.sessions = value;
            } else if name == r#"animo_chat_messages_total{outcome="answered"}"# {
                metrics.answered = value;
            } else if name == "animo_chat_first_token_seconds_sum" {
                metrics.first_token_sum = value;
            } else if name == "animo_chat_first_token_seconds_count" {
                metrics.first_token_count = value;
            } else if let Some(bound) = name
                .strip_prefix(r#"animo_chat_first_token_seconds_bucket{le=""#)
                .and_then(|rest| rest.strip_suffix(r#""}"#))
            {
                let bound = if bound == "+Inf" { f64::INFINITY } else { bound.parse().unwrap_or(f64::INFINITY) };
                metrics.first_token_buckets.push((bound, value));
            }
        }
        metrics
    }

    /// The server's own view of the time to first token between two
    /// scrapes: the count, the mean, and the bucket bounds holding the
    /// median and the 99th percentile (a histogram only knows its buckets).
    fn first_token_between(before: &Self, after: &Self) -> ServerFirstToken {
        let count = after.first_token_count - before.first_token_count;
        let mean_ms = if count > 0.0 { (after.first_token_sum - before.first_token_sum) / count * 1000.0 } else { 0.0 };
        let bound_ms = |share: f64| {
            after
                .first_token_buckets
                .iter()
                .map(|&(bound, cumulative)| {
                    let earlier = before
                        .first_token_buckets
                        .iter()
                        .find(|(other, _)| *other == bound)
                        .map_or(0.0, |&(_, cumulative)| cumulative);
                    (bound, cumulative - earlier)
                })
                .find(|&(_, cumulative)| count > 0.0 && cumulative >= share * count)
                .map_or(0.0, |(bound, _)| bound * 1000.0)
        };
        ServerFirstToken { count, mean_ms, p50_at_most_ms: bound_ms(0.5), p99_at_most_ms: bound_ms(0.99) }
    }
}

/// The server-side time to first token over the measured window.
#[derive(Debug, Default, Clone, Copy)]
struct ServerFirstToken {
    count: f64,
    mean_ms: f64,
    p50_at_most_ms: f64,
    p99_at_most_ms: f64,
}

async fn scrape(client: &reqwest::Client, base: &str) -> Result<Metrics> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .context("could not fetch /metrics")?
        .text()
        .await
        .context("could not read /metrics")?;
    Ok(Metrics::parse(&text))
}

/// What every session task shares.
#[derive(Debug)]
struct Shared {
    client: reqwest::Client,
    base: String,
    ws_base: String,
    embeds: Vec<String>,
    opening: Semaphore,
    opened: AtomicUsize,
    senders: usize,
    /// Time between two messages of one sender.
    every: Duration,
}

/// Where the run is; every session follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Hold,
    Probe,
    Load(Window),
    Close,
}

/// The load phase's timing: messages due in `start..until` are sent, those
/// due from `measured_from` on are timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    start: Instant,
    measured_from: Instant,
    until: Instant,
}

/// The times of one answered message, in microseconds.
#[derive(Debug, Clone, Copy)]
struct Turn {
    /// From when it was due to its first `token` frame: the figure the target is about.
    first_token: u64,
    /// From when it was due to when it was sent (the session was still busy, or late).
    send_lag: u64,
    /// From sending to `ack` (stored).
    ack: u64,
    /// From `ack` to the first `token`.
    ack_to_token: u64,
    /// From when it was due to `done` (the answer is stored).
    done: u64,
    /// When it was due, in whole seconds from the start of the measured window.
    second: u64,
}

/// What one session saw.
#[derive(Debug, Default)]
struct SessionRecord {
    opened: bool,
    held: bool,
    turns: Vec<Turn>,
    /// Messages whose `done` arrived inside the measured window.
    completed_in_window: u64,
    /// Messages due inside the measured window.
    offered_in_window: u64,
    errors: u64,
    error_samples: Vec<String>,
}

impl SessionRecord {
    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.error_samples.len() < ERROR_SAMPLES {
            self.error_samples.push(what);
        }
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Sets up the bots, runs the three phases and gathers what the sessions and
/// the server saw.
async fn load(addr: SocketAddr, pid: u32, args: &ChatArgs) -> Result<Report> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("could not build the HTTP client")?;
    let base = format!("http://{addr}");
    wait_until_ready(&client, &base).await?;
    let embeds = set_up_bots(&client, &base).await.context("could not set up the bots")?;
    let senders = args.senders();
    let shared = Arc::new(Shared {
        client: client.clone(),
        base: base.clone(),
        ws_base: format!("ws://{addr}"),
        embeds,
        opening: Semaphore::new(OPEN_CONCURRENCY),
        opened: AtomicUsize::new(0),
        senders,
        every: Duration::from_secs_f64(senders as f64 / f64::from(args.rate)),
    });

    // Phase 1: open every session.
    let rss_before = resident_kib(pid)?;
    println!("bench: opening {} sessions ({OPEN_CONCURRENCY} at a time); server RSS {rss_before} KiB", args.sessions);
    let (phase_sender, phase) = watch::channel(Phase::Hold);
    let open_started = Instant::now();
    let tasks: Vec<_> =
        (0..args.sessions).map(|index| tokio::spawn(session(Arc::clone(&shared), index, phase.clone()))).collect();
    drop(phase);
    // The tasks count themselves open; those that fail end early.
    loop {
        let finished = tasks.iter().filter(|task| task.is_finished()).count();
        let opened = shared.opened.load(Ordering::Relaxed);
        if opened + finished >= args.sessions {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let open_time = open_started.elapsed();
    let opened = shared.opened.load(Ordering::Relaxed);
    println!("bench: {opened} sessions open after {:.1} s", open_time.as_secs_f64());

    // Phase 2: hold them idle, read memory, then ping every one.
    tokio::time::sleep(SETTLE).await;
    let rss_idle_start = resident_kib(pid)?;
    println!("bench: holding for {} s; server RSS {rss_idle_start} KiB", args.hold_seconds);
    tokio::time::sleep(Duration::from_secs(args.hold_seconds)).await;
    let rss_idle = resident_kib(pid)?;
    let metrics_idle = scrape(&client, &base).await?;
    println!(
        "bench: server RSS {rss_idle} KiB with {} sessions by its own count; pinging every session",
        metrics_idle.sessions
    );
    phase_sender.send_replace(Phase::Probe);
    // Every session answers its probe within FRAME_TIMEOUT or gives up.
    tokio::time::sleep(FRAME_TIMEOUT + Duration::from_secs(1)).await;

    // Phase 3: the load.
    let start = Instant::now() + Duration::from_millis(500);
    let measured_from = start + Duration::from_secs(args.warmup_seconds);
    let until = measured_from + Duration::from_secs(args.seconds);
    println!(
        "bench: {senders} sessions send {} messages/s in all (one every {:.2} s each), {} s warm-up, then {} s measured",
        args.rate,
        shared.every.as_secs_f64(),
        args.warmup_seconds,
        args.seconds
    );
    phase_sender.send_replace(Phase::Load(Window { start, measured_from, until }));
    tokio::time::sleep_until(measured_from.into()).await;
    let (metrics_before, server_cpu_before, own_cpu_before) =
        (scrape(&client, &base).await?, cpu_time(&pid.to_string())?, cpu_time("self")?);
    tokio::time::sleep_until(until.into()).await;
    let (metrics_after, server_cpu_after, own_cpu_after) =
        (scrape(&client, &base).await?, cpu_time(&pid.to_string())?, cpu_time("self")?);
    let rss_loaded = resident_kib(pid)?;
    // Answers due before the end still finish; then everyone closes.
    tokio::time::sleep(FRAME_TIMEOUT).await;
    phase_sender.send_replace(Phase::Close);

    let mut records = Vec::with_capacity(tasks.len());
    for task in tasks {
        records.push(task.await.context("a session task panicked")?);
    }
    let measured = until.duration_since(measured_from);
    Ok(Report::new(
        records,
        Resources {
            open_time,
            rss_before,
            rss_idle,
            rss_loaded,
            sessions_by_server: metrics_idle.sessions,
            server_cpu: server_cpu_after.saturating_sub(server_cpu_before),
            own_cpu: own_cpu_after.saturating_sub(own_cpu_before),
            server_answered: metrics_after.answered - metrics_before.answered,
            server_first_token: Metrics::first_token_between(&metrics_before, &metrics_after),
        },
        measured,
    ))
}

/// Signs up the tenant, creates and publishes the bots, and returns their embed ids.
async fn set_up_bots(client: &reqwest::Client, base: &str) -> Result<Vec<String>> {
    let signup = json!({
        "email": "bench-chat@example.com",
        "password": "bench-password-long-enough",
        "tenant_name": "Bench chat tenant",
    });
    let body = expect_json(client.post(format!("{base}/v1/auth/signup")).json(&signup), "sign-up").await?;
    let token = body["tokens"]["access_token"].as_str().context("the sign-up answer has no access token")?.to_owned();
    let faq: Vec<Value> =
        FAQ.iter().map(|(question, answer)| json!({ "question": question, "answer": answer })).collect();
    let mut embeds = Vec::with_capacity(BOTS);
    for index in 0..BOTS {
        // No `model` settings: the bot answers with the offline responder.
        let request = json!({
            "personality": { "name": format!("Bench bot {index}"), "faq": faq },
            "allowed_origins": [ORIGIN],
        });
        let bot =
            expect_json(client.post(format!("{base}/v1/bots")).bearer_auth(&token).json(&request), "bot creation")
                .await?;
        let id = bot["id"].as_str().context("the new bot has no id")?;
        expect_json(
            client.post(format!("{base}/v1/bots/{id}/publish")).bearer_auth(&token).json(&json!({})),
            "publish",
        )
        .await?;
        embeds.push(bot["embed_id"].as_str().context("the new bot has no embed id")?.to_owned());
    }
    Ok(embeds)
}

/// One visitor: opens its session, holds it, answers the probe, sends its
/// share of the load, and closes when told.
async fn session(shared: Arc<Shared>, index: usize, mut phase: watch::Receiver<Phase>) -> SessionRecord {
    let mut record = SessionRecord::default();
    let permit = shared.opening.acquire().await;
    let opened = open(&shared, index).await;
    drop(permit);
    let mut socket = match opened {
        Ok(socket) => socket,
        Err(error) => {
            record.error(format!("opening: {error:#}"));
            return record;
        }
    };
    record.opened = true;
    shared.opened.fetch_add(1, Ordering::Relaxed);

    let result = async {
        wait_for(&mut socket, &mut phase, |phase| phase == Phase::Probe).await.context("while held")?;
        probe(&mut socket).await.context("ping")?;
        record.held = true;
        let window = match wait_for(&mut socket, &mut phase, |phase| matches!(phase, Phase::Load(_))).await? {
            Phase::Load(window) => window,
            _ => bail!("the load phase was skipped"),
        };
        if index < shared.senders {
            send_messages(&shared, index, &mut socket, window, &mut record).await;
        }
        wait_for(&mut socket, &mut phase, |phase| phase == Phase::Close).await.context("after the load")?;
        Ok(())
    }
    .await;
    if let Err(error) = result {
        record.error(format!("{error:#}"));
    }
    // The server may already be gone at the very end; the close is a courtesy.
    let _closed = socket.close(None).await;
    record
}

/// Fetches a visitor token for session `index` and opens its WebSocket up to `ready`.
async fn open(shared: &Shared, index: usize) -> Result<Socket> {
    let embed = &shared.embeds[index % shared.embeds.len()];
    let response = shared
        .client
        .get(format!("{}/v1/embed/{embed}/config", shared.base))
        .header("origin", ORIGIN)
        .send()
        .await
        .context("embed config")?;
    let status = response.status();
    let text = response.text().await.context("reading the embed config")?;
    ensure!(status.is_success(), "embed config answered {status}: {text}");
    let config: EmbedConfig = serde_json::from_str(&text).context("the embed config does not parse")?;

    let mut request = format!("{}/v1/chat?token={}", shared.ws_base, config.visitor.token)
        .into_client_request()
        .context("the chat URL")?;
    request.headers_mut().insert("origin", tungstenite::http::HeaderValue::from_static(ORIGIN));
    // Small read buffers keep ten thousand client sockets cheap; the frames are small.
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let (mut socket, _) =
        tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async_with_config(request, Some(config), true))
            .await
            .context("no WebSocket handshake in time")?
            .context("WebSocket handshake")?;
    match next_frame(&mut socket).await? {
        ServerFrame::Ready { .. } => Ok(socket),
        other => bail!("the first frame is not `ready` but {other:?}"),
    }
}

/// Waits, reading the socket so that a close is noticed, until the phase
/// satisfies `reached`; returns that phase.
async fn wait_for(
    socket: &mut Socket,
    phase: &mut watch::Receiver<Phase>,
    reached: impl Fn(Phase) -> bool,
) -> Result<Phase> {
    loop {
        let now = *phase.borrow_and_update();
        if reached(now) {
            return Ok(now);
        }
        tokio::select! {
            changed = phase.changed() => changed.context("the benchmark stopped")?,
            message = socket.next() => match message {
                Some(Ok(Message::Close(_))) | None => bail!("the server closed the session"),
                Some(Ok(Message::Text(text))) => bail!("an unexpected frame: {text}"),
                Some(Ok(_)) => {}
                Some(Err(error)) => bail!("the session broke: {error}"),
            },
        }
    }
}

/// Pings the server and waits for the pong: the session is held only if the
/// server's task for it is still reading.
async fn probe(socket: &mut Socket) -> Result<()> {
    socket.send(Message::Ping(b"held?".to_vec().into())).await.context("sending the ping")?;
    let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => bail!("no pong within {FRAME_TIMEOUT:?}"),
            Ok(Some(Ok(Message::Pong(_)))) => return Ok(()),
            Ok(Some(Ok(Message::Close(_))) | None) => bail!("the server closed the session"),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(error))) => bail!("the session broke: {error}"),
        }
    }
}

/// The next JSON frame (pings and pongs skipped), within [`FRAME_TIMEOUT`].
async fn next_frame(socket: &mut Socket) -> Result<ServerFrame> {
    loop {
        let message = tokio::time::timeout(FRAME_TIMEOUT, socket.next())
            .await
            .with_context(|| format!("no frame within {FRAME_TIMEOUT:?}"))?
            .context("the server closed the session")?
            .context("the session broke")?;
        match message {
            Message::Text(text) => {
                return serde_json::from_str(text.as_str())
                    .with_context(|| format!("a frame that does not parse: {text}"));
            }
            Message::Close(_) => bail!("the server closed the session"),
            _ => {}
        }
    }
}

/// Sends this session's share of the load: one message every `every`, the
/// senders staggered evenly across one interval, until the window ends.
async fn send_messages(shared: &Shared, index: usize, socket: &mut Socket, window: Window, record: &mut SessionRecord) {
    let first = window.start + shared.every.mul_f64(index as f64 / shared.senders as f64);
    for sequence in 0_u32.. {
        let due = first + shared.every * sequence;
        if due >= window.until {
            return;
        }
        let measured = due >= window.measured_from;
        record.offered_in_window += u64::from(measured);
        tokio::time::sleep_until(due.into()).await;
        let question = FAQ[(index + sequence as usize) % FAQ.len()].0;
        match turn(socket, &format!("m{index}-{sequence}"), question, due).await {
            Ok((mut turn, done_at)) => {
                if measured {
                    turn.second = due.duration_since(window.measured_from).as_secs();
                    record.turns.push(turn);
                }
                if (window.measured_from..window.until).contains(&done_at) {
                    record.completed_in_window += 1;
                }
            }
            Err(error) => {
                record.error(format!("message: {error:#}"));
                // The socket's state is unknown after a broken turn, so the
                // session stops; the messages it would still have sent count
                // as offered and not answered.
                let mut later = due + shared.every;
                while later < window.until {
                    record.offered_in_window += u64::from(later >= window.measured_from);
                    later += shared.every;
                }
                return;
            }
        }
    }
}

/// Sends one message and reads its frames up to `done`; returns its times
/// and when `done` arrived.
async fn turn(socket: &mut Socket, client_msg_id: &str, text: &str, due: Instant) -> Result<(Turn, Instant)> {
    let frame = ClientFrame::UserMessage { client_msg_id: client_msg_id.to_owned(), text: text.to_owned() };
    let frame = serde_json::to_string(&frame).context("serializing the message")?;
    let sent = Instant::now();
    socket.send(Message::Text(frame.into())).await.context("sending the message")?;
    let (mut acked, mut first_token) = (None, None);
    loop {
        match next_frame(socket).await? {
            ServerFrame::Ack { .. } => acked = Some(Instant::now()),
            ServerFrame::Token { .. } if first_token.is_none() => first_token = Some(Instant::now()),
            ServerFrame::Done { .. } => {
                let done = Instant::now();
                let acked = acked.context("`done` came without an `ack`")?;
                let first_token = first_token.context("`done` came without a `token`")?;
                let micros =
                    |from: Instant, to: Instant| u64::try_from(to.duration_since(from).as_micros()).unwrap_or(u64::MAX);
                let turn = Turn {
                    first_token: micros(due, first_token),
                    send_lag: micros(due, sent),
                    ack: micros(sent, acked),
                    ack_to_token: micros(acked, first_token),
                    done: micros(due, done),
                    second: 0,
                };
                return Ok((turn, done));
            }
            ServerFrame::Error { code, message } => bail!("error frame {code:?}: {message}"),
            _ => {}
        }
    }
}

/// What the run cost the server and the benchmark, besides the sessions' view.
#[derive(Debug)]
struct Resources {
    open_time: Duration,
    rss_before: u64,
    rss_idle: u64,
    rss_loaded: u64,
    sessions_by_server: f64,
    server_cpu: Duration,
    own_cpu: Duration,
    server_answered: f64,
    server_first_token: ServerFirstToken,
}

/// The run's figures.
#[derive(Debug)]
struct Report {
    opened: usize,
    held: usize,
    first_token: Latencies,
    /// First-token latencies by the second of the window they were due in.
    first_token_by_second: Vec<Latencies>,
    send_lag: Latencies,
    ack: Latencies,
    ack_to_token: Latencies,
    done: Latencies,
    completed: u64,
    offered: u64,
    session_errors: u64,
    error_samples: Vec<String>,
    resources: Resources,
    measured: Duration,
}

impl Report {
    fn new(records: Vec<SessionRecord>, resources: Resources, measured: Duration) -> Self {
        let opened = records.iter().filter(|record| record.opened).count();
        let held = records.iter().filter(|record| record.held).count();
        let turns: Vec<Turn> = records.iter().flat_map(|record| record.turns.iter().copied()).collect();
        let latencies = |field: fn(&Turn) -> u64| Latencies::new(turns.iter().map(field).collect());
        let seconds = turns.iter().map(|turn| turn.second + 1).max().unwrap_or(0);
        let first_token_by_second = (0..seconds)
            .map(|second| {
                Latencies::new(turns.iter().filter(|turn| turn.second == second).map(|turn| turn.first_token).collect())
            })
            .collect();
        let mut error_samples = Vec::new();
        for sample in records.iter().flat_map(|record| &record.error_samples) {
            if error_samples.len() < ERROR_SAMPLES && !error_samples.contains(sample) {
                error_samples.push(sample.clone());
            }
        }
        Self {
            opened,
            held,
            first_token: latencies(|turn| turn.first_token),
            first_token_by_second,
            send_lag: latencies(|turn| turn.send_lag),
            ack: latencies(|turn| turn.ack),
            ack_to_token: latencies(|turn| turn.ack_to_token),
            done: latencies(|turn| turn.done),
            completed: records.iter().map(|record| record.completed_in_window).sum(),
            offered: records.iter().map(|record| record.offered_in_window).sum(),
            session_errors: records.iter().map(|record| record.errors).sum(),
            error_samples,
            resources,
            measured,
        }
    }

    fn errors(&self) -> u64 {
        self.session_errors
    }

    fn idle_kib_per_session(&self) -> f64 {
        let grown = self.resources.rss_idle.saturating_sub(self.resources.rss_before);
        if self.held == 0 { 0.0 } else { grown as f64 / self.held as f64 }
    }

    fn print(&self, args: &ChatArgs, binary: &Path) {
        let seconds = self.measured.as_secs_f64();
        let resources = &self.resources;
        let sustained = self.completed as f64 / seconds;
        let per_session = self.idle_kib_per_session();
        println!();
        println!(
            "chat load: {} sessions held {} s; {} senders at {} messages/s, {} s measured after {} s warm-up; server {}",
            args.sessions,
            args.hold_seconds,
            args.senders(),
            args.rate,
            args.seconds,
            args.warmup_seconds,
            binary.display()
        );
        println!(
            "sessions: {} opened in {:.1} s, {} held (answered a ping after the hold), {} by the server's gauge",
            self.opened,
            resources.open_time.as_secs_f64(),
            self.held,
            resources.sessions_by_server
        );
        println!(
            "server RSS: {} KiB before, {} KiB with the sessions idle ({per_session:.1} KiB per session), {} KiB after the load",
            resources.rss_before, resources.rss_idle, resources.rss_loaded
        );
        println!(
            "messages: {} due in the measured window ({:.1}/s offered), {} completed in it ({sustained:.1}/s), \
             {} answered by the server's count",
            self.offered,
            self.offered as f64 / seconds,
            self.completed,
            resources.server_answered
        );
        println!("{:<34} {:>9} {:>8} {:>8} {:>8} {:>8}", "", "messages", "p50 ms", "p95 ms", "p99 ms", "max ms");
        let row = |label: &str, latencies: &Latencies| {
            println!(
                "{label:<34} {:>9} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
                latencies.count(),
                latencies.percentile_ms(50.0),
                latencies.percentile_ms(95.0),
                latencies.percentile_ms(99.0),
                latencies.max_ms(),
            );
        };
        row("due -> first token (the target)", &self.first_token);
        row("  due -> sent (sender behind)", &self.send_lag);
        row("  sent -> ack (message stored)", &self.ack);
        row("  ack -> first token", &self.ack_to_token);
        row("due -> done (answer stored)", &self.done);
        // A tail made by a few stalls shows in one or two seconds; steady
        // queueing shows in all of them.
        let by_second: Vec<String> =
            self.first_token_by_second.iter().map(|second| format!("{:.1}", second.percentile_ms(99.0))).collect();
        println!("first token p99 by second of the window (ms): {}", by_second.join(" "));
        let server = resources.server_first_token;
        println!(
            "server's histogram (arrival -> first token): {} messages, mean {:.2} ms, p50 <= {} ms, p99 <= {} ms",
            server.count, server.mean_ms, server.p50_at_most_ms, server.p99_at_most_ms
        );
        let server_cpu = resources.server_cpu.as_secs_f64();
        let own_cpu = resources.own_cpu.as_secs_f64();
        let per_message = if self.completed > 0 { server_cpu * 1000.0 / self.completed as f64 } else { 0.0 };
        println!(
            "CPU in the window: server {server_cpu:.1} s ({:.2} cores, {per_message:.3} ms per message), \
             load generator {own_cpu:.1} s ({:.2} cores)",
            server_cpu / seconds,
            own_cpu / seconds
        );

        let p99 = self.first_token.percentile_ms(99.0);
        let verdict = |met: bool| if met { "met" } else { "missed" };
        println!(
            "targets: {SESSIONS_TARGET} sessions held {}, < {IDLE_KB_TARGET} KB per idle session {}, \
             >= {RATE_TARGET} messages/s {}, first token p99 < {FIRST_TOKEN_P99_TARGET_MS} ms {}",
            verdict(self.held >= SESSIONS_TARGET),
            verdict(per_session < IDLE_KB_TARGET),
            verdict(sustained >= RATE_TARGET),
            // No answered message is no evidence of a low latency.
            verdict(self.first_token.count() > 0 && p99 < FIRST_TOKEN_P99_TARGET_MS)
        );
        if !self.error_samples.is_empty() {
            println!("errors ({} in all), first distinct ones:", self.errors());
            for sample in &self.error_samples {
                println!("  {sample}");
            }
        }
        println!(
            "sessions_held={} idle_kib_per_session={per_session:.1} messages_per_s={sustained:.1} \
             first_token_p50_ms={:.3} first_token_p99_ms={p99:.3} first_token_max_ms={:.3} errors={}",
            self.held,
            self.first_token.percentile_ms(50.0),
            self.first_token.max_ms(),
            self.errors()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_chat_metrics() {
        let text = "# HELP animo_chat_sessions Open chat WebSocket sessions\n\
            animo_chat_sessions 3\n\
            animo_chat_messages_total{outcome=\"answered\"} 10\n\
            animo_chat_first_token_seconds_bucket{le=\"0.001\"} 2\n\
            animo_chat_first_token_seconds_bucket{le=\"0.005\"} 9\n\
            animo_chat_first_token_seconds_bucket{le=\"+Inf\"} 10\n\
            animo_chat_first_token_seconds_sum 0.04\n\
            animo_chat_first_token_seconds_count 10\n";
        let after = Metrics::parse(text);
        assert_eq!((after.sessions, after.answered), (3.0, 10.0));
        assert_eq!(after.first_token_buckets.len(), 3);
        let server = Metrics::first_token_between(&Metrics::default(), &after);
        assert_eq!(server.count, 10.0);
        assert!((server.mean_ms - 4.0).abs() < 1e-9);
        assert_eq!(server.p50_at_most_ms, 5.0);
        assert_eq!(server.p99_at_most_ms, f64::INFINITY);
    }

    #[test]
    fn reads_this_process_s_cpu_time_and_the_senders() {
        assert!(cpu_time("self").is_ok());
        let args = |sessions, senders| ChatArgs {
            sessions,
            hold_seconds: 0,
            senders,
            rate: 1,
            seconds: 1,
            warmup_seconds: 0,
            server_bin: None,
            profile: Profile::Release,
        };
        assert_eq!(args(10, 0).senders(), 10);
        assert_eq!(args(10, 4).senders(), 4);
        assert_eq!(args(10, 40).senders(), 10);
    }
}
