//! What every request can reach: configuration, storage, signing keys, blobs, metrics.

use std::sync::Arc;

use animo_shared::api::Plan;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;

use crate::chat::ChatState;
use crate::config::Config;
use crate::crypto::JwtKeys;
use crate::knowledge::documents::KnowledgeState;
use crate::knowledge::fetch::FetchPolicy;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::widget::WidgetAssets;

/// Shared, cheaply cloned application state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// The database.
    pub store: Store,
    /// Access-token keys.
    pub keys: JwtKeys,
    /// Blob storage (a local folder by default).
    pub blobs: Arc<dyn ObjectStore>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The chat engine's caches, limits and turn locks.
    pub chat: Arc<ChatState>,
    /// Ingestion and retrieval of bots' knowledge.
    pub knowledge: Arc<KnowledgeState>,
    /// The widget's files; empty until [`crate::spawn`] loads them, as only a
    /// serving process needs them.
    pub widget: Arc<WidgetAssets>,
    /// The URL sites reach this server at, without a trailing slash.
    pub public_url: Arc<str>,
}

impl AppState {
    /// Opens the database, applies migrations, loads or creates the signing
    /// secret and syncs the plan catalogue.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        use anyhow::Context;
        let store = Store::open(&config.database)
            .await
            .with_context(|| format!("opening the database at {}", config.database))?;
        std::fs::create_dir_all(&config.blobs)
            .with_context(|| format!("creating the blob folder {}", config.blobs.display()))?;
        let blobs = LocalFileSystem::new_with_prefix(&config.blobs)
            .with_context(|| format!("opening the blob folder {}", config.blobs.display()))?;
        let secret = match &config.jwt_secret {
            Some(secret) => secret.clone(),
            None => crate::tenants::signing_secret(&store).await.context("loading the token signing secret")?,
        };
        crate::tenants::sync_plans(&store, &config.plans).await.context("storing the plan catalogue")?;
        let chat = Arc::new(ChatState::new(&config).context("setting up the model clients")?);
        let fetch = FetchPolicy {
            allowed: config.fetch_allow.clone(),
            max_bytes: 20 * 1024 * 1024,
            timeout: std::time::Duration::from_secs(20),
        };
        let embedder = crate::knowledge::documents::load_embedder(&config);
        let knowledge = Arc::new(KnowledgeState::new(embedder, fetch));
        let public_url = config.public_url.clone().unwrap_or_else(|| crate::config::default_public_url(config.listen));
        Ok(Self {
            widget: Arc::new(WidgetAssets::default()),
            public_url: public_url.into(),
            chat,
            knowledge,
            keys: JwtKeys::new(&secret),
            config: Arc::new(config),
            store,
            blobs: Arc::new(blobs),
            metrics: Metrics::new(),
        })
    }

    /// The plan of this name, falling back to the default plan when a
    /// tenant names one that was removed from the catalogue.
    pub fn plan(&self, name: &str) -> &Plan {
        self.config
            .plan(name)
            .or_else(|| self.config.plan(&self.config.default_plan))
            .unwrap_or_else(|| unreachable!("the default plan is validated to be in the catalogue"))
    }
}
