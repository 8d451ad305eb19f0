//! The SQL both dialects share: `impl_store!` writes the one `impl Store` for a backend.
//!
//! SQLite (>= 3.35) and Postgres both take `$N` placeholders, `RETURNING`, `ON CONFLICT`,
//! so every statement is written once. What differs stays in `sqlite.rs` / `postgres.rs`:
//! how to connect, the migrations folder (`run_migrations`), how a write transaction
//! starts (`begin_write`), and the row-lock suffix of a read-modify-write (`lock`).
//! A backend struct has a `writer` and a `reader` pool (the same pool for Postgres).
//!
//! The statements live by concern in `sql/` (environments, integrations, connections, flows):
//! each file's macro writes inherent `*_sql` methods, and `impl_store!` forwards every `Store`
//! method to one of them (`forward_store!`).
//!
//! Statements about one connection bind its key first: `$1` environment, `$2` integration,
//! `$3` connection id (see `by_key!`).

macro_rules! by_key {
    ($sql:expr) => {
        concat!($sql, " WHERE environment_id = $1 AND integration_key = $2 AND connection_id = $3")
    };
}

macro_rules! bind_key {
    ($query:expr, $key:expr) => {
        $query.bind($key.environment_id).bind($key.integration_key.as_str()).bind($key.connection_id.as_str())
    };
}

/// `list_connections` with one extra filter (placeholders from `$4`).
macro_rules! list_connections_sql {
    ($filter:literal) => {
        concat!(
            "SELECT ",
            $crate::store::rows::connection_columns!(),
            " FROM connections WHERE environment_id = $1 AND id > $2 ",
            $filter,
            " ORDER BY id LIMIT $3"
        )
    };
}

/// `#[async_trait] impl Store` whose every method awaits the named inherent method.
macro_rules! forward_store {
    ($store:ty { $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty => $inner:ident;)* }) => {
        #[async_trait]
        impl Store for $store {
            $(
                async fn $name(&self, $($arg: $ty),*) -> $ret {
                    self.$inner($($arg),*).await
                }
            )*
        }
    };
}

macro_rules! impl_store {
    ($store:ty, lock = $lock:literal) => {
        $crate::store::sql::environment_methods!($store);
        $crate::store::sql::integration_methods!($store);
        $crate::store::sql::connection_methods!($store, lock = $lock);
        $crate::store::sql::flow_methods!($store);

        $crate::store::sql::forward_store!($store {
            fn migrate() -> StoreResult<()> => run_migrations;
            fn default_environment() -> StoreResult<Option<Environment>> => default_environment_sql;
            fn create_environment(new: NewEnvironment, now: i64) -> StoreResult<Environment> => create_environment_sql;
            fn set_environment_keys(id: EnvironmentId, secret_key: &Secret<String>, public_key: &str, now: i64) -> StoreResult<()> => set_environment_keys_sql;
            fn environment_by_secret_key(secret_key: &str) -> StoreResult<Option<Environment>> => environment_by_secret_key_sql;
            fn environment_by_public_key(public_key: &str) -> StoreResult<Option<Environment>> => environment_by_public_key_sql;
            fn environment_by_id(id: EnvironmentId) -> StoreResult<Option<Environment>> => environment_by_id_sql;
            fn update_environment_settings(id: EnvironmentId, settings: &EnvironmentSettings, now: i64) -> StoreResult<Environment> => update_environment_settings_sql;

            fn list_integrations(env: EnvironmentId) -> StoreResult<Vec<Integration>> => list_integrations_sql;
            fn get_integration(env: EnvironmentId, key: &IntegrationKey) -> StoreResult<Option<Integration>> => get_integration_sql;
            fn create_integration(env: EnvironmentId, input: &IntegrationInput, now: i64) -> StoreResult<Integration> => create_integration_sql;
            fn update_integration(env: EnvironmentId, key: &IntegrationKey, input: &IntegrationInput, now: i64) -> StoreResult<Option<Integration>> => update_integration_sql;
            fn delete_integration(env: EnvironmentId, key: &IntegrationKey) -> StoreResult<bool> => delete_integration_sql;

            fn upsert_connection(upsert: &UpsertConnection) -> StoreResult<(Connection, UpsertOutcome)> => upsert_connection_sql;
            fn get_connection(key: &ConnectionKey) -> StoreResult<Option<Connection>> => get_connection_sql;
            fn list_connections(env: EnvironmentId, filter: &ConnectionFilter) -> StoreResult<Vec<Connection>> => list_connections_sql;
            fn delete_connection(key: &ConnectionKey) -> StoreResult<bool> => delete_connection_sql;
            fn replace_metadata(key: &ConnectionKey, metadata: &JsonMap, now: i64) -> StoreResult<Option<JsonMap>> => replace_metadata_sql;
            fn merge_metadata(key: &ConnectionKey, patch: &JsonMap, now: i64) -> StoreResult<Option<JsonMap>> => merge_metadata_sql;
            fn merge_connection_config(key: &ConnectionKey, patch: &JsonMap, now: i64) -> StoreResult<Option<JsonMap>> => merge_connection_config_sql;
            fn update_credentials(key: &ConnectionKey, sealed: &[u8], now: i64) -> StoreResult<bool> => update_credentials_sql;
            fn set_connection_status(key: &ConnectionKey, status: &str, now: i64) -> StoreResult<bool> => set_connection_status_sql;
            fn touch_last_fetched(key: &ConnectionKey, now: i64) -> StoreResult<()> => touch_last_fetched_sql;
            fn try_lock_refresh(key: &ConnectionKey, holder: &str, now: i64, ttl_seconds: i64) -> StoreResult<bool> => try_lock_refresh_sql;
            fn unlock_refresh(key: &ConnectionKey, holder: &str) -> StoreResult<()> => unlock_refresh_sql;

            fn insert_flow(flow: &NewFlow) -> StoreResult<()> => insert_flow_sql;
            fn consume_flow(state: &str, now: i64) -> StoreResult<Option<ConsumedFlow>> => consume_flow_sql;
            fn finish_flow(flow_id: &FlowId, outcome: &FlowOutcome, now: i64) -> StoreResult<()> => finish_flow_sql;
            fn record_flow_error(flow_id: &FlowId, environment_id: Option<EnvironmentId>, code: &str, message: &str, now: i64, expires_at: i64) -> StoreResult<()> => record_flow_error_sql;
            fn flow_outcome(flow_id: &FlowId) -> StoreResult<Option<(FlowOutcome, i64)>> => flow_outcome_sql;
            fn purge_flows(older_than: i64) -> StoreResult<u64> => purge_flows_sql;
        });
    };
}

mod connections;
mod environments;
mod flows;
mod integrations;

pub(crate) use connections::connection_methods;
pub(crate) use environments::environment_methods;
pub(crate) use flows::flow_methods;
pub(crate) use integrations::integration_methods;
pub(crate) use {bind_key, by_key, forward_store, impl_store, list_connections_sql};
