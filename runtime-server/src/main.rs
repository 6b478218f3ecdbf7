//! `animo-server`: serve the API, run operator tasks, seed the demo.

use animo_server::config::{Config, LogFormat, ServeArgs};
use animo_server::{AppState, demo, tenants};
use animo_shared::TenantId;
use animo_shared::api::{AdminTenantUpdate, TenantStatus};
use animo_shared::text::Email;
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

/// Animo's runtime server: multi-tenant HTTP API on SurrealDB.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default command).
    Serve(ServeArgs),
    /// Seed a demo tenant, owner and published bot (idempotent) and print the credentials.
    Demo {
        #[command(flatten)]
        args: ServeArgs,
        /// The origin the demo page will be served from, allowed to embed the demo bot
        /// [default: the public URL's origin, http:// and the listening address unless configured].
        #[arg(long)]
        public_origin: Option<String>,
    },
    /// Operator tasks, run directly against the database (stop the server first when it uses the embedded engine).
    Admin {
        #[command(flatten)]
        args: ServeArgs,
        #[command(subcommand)]
        task: AdminTask,
    },
}

#[derive(Debug, Subcommand)]
enum AdminTask {
    /// List every tenant with its plan and status.
    ListTenants,
    /// List the plan catalogue.
    ListPlans,
    /// Change a tenant's plan.
    SetPlan {
        /// The tenant's id (tn_…).
        tenant: TenantId,
        /// A plan name from the catalogue.
        plan: String,
    },
    /// Suspend a tenant: its bots stop answering and its data becomes read-only.
    Suspend {
        /// The tenant's id (tn_…).
        tenant: TenantId,
    },
    /// Reactivate a suspended tenant.
    Reactivate {
        /// The tenant's id (tn_…).
        tenant: TenantId,
    },
    /// Make an account a platform operator (may use /v1/admin/…).
    GrantOperator {
        /// The account's e-mail address.
        email: String,
    },
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ANIMO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,surrealdb=warn,surrealkv=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// mimalloc rather than the C library's allocator: serving chat, the server
/// spent about a third of its CPU time in glibc's malloc and free (measured
/// in docs/benchmarks.md, Conversations).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => serve(&cli.serve).await,
        Some(Command::Serve(args)) => serve(&args).await,
        Some(Command::Demo { args, public_origin }) => {
            let config = Config::load(&args)?;
            init_logs(config.log_format);
            let state = AppState::open(config).await?;
            let public_origin = match public_origin {
                Some(origin) => origin,
                None => origin_of(&state.public_url)?,
            };
            let demo = demo::seed(&state, &public_origin).await?;
            println!("demo {}", if demo.created { "created" } else { "already present" });
            println!("  owner e-mail:  {}", demo.email);
            println!("  password:      {}", demo.password);
            println!("  tenant:        {}", demo.tenant_id);
            println!("  bot:           {}", demo.bot_id);
            println!("  embed id:      {}", demo.embed_id);
            match &demo.avatar_id {
                Some(avatar) => println!("  avatar:        {avatar} ({} slots mapped)", demo.mapped_slots),
                None => println!("  avatar:        none"),
            }
            println!(
                "  knowledge:     {} ({}, {} passages)",
                demo::DEMO_KNOWLEDGE_NAME,
                demo.document_id,
                demo.passages
            );
            println!("  demo page:     {}/demo (served by `animo-server serve`)", state.public_url);
            Ok(())
        }
        Some(Command::Admin { args, task }) => admin(&args, task).await,
    }
}

/// The origin (scheme, host and port) of a public URL, which may carry a path.
fn origin_of(url: &str) -> anyhow::Result<String> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("the public URL {url:?} is not a URL"))?;
    Ok(parsed.origin().ascii_serialization())
}

async fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(args)?;
    init_logs(config.log_format);
    tracing::info!(?config, "starting");
    animo_server::serve(config).await
}

async fn admin(args: &ServeArgs, task: AdminTask) -> anyhow::Result<()> {
    let config = Config::load(args)?;
    init_logs(config.log_format);
    let state = AppState::open(config).await?;
    let operator = std::env::var("USER").unwrap_or_else(|_| "cli".to_owned());
    let update = |plan: Option<String>, status: Option<TenantStatus>| AdminTenantUpdate { plan, status };
    let change = match task {
        AdminTask::ListTenants => {
            let tenants = tenants::admin_list(&state).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string_pretty(&tenants)?);
            return Ok(());
        }
        AdminTask::ListPlans => {
            println!("{}", serde_json::to_string_pretty(&state.config.plans)?);
            return Ok(());
        }
        AdminTask::GrantOperator { email } => {
            let email = Email::try_from(email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let granted =
                animo_server::accounts::grant_operator(&state, &email).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            if !granted {
                bail!("no account has the address {email}");
            }
            println!("{email} is now a platform operator");
            return Ok(());
        }
        AdminTask::SetPlan { tenant, plan } => (tenant, update(Some(plan), None)),
        AdminTask::Suspend { tenant } => (tenant, update(None, Some(TenantStatus::Suspended))),
        AdminTask::Reactivate { tenant } => (tenant, update(None, Some(TenantStatus::Active))),
    };
    let (tenant, update) = change;
    let view = tenants::admin_update(&state, &format!("cli:{operator}"), &tenant, update)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("changing the tenant")?;
    println!("{}", serde_json::to_string_pretty(&view)?);
    Ok(())
}
