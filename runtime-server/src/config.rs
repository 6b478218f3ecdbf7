//! The server's one typed configuration.
//!
//! Precedence, highest first: command-line flags, environment variables
//! (`ANIMO_…`), the TOML file given by `--config`, built-in defaults. The
//! plan catalogue comes from the file only. Nothing else in the server reads
//! the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use animo_shared::api::Plan;
use animo_shared::bot::ProviderKind;
use animo_shared::knowledge::CrawlLimits;

use crate::knowledge::fetch::IpRange;
use anyhow::{Context, bail};
use clap::Args;
use serde::Deserialize;

/// Options of `animo-server serve` (and of the commands that open the database).
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:8080]
    #[arg(long, env = "ANIMO_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Database URL: surrealkv://PATH (embedded, on disk), mem:// (in memory), ws://HOST:PORT (a SurrealDB server) [default: surrealkv://./data/db]
    #[arg(long, env = "ANIMO_DATABASE")]
    pub database: Option<String>,
    /// Folder for blobs (avatars, uploaded documents, exports) [default: ./data/blobs]
    #[arg(long, env = "ANIMO_BLOBS")]
    pub blobs: Option<PathBuf>,
    /// TOML file with any of these options plus the plan catalogue
    #[arg(long, env = "ANIMO_CONFIG")]
    pub config: Option<PathBuf>,
    /// Secret for signing access tokens (at least 32 bytes); when absent a random one is kept in the database
    #[arg(long, env = "ANIMO_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Whether anyone may sign up and create a tenant [default: true]
    #[arg(long, env = "ANIMO_OPEN_SIGNUP")]
    pub open_signup: Option<bool>,
    /// Origins allowed to call the API from a browser (comma-separated), e.g. the Studio's webview [default: tauri://localhost,http://tauri.localhost,http://localhost:1420]
    #[arg(long, env = "ANIMO_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Option<Vec<String>>,
    /// Largest JSON request body in bytes [default: 1048576]
    #[arg(long, env = "ANIMO_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Plan given to new tenants [default: free]
    #[arg(long, env = "ANIMO_DEFAULT_PLAN")]
    pub default_plan: Option<String>,
    /// Failed sign-ins for one e-mail address before it is locked for a while [default: 5]
    #[arg(long, env = "ANIMO_LOGIN_MAX_FAILURES")]
    pub login_max_failures: Option<u32>,
    /// Log format: text or json [default: text]
    #[arg(long, env = "ANIMO_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Seconds to let in-flight requests finish on shutdown [default: 10]
    #[arg(long, env = "ANIMO_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Most messages one visitor may send a minute [default: 20].
    #[arg(long, env = "ANIMO_VISITOR_MESSAGES_PER_MINUTE")]
    pub visitor_messages_per_minute: Option<u32>,
    /// Most visitor messages from one IP address a minute [default: 120].
    #[arg(long, env = "ANIMO_IP_MESSAGES_PER_MINUTE")]
    pub ip_messages_per_minute: Option<u32>,
    /// The operator's default model provider: offline, openai, anthropic or gemini [default: offline].
    /// Bots whose chain is only the offline responder (the default) use it.
    #[arg(long, env = "ANIMO_LLM_PROVIDER")]
    pub llm_provider: Option<String>,
    /// The default provider's API root, when not its public endpoint (e.g. a local Ollama).
    #[arg(long, env = "ANIMO_LLM_BASE_URL")]
    pub llm_base_url: Option<String>,
    /// The default provider's API key; also used by bots' chain entries of the same provider.
    #[arg(long, env = "ANIMO_LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<String>,
    /// The default provider's model.
    #[arg(long, env = "ANIMO_LLM_MODEL")]
    pub llm_model: Option<String>,
    /// How long a model may take to its first words before the next provider of the chain is asked, in ms [default: 20000].
    #[arg(long, env = "ANIMO_LLM_FIRST_TOKEN_TIMEOUT_MS")]
    pub llm_first_token_timeout_ms: Option<u64>,
    /// Attempts per provider on 429, 5xx and broken connections before falling back [default: 3].
    #[arg(long, env = "ANIMO_LLM_ATTEMPTS")]
    pub llm_attempts: Option<u32>,
    /// A TOML price table (model or glob → USD per million input/output tokens) replacing the built-in one.
    #[arg(long, env = "ANIMO_PRICES")]
    pub prices: Option<PathBuf>,
    /// Non-public address ranges URL sources may reach anyway, comma-separated (e.g. `10.0.0.0/8`); none by default.
    #[arg(long, env = "ANIMO_FETCH_ALLOW", value_delimiter = ',')]
    pub fetch_allow: Option<Vec<String>>,
    /// Most pages one crawl of a URL source may fetch [default: 100].
    #[arg(long, env = "ANIMO_CRAWL_MAX_PAGES")]
    pub crawl_max_pages: Option<u32>,
    /// Most links a crawl of a URL source may follow from its start page [default: 5].
    #[arg(long, env = "ANIMO_CRAWL_MAX_DEPTH")]
    pub crawl_max_depth: Option<u32>,
    /// Whether to load the local embedding model for hybrid retrieval [default: true].
    #[arg(long, env = "ANIMO_EMBEDDINGS")]
    pub embeddings: Option<bool>,
    /// The folder of the local embedding model [default: the cache folder `cargo xtask setup` fills].
    #[arg(long, env = "ANIMO_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Most visitor messages one bot accepts a day (UTC) [default: 100000].
    #[arg(long, env = "ANIMO_BOT_MESSAGES_PER_DAY")]
    pub bot_messages_per_day: Option<u64>,
    /// The folder of the built widget (`embed.js`, `widget/…`) [default: the files carried in a release
    /// binary, else the workspace's widget/dist when it exists].
    #[arg(long, env = "ANIMO_WIDGET_DIR")]
    pub widget_dir: Option<PathBuf>,
    /// The URL sites reach this server at, used in embed snippets and the demo page, e.g.
    /// `https://animo.example.com` [default: http:// and the listening address].
    #[arg(long, env = "ANIMO_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

/// The optional configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    database: Option<String>,
    blobs: Option<PathBuf>,
    jwt_secret: Option<String>,
    open_signup: Option<bool>,
    cors_origins: Option<Vec<String>>,
    max_body_bytes: Option<usize>,
    default_plan: Option<String>,
    login_max_failures: Option<u32>,
    log_format: Option<LogFormat>,
    shutdown_grace_secs: Option<u64>,
    visitor_messages_per_minute: Option<u32>,
    ip_messages_per_minute: Option<u32>,
    llm_provider: Option<String>,
    llm_base_url: Option<String>,
    llm_api_key: Option<String>,
    llm_model: Option<String>,
    llm_first_token_timeout_ms: Option<u64>,
    llm_attempts: Option<u32>,
    prices: Option<PathBuf>,
    fetch_allow: Option<Vec<String>>,
    crawl_max_pages: Option<u32>,
    crawl_max_depth: Option<u32>,
    embeddings: Option<bool>,
    model_dir: Option<PathBuf>,
    bot_messages_per_day: Option<u64>,
    widget_dir: Option<PathBuf>,
    public_url: Option<String>,
    #[serde(default)]
    plans: Vec<Plan>,
}

/// The validated configuration the server runs with.
#[derive(Clone)]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Which database engine and where.
    pub database: String,
    /// Where blobs live.
    pub blobs: PathBuf,
    /// The access-token signing secret, if given.
    pub jwt_secret: Option<Vec<u8>>,
    /// Whether open sign-up is on.
    pub open_signup: bool,
    /// Browser origins allowed by CORS.
    pub cors_origins: Vec<String>,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// The plan catalogue.
    pub plans: Vec<Plan>,
    /// Plan of new tenants; always in the catalogue.
    pub default_plan: String,
    /// Failed sign-ins before a lock.
    pub login_max_failures: u32,
    /// Log format.
    pub log_format: LogFormat,
    /// Time given to in-flight requests on shutdown.
    pub shutdown_grace: Duration,
    /// Rate limits on visitor messages.
    pub chat_limits: ChatLimits,
    /// The operator's default model provider.
    pub llm: LlmDefault,
    /// The price table file, when not the built-in table.
    pub prices: Option<PathBuf>,
    /// Non-public ranges URL sources may reach.
    pub fetch_allow: Vec<IpRange>,
    /// The limits a URL source's crawl may ask for at most.
    pub crawl_caps: CrawlLimits,
    /// Whether the local embedding model is loaded.
    pub embeddings: bool,
    /// Where the local embedding model is looked for.
    pub model_dir: Option<PathBuf>,
    /// Where the widget's files come from.
    pub widget: WidgetSource,
    /// The configured public URL, without a trailing slash; when absent the
    /// server uses `http://` and the address it listens on.
    pub public_url: Option<String>,
}

/// Where the server takes the widget's built files from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WidgetSource {
    /// A folder read at start-up.
    Dir(PathBuf),
    /// The files compiled into the binary (feature `bundled-widget`).
    Bundled,
    /// None: `/embed.js` answers `widget_not_built`.
    Missing,
}

/// The operator's default model provider, from `ANIMO_LLM_*`.
#[derive(Clone, PartialEq, Eq)]
pub struct LlmDefault {
    /// Which provider; `offline` needs nothing else.
    pub provider: ProviderKind,
    /// Its API root, when not the public one.
    pub base_url: Option<String>,
    /// Its key.
    pub api_key: Option<String>,
    /// Its model; required unless offline.
    pub model: Option<String>,
    /// Time to the first words before falling back, for every provider.
    pub first_token_timeout: Duration,
    /// Attempts per provider before falling back.
    pub attempts: u32,
}

impl std::fmt::Debug for LlmDefault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmDefault")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("model", &self.model)
            .field("first_token_timeout", &self.first_token_timeout)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// Rate limits on visitor messages; exceeding one gives `rate_limited`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatLimits {
    /// Messages per visitor per minute.
    pub visitor_per_minute: u32,
    /// Messages per client IP address per minute.
    pub ip_per_minute: u32,
    /// Messages per bot per UTC day.
    pub bot_per_day: u64,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database", &self.database)
            .field("blobs", &self.blobs)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("open_signup", &self.open_signup)
            .field("cors_origins", &self.cors_origins)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("plans", &self.plans)
            .field("default_plan", &self.default_plan)
            .field("login_max_failures", &self.login_max_failures)
            .field("log_format", &self.log_format)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("chat_limits", &self.chat_limits)
            .field("llm", &self.llm)
            .field("prices", &self.prices)
            .field("fetch_allow", &self.fetch_allow)
            .field("crawl_caps", &self.crawl_caps)
            .field("embeddings", &self.embeddings)
            .field("model_dir", &self.model_dir)
            .field("widget", &self.widget)
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// The plan catalogue used when the configuration file names none.
pub fn default_plans() -> Vec<Plan> {
    const MB: u64 = 1024 * 1024;
    vec![
        Plan {
            name: "free".into(),
            max_bots: 3,
            max_members: 3,
            monthly_messages: 1_000,
            knowledge_bytes: 20 * MB,
            avatar_bytes: 30 * MB,
        },
        Plan {
            name: "pro".into(),
            max_bots: 20,
            max_members: 20,
            monthly_messages: 50_000,
            knowledge_bytes: 500 * MB,
            avatar_bytes: 500 * MB,
        },
        Plan {
            name: "business".into(),
            max_bots: 200,
            max_members: 200,
            monthly_messages: 1_000_000,
            knowledge_bytes: 10_000 * MB,
            avatar_bytes: 10_000 * MB,
        },
    ]
}

impl Config {
    /// Merges flags, environment (already in `args` through clap), the file and defaults, then validates.
    pub fn load(args: &ServeArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let llm = llm_default(args, &file)?;
        let fetch_allow = args
            .fetch_allow
            .clone()
            .or_else(|| file.fetch_allow.clone())
            .unwrap_or_default()
            .iter()
            .map(|range| range.trim().parse::<IpRange>().map_err(|error| anyhow::anyhow!("ANIMO_FETCH_ALLOW: {error}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let plans = if file.plans.is_empty() { default_plans() } else { file.plans };
        let default_plan = args.default_plan.clone().or(file.default_plan).unwrap_or_else(|| "free".into());
        if !plans.iter().any(|plan| plan.name == default_plan) {
            bail!("the default plan {default_plan:?} is not in the plan catalogue");
        }
        let jwt_secret = args.jwt_secret.clone().or(file.jwt_secret);
        if let Some(secret) = &jwt_secret
            && secret.len() < 32
        {
            bail!("the JWT secret must be at least 32 bytes long");
        }
        let max_body_bytes = args.max_body_bytes.or(file.max_body_bytes).unwrap_or(1024 * 1024);
        if max_body_bytes < 1024 {
            bail!("max_body_bytes must be at least 1024");
        }
        Ok(Self {
            listen: args.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            database: args.database.clone().or(file.database).unwrap_or_else(|| "surrealkv://./data/db".into()),
            blobs: args.blobs.clone().or(file.blobs).unwrap_or_else(|| PathBuf::from("./data/blobs")),
            jwt_secret: jwt_secret.map(String::into_bytes),
            open_signup: args.open_signup.or(file.open_signup).unwrap_or(true),
            cors_origins: args.cors_origins.clone().or(file.cors_origins).unwrap_or_else(|| {
                ["tauri://localhost", "http://tauri.localhost", "http://localhost:1420"].map(String::from).to_vec()
            }),
            max_body_bytes,
            plans,
            default_plan,
            login_max_failures: args.login_max_failures.or(file.login_max_failures).unwrap_or(5).max(1),
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            shutdown_grace: Duration::from_secs(args.shutdown_grace_secs.or(file.shutdown_grace_secs).unwrap_or(10)),
            chat_limits: ChatLimits {
                visitor_per_minute: args
                    .visitor_messages_per_minute
                    .or(file.visitor_messages_per_minute)
                    .unwrap_or(20)
                    .max(1),
                ip_per_minute: args.ip_messages_per_minute.or(file.ip_messages_per_minute).unwrap_or(120).max(1),
                bot_per_day: args.bot_messages_per_day.or(file.bot_messages_per_day).unwrap_or(100_000).max(1),
            },
            llm,
            prices: args.prices.clone().or(file.prices),
            fetch_allow,
            crawl_caps: CrawlLimits {
                max_pages: args.crawl_max_pages.or(file.crawl_max_pages).unwrap_or(100).clamp(1, 10_000),
                max_depth: args.crawl_max_depth.or(file.crawl_max_depth).unwrap_or(5).min(50),
            },
            embeddings: args.embeddings.or(file.embeddings).unwrap_or(true),
            model_dir: args.model_dir.clone().or(file.model_dir),
            widget: widget_source(args.widget_dir.clone().or(file.widget_dir)),
            public_url: args.public_url.clone().or(file.public_url).map(|url| public_url(&url)).transpose()?,
        })
    }

    /// A configuration for tests: in-memory database, blobs in `blobs`, port 0,
    /// no embedding model (tests that need one switch it on).
    pub fn for_tests(blobs: &Path) -> Self {
        let args = ServeArgs {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            database: Some("mem://".into()),
            blobs: Some(blobs.to_path_buf()),
            embeddings: Some(false),
            ..ServeArgs::default()
        };
        // The built-in defaults always validate.
        Self::load(&args).unwrap_or_else(|error| unreachable!("test defaults are valid: {error}"))
    }

    /// The plan of this name.
    pub fn plan(&self, name: &str) -> Option<&Plan> {
        self.plans.iter().find(|plan| plan.name == name)
    }
}

fn llm_default(args: &ServeArgs, file: &FileConfig) -> anyhow::Result<LlmDefault> {
    let provider = match args.llm_provider.as_deref().or(file.llm_provider.as_deref()).unwrap_or("offline") {
        "offline" => ProviderKind::Offline,
        "openai" => ProviderKind::Openai,
        "anthropic" => ProviderKind::Anthropic,
        "gemini" => ProviderKind::Gemini,
        other => bail!("unknown LLM provider {other:?}; use offline, openai, anthropic or gemini"),
    };
    let model = args.llm_model.clone().or_else(|| file.llm_model.clone()).filter(|model| !model.trim().is_empty());
    if provider != ProviderKind::Offline && model.is_none() {
        bail!("the LLM provider needs a model (ANIMO_LLM_MODEL)");
    }
    Ok(LlmDefault {
        provider,
        base_url: args.llm_base_url.clone().or_else(|| file.llm_base_url.clone()),
        api_key: args.llm_api_key.clone().or_else(|| file.llm_api_key.clone()),
        model,
        first_token_timeout: Duration::from_millis(
            args.llm_first_token_timeout_ms.or(file.llm_first_token_timeout_ms).unwrap_or(20_000).max(100),
        ),
        attempts: args.llm_attempts.or(file.llm_attempts).unwrap_or(3).clamp(1, 10),
    })
}

/// An explicit folder wins; otherwise a binary that carries the widget uses
/// its own copy, and a development build the workspace's `widget/dist`.
fn widget_source(explicit: Option<PathBuf>) -> WidgetSource {
    if let Some(dir) = explicit {
        return WidgetSource::Dir(dir);
    }
    if cfg!(feature = "bundled-widget") {
        return WidgetSource::Bundled;
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../widget/dist");
    if workspace.is_dir() { WidgetSource::Dir(workspace) } else { WidgetSource::Missing }
}

/// Checks a public URL: http or https, a host, no query or fragment, and no
/// character that would need escaping inside an HTML attribute. The trailing
/// slash goes, so paths can be appended.
fn public_url(raw: &str) -> anyhow::Result<String> {
    let url = reqwest::Url::parse(raw.trim()).with_context(|| format!("ANIMO_PUBLIC_URL {raw:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("ANIMO_PUBLIC_URL {raw:?} must be an http or https URL with a host");
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        bail!("ANIMO_PUBLIC_URL {raw:?} must have no query, fragment or credentials");
    }
    let text = url.as_str().trim_end_matches('/').to_owned();
    if text.chars().any(|c| matches!(c, '"' | '\'' | '<' | '>' | '&') || c.is_whitespace()) {
        bail!("ANIMO_PUBLIC_URL {raw:?} has characters a URL in a snippet cannot carry");
    }
    Ok(text)
}

/// The public URL a server listening on `addr` has when none is configured:
/// a wildcard address is reached on this machine through loopback.
pub fn default_public_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_and_defaults_fill_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("animo.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\ndatabase = \"mem://\"\nopen_signup = false\n[[plans]]\nname = \"solo\"\nmax_bots = 1\nmax_members = 1\nmonthly_messages = 10\nknowledge_bytes = 10\navatar_bytes = 10\n",
        )
        .expect("write");
        let args = ServeArgs {
            config: Some(path.clone()),
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 7000))),
            default_plan: Some("solo".into()),
            ..ServeArgs::default()
        };
        let config = Config::load(&args).expect("valid");
        assert_eq!(config.listen.port(), 7000);
        assert_eq!(config.database, "mem://");
        assert!(!config.open_signup);
        assert_eq!(config.blobs, PathBuf::from("./data/blobs"));
        assert_eq!(config.plans.len(), 1);

        let unknown = ServeArgs { default_plan: Some("gold".into()), ..ServeArgs::default() };
        assert!(Config::load(&unknown).is_err());
        std::fs::write(&path, "lisen = \"x\"\n").expect("write");
        assert!(Config::load(&ServeArgs { config: Some(path), ..ServeArgs::default() }).is_err());
    }

    #[test]
    fn public_urls_are_checked_and_lose_their_trailing_slash() {
        assert_eq!(public_url("https://animo.example.com/").expect("valid"), "https://animo.example.com");
        assert_eq!(public_url(" http://10.0.0.2:8080/animo/ ").expect("valid"), "http://10.0.0.2:8080/animo");
        for bad in
            ["ftp://example.com", "example.com", "https://example.com/?a=1", "https://u:p@example.com", "http://"]
        {
            assert!(public_url(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(default_public_url("0.0.0.0:8080".parse().expect("addr")), "http://127.0.0.1:8080");
        assert_eq!(default_public_url("[::]:9000".parse().expect("addr")), "http://[::1]:9000");
        assert_eq!(default_public_url("192.168.1.5:80".parse().expect("addr")), "http://192.168.1.5:80");
    }
}
