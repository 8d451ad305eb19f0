//! Storage: one `Store` trait, implemented by `sqlite.rs` (embedded default) and
//! `postgres.rs` (several replicas). Callers never see SQL (STYLE §5).
//!
//! Credentials cross this boundary only as sealed bytes (`Credentials::seal`); the store
//! never sees plaintext. Time is a parameter: methods that care take `now` (unix seconds).

use crate::ids::{ConnectionId, EnvironmentId, FlowId, IntegrationKey};
use crate::secret::Secret;
use async_trait::async_trait;
use serde_json::{Map, Value};

#[cfg(test)]
mod conformance;
pub mod environment_cache;
pub mod postgres;
mod rows;
mod sql;
pub mod sqlite;
pub mod touches;

pub type JsonMap = Map<String, Value>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists")]
    Conflict,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    /// The record a method had to change does not exist (methods that can say so with
    /// `None` or `false` do that instead).
    #[error("not found")]
    NotFound,
}

pub type StoreResult<T> = Result<T, StoreError>;

// ---------------------------------------------------------------- environments

#[derive(Debug, Clone)]
pub struct Environment {
    pub id: EnvironmentId,
    pub name: String,
    pub secret_key: Secret<String>,
    pub public_key: String,
    pub settings: EnvironmentSettings,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The settings an app changes with `PATCH /environment`.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentSettings {
    /// Custom callback URL (absolute http(s)); `None` = the server's own `/oauth/callback`.
    pub callback_url: Option<String>,
    pub hmac_enabled: bool,
    pub hmac_key: Option<Secret<String>>,
    pub webhook_url: Option<String>,
    /// Origins allowed to call the browser routes; empty = any.
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NewEnvironment {
    pub name: String,
    pub secret_key: Secret<String>,
    pub public_key: String,
}

// ---------------------------------------------------------------- integrations

#[derive(Debug, Clone)]
pub struct Integration {
    pub id: i64,
    pub environment_id: EnvironmentId,
    pub unique_key: IntegrationKey,
    /// Name of the catalog provider.
    pub provider: String,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret<String>>,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Everything a caller sets on an integration; used for create and for full update.
#[derive(Debug, Clone)]
pub struct IntegrationInput {
    pub unique_key: IntegrationKey,
    pub provider: String,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret<String>>,
    pub scopes: Vec<String>,
}

// ---------------------------------------------------------------- connections

/// A connection as stored. `credentials` is sealed; open it with `Credentials::open`
/// and `credentials::aad_for(environment_id, integration_key, connection_id)`.
#[derive(Debug, Clone)]
pub struct Connection {
    pub id: i64,
    pub environment_id: EnvironmentId,
    pub integration_key: IntegrationKey,
    pub connection_id: ConnectionId,
    pub provider: String,
    pub connection_config: JsonMap,
    pub metadata: JsonMap,
    pub sealed_credentials: Vec<u8>,
    /// `active` or `needs_reauth` (SPEC §5: `invalid_grant` on refresh).
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_fetched_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ConnectionKey {
    pub environment_id: EnvironmentId,
    pub integration_key: IntegrationKey,
    pub connection_id: ConnectionId,
}

#[derive(Debug, Clone)]
pub struct UpsertConnection {
    pub key: ConnectionKey,
    pub provider: String,
    pub connection_config: JsonMap,
    pub sealed_credentials: Vec<u8>,
    pub now: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created,
    Overridden,
}

#[derive(Debug, Clone, Default)]
pub struct ConnectionFilter {
    pub integration_key: Option<IntegrationKey>,
    /// Only connections whose connection_id equals this.
    pub connection_id: Option<ConnectionId>,
    /// Page size (the caller clamps it); 0 means no limit.
    pub limit: u32,
    /// Keyset pagination: only rows with `id > after`.
    pub after: Option<i64>,
}

// ---------------------------------------------------------------- flows

/// A pending OAuth flow (SPEC §2 step 2). Stored so any replica can finish it.
#[derive(Debug, Clone)]
pub struct NewFlow {
    pub flow_id: FlowId,
    pub state: Secret<String>,
    pub environment_id: EnvironmentId,
    pub integration_key: IntegrationKey,
    pub connection_id: ConnectionId,
    pub pkce_verifier: Option<Secret<String>>,
    pub params: JsonMap,
    pub authorization_params: JsonMap,
    /// The opener's origin: the result page posts to it, never to `*`.
    pub origin: String,
    pub redirect_uri: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A flow taken by its state at the callback: the same fields, now consumed.
pub type ConsumedFlow = NewFlow;

/// What a flow came to; the flow record is the single source of truth (SPEC §7).
#[derive(Debug, Clone, PartialEq)]
pub enum FlowOutcome {
    Pending,
    Success { integration_key: String, connection_id: String },
    Error { code: String, message: String },
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Run the migrations of this dialect.
    async fn migrate(&self) -> StoreResult<()>;

    // Environments.
    async fn default_environment(&self) -> StoreResult<Option<Environment>>;
    async fn create_environment(&self, new: NewEnvironment, now: i64) -> StoreResult<Environment>;
    /// Replace an environment's keys (operator fixed them with `NANGO_*_KEY`).
    async fn set_environment_keys(
        &self,
        id: EnvironmentId,
        secret_key: &Secret<String>,
        public_key: &str,
        now: i64,
    ) -> StoreResult<()>;
    /// Callers compare the returned key again in constant time.
    async fn environment_by_secret_key(&self, secret_key: &str) -> StoreResult<Option<Environment>>;
    async fn environment_by_public_key(&self, public_key: &str) -> StoreResult<Option<Environment>>;
    async fn update_environment_settings(
        &self,
        id: EnvironmentId,
        settings: &EnvironmentSettings,
        now: i64,
    ) -> StoreResult<Environment>;

    // Integrations.
    async fn list_integrations(&self, env: EnvironmentId) -> StoreResult<Vec<Integration>>;
    async fn get_integration(
        &self,
        env: EnvironmentId,
        key: &IntegrationKey,
    ) -> StoreResult<Option<Integration>>;
    /// `StoreError::Conflict` when the key exists.
    async fn create_integration(
        &self,
        env: EnvironmentId,
        input: &IntegrationInput,
        now: i64,
    ) -> StoreResult<Integration>;
    /// Update the integration named `key` (the input may rename it: `Conflict` if the new key
    /// is taken). `None` when there is no such integration.
    async fn update_integration(
        &self,
        env: EnvironmentId,
        key: &IntegrationKey,
        input: &IntegrationInput,
        now: i64,
    ) -> StoreResult<Option<Integration>>;
    /// Deletes its connections too. `false` when there was nothing to delete.
    async fn delete_integration(&self, env: EnvironmentId, key: &IntegrationKey) -> StoreResult<bool>;

    // Connections.
    /// Insert, or replace credentials + connection_config of an existing connection,
    /// keeping its metadata and created_at; status goes back to `active`.
    async fn upsert_connection(&self, upsert: &UpsertConnection) -> StoreResult<(Connection, UpsertOutcome)>;
    async fn get_connection(&self, key: &ConnectionKey) -> StoreResult<Option<Connection>>;
    async fn list_connections(
        &self,
        env: EnvironmentId,
        filter: &ConnectionFilter,
    ) -> StoreResult<Vec<Connection>>;
    async fn delete_connection(&self, key: &ConnectionKey) -> StoreResult<bool>;
    /// Replace metadata. `None` when the connection does not exist.
    async fn replace_metadata(
        &self,
        key: &ConnectionKey,
        metadata: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>>;
    /// Shallow-merge into metadata, atomically. `None` when the connection does not exist.
    async fn merge_metadata(
        &self,
        key: &ConnectionKey,
        patch: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>>;
    /// Shallow-merge into connection_config, atomically.
    async fn merge_connection_config(
        &self,
        key: &ConnectionKey,
        patch: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>>;
    /// Replace sealed credentials after a refresh; status back to `active`.
    async fn update_credentials(&self, key: &ConnectionKey, sealed: &[u8], now: i64) -> StoreResult<bool>;
    async fn set_connection_status(&self, key: &ConnectionKey, status: &str, now: i64) -> StoreResult<bool>;
    async fn touch_last_fetched(&self, key: &ConnectionKey, now: i64) -> StoreResult<()>;

    // Refresh lock: a row claimed in the database, so one replica refreshes (SPEC §5).
    /// Claim the lock for `key` unless someone else holds an unexpired claim.
    async fn try_lock_refresh(
        &self,
        key: &ConnectionKey,
        holder: &str,
        now: i64,
        ttl_seconds: i64,
    ) -> StoreResult<bool>;
    async fn unlock_refresh(&self, key: &ConnectionKey, holder: &str) -> StoreResult<()>;

    // Flows.
    /// `Conflict` when the flow id or state exists.
    async fn insert_flow(&self, flow: &NewFlow) -> StoreResult<()>;
    /// Consume a state atomically: single use; unknown, used or expired → `None`.
    async fn consume_flow(&self, state: &str, now: i64) -> StoreResult<Option<ConsumedFlow>>;
    /// Record the end of a flow (only a pending flow changes).
    async fn finish_flow(&self, flow_id: &FlowId, outcome: &FlowOutcome, now: i64) -> StoreResult<()>;
    /// A pre-flow error for a flow id that has no record yet (an existing record wins).
    async fn record_flow_error(
        &self,
        flow_id: &FlowId,
        environment_id: Option<EnvironmentId>,
        code: &str,
        message: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The outcome and expiry (unix seconds) of a flow; `None` for unknown flow ids. A pending
    /// flow past its expiry is reported as expired by the caller.
    async fn flow_outcome(&self, flow_id: &FlowId) -> StoreResult<Option<(FlowOutcome, i64)>>;
    /// Delete flow records whose expiry (plus a grace period chosen by the caller) passed.
    async fn purge_flows(&self, older_than: i64) -> StoreResult<u64>;

    /// The environment with this id (the callback needs it for the auth webhook). The default
    /// serves the single default environment; backends with several environments override it.
    async fn environment_by_id(&self, id: EnvironmentId) -> StoreResult<Option<Environment>> {
        Ok(self.default_environment().await?.filter(|environment| environment.id == id))
    }
}

/// Open the configured store and run migrations: Postgres when `database_url` is set,
/// else SQLite in `data_dir/nango.db`.
pub async fn open(
    database_url: Option<&Secret<String>>,
    data_dir: &std::path::Path,
) -> StoreResult<std::sync::Arc<dyn Store>> {
    let store: std::sync::Arc<dyn Store> = match database_url {
        Some(url) => std::sync::Arc::new(postgres::PostgresStore::connect(url.expose()).await?),
        None => std::sync::Arc::new(sqlite::SqliteStore::open(&data_dir.join("nango.db")).await?),
    };
    store.migrate().await?;
    Ok(store)
}
