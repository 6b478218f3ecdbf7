//! A server, a Studio with its own folders and keyring service, and a
//! forwarding port that can be switched off to play an unreachable server.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use animo_server::{Config, RunningServer};
use animo_shared::bot::{BotView, CreateBotRequest, Personality};
use animo_studio_core::{SecretBackendChoice, SessionInfo, SignUpRequest, Studio, StudioConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

pub const PASSWORD: &str = "correct horse battery";

/// A running server with its blob folder.
pub struct TestServer {
    pub server: RunningServer,
    _blobs: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        let blobs = tempfile::tempdir().expect("temp dir");
        let config = Config::for_tests(blobs.path());
        let server = animo_server::spawn(config).await.expect("server starts");
        Self { server, _blobs: blobs }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }
}

/// A Studio with its own folders and a keyring service of its own, so
/// tests running at once never see each other's tokens.
pub struct TestStudio {
    pub studio: Studio,
    pub service: String,
    /// The explicit file store: this machine's kernel keyring refuses the
    /// keyutils store's writes and no Secret Service runs (see `secrets`).
    pub secrets: SecretBackendChoice,
    pub dirs: tempfile::TempDir,
}

impl TestStudio {
    pub async fn open() -> Self {
        let dirs = tempfile::tempdir().expect("temp dir");
        let secrets = SecretBackendChoice::File(dirs.path().join("secrets.json"));
        Self::open_in(dirs, format!("animo-studio-test-{}", uuid()), secrets, Duration::from_secs(10)).await
    }

    pub async fn open_in(
        dirs: tempfile::TempDir,
        service: String,
        secrets: SecretBackendChoice,
        timeout: Duration,
    ) -> Self {
        let mut config = StudioConfig::in_dirs(&dirs.path().join("config"), &dirs.path().join("data"));
        config.keyring_service = service.clone();
        config.secret_backend = secrets.clone();
        config.request_timeout = timeout;
        config.connect_timeout = Duration::from_secs(2);
        let studio = Studio::new(config).await.expect("the secret store opens");
        Self { studio, service, secrets, dirs }
    }

    pub fn outbox_dir(&self) -> std::path::PathBuf {
        self.dirs.path().join("data/outbox")
    }

    /// Signs up a fresh account with its own tenant.
    pub async fn sign_up(&self, server: &str) -> SessionInfo {
        self.studio
            .sign_up(SignUpRequest {
                server_url: Some(server.to_owned()),
                email: format!("owner-{}@example.com", uuid()),
                password: PASSWORD.to_owned(),
                display_name: Some("Owner".to_owned()),
                tenant_name: "Studio tests".to_owned(),
            })
            .await
            .expect("sign-up succeeds")
    }
}

/// A server and a Studio signed up to it with a fresh owner and tenant: the
/// start of most tests. Keep the server bound for as long as the test runs.
pub async fn signed_up() -> (TestServer, TestStudio) {
    let server = TestServer::start().await;
    let t = TestStudio::open().await;
    t.sign_up(&server.url()).await;
    (server, t)
}

/// A personality from JSON, through animo-shared's validation.
pub fn personality(json: serde_json::Value) -> Personality {
    serde_json::from_value(json).expect("valid personality")
}

impl TestStudio {
    /// Creates a bot with `personality` and every other part left to the server's defaults.
    pub async fn create_bot(&self, personality: Personality) -> BotView {
        let request =
            CreateBotRequest { personality, model: None, widget: None, allowed_origins: None, placement: None };
        self.studio.create_bot(&request).await.expect("the bot is created")
    }
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Forwards a local port to the server; `down` closes the port and every
/// connection through it, `up` opens the same port again.
pub struct Relay {
    pub addr: SocketAddr,
    target: SocketAddr,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl Relay {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("address");
        Self { addr, target, running: Some(tokio::spawn(relay(listener, target))) }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn down(&mut self) {
        if let Some(task) = self.running.take() {
            // Aborting drops the listener and the JoinSet of connections.
            task.abort();
        }
    }

    pub async fn up(&mut self) {
        self.down();
        let listener = TcpListener::bind(self.addr).await.expect("the relay's port can be bound again");
        self.running = Some(tokio::spawn(relay(listener, self.target)));
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.down();
    }
}

async fn relay(listener: TcpListener, target: SocketAddr) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else { return };
        connections.spawn(async move {
            if let Ok(mut outbound) = TcpStream::connect(target).await {
                let _closed = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

pub const ROBOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/avatars/RobotExpressive.glb");

pub fn robot() -> &'static Path {
    Path::new(ROBOT)
}

/// Collects progress reports.
pub fn progress_log()
-> (Arc<std::sync::Mutex<Vec<animo_studio_core::UploadProgress>>>, Arc<animo_studio_core::ProgressFn>) {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let callback: Arc<animo_studio_core::ProgressFn> = Arc::new(move |progress| {
        sink.lock().expect("not poisoned").push(progress);
    });
    (log, callback)
}
