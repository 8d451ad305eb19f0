//! `WebhookStore` in SQL (SPEC §12): `webhook_store!` writes the impl for a backend. `$db` is
//! the dialect's sqlx database, `$claim_lock` the row-lock suffix of the claim (`FOR UPDATE OF e
//! SKIP LOCKED` on Postgres, where replicas claim at once; empty on SQLite, whose single writer
//! runs one claim at a time).
//!
//! Besides the trait, each store gets `write_webhook_event(executor, event)`: the same insert
//! on any executor, so a statement that changes a connection can write its event in the same
//! transaction (`Self::write_webhook_event(&mut *tx, &event)`).

/// An outbox row, `pending`: `$1` id, `$2` environment, `$3` integration, `$4` connection, `$5`
/// url, `$6` body, `$7` first attempt, `$8` retry until, `$9` lease holder, `$10` lease until,
/// `$11` created.
pub(crate) const INSERT_WEBHOOK_EVENT: &str = concat!(
    "INSERT INTO webhook_events (id, environment_id, integration_key, connection_id, url, body, ",
    "status, next_attempt_at, retry_until, lease_holder, lease_until, created_at) ",
    "VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11)"
);

macro_rules! webhook_store {
    ($store:ty, db = $db:ty, claim_lock = $claim_lock:literal) => {
        const _: () = {
            use $crate::store::webhook_rows::{
                attach_attempts, webhook_event_columns, WebhookAttemptRow, WebhookEventRow,
            };

            impl $store {
                /// Insert `event` through `executor`: a pool, or `&mut *tx` of a transaction the
                /// caller commits together with the change the event reports.
                pub(crate) async fn write_webhook_event<'e>(
                    executor: impl sqlx::Executor<'e, Database = $db>,
                    event: &NewWebhookEvent,
                ) -> StoreResult<()> {
                    const SQL: &str = $crate::store::sql::webhooks::INSERT_WEBHOOK_EVENT;
                    let (integration_key, connection_id) = match &event.connection {
                        Some((integration, connection)) => (Some(integration.as_str()), Some(connection.as_str())),
                        None => (None, None),
                    };
                    sqlx::query(SQL)
                        .bind(event.id.to_string())
                        .bind(event.environment_id)
                        .bind(integration_key)
                        .bind(connection_id)
                        .bind(&event.url)
                        .bind(&event.body)
                        .bind(event.next_attempt_at)
                        .bind(event.retry_until)
                        .bind(event.lease.as_ref().map(|(holder, _)| holder.as_str()))
                        .bind(event.lease.as_ref().map(|(_, until)| *until))
                        .bind(event.created_at)
                        .execute(executor)
                        .await
                        .map_err($crate::store::rows::conflict_or_database)?;
                    Ok(())
                }

                /// The attempts of `events`, handed to each.
                async fn with_attempts(&self, mut events: Vec<WebhookEvent>) -> StoreResult<Vec<WebhookEvent>> {
                    if events.is_empty() {
                        return Ok(events);
                    }
                    let mut query = sqlx::QueryBuilder::new(
                        "SELECT event_seq, attempted_at, status_code, latency_ms, error FROM webhook_attempts \
                         WHERE event_seq IN (",
                    );
                    let mut seqs = query.separated(", ");
                    for event in &events {
                        seqs.push_bind(event.seq);
                    }
                    query.push(") ORDER BY event_seq, id");
                    let rows: Vec<WebhookAttemptRow> = query.build_query_as().fetch_all(&self.reader).await?;
                    attach_attempts(&mut events, rows)?;
                    Ok(events)
                }
            }

            #[cfg(test)]
            #[async_trait]
            impl $crate::store::conformance::webhooks::InTransaction for $store {
                async fn write_webhook_event_in_transaction(
                    &self,
                    event: &NewWebhookEvent,
                    commit: bool,
                ) -> StoreResult<()> {
                    let mut writer = self.write_turn().await?;
                    let mut tx = Self::begin_write(&mut writer).await?;
                    Self::write_webhook_event(&mut *tx, event).await?;
                    if commit {
                        tx.commit().await?;
                    } else {
                        tx.rollback().await?;
                    }
                    Ok(())
                }
            }

            #[async_trait]
            impl WebhookStore for $store {
                async fn insert_webhook_event(&self, event: &NewWebhookEvent) -> StoreResult<()> {
                    Self::write_webhook_event(&self.writer, event).await
                }

                async fn claim_webhook_events(
                    &self,
                    holder: &str,
                    now: i64,
                    lease_until: i64,
                    limit: u32,
                ) -> StoreResult<Vec<WebhookEvent>> {
                    // Due, pending, not leased, and the oldest pending event of its connection.
                    const SQL: &str = concat!(
                        "UPDATE webhook_events SET lease_holder = $1, lease_until = $2 WHERE seq IN (",
                        "SELECT e.seq FROM webhook_events AS e WHERE e.status = 'pending' AND e.next_attempt_at <= $3 ",
                        "AND (e.lease_until IS NULL OR e.lease_until <= $3) AND NOT EXISTS (",
                        "SELECT 1 FROM webhook_events AS older WHERE older.status = 'pending' AND older.seq < e.seq ",
                        "AND older.environment_id = e.environment_id AND older.integration_key = e.integration_key ",
                        "AND older.connection_id = e.connection_id) ",
                        "ORDER BY e.next_attempt_at, e.seq LIMIT $4",
                        $claim_lock,
                        ") RETURNING ",
                        webhook_event_columns!()
                    );
                    let rows: Vec<WebhookEventRow> = sqlx::query_as(SQL)
                        .bind(holder)
                        .bind(lease_until)
                        .bind(now)
                        .bind(i64::from(limit))
                        .fetch_all(&self.writer)
                        .await?;
                    let mut events: Vec<WebhookEvent> =
                        rows.into_iter().map(WebhookEventRow::into_event).collect::<StoreResult<_>>()?;
                    events.sort_by_key(|event| event.seq);
                    Ok(events)
                }

                async fn record_webhook_attempt(
                    &self,
                    event_id: &uuid::Uuid,
                    holder: &str,
                    attempt: &WebhookAttempt,
                    next: WebhookNext,
                ) -> StoreResult<bool> {
                    const UPDATE: &str = concat!(
                        "UPDATE webhook_events SET attempts = attempts + 1, status = $3, ",
                        "next_attempt_at = COALESCE($4, next_attempt_at), finished_at = $5, last_error = $6, ",
                        "lease_holder = NULL, lease_until = NULL WHERE id = $1 AND lease_holder = $2 RETURNING seq"
                    );
                    const INSERT: &str = concat!(
                        "INSERT INTO webhook_attempts (event_seq, attempted_at, status_code, latency_ms, error) ",
                        "VALUES ($1, $2, $3, $4, $5)"
                    );
                    let (status, next_attempt_at, finished_at) = match next {
                        WebhookNext::Delivered => (WebhookStatus::Delivered, None, Some(attempt.attempted_at)),
                        WebhookNext::Failed => (WebhookStatus::Failed, None, Some(attempt.attempted_at)),
                        WebhookNext::RetryAt(at) => (WebhookStatus::Pending, Some(at), None),
                    };
                    let last_error = match (&attempt.error, attempt.status_code) {
                        (Some(error), _) => Some(error.clone()),
                        (None, Some(code)) if !(200..300).contains(&code) => Some(format!("HTTP {code}")),
                        _ => None,
                    };
                    let mut writer = self.write_turn().await?;
                    let mut tx = Self::begin_write(&mut writer).await?;
                    let updated: Option<(i64,)> = sqlx::query_as(UPDATE)
                        .bind(event_id.to_string())
                        .bind(holder)
                        .bind(status.as_str())
                        .bind(next_attempt_at)
                        .bind(finished_at)
                        .bind(last_error)
                        .fetch_optional(&mut *tx)
                        .await?;
                    // Another worker holds the lease now: it decides; this attempt is not kept.
                    let Some((seq,)) = updated else {
                        return Ok(false);
                    };
                    sqlx::query(INSERT)
                        .bind(seq)
                        .bind(attempt.attempted_at)
                        .bind(attempt.status_code.map(i64::from))
                        .bind(attempt.latency_ms)
                        .bind(attempt.error.as_deref())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn webhook_event(
                    &self,
                    env: EnvironmentId,
                    id: &uuid::Uuid,
                ) -> StoreResult<Option<WebhookEvent>> {
                    const SQL: &str = concat!(
                        "SELECT ",
                        webhook_event_columns!(),
                        " FROM webhook_events WHERE environment_id = $1 AND id = $2"
                    );
                    let row: Option<WebhookEventRow> =
                        sqlx::query_as(SQL).bind(env).bind(id.to_string()).fetch_optional(&self.reader).await?;
                    let Some(event) = row.map(WebhookEventRow::into_event).transpose()? else {
                        return Ok(None);
                    };
                    Ok(self.with_attempts(vec![event]).await?.pop())
                }

                async fn list_webhook_events(
                    &self,
                    env: EnvironmentId,
                    filter: &WebhookEventFilter,
                ) -> StoreResult<Vec<WebhookEvent>> {
                    let mut query = sqlx::QueryBuilder::new(concat!(
                        "SELECT ",
                        webhook_event_columns!(),
                        " FROM webhook_events WHERE environment_id = "
                    ));
                    query.push_bind(env);
                    if let Some(status) = filter.status {
                        query.push(" AND status = ").push_bind(status.as_str());
                    }
                    if let Some(integration_key) = &filter.integration_key {
                        query.push(" AND integration_key = ").push_bind(integration_key.as_str());
                    }
                    if let Some(connection_id) = &filter.connection_id {
                        query.push(" AND connection_id = ").push_bind(connection_id.as_str());
                    }
                    if let Some(before) = filter.before_seq {
                        query.push(" AND seq < ").push_bind(before);
                    }
                    query.push(" ORDER BY seq DESC LIMIT ").push_bind(i64::from(filter.limit.max(1)));
                    let rows: Vec<WebhookEventRow> = query.build_query_as().fetch_all(&self.reader).await?;
                    let events = rows.into_iter().map(WebhookEventRow::into_event).collect::<StoreResult<_>>()?;
                    self.with_attempts(events).await
                }

                async fn replay_webhook_event(
                    &self,
                    env: EnvironmentId,
                    id: &uuid::Uuid,
                    now: i64,
                    retry_until: i64,
                ) -> StoreResult<Option<WebhookEvent>> {
                    // The lease stays: an attempt under way finishes under its holder.
                    const SQL: &str = concat!(
                        "UPDATE webhook_events SET status = 'pending', attempts_before_replay = attempts, ",
                        "next_attempt_at = $3, retry_until = $4, finished_at = NULL, last_error = NULL ",
                        "WHERE environment_id = $1 AND id = $2 RETURNING ",
                        webhook_event_columns!()
                    );
                    let row: Option<WebhookEventRow> = sqlx::query_as(SQL)
                        .bind(env)
                        .bind(id.to_string())
                        .bind(now)
                        .bind(retry_until)
                        .fetch_optional(&self.writer)
                        .await?;
                    let Some(event) = row.map(WebhookEventRow::into_event).transpose()? else {
                        return Ok(None);
                    };
                    Ok(self.with_attempts(vec![event]).await?.pop())
                }

                async fn purge_webhook_events(&self, finished_before: i64) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM webhook_events WHERE finished_at < $1")
                        .bind(finished_before)
                        .execute(&self.writer)
                        .await?;
                    Ok(done.rows_affected())
                }
            }
        };
    };
}

pub(crate) use webhook_store;
