//! The rows a connection's upsert writes beside it, in the rusqlite form the inline SQLite
//! writer runs (`sqlite_writer.rs`): the same statements as the sqlx forms (`sql/health.rs`,
//! `sql/webhooks.rs`), bound in the same order.

use super::sql::health::{INSERT_STATUS_EVENT, KEPT_STATUS_EVENTS, PRUNE_STATUS_EVENTS};
use super::sql::webhooks::INSERT_WEBHOOK_EVENT;
use super::NewWebhookEvent;

/// A transition of connection row `id`, and the oldest beyond `KEPT_STATUS_EVENTS` dropped.
pub(crate) fn status_event(
    connection: &rusqlite::Connection,
    id: i64,
    at: i64,
    from: &str,
    to: &str,
    reason: Option<&str>,
) -> rusqlite::Result<()> {
    connection.prepare_cached(INSERT_STATUS_EVENT)?.execute((id, at, from, to, reason))?;
    connection.prepare_cached(PRUNE_STATUS_EVENTS)?.execute((id, KEPT_STATUS_EVENTS))?;
    Ok(())
}

/// The outbox row of `event`.
pub(crate) fn webhook_event(
    connection: &rusqlite::Connection,
    event: &NewWebhookEvent,
) -> rusqlite::Result<()> {
    let (integration_key, connection_id) = match &event.connection {
        Some((integration, connection)) => (Some(integration.as_str()), Some(connection.as_str())),
        None => (None, None),
    };
    connection.prepare_cached(INSERT_WEBHOOK_EVENT)?.execute(rusqlite::params![
        event.id.to_string(),
        event.environment_id,
        integration_key,
        connection_id,
        event.url,
        event.body,
        event.next_attempt_at,
        event.retry_until,
        event.lease.as_ref().map(|(holder, _)| holder.as_str()),
        event.lease.as_ref().map(|(_, until)| *until),
        event.created_at,
    ])?;
    Ok(())
}
