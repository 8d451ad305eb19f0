//! The outbox's rows as both dialects return them, and their checked conversion into records
//! (`webhook_records.rs`).

use super::{StoreError, StoreResult, WebhookAttempt, WebhookEvent, WebhookStatus};
use crate::ids::{ConnectionId, IntegrationKey};

macro_rules! webhook_event_columns {
    () => {
        "seq, id, environment_id, integration_key, connection_id, url, body, status, attempts, \
         attempts_before_replay, next_attempt_at, retry_until, last_error, created_at, finished_at"
    };
}
pub(crate) use webhook_event_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct WebhookEventRow {
    seq: i64,
    id: String,
    environment_id: i64,
    integration_key: Option<String>,
    connection_id: Option<String>,
    url: String,
    body: String,
    status: String,
    attempts: i64,
    attempts_before_replay: i64,
    next_attempt_at: i64,
    retry_until: i64,
    last_error: Option<String>,
    created_at: i64,
    finished_at: Option<i64>,
}

impl WebhookEventRow {
    pub(crate) fn into_event(self) -> StoreResult<WebhookEvent> {
        let connection = match (self.integration_key, self.connection_id) {
            (Some(integration), Some(connection)) => Some((
                IntegrationKey::parse(integration).map_err(|_| corrupt("integration_key"))?,
                ConnectionId::parse(connection).map_err(|_| corrupt("connection_id"))?,
            )),
            (None, None) => None,
            _ => return Err(corrupt("connection_id")),
        };
        Ok(WebhookEvent {
            seq: self.seq,
            id: uuid::Uuid::parse_str(&self.id).map_err(|_| corrupt("id"))?,
            environment_id: self.environment_id,
            connection,
            url: self.url,
            body: self.body,
            status: WebhookStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            attempts: self.attempts,
            attempts_before_replay: self.attempts_before_replay,
            next_attempt_at: self.next_attempt_at,
            retry_until: self.retry_until,
            last_error: self.last_error,
            created_at: self.created_at,
            finished_at: self.finished_at,
            attempt_log: Vec::new(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct WebhookAttemptRow {
    pub(crate) event_seq: i64,
    attempted_at: i64,
    status_code: Option<i64>,
    latency_ms: i64,
    error: Option<String>,
}

impl WebhookAttemptRow {
    pub(crate) fn into_attempt(self) -> StoreResult<WebhookAttempt> {
        let status_code = match self.status_code {
            Some(code) => Some(u16::try_from(code).map_err(|_| corrupt("status_code"))?),
            None => None,
        };
        Ok(WebhookAttempt {
            attempted_at: self.attempted_at,
            status_code,
            latency_ms: self.latency_ms,
            error: self.error,
        })
    }
}

/// Hand each event its attempts (`attempts` ordered by event, then time).
pub(crate) fn attach_attempts(
    events: &mut [WebhookEvent],
    attempts: Vec<WebhookAttemptRow>,
) -> StoreResult<()> {
    for row in attempts {
        let seq = row.event_seq;
        if let Some(event) = events.iter_mut().find(|event| event.seq == seq) {
            event.attempt_log.push(row.into_attempt()?);
        }
    }
    Ok(())
}

fn corrupt(column: &str) -> StoreError {
    StoreError::Corrupt(format!("column `webhook_events.{column}` holds an invalid value"))
}
