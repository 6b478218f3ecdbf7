//! Storage on SurrealDB.
//!
//! One URL picks the engine (`surrealkv://PATH`, `mem://`, `ws://HOST:PORT`).
//! All of Animo lives in the `animo` namespace: platform-wide records
//! (accounts, tenant registry, embed-id index, plans, refresh tokens) in the
//! `platform` database, and each tenant's records in a database of its own,
//! `t_<hex of the tenant id>`. A [`TenantDb`] is a session bound to exactly
//! one tenant database, so domain code that holds one cannot name another
//! tenant's tables: isolation does not depend on remembering a `WHERE`.
//!
//! Records are read and written as JSON (`serde_json::Value` is a
//! `SurrealValue`), so the serde types of `animo-shared` are the one schema.

mod migrate;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use animo_shared::TenantId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::QueryError;
use tokio::sync::Mutex;

pub use migrate::{Migration, PLATFORM_MIGRATIONS, TENANT_MIGRATIONS};

/// The namespace every Animo database lives in.
const NAMESPACE: &str = "animo";
/// The platform database's name.
const PLATFORM_DB: &str = "platform";
/// How often a statement that hit a transaction conflict is tried in all.
const CONFLICT_ATTEMPTS: u32 = 40;

/// Failures of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database answered with an error.
    #[error("database error: {0}")]
    Database(#[from] surrealdb::Error),
    /// A value did not have the expected shape.
    #[error("stored value has an unexpected shape: {0}")]
    Shape(#[from] serde_json::Error),
    /// A statement threw on purpose (`THROW`), e.g. a quota check.
    #[error("refused by the database: {0}")]
    Thrown(String),
    /// Transaction conflicts persisted through every retry.
    #[error("transaction conflict persisted after {CONFLICT_ATTEMPTS} attempts")]
    Contention,
    /// Work done beside the database for a query (ranking passages) stopped
    /// before it finished, e.g. because the server is shutting down.
    #[error("a search task stopped: {0}")]
    Interrupted(#[from] tokio::task::JoinError),
    /// A migration that was applied earlier has since been edited.
    #[error("migration {0} was changed after it was applied; add a new migration instead")]
    MigrationEdited(String),
}

/// The root connection and the cached tenant sessions.
///
/// Every session is behind an `Arc`: cloning a `Surreal` handle opens a new
/// session in the engine (registered there, with its own maps, tens of KiB
/// each), which is what a tenant's session needs once but what sharing one
/// must not do. Cloning the store, which every request and chat connection
/// does with the application state, and handing out a tenant's session
/// therefore only count references. Queries go through [`Db`] with bound
/// variables and never change a session's state, so one session serves
/// concurrent callers.
#[derive(Clone)]
pub struct Store {
    root: Arc<Surreal<Any>>,
    platform: Arc<Surreal<Any>>,
    tenants: Arc<RwLock<HashMap<TenantId, Arc<Surreal<Any>>>>>,
    /// Serialises the creation of tenant sessions so a tenant's migrations run once.
    opening: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// A prefix for `THROW` messages that are part of the domain (not bugs).
pub const THROW_PREFIX: &str = "animo:";

impl Store {
    /// Connects to the engine the URL names and brings the platform schema up to date.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let root = surrealdb::engine::any::connect(url).await?;
        // A session of its own, bound to the platform database.
        let platform = root.clone();
        platform.use_ns(NAMESPACE).use_db(PLATFORM_DB).await?;
        migrate::apply(&platform, PLATFORM_MIGRATIONS).await?;
        Ok(Self {
            root: Arc::new(root),
            platform: Arc::new(platform),
            tenants: Arc::new(RwLock::new(HashMap::new())),
            opening: Arc::new(Mutex::new(())),
        })
    }

    /// The platform database.
    pub fn platform(&self) -> Db<'_> {
        Db { session: &self.platform }
    }

    /// Every tenant's id, for the background work that visits each tenant's
    /// database (resuming ingestion, scheduled re-syncs, loading postings).
    pub async fn tenant_ids(&self) -> Result<Vec<TenantId>, StoreError> {
        self.platform().query("SELECT VALUE record::id(id) FROM tenant").run().await?.all(0)
    }

    /// The session bound to one tenant's database, created (with its schema)
    /// on first use and cached after.
    pub async fn tenant(&self, tenant: &TenantId) -> Result<TenantDb, StoreError> {
        // The common case, a cached session, takes only a shared read lock.
        if let Some(session) = self.cached(tenant) {
            return Ok(TenantDb { tenant: tenant.clone(), session });
        }
        let _opening = self.opening.lock().await;
        if let Some(session) = self.cached(tenant) {
            return Ok(TenantDb { tenant: tenant.clone(), session });
        }
        // A new engine session (cloning the handle), bound to the tenant's database.
        let session = Surreal::clone(&self.root);
        session.use_ns(NAMESPACE).use_db(tenant_database(tenant)).await?;
        migrate::apply(&session, TENANT_MIGRATIONS).await?;
        let session = Arc::new(session);
        self.tenants.write().unwrap_or_else(PoisonError::into_inner).insert(tenant.clone(), Arc::clone(&session));
        Ok(TenantDb { tenant: tenant.clone(), session })
    }

    fn cached(&self, tenant: &TenantId) -> Option<Arc<Surreal<Any>>> {
        self.tenants.read().unwrap_or_else(PoisonError::into_inner).get(tenant).cloned()
    }

    /// Removes a tenant's whole database and forgets its session.
    pub async fn drop_tenant(&self, tenant: &TenantId) -> Result<(), StoreError> {
        self.tenants.write().unwrap_or_else(PoisonError::into_inner).remove(tenant);
        let name = tenant_database(tenant);
        // A session of its own: switching the shared root's namespace would
        // affect every other user of it.
        let session = Surreal::clone(&self.root);
        session.use_ns(NAMESPACE).await?;
        // The name is built from the id's hex digits only, so it is safe to splice.
        session.query(format!("REMOVE DATABASE IF EXISTS {name}")).await?.check()?;
        Ok(())
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.platform.query("RETURN 1").await?.check()?;
        Ok(())
    }
}

fn tenant_database(tenant: &TenantId) -> String {
    format!("t_{}", tenant.hex())
}

/// A tenant's database session. Holding one is the only way to reach a
/// tenant's records.
#[derive(Clone)]
pub struct TenantDb {
    tenant: TenantId,
    session: Arc<Surreal<Any>>,
}

impl std::fmt::Debug for TenantDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantDb").field("tenant", &self.tenant).finish_non_exhaustive()
    }
}

impl TenantDb {
    /// The tenant this session belongs to.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The database handle for queries.
    pub fn db(&self) -> Db<'_> {
        Db { session: &self.session }
    }

    /// Whether both are the same engine session (a tenant's session is
    /// replaced when its database is dropped and created again).
    pub fn same_session(&self, other: &TenantDb) -> bool {
        Arc::ptr_eq(&self.session, &other.session)
    }
}

/// A database to run queries on.
#[derive(Clone, Copy)]
pub struct Db<'a> {
    session: &'a Surreal<Any>,
}

impl std::fmt::Debug for Db<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

impl<'a> Db<'a> {
    /// Starts a query. Statements are numbered from 0 for [`Rows`].
    pub fn query(self, sql: impl Into<String>) -> Query<'a> {
        Query { session: self.session, sql: sql.into(), vars: Map::new(), bind_error: None }
    }
}

/// A query being built: SurrealQL text plus JSON parameters.
#[derive(Debug)]
pub struct Query<'a> {
    session: &'a Surreal<Any>,
    sql: String,
    vars: Map<String, Value>,
    bind_error: Option<serde_json::Error>,
}

impl Query<'_> {
    /// Binds `$name` to a value serialized as JSON.
    pub fn bind(mut self, name: &str, value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(value) => {
                self.vars.insert(name.to_owned(), value);
            }
            Err(error) => self.bind_error = Some(error),
        }
        self
    }

    /// Runs the query, retrying the whole of it on transaction conflicts, and
    /// fails if any statement failed.
    pub async fn run(self) -> Result<Rows, StoreError> {
        if let Some(error) = self.bind_error {
            return Err(StoreError::Shape(error));
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.run_once().await {
                Err(StoreError::Database(error)) if is_conflict(&error) => {
                    if attempt >= CONFLICT_ATTEMPTS {
                        return Err(StoreError::Contention);
                    }
                    // Jittered exponential backoff lets one of the contenders finish first.
                    let base = 2u64.saturating_pow(attempt.min(6));
                    let jitter = rand::random::<u64>() % (base + 1);
                    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
                }
                other => return other,
            }
        }
    }

    async fn run_once(&self) -> Result<Rows, StoreError> {
        let mut response = self.session.query(self.sql.as_str()).bind(Value::Object(self.vars.clone())).await?;
        let errors = response.take_errors();
        if !errors.is_empty() {
            let mut errors: Vec<_> = errors.into_iter().collect();
            errors.sort_by_key(|(index, _)| *index);
            // A transaction reports every statement as failed; the first
            // real cause is what matters, and a conflict anywhere means retry.
            if let Some((_, conflict)) = errors.iter().find(|(_, e)| is_conflict(e)) {
                return Err(StoreError::Database(conflict.clone()));
            }
            let thrown = errors.iter().find_map(|(_, e)| thrown_message(e));
            if let Some(message) = thrown {
                return Err(StoreError::Thrown(message));
            }
            let (_, first) = errors.swap_remove(0);
            return Err(StoreError::Database(first));
        }
        let mut results = Vec::with_capacity(response.num_statements());
        for index in 0..response.num_statements() {
            let value: surrealdb::types::Value = response.take(index)?;
            results.push(value.into_json_value());
        }
        Ok(Rows { results })
    }
}

fn is_conflict(error: &surrealdb::Error) -> bool {
    error.query_details() == Some(&QueryError::TransactionConflict)
        || error.message().contains("transaction conflict")
        || error.message().contains("Transaction conflict")
}

fn thrown_message(error: &surrealdb::Error) -> Option<String> {
    let message = error.message();
    message.find(THROW_PREFIX).map(|at| {
        let rest = &message[at + THROW_PREFIX.len()..];
        rest.trim_end_matches(['\'', '"', '`']).to_owned()
    })
}

/// The results of a query's statements, as JSON.
#[derive(Debug)]
pub struct Rows {
    results: Vec<Value>,
}

impl Rows {
    /// Every row of statement `index`, deserialized.
    pub fn all<T: DeserializeOwned>(&mut self, index: usize) -> Result<Vec<T>, StoreError> {
        match self.take_value(index) {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => Ok(items.into_iter().map(serde_json::from_value).collect::<Result<_, _>>()?),
            other => Ok(vec![serde_json::from_value(other)?]),
        }
    }

    /// The first row of statement `index`, if any.
    pub fn first<T: DeserializeOwned>(&mut self, index: usize) -> Result<Option<T>, StoreError> {
        let value = match self.take_value(index) {
            Value::Array(items) => items.into_iter().next(),
            Value::Null => None,
            other => Some(other),
        };
        Ok(value.map(serde_json::from_value).transpose()?)
    }

    /// The value of statement `index` as it is (e.g. of a `RETURN`).
    pub fn value<T: DeserializeOwned>(&mut self, index: usize) -> Result<T, StoreError> {
        Ok(serde_json::from_value(self.take_value(index))?)
    }

    /// The value of the last statement that returned one: in a transaction,
    /// the closing `RETURN`, whatever `BEGIN` and `COMMIT` report.
    pub fn returned<T: DeserializeOwned>(&mut self) -> Result<T, StoreError> {
        let value = self.results.iter_mut().rev().find(|value| !value.is_null()).map(Value::take);
        Ok(serde_json::from_value(value.unwrap_or(Value::Null))?)
    }

    fn take_value(&mut self, index: usize) -> Value {
        self.results.get_mut(index).map(Value::take).unwrap_or(Value::Null)
    }
}
