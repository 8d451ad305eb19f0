//! `FlowStore` in SQL: `flow_store!` writes the impl for a backend.

macro_rules! flow_store {
    ($store:ty) => {
        const _: () = {
            use $crate::store::flow_rows::{
                consumed_flow_columns, flow_columns, FlowRow, OutcomeColumns, FINISH_FLOW, OutcomeRow, STATUS_ERROR, STATUS_PENDING,
            };
            use $crate::store::rows::{conflict_or_database, map_text};

            #[async_trait]
            impl FlowStore for $store {
                async fn insert_flow(&self, flow: &NewFlow) -> StoreResult<()> {
                    // A taken flow id (or state) inserts nothing rather than failing: a failed
                    // statement would roll back the inline writer's whole group of writes.
                    const SQL: &str = concat!(
                        "INSERT INTO oauth_flows (",
                        flow_columns!(),
                        ", outcome_status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ",
                        "ON CONFLICT DO NOTHING"
                    );
                    let (params, authorization_params) = (map_text(&flow.params), map_text(&flow.authorization_params));
                    let (end_user, tags) = (flow.end_user.as_ref().map(map_text), flow.tags.as_ref().map(map_text));
                    let inline = self.write_inline(|| {
                        let (flow, params, authorization_params) = (flow.clone(), params.clone(), authorization_params.clone());
                        let (end_user, tags) = (end_user.clone(), tags.clone());
                        move |connection| {
                            connection.prepare_cached(SQL)?.execute(rusqlite::params![
                                flow.flow_id.as_str(),
                                flow.state_hash,
                                flow.environment_id,
                                flow.integration_key.as_str(),
                                flow.connection_id.as_str(),
                                flow.sealed_pkce_verifier,
                                params,
                                authorization_params,
                                flow.origin,
                                flow.redirect_uri,
                                end_user,
                                tags,
                                flow.webhook_url_override,
                                flow.created_at,
                                flow.expires_at,
                                flow.return_to,
                                flow.started_at_ms,
                                STATUS_PENDING,
                            ])
                        }
                    });
                    let inserted = match inline.await {
                        Some(rows) => rows,
                        None => sqlx::query(SQL)
                        .bind(flow.flow_id.as_str())
                        .bind(&flow.state_hash)
                        .bind(flow.environment_id)
                        .bind(flow.integration_key.as_str())
                        .bind(flow.connection_id.as_str())
                        .bind(flow.sealed_pkce_verifier.as_deref())
                        .bind(params)
                        .bind(authorization_params)
                        .bind(&flow.origin)
                        .bind(&flow.redirect_uri)
                        .bind(end_user)
                        .bind(tags)
                        .bind(flow.webhook_url_override.as_deref())
                        .bind(flow.created_at)
                        .bind(flow.expires_at)
                        .bind(flow.return_to.as_deref())
                        .bind(flow.started_at_ms)
                        .bind(STATUS_PENDING)
                        .execute(&self.writer)
                        .await
                        .map_err(conflict_or_database)?
                        .rows_affected() as usize,
                    };
                    if inserted == 0 {
                        return Err(StoreError::Conflict);
                    }
                    Ok(())
                }

                async fn consume_flow(&self, state_hash: &str, now: i64) -> StoreResult<Option<ConsumedFlow>> {
                    // One statement: of two concurrent callbacks with one state, one gets the row.
                    const SQL: &str = concat!(
                        "UPDATE oauth_flows SET consumed_at = $1 WHERE state = $2 AND consumed_at IS NULL ",
                        "AND expires_at > $1 AND outcome_status = 'pending' RETURNING ",
                        consumed_flow_columns!()
                    );
                    let inline = self.write_inline(|| {
                        let state_hash = state_hash.to_owned();
                        move |connection| {
                            use rusqlite::OptionalExtension as _;
                            connection.prepare_cached(SQL)?.query_row((now, state_hash), FlowRow::from_rusqlite).optional()
                        }
                    });
                    let row = match inline.await {
                        Some(row) => row,
                        None => {
                            sqlx::query_as::<_, FlowRow>(SQL)
                                .bind(now)
                                .bind(state_hash)
                                .fetch_optional(&self.writer)
                                .await?
                        }
                    };
                    row.map(FlowRow::into_flow).transpose()
                }

                async fn finish_flow(&self, flow_id: &FlowId, outcome: &FlowOutcome, now: i64) -> StoreResult<()> {
                    let inline = self.write_inline(|| {
                        let (flow_id, outcome) = (flow_id.clone(), outcome.clone());
                        move |connection| {
                            let columns = OutcomeColumns::of(&outcome);
                            connection.prepare_cached(FINISH_FLOW)?.execute(columns.finish_params(&now, &flow_id.as_str()))
                        }
                    });
                    if inline.await.is_some() {
                        return Ok(());
                    }
                    let columns = OutcomeColumns::of(outcome);
                    $crate::store::sql::bind_outcome!(sqlx::query(FINISH_FLOW), columns, now, flow_id)
                        .execute(&self.writer)
                        .await?;
                    Ok(())
                }

                async fn record_flow_error(
                    &self,
                    flow_id: &FlowId,
                    environment_id: Option<EnvironmentId>,
                    error: &FlowError,
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
                        .bind(error.code.as_str())
                        .bind(&error.message)
                        .execute(&self.writer)
                        .await?;
                    Ok(())
                }

                async fn flow_record(&self, flow_id: &FlowId) -> StoreResult<Option<FlowRecord>> {
                    const SQL: &str = concat!(
                        "SELECT outcome_status, outcome_code, outcome_message, outcome_integration, ",
                        "outcome_connection, expires_at, environment_id FROM oauth_flows WHERE flow_id = $1"
                    );
                    sqlx::query_as::<_, OutcomeRow>(SQL)
                        .bind(flow_id.as_str())
                        .fetch_optional(&self.reader)
                        .await?
                        .map(OutcomeRow::into_record)
                        .transpose()
                }

                async fn count_pending_flows(&self, environment_id: EnvironmentId, now: i64) -> StoreResult<u64> {
                    const SQL: &str = concat!(
                        "SELECT COUNT(*) FROM oauth_flows WHERE environment_id = $1 AND outcome_status = 'pending' ",
                        "AND consumed_at IS NULL AND expires_at > $2"
                    );
                    let count: i64 = match self.read_inline(SQL, (environment_id, now), |row| row.get(0)) {
                        Some(Some(count)) => count,
                        _ => sqlx::query_scalar(SQL).bind(environment_id).bind(now).fetch_one(&self.reader).await?,
                    };
                    Ok(u64::try_from(count).unwrap_or(0))
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
    };
}

pub(crate) use flow_store;
