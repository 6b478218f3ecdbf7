//! `cargo xtask bench control-plane`: the studio-facing API under load.
//!
//! The issue states its targets as client-side p99 latencies at 64 concurrent
//! clients against the release build on the embedded on-disk engine, so this
//! task measures exactly that: it starts a real `animo-server` on loopback with
//! SurrealKV in a temporary folder, seeds tenants and bots over HTTP, then lets
//! many clients read and write for a fixed time and reports percentiles.
//! Everything runs on one machine, so the load generator shares the CPU with
//! the server; the figures are an upper bound on what the server alone costs.
//!
//! `cargo xtask bench chat` (in [`chat`]) reuses the same server launcher,
//! percentiles and report style for visitors' WebSocket sessions.

pub mod chat;
pub mod retrieval;

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use crate::process::{cargo, output, run};

/// Tenants signed up before the run; clients are spread over them evenly.
const TENANTS: usize = 8;
/// Bots each tenant starts with, so reads and updates hit more than one record.
const BOTS_PER_TENANT: usize = 4;
/// Longest wait for the server to print its address and then to become ready.
/// A debug build opening a fresh SurrealKV folder takes a few seconds.
pub(crate) const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Any single request slower than this counts as an error, which also bounds
/// how long the run can outlast `--seconds`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Server log lines kept to explain a failure.
const LOG_TAIL_LINES: usize = 40;
/// Distinct error descriptions printed at the end; the count covers all of them.
const ERROR_SAMPLES: usize = 10;
/// The issue's targets, in milliseconds.
const READ_P99_TARGET_MS: f64 = 5.0;
const WRITE_P99_TARGET_MS: f64 = 20.0;

/// Options of `cargo xtask bench control-plane`.
#[derive(Debug, Args)]
pub struct ControlPlaneArgs {
    /// Concurrent clients, each sending its next request as soon as the last one is answered.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Length of the measured part of the run.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Length of the unmeasured warm-up before it (connections, caches, SurrealKV's first compactions).
    #[arg(long, default_value_t = 3)]
    warmup_seconds: u64,
    /// Total requests per second across all clients (an open loop at a fixed
    /// rate); 0 sends back to back (a closed loop, which measures saturation).
    #[arg(long, default_value_t = 0)]
    rate: u32,
    /// Use this server binary instead of building one.
    #[arg(long, value_name = "PATH")]
    server_bin: Option<PathBuf>,
    /// The cargo profile the server is built with (ignored with --server-bin).
    #[arg(long, value_enum, default_value_t = Profile::Release)]
    profile: Profile,
}

/// The cargo profiles the benchmark can build the server with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Profile {
    /// What the issue's targets are stated for.
    Release,
    /// Quicker to build; only good for checking that the benchmark runs.
    Dev,
}

/// Builds or finds the server, runs the load, prints the summary, and fails
/// if any request failed: a run with errors measured something else.
pub fn control_plane(root: &Path, args: &ControlPlaneArgs) -> Result<()> {
    ensure!(args.clients > 0, "--clients must be at least 1");
    ensure!(args.seconds > 0, "--seconds must be at least 1");
    let binary = match &args.server_bin {
        Some(path) => std::path::absolute(path).with_context(|| format!("could not resolve {}", path.display()))?,
        None => build_server(root, args.profile)?,
    };
    ensure!(binary.is_file(), "the server binary {} does not exist", binary.display());

    // The server is declared after the folder so that, on every path out of
    // this function, it is killed before its database folder is removed.
    let workdir = tempfile::Builder::new()
        .prefix("animo-bench-")
        .tempdir()
        .context("could not create the benchmark's temporary folder")?;
    let mut server = Server::start(&binary, workdir.path(), &[])?;
    println!("bench: {} listening on {} with SurrealKV in {}", binary.display(), server.addr, workdir.path().display());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let outcome = runtime.block_on(load(server.addr, args));
    // A server that died under load explains the errors better than the errors do.
    server.ensure_running()?;
    let report = outcome?;
    server.stop()?;

    report.print(args, &binary);
    ensure!(
        report.errors == 0,
        "{} requests failed (samples above); the figures are not a valid measurement",
        report.errors
    );
    Ok(())
}

/// Builds `animo-server` with `profile` and returns the path of the binary.
pub(crate) fn build_server(root: &Path, profile: Profile) -> Result<PathBuf> {
    let (flags, folder): (&[&str], &str) = match profile {
        Profile::Release => (&["--release"], "release"),
        Profile::Dev => (&[], "debug"),
    };
    run(cargo(root).args(["build", "--package", "animo-server"]).args(flags)).context("could not build the server")?;
    Ok(target_dir(root)?.join(folder).join(format!("animo-server{}", std::env::consts::EXE_SUFFIX)))
}

/// The folder cargo builds into. Asking cargo rather than assuming `target/`
/// honours `CARGO_TARGET_DIR` and `build.target-dir` alike.
pub(crate) fn target_dir(root: &Path) -> Result<PathBuf> {
    let metadata = output(cargo(root).args(["metadata", "--format-version", "1", "--no-deps"]))
        .context("could not ask cargo for the target folder")?;
    let metadata: Value =
        serde_json::from_str(&metadata).context("cargo metadata printed something that is not JSON")?;
    let dir = metadata["target_directory"].as_str().context("cargo metadata names no target_directory")?;
    Ok(PathBuf::from(dir))
}

/// The plan catalogue for the run: the default plan's bot and message limits
/// are far above what a run creates or sends, so quota errors cannot appear
/// in the figures.
pub(crate) const CONFIG: &str = r#"default_plan = "bench"

[[plans]]
name = "bench"
max_bots = 100000
max_members = 100
monthly_messages = 1000000000
knowledge_bytes = 1073741824
avatar_bytes = 1073741824
"#;

/// A running `animo-server`, killed when this value is dropped so that an
/// error anywhere in the benchmark does not leave it behind.
#[derive(Debug)]
pub(crate) struct Server {
    child: Child,
    addr: SocketAddr,
    log_tail: Arc<Mutex<VecDeque<String>>>,
    log_reader: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts the server on a free loopback port with its database, blobs and
    /// configuration in `dir` and the extra environment `env`, and waits until
    /// it prints its address.
    fn start(binary: &Path, dir: &Path, env: &[(&str, &str)]) -> Result<Self> {
        Self::start_on(binary, dir, env, "127.0.0.1:0")
    }

    /// Like `start`, listening on `listen`.
    pub(crate) fn start_on(binary: &Path, dir: &Path, env: &[(&str, &str)], listen: &str) -> Result<Self> {
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .arg("--listen")
            .arg(listen)
            .args(storage_args(dir)?)
            // Plain lines are easier to search for the address than coloured ones.
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().with_context(|| format!("could not start {}", binary.display()))?;
        let Some(stderr) = child.stderr.take() else {
            // Cannot happen with Stdio::piped, but the child must not outlive us if it does.
            kill(&mut child);
            bail!("the server's standard error was not captured");
        };

        let log_tail = Arc::new(Mutex::new(VecDeque::with_capacity(LOG_TAIL_LINES)));
        let (address_sender, address) = mpsc::channel();
        let log_reader = std::thread::spawn({
            let log_tail = Arc::clone(&log_tail);
            move || read_log(stderr, &log_tail, &address_sender)
        });
        // From here on the value exists, so every early return kills the child.
        let mut server =
            Self { child, addr: SocketAddr::from(([127, 0, 0, 1], 0)), log_tail, log_reader: Some(log_reader) };
        server.addr = match address.recv_timeout(STARTUP_TIMEOUT) {
            Ok(addr) => addr,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!("the server printed no `listening on` line within {STARTUP_TIMEOUT:?}{}", server.tail())
            }
            // The reader only stops without an address when standard error closes, that is when the server exits.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = server.child.wait().context("could not wait for the server")?;
                bail!("the server exited ({status}) before listening{}", server.tail())
            }
        };
        Ok(server)
    }

    /// The address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Fails, quoting the server's last log lines, if the server has exited.
    pub(crate) fn ensure_running(&mut self) -> Result<()> {
        match self.child.try_wait().context("could not check on the server")? {
            Some(status) => bail!("the server exited during the run ({status}){}", self.tail()),
            None => Ok(()),
        }
    }

    /// Kills the server and waits for it and for its log reader.
    pub(crate) fn stop(mut self) -> Result<()> {
        self.child.kill().context("could not kill the server")?;
        self.child.wait().context("could not wait for the server")?;
        if let Some(reader) = self.log_reader.take()
            && reader.join().is_err()
        {
            bail!("the thread reading the server's log panicked");
        }
        Ok(())
    }

    /// The last log lines, formatted to end an error message.
    fn tail(&self) -> String {
        let lines = self.log_tail.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.is_empty() {
            return "; it logged nothing".to_owned();
        }
        lines.iter().fold("; its last log lines:".to_owned(), |mut text, line| {
            text.push_str("\n  ");
            text.push_str(line);
            text
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // `stop` leaves nothing to do here; on an error path this is what
        // keeps the server from outliving the benchmark.
        kill(&mut self.child);
    }
}

/// The options that put a server's database, blobs and configuration
/// (written here, with [`CONFIG`]) into `dir`, for `serve` and `demo` alike.
pub(crate) fn storage_args(dir: &Path) -> Result<Vec<std::ffi::OsString>> {
    let config = dir.join("animo.toml");
    std::fs::write(&config, CONFIG).with_context(|| format!("could not write {}", config.display()))?;
    Ok(vec![
        "--database".into(),
        format!("surrealkv://{}", dir.join("db").display()).into(),
        "--blobs".into(),
        dir.join("blobs").into(),
        "--config".into(),
        config.into(),
    ])
}

/// Kills and reaps `child`, saying so if that fails: a stray server would
/// hold its port and database folder.
fn kill(child: &mut Child) {
    if let Err(error) = child.kill().and_then(|()| child.wait().map(drop)) {
        eprintln!("bench: could not stop the server (pid {}): {error}", child.id());
    }
}

/// Reads the server's standard error to its end: sends the address from the
/// `listening on` line, and keeps the last lines for error messages. It must
/// keep reading after the address too, or the server would block once the
/// pipe is full of access-log lines.
fn read_log(stderr: ChildStderr, tail: &Mutex<VecDeque<String>>, address: &mpsc::Sender<SocketAddr>) {
    let mut address_sent = false;
    for line in BufReader::new(stderr).lines() {
        let line = match line {
            Ok(line) => strip_ansi(&line),
            Err(error) => {
                eprintln!("bench: stopped reading the server's log: {error}");
                return;
            }
        };
        if !address_sent && let Some(addr) = listening_address(&line) {
            // The receiver is gone only if start-up already gave up, which it reports itself.
            address_sent = address.send(addr).is_ok();
        }
        let mut lines = tail.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() == LOG_TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }
}

/// The address in a `… listening on 127.0.0.1:PORT …` log line.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("listening on ")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// The line without terminal colour sequences (`ESC [ … letter`), in case the
/// server colours its log despite `NO_COLOR`.
fn strip_ansi(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skips '[' and the parameters up to and including the final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// What one client can do, with its share of the mix out of 100. Reads are
/// 80 % and writes 20 %, roughly what a Studio session sends while a designer
/// edits: mostly fetching, some saving, rarely creating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    GetBot,
    ListBots,
    GetTenant,
    UpdateBot,
    CreateBot,
}

impl Operation {
    const ALL: [Self; 5] = [Self::GetBot, Self::ListBots, Self::GetTenant, Self::UpdateBot, Self::CreateBot];

    fn weight(self) -> u64 {
        match self {
            Self::GetBot => 40,
            Self::ListBots => 20,
            Self::GetTenant => 20,
            Self::UpdateBot => 18,
            Self::CreateBot => 2,
        }
    }

    fn is_write(self) -> bool {
        matches!(self, Self::UpdateBot | Self::CreateBot)
    }

    fn label(self) -> &'static str {
        match self {
            Self::GetBot => "GET /v1/bots/{id}",
            Self::ListBots => "GET /v1/bots",
            Self::GetTenant => "GET /v1/tenant",
            Self::UpdateBot => "PATCH /v1/bots/{id}",
            Self::CreateBot => "POST /v1/bots",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The operation a uniform number below 100 picks.
    fn pick(roll: u64) -> Self {
        let mut rest = roll;
        for operation in Self::ALL {
            if rest < operation.weight() {
                return operation;
            }
            rest -= operation.weight();
        }
        Self::GetBot
    }
}

/// A small deterministic generator (xorshift64*): the mix only needs to be
/// spread evenly, and a fixed seed per client makes runs comparable.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // Zero is xorshift's one fixed point.
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
    }
}

/// A signed-up tenant as a client sees it.
#[derive(Debug, Clone)]
struct Tenant {
    token: String,
    bots: Vec<String>,
}

/// When requests count: those started in `measured_from..until`.
#[derive(Debug, Clone, Copy)]
struct Window {
    measured_from: Instant,
    until: Instant,
}

/// What one client saw. Latencies are in microseconds, per operation.
#[derive(Debug, Default)]
struct ClientRecord {
    latencies: [Vec<u64>; Operation::ALL.len()],
    errors: [u64; Operation::ALL.len()],
    error_samples: Vec<String>,
}

/// Sets up the tenants, runs the clients and gathers what they saw.
async fn load(addr: SocketAddr, args: &ControlPlaneArgs) -> Result<Report> {
    let client = reqwest::Client::builder()
        // Loopback only: a proxy from the environment would measure the proxy.
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("could not build the HTTP client")?;
    let base = format!("http://{addr}");
    wait_until_ready(&client, &base).await?;

    println!("bench: signing up {TENANTS} tenants with {BOTS_PER_TENANT} bots each");
    let mut tenants = Vec::with_capacity(TENANTS);
    for index in 0..TENANTS {
        tenants.push(
            set_up_tenant(&client, &base, index).await.with_context(|| format!("could not set up tenant {index}"))?,
        );
    }

    let pacing = if args.rate > 0 { format!("{} requests/s in all", args.rate) } else { "back to back".to_owned() };
    println!(
        "bench: {} clients ({pacing}), {} s warm-up, then {} s measured",
        args.clients, args.warmup_seconds, args.seconds
    );
    let start = Instant::now();
    let measured_from = start + Duration::from_secs(args.warmup_seconds);
    let window = Window { measured_from, until: measured_from + Duration::from_secs(args.seconds) };
    // At a fixed rate each client sends every `clients / rate` seconds, the
    // clients staggered evenly across one interval.
    let interval = (args.rate > 0).then(|| Duration::from_secs_f64(args.clients as f64 / f64::from(args.rate)));
    let tasks: Vec<_> = (0..args.clients)
        .map(|index| {
            let tenant = tenants[index % tenants.len()].clone();
            let pace =
                interval.map(|every| Pace { first: start + every.mul_f64(index as f64 / args.clients as f64), every });
            tokio::spawn(run_client(client.clone(), base.clone(), tenant, index, window, pace))
        })
        .collect();
    let mut records = Vec::with_capacity(tasks.len());
    for task in tasks {
        records.push(task.await.context("a client task panicked")?);
    }
    Ok(Report::new(records, Duration::from_secs(args.seconds)))
}

/// Polls `/readyz` until the database answers.
pub(crate) async fn wait_until_ready(client: &reqwest::Client, base: &str) -> Result<()> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        let last = match client.get(format!("{base}/readyz")).send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => format!("status {}", response.status()),
            Err(error) => error.to_string(),
        };
        if Instant::now() >= deadline {
            bail!("the server was not ready within {STARTUP_TIMEOUT:?} (last answer: {last})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs up tenant `index` and creates its bots.
async fn set_up_tenant(client: &reqwest::Client, base: &str, index: usize) -> Result<Tenant> {
    let signup = json!({
        "email": format!("bench-{index}@example.com"),
        "password": "bench-password-long-enough",
        "tenant_name": format!("Bench tenant {index}"),
    });
    let body = expect_json(client.post(format!("{base}/v1/auth/signup")).json(&signup), "sign-up").await?;
    let token = body["tokens"]["access_token"].as_str().context("the sign-up answer has no access token")?.to_owned();
    let mut bots = Vec::with_capacity(BOTS_PER_TENANT);
    for bot in 0..BOTS_PER_TENANT {
        let request = json!({ "personality": { "name": format!("Bench bot {index}-{bot}") } });
        let body =
            expect_json(client.post(format!("{base}/v1/bots")).bearer_auth(&token).json(&request), "bot creation")
                .await?;
        bots.push(body["id"].as_str().context("the new bot has no id")?.to_owned());
    }
    Ok(Tenant { token, bots })
}

/// Sends a set-up request and returns its JSON body, failing on any non-2xx.
pub(crate) async fn expect_json(request: reqwest::RequestBuilder, what: &str) -> Result<Value> {
    let response = request.send().await.with_context(|| format!("{what} request failed"))?;
    let status = response.status();
    let text = response.text().await.with_context(|| format!("could not read the {what} answer"))?;
    ensure!(status.is_success(), "{what} answered {status}: {text}");
    serde_json::from_str(&text).with_context(|| format!("the {what} answer is not JSON"))
}

/// When a client at a fixed rate sends: at `first`, then every `every`.
#[derive(Debug, Clone, Copy)]
struct Pace {
    first: Instant,
    every: Duration,
}

/// One client: sends requests back to back, or at its pace, until the window
/// closes. A request is timed from when it was due (its sending time in a
/// closed loop) to the last byte of the answer, so a server that falls
/// behind a fixed rate is charged for the wait and not hidden by it.
async fn run_client(
    client: reqwest::Client,
    base: String,
    mut tenant: Tenant,
    index: usize,
    window: Window,
    pace: Option<Pace>,
) -> ClientRecord {
    let mut rng = Rng::new(index as u64 + 1);
    let mut record = ClientRecord::default();
    let mut sequence = 0_u64;
    loop {
        let started = match pace {
            Some(pace) => {
                let due = pace.first + pace.every.mul_f64(sequence as f64);
                tokio::time::sleep_until(due.into()).await;
                due
            }
            None => Instant::now(),
        };
        if started >= window.until {
            return record;
        }
        let operation = Operation::pick(rng.below(100));
        sequence += 1;
        let result = perform(&client, &base, &mut tenant, operation, &mut rng, index, sequence).await;
        let elapsed = started.elapsed();
        match result {
            // Warm-up requests are not timed, but their errors still count.
            Ok(()) if started >= window.measured_from => {
                record.latencies[operation.index()].push(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
            }
            Ok(()) => {}
            Err(error) => {
                record.errors[operation.index()] += 1;
                if record.error_samples.len() < ERROR_SAMPLES {
                    record.error_samples.push(format!("{}: {error}", operation.label()));
                }
            }
        }
    }
}

/// Sends one request; anything but a 2xx answer read to its end is an error.
async fn perform(
    client: &reqwest::Client,
    base: &str,
    tenant: &mut Tenant,
    operation: Operation,
    rng: &mut Rng,
    client_index: usize,
    sequence: u64,
) -> Result<(), String> {
    let bot = &tenant.bots[rng.below(tenant.bots.len() as u64) as usize];
    let request = match operation {
        Operation::GetBot => client.get(format!("{base}/v1/bots/{bot}")),
        Operation::ListBots => client.get(format!("{base}/v1/bots")),
        Operation::GetTenant => client.get(format!("{base}/v1/tenant")),
        Operation::UpdateBot => client
            .patch(format!("{base}/v1/bots/{bot}"))
            .json(&json!({ "personality": { "name": format!("Renamed {client_index}-{sequence}") } })),
        Operation::CreateBot => client
            .post(format!("{base}/v1/bots"))
            .json(&json!({ "personality": { "name": format!("Created {client_index}-{sequence}") } })),
    };
    let response = request.bearer_auth(&tenant.token).send().await.map_err(|error| error.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|error| format!("reading the answer: {error}"))?;
    if !status.is_success() {
        return Err(format!("{status} {}", String::from_utf8_lossy(&body)));
    }
    if operation == Operation::CreateBot {
        // Later reads and updates of this client may then touch the new bot too.
        let bot: Value = serde_json::from_slice(&body).map_err(|error| format!("the new bot is not JSON: {error}"))?;
        let id = bot["id"].as_str().ok_or("the new bot has no id")?;
        tenant.bots.push(id.to_owned());
    }
    Ok(())
}

/// Sorted latencies in microseconds.
#[derive(Debug, Default)]
struct Latencies(Vec<u64>);

impl Latencies {
    fn new(mut micros: Vec<u64>) -> Self {
        micros.sort_unstable();
        Self(micros)
    }

    fn count(&self) -> usize {
        self.0.len()
    }

    /// The nearest-rank percentile in milliseconds; zero when nothing was measured.
    fn percentile_ms(&self, percent: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let rank = (percent / 100.0 * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1] as f64 / 1000.0
    }

    fn max_ms(&self) -> f64 {
        self.0.last().map_or(0.0, |&micros| micros as f64 / 1000.0)
    }
}

/// The run's figures, per operation and for reads and writes together.
#[derive(Debug)]
struct Report {
    operations: Vec<(Operation, Latencies, u64)>,
    reads: Latencies,
    writes: Latencies,
    read_errors: u64,
    write_errors: u64,
    errors: u64,
    error_samples: Vec<String>,
    measured: Duration,
}

impl Report {
    fn new(records: Vec<ClientRecord>, measured: Duration) -> Self {
        let mut per_operation: Vec<(Vec<u64>, u64)> = Operation::ALL.iter().map(|_| (Vec::new(), 0)).collect();
        let mut error_samples = Vec::new();
        for record in records {
            for (slot, (latencies, errors)) in per_operation.iter_mut().enumerate() {
                latencies.extend_from_slice(&record.latencies[slot]);
                *errors += record.errors[slot];
            }
            for sample in record.error_samples {
                if error_samples.len() < ERROR_SAMPLES && !error_samples.contains(&sample) {
                    error_samples.push(sample);
                }
            }
        }
        let (mut reads, mut writes) = (Vec::new(), Vec::new());
        let (mut read_errors, mut write_errors) = (0, 0);
        let mut operations = Vec::with_capacity(Operation::ALL.len());
        for (operation, (latencies, errors)) in Operation::ALL.into_iter().zip(per_operation) {
            if operation.is_write() {
                writes.extend_from_slice(&latencies);
                write_errors += errors;
            } else {
                reads.extend_from_slice(&latencies);
                read_errors += errors;
            }
            operations.push((operation, Latencies::new(latencies), errors));
        }
        Self {
            operations,
            reads: Latencies::new(reads),
            writes: Latencies::new(writes),
            read_errors,
            write_errors,
            errors: read_errors + write_errors,
            error_samples,
            measured,
        }
    }

    fn print(&self, args: &ControlPlaneArgs, binary: &Path) {
        let seconds = self.measured.as_secs_f64();
        let total = self.reads.count() + self.writes.count();
        let throughput = total as f64 / seconds;
        println!();
        println!(
            "control-plane load: {} clients, {} s measured after {} s warm-up, server {}",
            args.clients,
            args.seconds,
            args.warmup_seconds,
            binary.display()
        );
        println!(
            "{:<22} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}",
            "", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"
        );
        let row = |label: &str, latencies: &Latencies, errors: u64| {
            println!(
                "{label:<22} {:>9} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {errors:>7}",
                latencies.count(),
                latencies.count() as f64 / seconds,
                latencies.percentile_ms(50.0),
                latencies.percentile_ms(95.0),
                latencies.percentile_ms(99.0),
                latencies.max_ms(),
            );
        };
        for (operation, latencies, errors) in &self.operations {
            row(operation.label(), latencies, *errors);
        }
        row("all reads", &self.reads, self.read_errors);
        row("all writes", &self.writes, self.write_errors);
        println!("throughput: {throughput:.1} requests/s ({total} measured requests)");

        let reads_p99 = self.reads.percentile_ms(99.0);
        let writes_p99 = self.writes.percentile_ms(99.0);
        let verdict = |value: f64, target: f64| if value < target { "met" } else { "missed" };
        println!(
            "targets: reads p99 < {READ_P99_TARGET_MS} ms {}, writes p99 < {WRITE_P99_TARGET_MS} ms {}",
            verdict(reads_p99, READ_P99_TARGET_MS),
            verdict(writes_p99, WRITE_P99_TARGET_MS)
        );
        if !self.error_samples.is_empty() {
            println!("errors ({} in all, including warm-up), first distinct ones:", self.errors);
            for sample in &self.error_samples {
                println!("  {sample}");
            }
        }
        println!(
            "reads_p99_ms={reads_p99:.3} writes_p99_ms={writes_p99:.3} throughput_rps={throughput:.1} errors={}",
            self.errors
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_address_in_plain_and_coloured_log_lines() {
        let plain = "2025-01-01T00:00:00Z  INFO animo_server: listening on 127.0.0.1:41234 addr=127.0.0.1:41234";
        assert_eq!(listening_address(plain), Some(SocketAddr::from(([127, 0, 0, 1], 41234))));
        let coloured =
            "\u{1b}[32m INFO\u{1b}[0m \u{1b}[2manimo_server\u{1b}[0m: listening on 127.0.0.1:80 \u{1b}[3maddr\u{1b}[0m";
        assert_eq!(listening_address(&strip_ansi(coloured)), Some(SocketAddr::from(([127, 0, 0, 1], 80))));
        assert_eq!(listening_address(" INFO animo_server: starting"), None);
    }

    #[test]
    fn the_mix_is_four_reads_to_one_write() {
        let writes: u64 = Operation::ALL.iter().filter(|operation| operation.is_write()).map(|op| op.weight()).sum();
        let all: u64 = Operation::ALL.iter().map(|operation| operation.weight()).sum();
        assert_eq!((writes, all), (20, 100));
        assert_eq!(Operation::pick(0), Operation::GetBot);
        assert_eq!(Operation::pick(99), Operation::CreateBot);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let latencies = Latencies::new((1..=100).rev().map(|ms| ms * 1000).collect());
        assert_eq!(latencies.percentile_ms(50.0), 50.0);
        assert_eq!(latencies.percentile_ms(99.0), 99.0);
        assert_eq!(latencies.max_ms(), 100.0);
        assert_eq!(Latencies::default().percentile_ms(99.0), 0.0);
    }
}
