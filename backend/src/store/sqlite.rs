//! `Store` on an embedded SQLite file: WAL, one writer connection, several readers.
//!
//! All writes go through a single-connection pool, so writers queue in the pool instead of
//! spinning on SQLITE_BUSY; reads run in parallel on their own connections (WAL lets them
//! see every committed write). Transactions start with `BEGIN IMMEDIATE`, so another
//! process (the CLI) cannot slip a write between our read and our write.

use super::rows::{
    conflict_or_database, connection_columns, environment_columns, flow_columns, integration_columns,
    map_text, parse_map, shallow_merge, strings_text, ConnectionRow, EnvironmentRow, FlowRow, IntegrationRow,
    OutcomeColumns, OutcomeRow, STATUS_ERROR, STATUS_PENDING,
};
use super::*;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::time::Duration;

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    /// Open (creating if missing) the database file at `path`.
    pub async fn open(path: &std::path::Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .pragma("temp_store", "memory");
        // The writer opens the file first so it exists (and is in WAL mode) for the readers.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options.clone())
            .await?;
        let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 2).clamp(4, 16);
        let reader = SqlitePoolOptions::new().max_connections(readers as u32).connect_with(options).await?;
        Ok(Self { writer, reader })
    }
}

macro_rules! by_key {
    ($sql:expr) => {
        concat!($sql, " WHERE environment_id = ? AND integration_key = ? AND connection_id = ?")
    };
}

fn bind_key<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    key: &'q ConnectionKey,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    query.bind(key.environment_id).bind(key.integration_key.as_str()).bind(key.connection_id.as_str())
}

fn bind_key_plain<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    key: &'q ConnectionKey,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    query.bind(key.environment_id).bind(key.integration_key.as_str()).bind(key.connection_id.as_str())
}

impl SqliteStore {
    async fn environment_where(&self, sql: &'static str, value: &str) -> StoreResult<Option<Environment>> {
        sqlx::query_as::<_, EnvironmentRow>(sql)
            .bind(value)
            .fetch_optional(&self.reader)
            .await?
            .map(EnvironmentRow::into_environment)
            .transpose()
    }

    /// Read-modify-write of one JSON column in a write transaction (shallow merge).
    async fn merge_json(
        &self,
        select: &'static str,
        update: &'static str,
        key: &ConnectionKey,
        patch: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let current: Option<(String,)> =
            bind_key(sqlx::query_as(select), key).fetch_optional(&mut *tx).await?;
        let Some((text,)) = current else {
            return Ok(None);
        };
        let mut merged = parse_map(&text, "json")?;
        shallow_merge(&mut merged, patch);
        let text = map_text(&merged);
        bind_key_plain(sqlx::query(update).bind(text).bind(now), key).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(merged))
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("migrations/sqlite").run(&self.writer).await?;
        Ok(())
    }

    async fn default_environment(&self) -> StoreResult<Option<Environment>> {
        const SQL: &str =
            concat!("SELECT ", environment_columns!(), " FROM environments ORDER BY id LIMIT 1");
        sqlx::query_as::<_, EnvironmentRow>(SQL)
            .fetch_optional(&self.reader)
            .await?
            .map(EnvironmentRow::into_environment)
            .transpose()
    }

    async fn create_environment(&self, new: NewEnvironment, now: i64) -> StoreResult<Environment> {
        const SQL: &str = concat!(
            "INSERT INTO environments (name, secret_key, public_key, created_at, updated_at) ",
            "VALUES (?, ?, ?, ?, ?) RETURNING ",
            environment_columns!()
        );
        sqlx::query_as::<_, EnvironmentRow>(SQL)
            .bind(&new.name)
            .bind(new.secret_key.expose())
            .bind(&new.public_key)
            .bind(now)
            .bind(now)
            .fetch_one(&self.writer)
            .await
            .map_err(conflict_or_database)?
            .into_environment()
    }

    async fn set_environment_keys(
        &self,
        id: EnvironmentId,
        secret_key: &Secret<String>,
        public_key: &str,
        now: i64,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE environments SET secret_key = ?, public_key = ?, updated_at = ? WHERE id = ?",
        )
        .bind(secret_key.expose())
        .bind(public_key)
        .bind(now)
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(conflict_or_database)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn environment_by_secret_key(&self, secret_key: &str) -> StoreResult<Option<Environment>> {
        const SQL: &str =
            concat!("SELECT ", environment_columns!(), " FROM environments WHERE secret_key = ?");
        self.environment_where(SQL, secret_key).await
    }

    async fn environment_by_public_key(&self, public_key: &str) -> StoreResult<Option<Environment>> {
        const SQL: &str =
            concat!("SELECT ", environment_columns!(), " FROM environments WHERE public_key = ?");
        self.environment_where(SQL, public_key).await
    }

    async fn update_environment_settings(
        &self,
        id: EnvironmentId,
        settings: &EnvironmentSettings,
        now: i64,
    ) -> StoreResult<Environment> {
        const SQL: &str = concat!(
            "UPDATE environments SET callback_url = ?, hmac_enabled = ?, hmac_key = ?, ",
            "webhook_url = ?, allowed_origins = ?, updated_at = ? WHERE id = ? RETURNING ",
            environment_columns!()
        );
        sqlx::query_as::<_, EnvironmentRow>(SQL)
            .bind(settings.callback_url.as_deref())
            .bind(settings.hmac_enabled)
            .bind(settings.hmac_key.as_ref().map(|key| key.expose().as_str()))
            .bind(settings.webhook_url.as_deref())
            .bind(strings_text(&settings.allowed_origins))
            .bind(now)
            .bind(id)
            .fetch_optional(&self.writer)
            .await?
            .ok_or(StoreError::NotFound)?
            .into_environment()
    }

    async fn list_integrations(&self, env: EnvironmentId) -> StoreResult<Vec<Integration>> {
        const SQL: &str = concat!(
            "SELECT ",
            integration_columns!(),
            " FROM integrations WHERE environment_id = ? ORDER BY unique_key"
        );
        let rows = sqlx::query_as::<_, IntegrationRow>(SQL).bind(env).fetch_all(&self.reader).await?;
        rows.into_iter().map(IntegrationRow::into_integration).collect()
    }

    async fn get_integration(
        &self,
        env: EnvironmentId,
        key: &IntegrationKey,
    ) -> StoreResult<Option<Integration>> {
        const SQL: &str = concat!(
            "SELECT ",
            integration_columns!(),
            " FROM integrations WHERE environment_id = ? AND unique_key = ?"
        );
        sqlx::query_as::<_, IntegrationRow>(SQL)
            .bind(env)
            .bind(key.as_str())
            .fetch_optional(&self.reader)
            .await?
            .map(IntegrationRow::into_integration)
            .transpose()
    }

    async fn create_integration(
        &self,
        env: EnvironmentId,
        input: &IntegrationInput,
        now: i64,
    ) -> StoreResult<Integration> {
        const SQL: &str = concat!(
            "INSERT INTO integrations (environment_id, unique_key, provider, client_id, ",
            "client_secret, scopes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ",
            "RETURNING ",
            integration_columns!()
        );
        sqlx::query_as::<_, IntegrationRow>(SQL)
            .bind(env)
            .bind(input.unique_key.as_str())
            .bind(&input.provider)
            .bind(input.client_id.as_deref())
            .bind(input.client_secret.as_ref().map(|secret| secret.expose().as_str()))
            .bind(strings_text(&input.scopes))
            .bind(now)
            .bind(now)
            .fetch_one(&self.writer)
            .await
            .map_err(conflict_or_database)?
            .into_integration()
    }

    async fn update_integration(
        &self,
        env: EnvironmentId,
        key: &IntegrationKey,
        input: &IntegrationInput,
        now: i64,
    ) -> StoreResult<Option<Integration>> {
        // A rename carries the connections along (ON UPDATE CASCADE).
        const SQL: &str = concat!(
            "UPDATE integrations SET unique_key = ?, provider = ?, client_id = ?, ",
            "client_secret = ?, scopes = ?, updated_at = ? ",
            "WHERE environment_id = ? AND unique_key = ? RETURNING ",
            integration_columns!()
        );
        sqlx::query_as::<_, IntegrationRow>(SQL)
            .bind(input.unique_key.as_str())
            .bind(&input.provider)
            .bind(input.client_id.as_deref())
            .bind(input.client_secret.as_ref().map(|secret| secret.expose().as_str()))
            .bind(strings_text(&input.scopes))
            .bind(now)
            .bind(env)
            .bind(key.as_str())
            .fetch_optional(&self.writer)
            .await
            .map_err(conflict_or_database)?
            .map(IntegrationRow::into_integration)
            .transpose()
    }

    async fn delete_integration(&self, env: EnvironmentId, key: &IntegrationKey) -> StoreResult<bool> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM connections WHERE environment_id = ? AND integration_key = ?")
            .bind(env)
            .bind(key.as_str())
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM integrations WHERE environment_id = ? AND unique_key = ?")
            .bind(env)
            .bind(key.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn upsert_connection(&self, upsert: &UpsertConnection) -> StoreResult<(Connection, UpsertOutcome)> {
        // One statement; `auth_count` tells an insert (1) from a replacement (> 1).
        const SQL: &str = concat!(
            "INSERT INTO connections (environment_id, integration_key, connection_id, provider, ",
            "connection_config, metadata, credentials, status, auth_count, created_at, updated_at) ",
            "VALUES (?, ?, ?, ?, ?, '{}', ?, 'active', 1, ?, ?) ",
            "ON CONFLICT (environment_id, integration_key, connection_id) DO UPDATE SET ",
            "provider = excluded.provider, connection_config = excluded.connection_config, ",
            "credentials = excluded.credentials, status = 'active', ",
            "auth_count = connections.auth_count + 1, updated_at = excluded.updated_at ",
            "RETURNING ",
            connection_columns!()
        );
        let key = &upsert.key;
        let row = sqlx::query_as::<_, ConnectionRow>(SQL)
            .bind(key.environment_id)
            .bind(key.integration_key.as_str())
            .bind(key.connection_id.as_str())
            .bind(&upsert.provider)
            .bind(map_text(&upsert.connection_config))
            .bind(upsert.sealed_credentials.as_slice())
            .bind(upsert.now)
            .bind(upsert.now)
            .fetch_one(&self.writer)
            .await?;
        let outcome = if row.auth_count > 1 { UpsertOutcome::Overridden } else { UpsertOutcome::Created };
        Ok((row.into_connection()?, outcome))
    }

    async fn get_connection(&self, key: &ConnectionKey) -> StoreResult<Option<Connection>> {
        const SQL: &str = by_key!(concat!("SELECT ", connection_columns!(), " FROM connections"));
        bind_key(sqlx::query_as::<_, ConnectionRow>(SQL), key)
            .fetch_optional(&self.reader)
            .await?
            .map(ConnectionRow::into_connection)
            .transpose()
    }

    async fn list_connections(
        &self,
        env: EnvironmentId,
        filter: &ConnectionFilter,
    ) -> StoreResult<Vec<Connection>> {
        macro_rules! list {
            ($filter:literal) => {
                concat!(
                    "SELECT ",
                    connection_columns!(),
                    " FROM connections WHERE environment_id = ? ",
                    $filter,
                    " AND id > ? ORDER BY id LIMIT ?"
                )
            };
        }
        // One static statement per filter shape, so each uses its own index.
        let (sql, first, second) = match (&filter.integration_key, &filter.connection_id) {
            (None, None) => (list!(""), None, None),
            (Some(integration), None) => (list!("AND integration_key = ?"), Some(integration.as_str()), None),
            (None, Some(connection)) => (list!("AND connection_id = ?"), Some(connection.as_str()), None),
            (Some(integration), Some(connection)) => (
                list!("AND integration_key = ? AND connection_id = ?"),
                Some(integration.as_str()),
                Some(connection.as_str()),
            ),
        };
        let mut query = sqlx::query_as::<_, ConnectionRow>(sql).bind(env);
        for value in [first, second].into_iter().flatten() {
            query = query.bind(value);
        }
        let limit = if filter.limit == 0 { i64::MAX } else { i64::from(filter.limit) };
        let rows = query.bind(filter.after.unwrap_or(0)).bind(limit).fetch_all(&self.reader).await?;
        rows.into_iter().map(ConnectionRow::into_connection).collect()
    }

    async fn delete_connection(&self, key: &ConnectionKey) -> StoreResult<bool> {
        let done = bind_key_plain(sqlx::query(by_key!("DELETE FROM connections")), key)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn replace_metadata(
        &self,
        key: &ConnectionKey,
        metadata: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>> {
        let sql = by_key!("UPDATE connections SET metadata = ?, updated_at = ?");
        let done = bind_key_plain(sqlx::query(sql).bind(map_text(metadata)).bind(now), key)
            .execute(&self.writer)
            .await?;
        Ok((done.rows_affected() > 0).then(|| metadata.clone()))
    }

    async fn merge_metadata(
        &self,
        key: &ConnectionKey,
        patch: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>> {
        let select = by_key!("SELECT metadata FROM connections");
        let update = by_key!("UPDATE connections SET metadata = ?, updated_at = ?");
        self.merge_json(select, update, key, patch, now).await
    }

    async fn merge_connection_config(
        &self,
        key: &ConnectionKey,
        patch: &JsonMap,
        now: i64,
    ) -> StoreResult<Option<JsonMap>> {
        let select = by_key!("SELECT connection_config FROM connections");
        let update = by_key!("UPDATE connections SET connection_config = ?, updated_at = ?");
        self.merge_json(select, update, key, patch, now).await
    }

    async fn update_credentials(&self, key: &ConnectionKey, sealed: &[u8], now: i64) -> StoreResult<bool> {
        let sql = by_key!("UPDATE connections SET credentials = ?, status = 'active', updated_at = ?");
        let done = bind_key_plain(sqlx::query(sql).bind(sealed).bind(now), key).execute(&self.writer).await?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_connection_status(&self, key: &ConnectionKey, status: &str, now: i64) -> StoreResult<bool> {
        let sql = by_key!("UPDATE connections SET status = ?, updated_at = ?");
        let done = bind_key_plain(sqlx::query(sql).bind(status).bind(now), key).execute(&self.writer).await?;
        Ok(done.rows_affected() > 0)
    }

    async fn touch_last_fetched(&self, key: &ConnectionKey, now: i64) -> StoreResult<()> {
        let sql = by_key!("UPDATE connections SET last_fetched_at = ?");
        bind_key_plain(sqlx::query(sql).bind(now), key).execute(&self.writer).await?;
        Ok(())
    }

    async fn try_lock_refresh(
        &self,
        key: &ConnectionKey,
        holder: &str,
        now: i64,
        ttl_seconds: i64,
    ) -> StoreResult<bool> {
        const SQL: &str = concat!(
            "UPDATE connections SET refresh_lock_holder = ?, refresh_lock_until = ? ",
            "WHERE environment_id = ? AND integration_key = ? AND connection_id = ? ",
            "AND (refresh_lock_holder IS NULL OR refresh_lock_until <= ? OR refresh_lock_holder = ?)"
        );
        let query = sqlx::query(SQL).bind(holder).bind(now.saturating_add(ttl_seconds));
        let done = bind_key_plain(query, key).bind(now).bind(holder).execute(&self.writer).await?;
        Ok(done.rows_affected() > 0)
    }

    async fn unlock_refresh(&self, key: &ConnectionKey, holder: &str) -> StoreResult<()> {
        const SQL: &str = concat!(
            "UPDATE connections SET refresh_lock_holder = NULL, refresh_lock_until = NULL ",
            "WHERE environment_id = ? AND integration_key = ? AND connection_id = ? ",
            "AND refresh_lock_holder = ?"
        );
        bind_key_plain(sqlx::query(SQL), key).bind(holder).execute(&self.writer).await?;
        Ok(())
    }

    async fn insert_flow(&self, flow: &NewFlow) -> StoreResult<()> {
        const SQL: &str = concat!(
            "INSERT INTO oauth_flows (",
            flow_columns!(),
            ", outcome_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        );
        sqlx::query(SQL)
            .bind(flow.flow_id.as_str())
            .bind(flow.state.expose())
            .bind(flow.environment_id)
            .bind(flow.integration_key.as_str())
            .bind(flow.connection_id.as_str())
            .bind(flow.pkce_verifier.as_ref().map(|verifier| verifier.expose().as_str()))
            .bind(map_text(&flow.params))
            .bind(map_text(&flow.authorization_params))
            .bind(&flow.origin)
            .bind(&flow.redirect_uri)
            .bind(flow.created_at)
            .bind(flow.expires_at)
            .bind(STATUS_PENDING)
            .execute(&self.writer)
            .await
            .map_err(conflict_or_database)?;
        Ok(())
    }

    async fn consume_flow(&self, state: &str, now: i64) -> StoreResult<Option<ConsumedFlow>> {
        // One statement: of two concurrent callbacks with the same state, one gets the row.
        const SQL: &str = concat!(
            "UPDATE oauth_flows SET consumed_at = ? WHERE state = ? AND consumed_at IS NULL ",
            "AND expires_at > ? AND outcome_status = 'pending' RETURNING ",
            flow_columns!()
        );
        sqlx::query_as::<_, FlowRow>(SQL)
            .bind(now)
            .bind(state)
            .bind(now)
            .fetch_optional(&self.writer)
            .await?
            .map(FlowRow::into_flow)
            .transpose()
    }

    async fn finish_flow(&self, flow_id: &FlowId, outcome: &FlowOutcome, now: i64) -> StoreResult<()> {
        const SQL: &str = concat!(
            "UPDATE oauth_flows SET outcome_status = ?, outcome_code = ?, outcome_message = ?, ",
            "outcome_integration = ?, outcome_connection = ?, finished_at = ? ",
            "WHERE flow_id = ? AND outcome_status = 'pending'"
        );
        let columns = OutcomeColumns::of(outcome);
        if columns.status == STATUS_PENDING {
            return Ok(());
        }
        sqlx::query(SQL)
            .bind(columns.status)
            .bind(columns.code)
            .bind(columns.message)
            .bind(columns.integration)
            .bind(columns.connection)
            .bind(now)
            .bind(flow_id.as_str())
            .execute(&self.writer)
            .await?;
        Ok(())
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
        const SQL: &str = concat!(
            "INSERT INTO oauth_flows (flow_id, environment_id, created_at, expires_at, ",
            "finished_at, outcome_status, outcome_code, outcome_message) ",
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (flow_id) DO NOTHING"
        );
        sqlx::query(SQL)
            .bind(flow_id.as_str())
            .bind(environment_id)
            .bind(now)
            .bind(expires_at)
            .bind(now)
            .bind(STATUS_ERROR)
            .bind(code)
            .bind(message)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn flow_outcome(&self, flow_id: &FlowId) -> StoreResult<Option<(FlowOutcome, i64)>> {
        const SQL: &str = concat!(
            "SELECT outcome_status, outcome_code, outcome_message, outcome_integration, ",
            "outcome_connection, expires_at FROM oauth_flows WHERE flow_id = ?"
        );
        sqlx::query_as::<_, OutcomeRow>(SQL)
            .bind(flow_id.as_str())
            .fetch_optional(&self.reader)
            .await?
            .map(OutcomeRow::into_outcome)
            .transpose()
    }

    async fn purge_flows(&self, older_than: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM oauth_flows WHERE expires_at < ?")
            .bind(older_than)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
