//! The Studio core: the Studio's session with an Animo server and every call
//! the desktop app makes, without any user interface.
//!
//! [`Studio`] is cheap to clone (an `Arc` inside) and safe to share between
//! Tauri commands. Every method returns [`StudioResult`]: on failure a
//! [`StudioError`] with an [`ErrorCode`](animo_shared::ErrorCode) from the
//! shared table, serializable as it is for the front-end. Request and
//! response types are animo-shared's where the server defines them, and the
//! types of this crate otherwise, all with TypeScript declarations
//! (feature `ts`, written by `cargo xtask codegen`).
//!
//! - Sign-in and sessions: [`Studio::sign_in`], [`Studio::sign_up`],
//!   [`Studio::resume`], [`Studio::sign_out`]; tokens live in the OS keyring
//!   (see [`secrets`] for the Secret Service and keyutils stores and how one
//!   is chosen), remembered accounts in a JSON file without secrets.
//! - Expired access tokens are refreshed once, silently; a refused refresh
//!   ends the session with [`Connectivity::SessionExpired`].
//! - Test chat with a draft streams the chat protocol's frames as they
//!   arrive ([`Studio::test_chat`]); [`Studio::upload_poster`] stores the
//!   widget's 2D fallback image.
//! - Draft edits go through the [`outbox`]: written to disk first, removed
//!   when the server accepted them, sent again when it is reachable.

mod accounts;
mod api;
pub mod app;
mod client;
mod error;
mod files;
pub mod outbox;
mod publish;
pub mod secrets;
mod session;
mod test_chat;
#[cfg(feature = "ts")]
pub mod typescript;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, RwLock, watch};

pub use accounts::{AccountBook, KnownAccount};
pub use api::{DraftSave, DraftSaveStatus, FieldProblem, OutboxReport, PersonalityCheck, ProgressFn, UploadProgress};
pub use client::Connectivity;
pub use error::{StudioError, StudioResult};
pub use outbox::{EditKind, PendingEdit};
pub use publish::{DraftDiff, FieldChange, PublishCheck, PublishCheckKind, PublishChecks};
pub use secrets::{SecretBackend, SecretBackendChoice};
pub use session::{SessionInfo, SignInRequest, SignUpRequest};
pub use test_chat::{TEST_CHAT_STALL, TestChatOutcome};

use crate::outbox::Outbox;
use crate::secrets::SecretStore;
use crate::session::Session;

/// The server the quick start runs (`cargo xtask run`), offered first on
/// the sign-in screen.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";

/// The keyring service name of the installed Studio.
pub const DEFAULT_KEYRING_SERVICE: &str = "animo-studio";

/// Where the Studio keeps its files and secrets.
#[derive(Debug, Clone)]
pub struct StudioConfig {
    /// The JSON file of remembered accounts.
    pub accounts_file: PathBuf,
    /// The folder of edits not yet accepted by the server.
    pub outbox_dir: PathBuf,
    /// The keyring service name; tests use one of their own.
    pub keyring_service: String,
    /// Which keyring store to use.
    pub secret_backend: SecretBackendChoice,
    /// How long one request may take before the server counts as unreachable.
    pub request_timeout: Duration,
    /// How long connecting may take.
    pub connect_timeout: Duration,
}

impl StudioConfig {
    /// The usual layout: `accounts.json` in the configuration folder and the
    /// outbox in the data folder (the Tauri app passes its own folders).
    pub fn in_dirs(config_dir: &Path, data_dir: &Path) -> Self {
        Self {
            accounts_file: config_dir.join("accounts.json"),
            outbox_dir: data_dir.join("outbox"),
            keyring_service: DEFAULT_KEYRING_SERVICE.to_owned(),
            secret_backend: SecretBackendChoice::Auto,
            // Uploads of large avatars and documents run longer than this;
            // they set their own timeout.
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// The Studio's session with a server. Clone it freely.
#[derive(Clone)]
pub struct Studio {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// For uploads, which may take longer than `request_timeout`.
    upload_http: reqwest::Client,
    secrets: SecretStore,
    accounts: AccountBook,
    outbox: Outbox,
    session: RwLock<Option<Session>>,
    refresh_lock: Mutex<()>,
    flush_lock: Mutex<()>,
    connectivity: watch::Sender<Connectivity>,
}

impl std::fmt::Debug for Studio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Studio")
            .field("secrets", &self.inner.secrets)
            .field("connectivity", &*self.inner.connectivity.borrow())
            .finish_non_exhaustive()
    }
}

impl Studio {
    /// Opens the keyring and the Studio's files. Nobody is signed in yet:
    /// call [`Studio::resume`] with a remembered account or sign in.
    pub async fn new(config: StudioConfig) -> StudioResult<Self> {
        let secrets = SecretStore::open(&config.keyring_service, config.secret_backend).await?;
        let build = |timeout: Option<Duration>| {
            let mut builder = reqwest::Client::builder()
                .connect_timeout(config.connect_timeout)
                .user_agent(concat!("animo-studio/", env!("CARGO_PKG_VERSION")));
            if let Some(timeout) = timeout {
                builder = builder.timeout(timeout);
            }
            builder.build().map_err(|error| StudioError::local("The HTTP client could not be set up", error))
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http: build(Some(config.request_timeout))?,
                upload_http: build(None)?,
                secrets,
                accounts: AccountBook::new(&config.accounts_file),
                outbox: Outbox::new(&config.outbox_dir),
                session: RwLock::new(None),
                refresh_lock: Mutex::new(()),
                flush_lock: Mutex::new(()),
                connectivity: watch::Sender::new(Connectivity::SignedOut),
            }),
        })
    }

    /// The keyring store in use, for the settings screen.
    pub fn secret_backend(&self) -> SecretBackend {
        self.inner.secrets.backend()
    }

    /// What the banner shows now.
    pub fn connectivity(&self) -> Connectivity {
        *self.inner.connectivity.borrow()
    }

    /// Changes of connectivity, for the app to forward as events.
    pub fn watch_connectivity(&self) -> watch::Receiver<Connectivity> {
        self.inner.connectivity.subscribe()
    }

    /// Every remembered account, most recently used first.
    pub async fn known_accounts(&self) -> StudioResult<Vec<KnownAccount>> {
        self.inner.accounts.list().await
    }

    /// Forgets a remembered account and its tokens (its unsent edits stay
    /// in the outbox until that account signs in again).
    pub async fn forget_account(&self, account: &KnownAccount) -> StudioResult<()> {
        self.inner.secrets.delete(&account.key()).await?;
        self.inner.accounts.forget(&account.key()).await
    }

    /// Keeps sending the outbox while the Studio runs: every `period`, when
    /// edits are waiting and someone is signed in, checks that the server
    /// answers and sends them. The task ends when every clone of this
    /// `Studio` is dropped.
    pub fn spawn_outbox_retry(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                let studio = Studio { inner };
                if !matches!(studio.connectivity(), Connectivity::Online | Connectivity::Unreachable) {
                    continue;
                }
                match studio.pending_edits().await {
                    Ok(edits) if edits.iter().any(|edit| edit.refused.is_none()) => {}
                    Ok(_) => continue,
                    Err(error) => {
                        tracing::warn!(error = %error.message, "could not read the outbox");
                        continue;
                    }
                }
                if let Err(error) = studio.flush_outbox().await {
                    tracing::debug!(error = %error.message, "outbox not sent yet");
                }
            }
        })
    }
}
