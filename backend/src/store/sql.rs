//! The SQL both dialects share: `impl_store!` writes the one `impl Store` for a backend.
//!
//! SQLite (>= 3.35) and Postgres both take `$N` placeholders, `RETURNING`, `ON CONFLICT`,
//! so every statement is written once. What differs stays in `sqlite.rs` / `postgres.rs`:
//! how to connect, the migrations folder (`run_migrations`), how a write transaction
//! starts (`begin_write`), and the row-lock suffix of a read-modify-write (`lock`).
//! A backend struct has a `writer` and a `reader` pool (the same pool for Postgres).
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

macro_rules! impl_store {
    ($store:ty, lock = $lock:literal) => {
        use $crate::store::rows::{
            conflict_or_database, connection_columns, environment_columns, flow_columns,
            integration_columns, map_text, parse_map, shallow_merge, strings_text, ConnectionRow,
            EnvironmentRow, FlowRow, IntegrationRow, OutcomeColumns, OutcomeRow, STATUS_ERROR,
            STATUS_PENDING,
        };
        use $crate::store::sql::{bind_key, by_key, list_connections_sql as list};

        impl $store {
            async fn environment_where(
                &self,
                sql: &'static str,
                value: &str,
            ) -> StoreResult<Option<Environment>> {
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
                let mut tx = self.begin_write().await?;
                let current: Option<(String,)> =
                    bind_key!(sqlx::query_as(select), key).fetch_optional(&mut *tx).await?;
                let Some((text,)) = current else {
                    return Ok(None);
                };
                let mut merged = parse_map(&text, "json")?;
                shallow_merge(&mut merged, patch);
                let query = bind_key!(sqlx::query(update), key).bind(map_text(&merged)).bind(now);
                query.execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(Some(merged))
            }
        }

        #[async_trait]
        impl Store for $store {
            async fn migrate(&self) -> StoreResult<()> {
                self.run_migrations().await
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
                    "VALUES ($1, $2, $3, $4, $4) RETURNING ",
                    environment_columns!()
                );
                sqlx::query_as::<_, EnvironmentRow>(SQL)
                    .bind(&new.name)
                    .bind(new.secret_key.expose())
                    .bind(&new.public_key)
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
                const SQL: &str =
                    "UPDATE environments SET secret_key = $1, public_key = $2, updated_at = $3 WHERE id = $4";
                let done = sqlx::query(SQL)
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
                    concat!("SELECT ", environment_columns!(), " FROM environments WHERE secret_key = $1");
                self.environment_where(SQL, secret_key).await
            }

            async fn environment_by_public_key(&self, public_key: &str) -> StoreResult<Option<Environment>> {
                const SQL: &str =
                    concat!("SELECT ", environment_columns!(), " FROM environments WHERE public_key = $1");
                self.environment_where(SQL, public_key).await
            }

            async fn environment_by_id(&self, id: EnvironmentId) -> StoreResult<Option<Environment>> {
                const SQL: &str = concat!("SELECT ", environment_columns!(), " FROM environments WHERE id = $1");
                sqlx::query_as::<_, EnvironmentRow>(SQL)
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?
                    .map(EnvironmentRow::into_environment)
                    .transpose()
            }

            async fn update_environment_settings(
                &self,
                id: EnvironmentId,
                settings: &EnvironmentSettings,
                now: i64,
            ) -> StoreResult<Environment> {
                const SQL: &str = concat!(
                    "UPDATE environments SET callback_url = $1, hmac_enabled = $2, hmac_key = $3, ",
                    "webhook_url = $4, allowed_origins = $5, updated_at = $6 WHERE id = $7 RETURNING ",
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
                    " FROM integrations WHERE environment_id = $1 ORDER BY unique_key"
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
                    " FROM integrations WHERE environment_id = $1 AND unique_key = $2"
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
                    "client_secret, scopes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ",
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
                    "UPDATE integrations SET unique_key = $1, provider = $2, client_id = $3, ",
                    "client_secret = $4, scopes = $5, updated_at = $6 ",
                    "WHERE environment_id = $7 AND unique_key = $8 RETURNING ",
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
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM connections WHERE environment_id = $1 AND integration_key = $2")
                    .bind(env)
                    .bind(key.as_str())
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM integrations WHERE environment_id = $1 AND unique_key = $2")
                    .bind(env)
                    .bind(key.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() > 0)
            }

            async fn upsert_connection(
                &self,
                upsert: &UpsertConnection,
            ) -> StoreResult<(Connection, UpsertOutcome)> {
                // One statement; `auth_count` tells an insert (1) from a replacement (> 1).
                const SQL: &str = concat!(
                    "INSERT INTO connections (environment_id, integration_key, connection_id, provider, ",
                    "connection_config, metadata, credentials, status, auth_count, created_at, updated_at) ",
                    "VALUES ($1, $2, $3, $4, $5, '{}', $6, 'active', 1, $7, $7) ",
                    "ON CONFLICT (environment_id, integration_key, connection_id) DO UPDATE SET ",
                    "provider = excluded.provider, connection_config = excluded.connection_config, ",
                    "credentials = excluded.credentials, status = 'active', ",
                    "auth_count = connections.auth_count + 1, updated_at = excluded.updated_at ",
                    "RETURNING ",
                    connection_columns!()
                );
                let row = bind_key!(sqlx::query_as::<_, ConnectionRow>(SQL), upsert.key)
                    .bind(&upsert.provider)
                    .bind(map_text(&upsert.connection_config))
                    .bind(upsert.sealed_credentials.as_slice())
                    .bind(upsert.now)
                    .fetch_one(&self.writer)
                    .await?;
                let outcome =
                    if row.auth_count > 1 { UpsertOutcome::Overridden } else { UpsertOutcome::Created };
                Ok((row.into_connection()?, outcome))
            }

            async fn get_connection(&self, key: &ConnectionKey) -> StoreResult<Option<Connection>> {
                const SQL: &str = by_key!(concat!("SELECT ", connection_columns!(), " FROM connections"));
                bind_key!(sqlx::query_as::<_, ConnectionRow>(SQL), key)
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
                // One static statement per filter shape, so each uses its own index.
                let (sql, first, second) = match (&filter.integration_key, &filter.connection_id) {
                    (None, None) => (list!(""), None, None),
                    (Some(integration), None) => {
                        (list!("AND integration_key = $4"), Some(integration.as_str()), None)
                    }
                    (None, Some(connection)) => {
                        (list!("AND connection_id = $4"), Some(connection.as_str()), None)
                    }
                    (Some(integration), Some(connection)) => (
                        list!("AND integration_key = $4 AND connection_id = $5"),
                        Some(integration.as_str()),
                        Some(connection.as_str()),
                    ),
                };
                let limit = if filter.limit == 0 { i64::MAX } else { i64::from(filter.limit) };
                let mut query = sqlx::query_as::<_, ConnectionRow>(sql)
                    .bind(env)
                    .bind(filter.after.unwrap_or(0))
                    .bind(limit);
                for value in [first, second].into_iter().flatten() {
                    query = query.bind(value);
                }
                let rows = query.fetch_all(&self.reader).await?;
                rows.into_iter().map(ConnectionRow::into_connection).collect()
            }

            async fn delete_connection(&self, key: &ConnectionKey) -> StoreResult<bool> {
                let done = bind_key!(sqlx::query(by_key!("DELETE FROM connections")), key)
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
                let sql = by_key!("UPDATE connections SET metadata = $4, updated_at = $5");
                let done = bind_key!(sqlx::query(sql), key)
                    .bind(map_text(metadata))
                    .bind(now)
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
                let select = concat!(by_key!("SELECT metadata FROM connections"), $lock);
                let update = by_key!("UPDATE connections SET metadata = $4, updated_at = $5");
                self.merge_json(select, update, key, patch, now).await
            }

            async fn merge_connection_config(
                &self,
                key: &ConnectionKey,
                patch: &JsonMap,
                now: i64,
            ) -> StoreResult<Option<JsonMap>> {
                let select = concat!(by_key!("SELECT connection_config FROM connections"), $lock);
                let update = by_key!("UPDATE connections SET connection_config = $4, updated_at = $5");
                self.merge_json(select, update, key, patch, now).await
            }

            async fn update_credentials(&self, key: &ConnectionKey, sealed: &[u8], now: i64) -> StoreResult<bool> {
                let sql = by_key!("UPDATE connections SET credentials = $4, status = 'active', updated_at = $5");
                let done = bind_key!(sqlx::query(sql), key).bind(sealed).bind(now).execute(&self.writer).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_connection_status(
                &self,
                key: &ConnectionKey,
                status: &str,
                now: i64,
            ) -> StoreResult<bool> {
                let sql = by_key!("UPDATE connections SET status = $4, updated_at = $5");
                let done = bind_key!(sqlx::query(sql), key).bind(status).bind(now).execute(&self.writer).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn touch_last_fetched(&self, key: &ConnectionKey, now: i64) -> StoreResult<()> {
                // Reads call this on every fetch: within one second, write nothing.
                let sql = concat!(
                    by_key!("UPDATE connections SET last_fetched_at = $4"),
                    " AND (last_fetched_at IS NULL OR last_fetched_at < $4)"
                );
                bind_key!(sqlx::query(sql), key).bind(now).execute(&self.writer).await?;
                Ok(())
            }

            async fn try_lock_refresh(
                &self,
                key: &ConnectionKey,
                holder: &str,
                now: i64,
                ttl_seconds: i64,
            ) -> StoreResult<bool> {
                // One conditional statement: free, expired, or already ours (SPEC §5).
                let sql = concat!(
                    by_key!("UPDATE connections SET refresh_lock_holder = $4, refresh_lock_until = $5"),
                    " AND (refresh_lock_holder IS NULL OR refresh_lock_until <= $6 OR refresh_lock_holder = $4)"
                );
                let done = bind_key!(sqlx::query(sql), key)
                    .bind(holder)
                    .bind(now.saturating_add(ttl_seconds))
                    .bind(now)
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn unlock_refresh(&self, key: &ConnectionKey, holder: &str) -> StoreResult<()> {
                let sql = concat!(
                    by_key!("UPDATE connections SET refresh_lock_holder = NULL, refresh_lock_until = NULL"),
                    " AND refresh_lock_holder = $4"
                );
                bind_key!(sqlx::query(sql), key).bind(holder).execute(&self.writer).await?;
                Ok(())
            }

            async fn insert_flow(&self, flow: &NewFlow) -> StoreResult<()> {
                const SQL: &str = concat!(
                    "INSERT INTO oauth_flows (",
                    flow_columns!(),
                    ", outcome_status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
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
                // One statement: of two concurrent callbacks with one state, one gets the row.
                const SQL: &str = concat!(
                    "UPDATE oauth_flows SET consumed_at = $1 WHERE state = $2 AND consumed_at IS NULL ",
                    "AND expires_at > $1 AND outcome_status = 'pending' RETURNING ",
                    flow_columns!()
                );
                sqlx::query_as::<_, FlowRow>(SQL)
                    .bind(now)
                    .bind(state)
                    .fetch_optional(&self.writer)
                    .await?
                    .map(FlowRow::into_flow)
                    .transpose()
            }

            async fn finish_flow(&self, flow_id: &FlowId, outcome: &FlowOutcome, now: i64) -> StoreResult<()> {
                const SQL: &str = concat!(
                    "UPDATE oauth_flows SET outcome_status = $1, outcome_code = $2, outcome_message = $3, ",
                    "outcome_integration = $4, outcome_connection = $5, finished_at = $6 ",
                    "WHERE flow_id = $7 AND outcome_status = 'pending'"
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
                // An existing record (a real flow, or an earlier error) wins.
                const SQL: &str = concat!(
                    "INSERT INTO oauth_flows (flow_id, environment_id, created_at, expires_at, ",
                    "finished_at, outcome_status, outcome_code, outcome_message) ",
                    "VALUES ($1, $2, $3, $4, $3, $5, $6, $7) ON CONFLICT (flow_id) DO NOTHING"
                );
                sqlx::query(SQL)
                    .bind(flow_id.as_str())
                    .bind(environment_id)
                    .bind(now)
                    .bind(expires_at)
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
                    "outcome_connection, expires_at FROM oauth_flows WHERE flow_id = $1"
                );
                sqlx::query_as::<_, OutcomeRow>(SQL)
                    .bind(flow_id.as_str())
                    .fetch_optional(&self.reader)
                    .await?
                    .map(OutcomeRow::into_outcome)
                    .transpose()
            }

            async fn purge_flows(&self, older_than: i64) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM oauth_flows WHERE expires_at < $1")
                    .bind(older_than)
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

pub(crate) use {bind_key, by_key, impl_store, list_connections_sql};
