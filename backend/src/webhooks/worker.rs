//! The delivery worker every replica runs (started by `background.rs`): it claims due events
//! with a lease in the row (`WebhookStore::claim_webhook_events`: one worker at a time per event,
//! across replicas; a connection's events in order), delivers at most `concurrency` at once,
//! records each attempt and what follows it. It wakes when this replica writes or replays an
//! event, when a delivery ends (the next event of that connection may be due), and every second
//! (events of other replicas, retries coming due).

use super::deliver::{self, AttemptResult, Delivery};
use super::schedule;
use crate::ids::{ConnectionId, IntegrationKey};
use crate::state::AppState;
use crate::store::{WebhookEvent, WebhookNext};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use tracing::field::display;

/// How often the store is asked for due events when nothing woke the worker.
const POLL: Duration = Duration::from_secs(1);
/// Finished events are kept this long (the deliveries list), then purged.
const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Run until the task is dropped (deliveries under way are dropped with it; their leases run
/// out and another claim takes the events again).
pub async fn run(state: AppState) {
    let settings = state.config.webhooks;
    let mut deliveries = JoinSet::new();
    let mut next_purge = Instant::now();
    loop {
        let free = settings.concurrency.saturating_sub(deliveries.len());
        if free > 0 {
            for event in claim(&state, free).await {
                deliveries.spawn(deliver_event(state.clone(), event));
            }
        }
        if Instant::now() >= next_purge {
            next_purge = Instant::now() + PURGE_EVERY;
            purge(&state).await;
        }
        tokio::select! {
            () = state.webhooks.woken() => {}
            Some(_) = deliveries.join_next(), if !deliveries.is_empty() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Deliver one claimed event once and record the attempt (under the lease).
pub async fn deliver_event(state: AppState, event: WebhookEvent) {
    let settings = state.config.webhooks;
    let holder = state.webhooks.holder().to_owned();
    // The key is read at each attempt: a rotated secret key signs the retries.
    let environment = match state.store.environment_by_id(event.environment_id).await {
        Ok(Some(environment)) => environment,
        // The environment is gone and its events with it.
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(event_id = %event.id, %error, "webhook not sent: the store did not answer");
            return;
        }
    };
    let delivery = Delivery {
        event_id: &event.id,
        url: &event.url,
        body: &event.body,
        secret_key: &environment.secret_key,
        timeout: settings.timeout,
    };
    let result = deliver::attempt(&state.http, &delivery, crate::time::now_ms()).await;
    let n_attempts = event.attempts - event.attempts_before_replay + 1;
    let next = schedule::next(
        &settings,
        result.verdict,
        n_attempts,
        crate::time::now_ms(),
        event.retry_until,
        rand::random::<f64>(),
    );
    match state.store.record_webhook_attempt(&event.id, &holder, &result.attempt, next).await {
        Ok(true) => {
            log_outcome(
                &holder,
                &event.id,
                event.connection.as_ref(),
                &event.url,
                &result,
                next,
                event.attempts + 1,
            );
            match next {
                WebhookNext::Delivered => crate::metrics::webhook_delivered(true),
                WebhookNext::Failed => crate::metrics::webhook_delivered(false),
                WebhookNext::RetryAt(_) => {}
            }
        }
        Ok(false) => tracing::warn!(event_id = %event.id, "webhook attempt not recorded: the lease ran out"),
        Err(error) => tracing::warn!(event_id = %event.id, %error, "webhook attempt not recorded"),
    }
}

/// One line per attempt (host only: a URL's path may hold a token), naming the replica's
/// worker that made it and the event's connection (none for a test event).
pub fn log_outcome(
    worker: &str,
    event_id: &uuid::Uuid,
    connection: Option<&(IntegrationKey, ConnectionId)>,
    url: &str,
    result: &AttemptResult,
    next: WebhookNext,
    attempt: i64,
) {
    let host = deliver::host_of(url);
    let status = result.attempt.status_code;
    let error = result.attempt.error.as_deref().unwrap_or_default();
    let integration = connection.map(|(key, _)| display(key.as_str()));
    let connection_id = connection.map(|(_, id)| display(id.as_str()));
    match next {
        WebhookNext::Delivered => {
            tracing::info!(worker, %event_id, integration, connection_id, %host, ?status, attempt, "webhook delivered");
        }
        WebhookNext::Failed => {
            tracing::warn!(
                worker, %event_id, integration, connection_id, %host, ?status, attempt, error,
                "webhook failed; no more retries"
            );
        }
        WebhookNext::RetryAt(at) => {
            let retry_in_ms = at.saturating_sub(crate::time::now_ms());
            tracing::info!(
                worker, %event_id, integration, connection_id, %host, ?status, attempt, error, retry_in_ms,
                "webhook attempt failed; will retry"
            );
        }
    }
}

async fn claim(state: &AppState, free: usize) -> Vec<WebhookEvent> {
    let now = crate::time::now_ms();
    let lease = i64::try_from(state.config.webhooks.lease().as_millis()).unwrap_or(i64::MAX);
    let limit = u32::try_from(free).unwrap_or(u32::MAX);
    let holder = state.webhooks.holder();
    match state.store.claim_webhook_events(holder, now, now.saturating_add(lease), limit).await {
        Ok(events) => events,
        Err(error) => {
            tracing::warn!(%error, "could not claim webhook events");
            Vec::new()
        }
    }
}

async fn purge(state: &AppState) {
    let retention = i64::try_from(RETENTION.as_millis()).unwrap_or(i64::MAX);
    if let Err(error) = state.store.purge_webhook_events(crate::time::now_ms() - retention).await {
        tracing::warn!(%error, "could not purge finished webhook events");
    }
}
