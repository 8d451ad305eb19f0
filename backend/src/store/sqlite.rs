//! PLACEHOLDER: replaced by the store work.
use super::*;

pub struct SqliteStore;

impl SqliteStore {
    pub async fn open(_path: &std::path::Path) -> StoreResult<Self> {
        Ok(Self)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> StoreResult<()> {
        todo!("SqliteStore store")
    }

    async fn default_environment(&self) -> StoreResult<Option<Environment>> {
        todo!("SqliteStore store")
    }

    async fn create_environment(&self, new: NewEnvironment, now: i64) -> StoreResult<Environment> {
        todo!("SqliteStore store")
    }

    async fn set_environment_keys(
        &self,
        id: EnvironmentId,
        secret_key: &Secret<String>,
        public_key: &str,
        now: i64,
    ) -> StoreResult<()> {
        todo!("SqliteStore store")
    }

    async fn environment_by_secret_key(&self, secret_key: &str) -> StoreResult<Option<Environment>> {
        todo!("SqliteStore store")
    }

    async fn environment_by_public_key(&self, public_key: &str) -> StoreResult<Option<Environment>> {
        todo!("SqliteStore store")
    }

    async fn update_environment_settings(
        &self,
        id: EnvironmentId,
        settings: &EnvironmentSettings,
        now: i64,
    ) -> StoreResult<Environment> {
        todo!("SqliteStore store")
    }

    async fn list_integrations(&self, env: EnvironmentId) -> StoreResult<Vec<Integration>> {
        todo!("SqliteStore store")
    }

    async fn get_integration(
        &self,
        env: EnvironmentId,
        key: &IntegrationKey,
    ) -> StoreResult<Option<Integration>> {
        todo!("SqliteStore store")
    }

    async fn create_integration(
        &self,
        env: EnvironmentId,
        input: &IntegrationInput,
        now: i64,
    ) -> StoreResult<Integration> {
        todo!("SqliteStore store")
    }

    async fn update_integration(
        &self,
        env: EnvironmentId,
        key: &IntegrationKey,
        input: &IntegrationInput,
        now: i64,
    ) -> StoreResult<Option<Integration>> {
        todo!("SqliteStore store")
    }

    async fn delete_integration(&self, env: EnvironmentId, key: &IntegrationKey) -> StoreResult<bool> {
        todo!("SqliteStore store")
    }

    async fn upsert_connection(&self, upsert: &UpsertConnection) -> StoreResult<(Connection, UpsertOutcome)> {
        todo!("SqliteStore store")
    }

    async fn get_connection(&self, key: &ConnectionKey) -> StoreResult<Option<Connection>> {
        todo!("SqliteStore store")
    }

    async fn list_connections(
        &self,
        env: EnvironmentId,
        filter: &ConnectionFilter,
    ) -> StoreResult<Vec<Connection>> {
        todo!("SqliteStore store")
    }

    async fn delete_connection(&self, key: &ConnectionKey) -> StoreResult<bool> {
        todo!("SqliteStore store")
    }

    async fn replace_metadata(
        &self,
        key: &ConnectionKey,
        metadata: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>> {
        todo!("SqliteStore store")
    }

    async fn merge_metadata(
        &self,
        key: &ConnectionKey,
        patch: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>> {
        todo!("SqliteStore store")
    }

    async fn merge_connection_config(
        &self,
        key: &ConnectionKey,
        patch: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>> {
        todo!("SqliteStore store")
    }

    async fn update_credentials(&self, key: &ConnectionKey, sealed: &[u8], now: i64) -> StoreResult<bool> {
        todo!("SqliteStore store")
    }

    async fn set_connection_status(&self, key: &ConnectionKey, status: &str, now: i64) -> StoreResult<bool> {
        todo!("SqliteStore store")
    }

    async fn touch_last_fetched(&self, key: &ConnectionKey, now: i64) -> StoreResult<()> {
        todo!("SqliteStore store")
    }

    async fn try_lock_refresh(
        &self,
        key: &ConnectionKey,
        holder: &str,
        now: i64,
        ttl_seconds: i64,
    ) -> StoreResult<bool> {
        todo!("SqliteStore store")
    }

    async fn unlock_refresh(&self, key: &ConnectionKey, holder: &str) -> StoreResult<()> {
        todo!("SqliteStore store")
    }

    async fn insert_flow(&self, flow: &NewFlow) -> StoreResult<()> {
        todo!("SqliteStore store")
    }

    async fn consume_flow(&self, state: &str, now: i64) -> StoreResult<Option<ConsumedFlow>> {
        todo!("SqliteStore store")
    }

    async fn finish_flow(&self, flow_id: &FlowId, outcome: &FlowOutcome, now: i64) -> StoreResult<()> {
        todo!("SqliteStore store")
    }

    async fn record_flow_error(
        &self,
        flow_id: &FlowId,
        environment_id: Option<EnvironmentId>,
        code: &str,
        message: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        todo!("SqliteStore store")
    }

    async fn flow_outcome(&self, flow_id: &FlowId) -> StoreResult<Option<(FlowOutcome, i64)>> {
        todo!("SqliteStore store")
    }

    async fn purge_flows(&self, older_than: i64) -> StoreResult<u64> {
        todo!("SqliteStore store")
    }
}
