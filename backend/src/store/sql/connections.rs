//! `ConnectionStore` in SQL: `connection_store!` writes the impl for a backend; `$lock` is
//! the row-lock suffix of a read-modify-write merge.

macro_rules! connection_store {
    ($store:ty, lock = $lock:literal) => {
        const _: () = {
            use $crate::store::rows::{connection_columns, map_text, parse_map, shallow_merge, ConnectionRow};
            use $crate::store::sql::{bind_key, by_key, list_connections_sql as list};

            impl $store {
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
            impl ConnectionStore for $store {
                async fn upsert_connection(
                    &self,
                    upsert: &UpsertConnection,
                ) -> StoreResult<(Connection, UpsertOutcome)> {
                    // One statement; `auth_count` tells an insert (1) from a replacement (> 1).
                    const SQL: &str = concat!(
                        "INSERT INTO connections (environment_id, integration_key, connection_id, provider, ",
                        "connection_config, metadata, credentials, status, auth_count, end_user, tags, created_at, updated_at) ",
                        "VALUES ($1, $2, $3, $4, $5, '{}', $6, 'active', 1, $8, COALESCE($9, '{}'), $7, $7) ",
                        "ON CONFLICT (environment_id, integration_key, connection_id) DO UPDATE SET ",
                        "provider = excluded.provider, connection_config = excluded.connection_config, ",
                        "credentials = excluded.credentials, status = 'active', ",
                        "end_user = COALESCE($8, connections.end_user), tags = COALESCE($9, connections.tags), ",
                        "auth_count = connections.auth_count + 1, updated_at = excluded.updated_at ",
                        "RETURNING ",
                        connection_columns!()
                    );
                    let row = bind_key!(sqlx::query_as::<_, ConnectionRow>(SQL), upsert.key)
                        .bind(&upsert.provider)
                        .bind(map_text(&upsert.connection_config))
                        .bind(upsert.sealed_credentials.as_slice())
                        .bind(upsert.now)
                        .bind(upsert.end_user.as_ref().map(map_text))
                        .bind(upsert.tags.as_ref().map(map_text))
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
                    status: ConnectionStatus,
                    now: i64,
                ) -> StoreResult<bool> {
                    let sql = by_key!("UPDATE connections SET status = $4, updated_at = $5");
                    let done = bind_key!(sqlx::query(sql), key).bind(status.as_str()).bind(now).execute(&self.writer).await?;
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
            }
        };
    };
}

pub(crate) use connection_store;
