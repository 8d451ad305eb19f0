//! `ConnectionStore` in SQL: `connection_store!` writes the impl for a backend; `$lock` is
//! the row-lock suffix of a read-modify-write merge, `$tag_open ? $tag_close` the dialect's
//! expression for one tag's value (the tags column holds a JSON object as text).

macro_rules! connection_store {
    ($store:ty, lock = $lock:literal, tag = ($tag_open:literal, $tag_close:literal)) => {
        const _: () = {
            use $crate::store::filter_columns::{end_user_columns, like_pattern};
            use $crate::store::flow_rows::{OutcomeColumns, FINISH_FLOW};
            use $crate::store::rows::{connection_columns, map_text, parse_map, shallow_merge, ConnectionRow};
            use $crate::store::sql::{bind_key, by_key};

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
                    let mut writer = self.write_turn().await?;
                    let mut tx = Self::begin_write(&mut writer).await?;
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
                async fn upsert_connection_reporting(
                    &self,
                    upsert: &UpsertConnection,
                    event: UpsertEvent,
                ) -> StoreResult<(Connection, UpsertOutcome)> {
                    // One statement; `auth_count` tells an insert (1) from a replacement (> 1).
                    // The end-user columns follow `end_user` whenever it is given. A new
                    // authorisation makes the connection healthy again (SPEC §11).
                    const SQL: &str = concat!(
                        "INSERT INTO connections (environment_id, integration_key, connection_id, provider, ",
                        "connection_config, metadata, credentials, status, auth_count, end_user, tags, ",
                        "end_user_id, end_user_organization_id, end_user_search, webhook_url_override, ",
                        "credentials_expires_at, status_changed_at, created_at, updated_at) ",
                        "VALUES ($1, $2, $3, $4, $5, COALESCE($10, '{}'), $6, 'active', 1, $8, COALESCE($9, '{}'), ",
                        "$11, $12, $13, $14, $15, $7, $7, $7) ",
                        "ON CONFLICT (environment_id, integration_key, connection_id) DO UPDATE SET ",
                        "provider = excluded.provider, connection_config = excluded.connection_config, ",
                        "credentials = excluded.credentials, status = 'active', ",
                        "status_changed_at = CASE WHEN connections.status = 'active' THEN connections.status_changed_at ",
                        "ELSE excluded.updated_at END, ",
                        "status_reason = NULL, last_refresh_error = NULL, refresh_failing_since = NULL, ",
                        "refresh_failures = 0, next_refresh_at = NULL, ",
                        "credentials_expires_at = excluded.credentials_expires_at, ",
                        "metadata = COALESCE($10, connections.metadata), ",
                        "end_user = COALESCE(excluded.end_user, connections.end_user), ",
                        "tags = COALESCE($9, connections.tags), ",
                        "end_user_id = CASE WHEN excluded.end_user IS NULL THEN connections.end_user_id ELSE excluded.end_user_id END, ",
                        "end_user_organization_id = CASE WHEN excluded.end_user IS NULL ",
                        "THEN connections.end_user_organization_id ELSE excluded.end_user_organization_id END, ",
                        "end_user_search = CASE WHEN excluded.end_user IS NULL THEN connections.end_user_search ",
                        "ELSE excluded.end_user_search END, ",
                        "webhook_url_override = COALESCE(excluded.webhook_url_override, connections.webhook_url_override), ",
                        "auth_count = connections.auth_count + 1, updated_at = excluded.updated_at ",
                        "RETURNING ",
                        connection_columns!()
                    );
                    const PREVIOUS: &str = by_key!("SELECT id, status FROM connections");
                    let (end_user_id, organization_id, search) = end_user_columns(upsert.end_user.as_ref());
                    let config = map_text(&upsert.connection_config);
                    let (end_user, tags) = (upsert.end_user.as_ref().map(map_text), upsert.tags.as_ref().map(map_text));
                    let metadata = upsert.metadata.as_ref().map(map_text);
                    // On SQLite, first the whole transaction by the inline writer (`sqlite_writer.rs`),
                    // with copies of what it needs (it may run in another caller's turn).
                    let inline = self.write_inline(|| {
                        let (upsert, event) = (upsert.clone(), event.clone());
                        let (config, end_user, tags, metadata) = (config.clone(), end_user.clone(), tags.clone(), metadata.clone());
                        let (end_user_id, organization_id, search) = (end_user_id.clone(), organization_id.clone(), search.clone());
                        move |connection| {
                            use rusqlite::OptionalExtension as _;
                            let key = &upsert.key;
                            let by_key = (key.environment_id, key.integration_key.as_str(), key.connection_id.as_str());
                            let previous: Option<(i64, String)> = connection
                                .prepare_cached(PREVIOUS)?
                                .query_row(by_key, |row| Ok((row.get(0)?, row.get(1)?)))
                                .optional()?;
                            // By number: `$10` comes before `$6` in the statement.
                            let params: &[(&str, &dyn rusqlite::ToSql)] = &[
                                ("$1", &key.environment_id),
                                ("$2", &by_key.1),
                                ("$3", &by_key.2),
                                ("$4", &upsert.provider),
                                ("$5", &config),
                                ("$6", &upsert.sealed_credentials),
                                ("$7", &upsert.now),
                                ("$8", &end_user),
                                ("$9", &tags),
                                ("$10", &metadata),
                                ("$11", &end_user_id),
                                ("$12", &organization_id),
                                ("$13", &search),
                                ("$14", &upsert.webhook_url_override),
                                ("$15", &upsert.credentials_expires_at),
                            ];
                            let row = connection.prepare_cached(SQL)?.query_row(params, ConnectionRow::from_rusqlite)?;
                            if let Some((id, status)) = previous.filter(|(_, status)| status != "active") {
                                let reason = Some("authorised again");
                                $crate::store::sqlite_inline_events::status_event(connection, id, upsert.now, &status, "active", reason)?;
                            }
                            let outcome = if row.auth_count > 1 { UpsertOutcome::Overridden } else { UpsertOutcome::Created };
                            // A row it cannot read rolls the write back; the sqlx path says why.
                            let stored = row.into_connection().map_err(|error| {
                                rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, error.into())
                            })?;
                            if let Some(webhook) = event(&stored, outcome) {
                                $crate::store::sqlite_inline_events::webhook_event(connection, &webhook)?;
                            }
                            if let Some(flow_id) = &upsert.finishes_flow {
                                let columns = OutcomeColumns::success(key);
                                connection.prepare_cached(FINISH_FLOW)?.execute(columns.finish_params(&upsert.now, &flow_id.as_str()))?;
                            }
                            Ok((stored, outcome))
                        }
                    });
                    if let Some(done) = inline.await {
                        return Ok(done);
                    }
                    let mut writer = self.write_turn().await?;
                    let mut tx = Self::begin_write(&mut writer).await?;
                    let previous: Option<(i64, String)> =
                        bind_key!(sqlx::query_as(PREVIOUS), upsert.key).fetch_optional(&mut *tx).await?;
                    let row = bind_key!(sqlx::query_as::<_, ConnectionRow>(SQL), upsert.key)
                        .bind(&upsert.provider)
                        .bind(config)
                        .bind(upsert.sealed_credentials.as_slice())
                        .bind(upsert.now)
                        .bind(end_user)
                        .bind(tags)
                        .bind(metadata)
                        .bind(end_user_id)
                        .bind(organization_id)
                        .bind(search)
                        .bind(upsert.webhook_url_override.as_deref())
                        .bind(upsert.credentials_expires_at)
                        .fetch_one(&mut *tx)
                        .await?;
                    if let Some((id, status)) = previous.filter(|(_, status)| status != "active") {
                        let reason = Some("authorised again");
                        $crate::store::sql::insert_status_event!(tx, id, upsert.now, &status, "active", reason);
                    }
                    let outcome =
                        if row.auth_count > 1 { UpsertOutcome::Overridden } else { UpsertOutcome::Created };
                    let connection = row.into_connection()?;
                    if let Some(webhook) = event(&connection, outcome) {
                        Self::write_webhook_event(&mut *tx, &webhook).await?;
                    }
                    if let Some(flow_id) = &upsert.finishes_flow {
                        let columns = OutcomeColumns::success(&upsert.key);
                        $crate::store::sql::bind_outcome!(sqlx::query(FINISH_FLOW), columns, upsert.now, flow_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok((connection, outcome))
                }

                async fn get_connection(&self, key: &ConnectionKey) -> StoreResult<Option<Connection>> {
                    const SQL: &str = by_key!(concat!("SELECT ", connection_columns!(), " FROM connections"));
                    let params = (key.environment_id, key.integration_key.as_str(), key.connection_id.as_str());
                    let row = match self.read_inline(SQL, params, ConnectionRow::from_rusqlite) {
                        Some(row) => row,
                        None => bind_key!(sqlx::query_as::<_, ConnectionRow>(SQL), key)
                            .fetch_optional(&self.reader)
                            .await?,
                    };
                    row.map(ConnectionRow::into_connection).transpose()
                }

                async fn list_connections(
                    &self,
                    env: EnvironmentId,
                    filter: &ConnectionFilter,
                ) -> StoreResult<Vec<Connection>> {
                    // Newest first. Every filter column is in an index with `environment_id`.
                    let mut query = sqlx::QueryBuilder::new(concat!(
                        "SELECT ",
                        connection_columns!(),
                        " FROM connections WHERE environment_id = "
                    ));
                    query.push_bind(env);
                    if !filter.integration_keys.is_empty() {
                        query.push(" AND integration_key IN (");
                        let mut keys = query.separated(", ");
                        for key in &filter.integration_keys {
                            keys.push_bind(key.as_str());
                        }
                        query.push(")");
                    }
                    if let Some(connection_id) = &filter.connection_id {
                        query.push(" AND connection_id = ").push_bind(connection_id.as_str());
                    }
                    if let Some(end_user_id) = &filter.end_user_id {
                        query.push(" AND end_user_id = ").push_bind(end_user_id);
                    }
                    if let Some(organization_id) = &filter.end_user_organization_id {
                        query.push(" AND end_user_organization_id = ").push_bind(organization_id);
                    }
                    if let Some(search) = &filter.search {
                        let pattern = like_pattern(search);
                        query.push(" AND (lower(connection_id) LIKE ").push_bind(pattern.clone());
                        query.push(" ESCAPE '\\' OR end_user_search LIKE ").push_bind(pattern);
                        query.push(" ESCAPE '\\')");
                    }
                    for (key, value) in &filter.tags {
                        query.push(concat!(" AND ", $tag_open)).push_bind(key.as_str());
                        query.push(concat!($tag_close, " = ")).push_bind(value.as_str());
                    }
                    if let Some(status) = filter.status {
                        query.push(" AND status = ").push_bind(status.as_str());
                    }
                    if let ListPage::Before(id) = filter.page {
                        query.push(" AND id < ").push_bind(id);
                    }
                    let limit = if filter.limit == 0 { i64::MAX } else { i64::from(filter.limit) };
                    query.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
                    if let ListPage::Offset(offset) = filter.page {
                        query.push(" OFFSET ").push_bind(i64::try_from(offset).unwrap_or(i64::MAX));
                    }
                    let rows = query.build_query_as::<ConnectionRow>().fetch_all(&self.reader).await?;
                    rows.into_iter().map(ConnectionRow::into_connection).collect()
                }

                async fn patch_connection(
                    &self,
                    key: &ConnectionKey,
                    patch: &ConnectionPatch,
                    now: i64,
                ) -> StoreResult<Option<Connection>> {
                    const SQL: &str = concat!(
                        by_key!(concat!(
                            "UPDATE connections SET end_user = COALESCE($4, end_user), tags = COALESCE($5, tags), ",
                            "end_user_id = CASE WHEN $4 IS NULL THEN end_user_id ELSE $6 END, ",
                            "end_user_organization_id = CASE WHEN $4 IS NULL THEN end_user_organization_id ELSE $7 END, ",
                            "end_user_search = CASE WHEN $4 IS NULL THEN end_user_search ELSE $8 END, ",
                            "webhook_url_override = CASE WHEN $9 THEN $10 ELSE webhook_url_override END, ",
                            "updated_at = $11"
                        )),
                        " RETURNING ",
                        connection_columns!()
                    );
                    let (end_user_id, organization_id, search) = end_user_columns(patch.end_user.as_ref());
                    bind_key!(sqlx::query_as::<_, ConnectionRow>(SQL), key)
                        .bind(patch.end_user.as_ref().map(map_text))
                        .bind(patch.tags.as_ref().map(map_text))
                        .bind(end_user_id)
                        .bind(organization_id)
                        .bind(search)
                        .bind(patch.webhook_url_override.is_some())
                        .bind(patch.webhook_url_override.clone().flatten())
                        .bind(now)
                        .fetch_optional(&self.writer)
                        .await?
                        .map(ConnectionRow::into_connection)
                        .transpose()
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

                async fn touch_last_fetched(&self, touches: &[(i64, i64)]) -> StoreResult<()> {
                    // Both dialects: a CTE of typed pairs joined by `UPDATE .. FROM`.
                    const ROWS_PER_STATEMENT: usize = 500;
                    for chunk in touches.chunks(ROWS_PER_STATEMENT) {
                        let mut query = sqlx::QueryBuilder::new($crate::store::rows::TOUCHED_PAIRS);
                        let mut rows = query.separated(", ");
                        for (id, at) in chunk {
                            rows.push("(CAST(");
                            rows.push_bind_unseparated(*id);
                            rows.push_unseparated(" AS BIGINT), CAST(");
                            rows.push_bind_unseparated(*at);
                            rows.push_unseparated(" AS BIGINT))");
                        }
                        query.push($crate::store::rows::TOUCH_LAST_FETCHED);
                        query.build().execute(&self.writer).await?;
                    }
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
