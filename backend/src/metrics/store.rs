//! `MeteredStore`: the `Store` the app holds, timing every call of the backend it wraps into
//! `nango_store_operation_duration_seconds{operation="<method>"}`.
//!
//! Why the trait object and not the SQL: one point sees every operation of either dialect,
//! transactions included, and labels it with a name a reader knows (`get_connection`), never
//! with a statement or a value. The cost: a method added to a store trait needs its line
//! here too (the compiler points at this file until it has one).

use crate::ids::{EnvironmentId, FlowId, IntegrationKey};
use crate::secret::Secret;
use crate::store::*;
use async_trait::async_trait;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

pub struct MeteredStore {
    inner: Arc<dyn Store>,
}

/// Wrap `inner` so its operations are timed.
pub fn metered(inner: Arc<dyn Store>) -> Arc<dyn Store> {
    Arc::new(MeteredStore { inner })
}

async fn timed<T>(operation: &'static str, call: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let result = call.await;
    super::store_operation(operation, started.elapsed());
    result
}

/// `impl $trait for MeteredStore`: each method forwards to the wrapped store, timed under
/// its own name.
macro_rules! metered {
    ($trait:ident { $(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)* }) => {
        #[async_trait]
        impl $trait for MeteredStore {
            $(async fn $name(&self $(, $arg: $ty)*) -> $ret {
                timed(stringify!($name), self.inner.$name($($arg),*)).await
            })*
        }
    };
}

metered!(Schema {
    fn migrate(&self) -> StoreResult<()>;
    fn server_meta(&self, name: &str) -> StoreResult<Option<Vec<u8>>>;
    fn init_server_meta(&self, name: &str, value: &[u8], now: i64) -> StoreResult<Vec<u8>>;
    fn seal_plain_secrets(&self) -> StoreResult<u64>;
    fn rotate_key(&self, progress: &(dyn Fn(u64) + Send + Sync)) -> StoreResult<u64>;
});

metered!(EnvironmentStore {
    fn default_environment(&self) -> StoreResult<Option<Environment>>;
    fn create_environment(&self, new: NewEnvironment, now: i64) -> StoreResult<Environment>;
    fn set_environment_keys(&self, id: EnvironmentId, secret_key: &Secret<String>, public_key: &str, now: i64)
        -> StoreResult<()>;
    fn environment_by_secret_key(&self, secret_key: &str) -> StoreResult<Option<Environment>>;
    fn environment_by_public_key(&self, public_key: &str) -> StoreResult<Option<Environment>>;
    fn environment_by_id(&self, id: EnvironmentId) -> StoreResult<Option<Environment>>;
    fn update_environment_settings(&self, id: EnvironmentId, settings: &EnvironmentSettings, now: i64)
        -> StoreResult<Environment>;
});

metered!(EnvironmentVariableStore {
    fn environment_variables(&self, env: EnvironmentId) -> StoreResult<Vec<EnvironmentVariable>>;
    fn replace_environment_variables(&self, env: EnvironmentId, variables: &[EnvironmentVariable], now: i64)
        -> StoreResult<()>;
    fn delete_environment_variable(&self, env: EnvironmentId, name: &str) -> StoreResult<bool>;
});

metered!(IntegrationStore {
    fn list_integrations(&self, env: EnvironmentId) -> StoreResult<Vec<Integration>>;
    fn get_integration(&self, env: EnvironmentId, key: &IntegrationKey) -> StoreResult<Option<Integration>>;
    fn create_integration(&self, env: EnvironmentId, input: &IntegrationInput, now: i64)
        -> StoreResult<Integration>;
    fn update_integration(&self, env: EnvironmentId, key: &IntegrationKey, input: &IntegrationInput, now: i64)
        -> StoreResult<Option<Integration>>;
    fn delete_integration(&self, env: EnvironmentId, key: &IntegrationKey) -> StoreResult<bool>;
});

metered!(ConnectionStore {
    fn upsert_connection_reporting(&self, upsert: &UpsertConnection, event: UpsertEvent)
        -> StoreResult<(Connection, UpsertOutcome)>;
    fn get_connection(&self, key: &ConnectionKey) -> StoreResult<Option<Connection>>;
    fn list_connections(&self, env: EnvironmentId, filter: &ConnectionFilter) -> StoreResult<Vec<Connection>>;
    fn delete_connection(&self, key: &ConnectionKey) -> StoreResult<bool>;
    fn patch_connection(&self, key: &ConnectionKey, patch: &ConnectionPatch, now: i64)
        -> StoreResult<Option<Connection>>;
    fn replace_metadata(&self, key: &ConnectionKey, metadata: &JsonMap, now: i64)
        -> StoreResult<Option<JsonMap>>;
    fn merge_metadata(&self, key: &ConnectionKey, patch: &JsonMap, now: i64) -> StoreResult<Option<JsonMap>>;
    fn merge_connection_config(&self, key: &ConnectionKey, patch: &JsonMap, now: i64)
        -> StoreResult<Option<JsonMap>>;
    fn touch_last_fetched(&self, touches: &[(i64, i64)]) -> StoreResult<()>;
    fn try_lock_refresh(&self, key: &ConnectionKey, holder: &str, now: i64, ttl_seconds: i64)
        -> StoreResult<bool>;
    fn unlock_refresh(&self, key: &ConnectionKey, holder: &str) -> StoreResult<()>;
});

metered!(ConnectionHealthStore {
    fn record_refresh(&self, key: &ConnectionKey, record: &RefreshRecord, now: i64, event: TransitionEvent<'_>)
        -> StoreResult<Option<(Connection, Option<ConnectionStatus>)>>;
    fn status_events(&self, key: &ConnectionKey, limit: u32) -> StoreResult<Vec<StatusEvent>>;
    fn connections_due_for_refresh(&self, expiring_before: i64, now: i64, limit: u32)
        -> StoreResult<Vec<Connection>>;
});

metered!(FlowStore {
    fn insert_flow(&self, flow: &NewFlow) -> StoreResult<()>;
    fn consume_flow(&self, state_hash: &str, now: i64) -> StoreResult<Option<ConsumedFlow>>;
    fn finish_flow(&self, flow_id: &FlowId, outcome: &FlowOutcome, now: i64) -> StoreResult<()>;
    fn record_flow_error(
        &self,
        flow_id: &FlowId,
        environment_id: Option<EnvironmentId>,
        error: &FlowError,
        now: i64,
        expires_at: i64
    ) -> StoreResult<()>;
    fn flow_record(&self, flow_id: &FlowId) -> StoreResult<Option<FlowRecord>>;
    fn count_pending_flows(&self, environment_id: EnvironmentId, now: i64) -> StoreResult<u64>;
    fn purge_flows(&self, older_than: i64) -> StoreResult<u64>;
});

metered!(SessionStore {
    fn insert_session(&self, session: &ConnectSession) -> StoreResult<()>;
    fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<ConnectSession>>;
    fn delete_session(&self, token_hash: &str) -> StoreResult<bool>;
    fn purge_sessions(&self, older_than: i64) -> StoreResult<u64>;
    fn insert_admin_session(&self, session: &AdminSession) -> StoreResult<()>;
    fn admin_session(&self, token_hash: &str, now: i64) -> StoreResult<Option<AdminSession>>;
    fn delete_admin_session(&self, token_hash: &str) -> StoreResult<bool>;
    fn purge_admin_sessions(&self, older_than: i64) -> StoreResult<u64>;
});

metered!(FlowNotices {
    fn announce_flow_end(&self, flow_id: &FlowId) -> StoreResult<()>;
    fn flow_end_notices(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<FlowId>>>;
});

metered!(WebhookStore {
    fn insert_webhook_event(&self, event: &NewWebhookEvent) -> StoreResult<()>;
    fn claim_webhook_events(&self, holder: &str, now: i64, lease_until: i64, limit: u32)
        -> StoreResult<Vec<WebhookEvent>>;
    fn record_webhook_attempt(&self, event_id: &uuid::Uuid, holder: &str, attempt: &WebhookAttempt, next: WebhookNext)
        -> StoreResult<bool>;
    fn webhook_event(&self, env: EnvironmentId, id: &uuid::Uuid) -> StoreResult<Option<WebhookEvent>>;
    fn list_webhook_events(&self, env: EnvironmentId, filter: &WebhookEventFilter) -> StoreResult<Vec<WebhookEvent>>;
    fn replay_webhook_event(&self, env: EnvironmentId, id: &uuid::Uuid, now: i64, retry_until: i64)
        -> StoreResult<Option<WebhookEvent>>;
    fn purge_webhook_events(&self, finished_before: i64) -> StoreResult<u64>;
});
