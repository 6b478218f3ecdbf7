//! Animo's runtime server: the multi-tenant HTTP API on SurrealDB.
//!
//! The binary (`main.rs`) parses the command line and calls into this
//! library; tests start the same server with [`spawn`].

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod avatars;
pub mod blobs;
pub mod bots;
pub mod chat;
pub mod config;
pub mod context;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod http;
pub mod ids;
pub mod knowledge;
pub mod members;
pub mod memo;
pub mod metrics;
pub mod poster;
pub mod state;
pub mod store;
pub mod tenants;
pub mod widget;

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::Config;
pub use state::AppState;

/// A server running in the background, e.g. in a test.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The state it serves, for direct inspection.
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may already have stopped; then there is nobody to tell.
            let _already_stopped = shutdown.send(());
        }
        self.task.await.context("server task failed")?.context("server failed")
    }
}

/// Opens everything, binds the configured address and serves until [`RunningServer::stop`].
pub async fn spawn(config: Config) -> anyhow::Result<RunningServer> {
    let mut state = AppState::open(config).await?;
    let listener =
        TcpListener::bind(state.config.listen).await.with_context(|| format!("binding {}", state.config.listen))?;
    let addr = listener.local_addr()?;
    // Port 0 is only known now; a configured public URL stays as it is.
    if state.config.public_url.is_none() {
        state.public_url = config::default_public_url(addr).into();
    }
    state.widget = std::sync::Arc::new(widget::WidgetAssets::load(&state.config.widget));
    tokio::spawn(knowledge::documents::run_worker(state.clone()));
    tokio::spawn(knowledge::schedule::run(state.clone()));
    let warming = state.clone();
    tokio::spawn(async move {
        match knowledge::warm(&warming).await {
            Ok(bots) => tracing::info!(bots, "word postings of live versions loaded"),
            Err(error) => tracing::warn!(%error, "could not load the live versions' word postings ahead"),
        }
    });
    // Chat frames are small and must leave at once: without TCP_NODELAY a
    // cue or token frame waits for the client's delayed acknowledgement.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream: &mut tokio::net::TcpStream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY on a connection");
        }
    });
    let (shutdown, signal) = oneshot::channel::<()>();
    let app = http::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                // A dropped sender means the owner is gone: shut down too.
                let _either_way = signal.await;
            })
            .await
    });
    Ok(RunningServer { addr, state, shutdown: Some(shutdown), task })
}

/// Serves until SIGINT or SIGTERM, then drains in-flight requests within the grace period.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let grace = config.shutdown_grace;
    let server = spawn(config).await?;
    tracing::info!(addr = %server.addr, "listening on {}", server.addr);
    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    match tokio::time::timeout(grace, server.stop()).await {
        Ok(result) => result?,
        Err(_) => tracing::warn!(?grace, "in-flight requests did not finish within the grace period"),
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
