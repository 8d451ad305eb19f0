//! `ConnectionHealthStore` in SQL: `health_store!` writes the impl for a backend, and
//! `insert_status_event!` records one transition inside a caller's transaction (the upsert
//! of a re-authorised connection uses it too). Each connection keeps its last
//! `KEPT_STATUS_EVENTS` transitions.

/// How many transitions a connection keeps.
pub(crate) const KEPT_STATUS_EVENTS: i64 = 50;

/// A transition of a connection: `$1` its row id, `$2` when, `$3` from, `$4` to, `$5` why.
pub(crate) const INSERT_STATUS_EVENT: &str =
    "INSERT INTO connection_events (connection_ref, at, from_status, to_status, reason) VALUES ($1, $2, $3, $4, $5)";
/// Drop the transitions of row `$1` beyond the newest `$2`.
pub(crate) const PRUNE_STATUS_EVENTS: &str =
    "DELETE FROM connection_events WHERE connection_ref = $1 AND id NOT IN \
     (SELECT id FROM connection_events WHERE connection_ref = $1 ORDER BY id DESC LIMIT $2)";

/// Insert a transition of connection row `$id` in transaction `$tx` and drop its oldest
/// beyond `KEPT_STATUS_EVENTS`.
macro_rules! insert_status_event {
    ($tx:expr, $id:expr, $at:expr, $from:expr, $to:expr, $reason:expr) => {{
        use $crate::store::sql::health::{INSERT_STATUS_EVENT, PRUNE_STATUS_EVENTS};
        sqlx::query(INSERT_STATUS_EVENT)
            .bind($id)
            .bind($at)
            .bind($from)
            .bind($to)
            .bind($reason)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(PRUNE_STATUS_EVENTS)
            .bind($id)
            .bind($crate::store::sql::health::KEPT_STATUS_EVENTS)
            .execute(&mut *$tx)
            .await?;
    }};
}

macro_rules! health_store {
    ($store:ty) => {
        const _: () = {
            use $crate::store::rows::{connection_columns, ConnectionRow};
            use $crate::store::sql::{bind_key, by_key, insert_status_event};

            #[async_trait]
            impl ConnectionHealthStore for $store {
                async fn record_refresh(
                    &self,
                    key: &ConnectionKey,
                    record: &RefreshRecord,
                    now: i64,
                    event: TransitionEvent<'_>,
                ) -> StoreResult<Option<(Connection, Option<ConnectionStatus>)>> {
                    const PREVIOUS: &str = by_key!("SELECT id, status FROM connections");
                    const SQL: &str = concat!(
                        by_key!(concat!(
                            "UPDATE connections SET credentials = COALESCE($4, credentials), ",
                            "credentials_expires_at = CASE WHEN $4 IS NULL THEN credentials_expires_at ELSE $5 END, ",
                            "status_changed_at = CASE WHEN status = $6 THEN status_changed_at ELSE $13 END, ",
                            "status = $6, status_reason = $7, last_refresh_at = $8, last_refresh_error = $9, ",
                            "refresh_failing_since = $10, refresh_failures = $11, next_refresh_at = $12, updated_at = $13"
                        )),
                        " RETURNING ",
                        connection_columns!()
                    );
                    let mut writer = self.write_turn().await?;
                    let mut tx = Self::begin_write(&mut writer).await?;
                    let previous: Option<(i64, String)> =
                        bind_key!(sqlx::query_as(PREVIOUS), key).fetch_optional(&mut *tx).await?;
                    let Some((id, previous_status)) = previous else {
                        return Ok(None);
                    };
                    let (sealed, expires_at) = match &record.credentials {
                        Some((sealed, expires_at)) => (Some(sealed.as_slice()), *expires_at),
                        None => (None, None),
                    };
                    let health = &record.health;
                    let row = bind_key!(sqlx::query_as::<_, ConnectionRow>(SQL), key)
                        .bind(sealed)
                        .bind(expires_at)
                        .bind(record.status.as_str())
                        .bind(health.status_reason.as_deref())
                        .bind(health.last_refresh_at)
                        .bind(health.last_refresh_error.as_deref())
                        .bind(health.refresh_failing_since)
                        .bind(health.refresh_failures)
                        .bind(health.next_refresh_at)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                    let changed_from = (previous_status != record.status.as_str())
                        .then(|| ConnectionStatus::parse(&previous_status))
                        .flatten();
                    let connection = row.into_connection()?;
                    if let Some(from) = changed_from {
                        let reason = health.status_reason.as_deref();
                        insert_status_event!(tx, id, now, &previous_status, record.status.as_str(), reason);
                        if let Some(webhook) = event(&connection, from) {
                            Self::write_webhook_event(&mut *tx, &webhook).await?;
                        }
                    }
                    tx.commit().await?;
                    Ok(Some((connection, changed_from)))
                }

                async fn status_events(&self, key: &ConnectionKey, limit: u32) -> StoreResult<Vec<StatusEvent>> {
                    const SQL: &str = concat!(
                        "SELECT at, from_status, to_status, reason FROM connection_events WHERE connection_ref = ",
                        "(SELECT id FROM connections WHERE environment_id = $1 AND integration_key = $2 AND connection_id = $3) ",
                        "ORDER BY id DESC LIMIT $4"
                    );
                    let rows: Vec<(i64, String, String, Option<String>)> = bind_key!(sqlx::query_as(SQL), key)
                        .bind(i64::from(limit))
                        .fetch_all(&self.reader)
                        .await?;
                    let status = |text: &str| {
                        ConnectionStatus::parse(text)
                            .ok_or_else(|| StoreError::Corrupt(format!("connection_events status `{text}`")))
                    };
                    let mut events = rows
                        .into_iter()
                        .map(|(at, from, to, reason)| Ok(StatusEvent { at, from: status(&from)?, to: status(&to)?, reason }))
                        .collect::<StoreResult<Vec<_>>>()?;
                    events.reverse();
                    Ok(events)
                }

                async fn connections_due_for_refresh(
                    &self,
                    expiring_before: i64,
                    now: i64,
                    limit: u32,
                ) -> StoreResult<Vec<Connection>> {
                    const SQL: &str = concat!(
                        "SELECT ",
                        connection_columns!(),
                        " FROM connections WHERE credentials_expires_at IS NOT NULL AND credentials_expires_at < $1 ",
                        "AND status <> 'needs_reauth' AND (next_refresh_at IS NULL OR next_refresh_at <= $2) ",
                        "AND (refresh_lock_until IS NULL OR refresh_lock_until <= $2) ",
                        "ORDER BY credentials_expires_at LIMIT $3"
                    );
                    let rows = sqlx::query_as::<_, ConnectionRow>(SQL)
                        .bind(expiring_before)
                        .bind(now)
                        .bind(i64::from(limit))
                        .fetch_all(&self.reader)
                        .await?;
                    rows.into_iter().map(ConnectionRow::into_connection).collect()
                }
            }
        };
    };
}

pub(crate) use {health_store, insert_status_event};
