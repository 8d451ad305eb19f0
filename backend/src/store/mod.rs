//! Storage: one trait per concern (`EnvironmentStore`, `IntegrationStore`, `ConnectionStore`,
//! `FlowStore`, `EnvironmentVariableStore`, `WebhookStore`, plus `Schema`), all implemented by `sqlite.rs`
//! (embedded default) and `postgres.rs` (several replicas); `Store` is all of them. Callers
//! never see SQL (STYLE §5). The records are in `records.rs`.
//!
//! Credentials cross this boundary only as sealed bytes (`Credentials::seal`); the store
//! never sees plaintext. Time is a parameter: methods that care take `now` (unix seconds).

use crate::ids::{EnvironmentId, FlowId, IntegrationKey};
use crate::secret::Secret;
use async_trait::async_trait;

#[cfg(test)]
pub(crate) mod conformance;
mod filter_columns;
mod flow_rows;
pub mod migration_status;
pub mod postgres;
mod records;
mod rows;
pub mod secrets;
mod sql;
pub mod sqlite;
mod sqlite_checkpoint;
mod sqlite_group_commit;
mod sqlite_inline_events;
mod sqlite_reads;
mod sqlite_writer;
mod webhook_records;
mod webhook_rows;

pub use crate::json::JsonMap;
pub use records::*;
pub use webhook_records::*;

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

/// Builds the outbox row of the webhook reporting an upsert, from the connection as stored and
/// how it was stored; `None`: no webhook.
/// It may be called more than once for one upsert (SQLite tries the transaction with its
/// inline writer first, then through the pool): it must have no side effects. Shared, because
/// the inline writer may run it in another caller's turn (`sqlite_writer.rs`).
pub type UpsertEvent =
    std::sync::Arc<dyn Fn(&Connection, UpsertOutcome) -> Option<NewWebhookEvent> + Send + Sync>;
/// Builds the outbox row of the webhook reporting a status transition, from the connection as
/// it is now and the status it had; `None`: no webhook.
pub type TransitionEvent<'a> =
    &'a (dyn Fn(&Connection, ConnectionStatus) -> Option<NewWebhookEvent> + Send + Sync);

// ---------------------------------------------------------------- the traits

/// The schema (migrations of this dialect) and the server's own metadata.
#[async_trait]
pub trait Schema: Send + Sync {
    async fn migrate(&self) -> StoreResult<()>;
    /// A value of the server's own metadata (e.g. the encryption key's check value).
    async fn server_meta(&self, name: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Store `value` under `name` unless a value is there; returns the stored value (of two
    /// replicas starting at once, the first writer wins and both see its value).
    async fn init_server_meta(&self, name: &str, value: &[u8], now: i64) -> StoreResult<Vec<u8>>;
    /// Seal the secrets older rows keep in plain text (and fill `secret_key_hash`); run at
    /// start, after the key check. Returns how many values it sealed.
    async fn seal_plain_secrets(&self) -> StoreResult<u64>;
    /// Re-seal under the current key every value sealed under the previous one (`nango-server
    /// rotate-key`); `progress` gets the running count after each batch. Resumable.
    async fn rotate_key(&self, progress: &(dyn Fn(u64) + Send + Sync)) -> StoreResult<u64>;
}

#[async_trait]
pub trait EnvironmentStore: Send + Sync {
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
    async fn environment_by_id(&self, id: EnvironmentId) -> StoreResult<Option<Environment>>;
    async fn update_environment_settings(
        &self,
        id: EnvironmentId,
        settings: &EnvironmentSettings,
        now: i64,
    ) -> StoreResult<Environment>;
}

/// An environment's variables (`getEnvironmentVariables()` of `@nangohq/node`); values are
/// sealed with the row's environment and name as AEAD additional data.
#[async_trait]
pub trait EnvironmentVariableStore: Send + Sync {
    /// The environment's variables, by name.
    async fn environment_variables(&self, env: EnvironmentId) -> StoreResult<Vec<EnvironmentVariable>>;
    /// Make `variables` (names unique) the environment's whole list, atomically: other names
    /// are deleted, a name kept keeps its `created_at`.
    async fn replace_environment_variables(
        &self,
        env: EnvironmentId,
        variables: &[EnvironmentVariable],
        now: i64,
    ) -> StoreResult<()>;
    /// `false` when there was no such variable.
    async fn delete_environment_variable(&self, env: EnvironmentId, name: &str) -> StoreResult<bool>;
}

#[async_trait]
pub trait IntegrationStore: Send + Sync {
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
}

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    /// Insert, or replace credentials + connection_config of an existing connection,
    /// keeping its metadata and created_at; status goes back to `active`.
    async fn upsert_connection(&self, upsert: &UpsertConnection) -> StoreResult<(Connection, UpsertOutcome)> {
        self.upsert_connection_reporting(upsert, std::sync::Arc::new(|_, _| None)).await
    }
    /// `upsert_connection`, writing the webhook event `event` builds from the result in the
    /// same transaction (SPEC §12): both commit or neither does.
    async fn upsert_connection_reporting(
        &self,
        upsert: &UpsertConnection,
        event: UpsertEvent,
    ) -> StoreResult<(Connection, UpsertOutcome)>;
    async fn get_connection(&self, key: &ConnectionKey) -> StoreResult<Option<Connection>>;
    async fn list_connections(
        &self,
        env: EnvironmentId,
        filter: &ConnectionFilter,
    ) -> StoreResult<Vec<Connection>>;
    async fn delete_connection(&self, key: &ConnectionKey) -> StoreResult<bool>;
    /// Change end user, tags and webhook override; the changed connection, `None` when there is
    /// no such connection.
    async fn patch_connection(
        &self,
        key: &ConnectionKey,
        patch: &ConnectionPatch,
        now: i64,
    ) -> StoreResult<Option<Connection>>;
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
    /// Set `last_fetched_at` of the connections with these row ids (`(id, at)`), in one
    /// statement per few hundred; a row created after `at`, or already read later, is left as it is.
    async fn touch_last_fetched(&self, touches: &[(i64, i64)]) -> StoreResult<()>;
    /// Claim the refresh lock for `key` unless someone else holds an unexpired claim: a row
    /// claimed in the database, so one replica refreshes (SPEC §5).
    async fn try_lock_refresh(
        &self,
        key: &ConnectionKey,
        holder: &str,
        now: i64,
        ttl_seconds: i64,
    ) -> StoreResult<bool>;
    async fn unlock_refresh(&self, key: &ConnectionKey, holder: &str) -> StoreResult<()>;
}

/// A connection's health (SPEC §11): what refreshes leave on it, its transitions, and the
/// connections the proactive refresher should look at.
#[async_trait]
pub trait ConnectionHealthStore: Send + Sync {
    /// Write what a refresh attempt left, and a status event when the status changes (one
    /// transaction). The connection as it is now and the status it had before, when that
    /// changed; `None` when the connection is gone.
    /// When the status changed, the webhook event `event` builds (from the connection as it is
    /// now and the status it had) is written in the same transaction (SPEC §12).
    async fn record_refresh(
        &self,
        key: &ConnectionKey,
        record: &RefreshRecord,
        now: i64,
        event: TransitionEvent<'_>,
    ) -> StoreResult<Option<(Connection, Option<ConnectionStatus>)>>;
    /// The last `limit` status transitions of a connection, oldest first.
    async fn status_events(&self, key: &ConnectionKey, limit: u32) -> StoreResult<Vec<StatusEvent>>;
    /// Connections of every environment whose credentials expire before `expiring_before`,
    /// not waiting out a back-off at `now`, not needing re-authorisation and not being
    /// refreshed: soonest expiry first, at most `limit`.
    async fn connections_due_for_refresh(
        &self,
        expiring_before: i64,
        now: i64,
        limit: u32,
    ) -> StoreResult<Vec<Connection>>;
}

#[async_trait]
pub trait FlowStore: Send + Sync {
    /// `Conflict` when the flow id or state exists.
    async fn insert_flow(&self, flow: &NewFlow) -> StoreResult<()>;
    /// Consume a flow by its state's hash atomically: single use; unknown, used or expired → `None`.
    async fn consume_flow(&self, state_hash: &str, now: i64) -> StoreResult<Option<ConsumedFlow>>;
    /// Record the end of a flow (only a pending flow changes).
    async fn finish_flow(&self, flow_id: &FlowId, outcome: &FlowOutcome, now: i64) -> StoreResult<()>;
    /// A pre-flow error for a flow id that has no record yet (an existing record wins).
    async fn record_flow_error(
        &self,
        flow_id: &FlowId,
        environment_id: Option<EnvironmentId>,
        error: &FlowError,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The flow's record; `None` for unknown flow ids.
    async fn flow_record(&self, flow_id: &FlowId) -> StoreResult<Option<FlowRecord>>;
    /// Flows of `environment_id` not yet finished, consumed or expired at `now`.
    async fn count_pending_flows(&self, environment_id: EnvironmentId, now: i64) -> StoreResult<u64>;
    /// Delete flow records whose expiry (plus a grace period chosen by the caller) passed.
    async fn purge_flows(&self, older_than: i64) -> StoreResult<u64>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &ConnectSession) -> StoreResult<()>;
    /// The session with this token hash, unless it expired at `now`.
    async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<ConnectSession>>;
    /// `false` when there was none.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<bool>;
    /// Delete sessions that expired before `older_than`.
    async fn purge_sessions(&self, older_than: i64) -> StoreResult<u64>;
    async fn insert_admin_session(&self, session: &AdminSession) -> StoreResult<()>;
    /// The admin console session with this token hash, unless it expired at `now`.
    async fn admin_session(&self, token_hash: &str, now: i64) -> StoreResult<Option<AdminSession>>;
    /// Sign-out; `false` when there was none.
    async fn delete_admin_session(&self, token_hash: &str) -> StoreResult<bool>;
    /// Delete admin sessions that expired before `older_than`.
    async fn purge_admin_sessions(&self, older_than: i64) -> StoreResult<u64>;
}

/// The webhook outbox (SPEC §12). Times are unix milliseconds. Inside a transaction of the SQL
/// layer, `write_webhook_event(&mut *tx, &event)` writes the same row as `insert_webhook_event`
/// (`sql/webhooks.rs`), so a change and the event reporting it commit together.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Write a pending event in its own statement. `Conflict` when the id exists.
    async fn insert_webhook_event(&self, event: &NewWebhookEvent) -> StoreResult<()>;
    /// Lease to `holder` until `lease_until` at most `limit` events that are pending, due at
    /// `now`, not leased (or whose lease ran out), and the oldest pending event of their
    /// connection (SPEC §12: order per connection). While a lease holds, no other claim, on
    /// any replica, returns the event. Oldest first.
    async fn claim_webhook_events(
        &self,
        holder: &str,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<WebhookEvent>>;
    /// Record an attempt and what follows it, and free the lease, if `holder` still holds it;
    /// `false` (nothing written) when it does not.
    async fn record_webhook_attempt(
        &self,
        event_id: &uuid::Uuid,
        holder: &str,
        attempt: &WebhookAttempt,
        next: WebhookNext,
    ) -> StoreResult<bool>;
    /// One event of `env`, with its attempts.
    async fn webhook_event(&self, env: EnvironmentId, id: &uuid::Uuid) -> StoreResult<Option<WebhookEvent>>;
    /// Events of `env`, newest first, each with its attempts.
    async fn list_webhook_events(
        &self,
        env: EnvironmentId,
        filter: &WebhookEventFilter,
    ) -> StoreResult<Vec<WebhookEvent>>;
    /// Make an event pending again, due at `now`, retried until `retry_until`, its back-off
    /// started afresh; its attempts are kept. `None` when `env` has no such event.
    async fn replay_webhook_event(
        &self,
        env: EnvironmentId,
        id: &uuid::Uuid,
        now: i64,
        retry_until: i64,
    ) -> StoreResult<Option<WebhookEvent>>;
    /// Delete events that finished before `finished_before`, with their attempts.
    async fn purge_webhook_events(&self, finished_before: i64) -> StoreResult<u64>;
}

/// Word between replicas that a flow has ended (SPEC §8: the replica holding a result socket
/// learns the outcome of a flow another replica finished). Postgres: `NOTIFY`/`LISTEN`;
/// SQLite serves one process, whose own wake-ups suffice.
#[async_trait]
pub trait FlowNotices: Send + Sync {
    /// Tell every replica listening that `flow_id` has an outcome now.
    async fn announce_flow_end(&self, flow_id: &FlowId) -> StoreResult<()>;
    /// The flow ids announced by any replica, for as long as the receiver lives (reconnecting
    /// when the database connection drops); `None` when the store has no such channel.
    async fn flow_end_notices(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<FlowId>>>;
}

/// Everything a backend implements; `Arc<dyn Store>` is what the app holds. Bring the
/// concern's trait into scope to call its methods.
pub trait Store:
    Schema
    + EnvironmentStore
    + IntegrationStore
    + ConnectionStore
    + ConnectionHealthStore
    + FlowStore
    + FlowNotices
    + SessionStore
    + EnvironmentVariableStore
    + WebhookStore
{
}

impl<
        T: Schema
            + EnvironmentStore
            + IntegrationStore
            + ConnectionStore
            + ConnectionHealthStore
            + FlowStore
            + FlowNotices
            + SessionStore
            + EnvironmentVariableStore
            + WebhookStore,
    > Store for T
{
}

/// The SQLite database's file name inside the data directory.
pub const SQLITE_FILE: &str = "nango.db";

/// Open the configured store and run migrations: Postgres when `database_url` is set,
/// else SQLite in `data_dir/nango.db`.
pub async fn open(
    database_url: Option<&Secret<String>>,
    data_dir: &std::path::Path,
    cipher: crate::crypto::Cipher,
) -> StoreResult<std::sync::Arc<dyn Store>> {
    let store: std::sync::Arc<dyn Store> = match database_url {
        Some(url) => std::sync::Arc::new(postgres::PostgresStore::connect(url.expose(), cipher).await?),
        None => std::sync::Arc::new(sqlite::SqliteStore::open(&data_dir.join(SQLITE_FILE), cipher).await?),
    };
    store.migrate().await?;
    Ok(store)
}
