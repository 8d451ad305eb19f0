//! What an app asks of the outbox (`POST /webhooks/test`, `POST /webhooks/deliveries/{id}/replay`,
//! `nango-server webhook-test`): send a test event now and say what the receiver answered, or
//! send an event again.

use super::deliver::{self, AttemptResult, Delivery};
use super::schedule::Verdict;
use super::{millis, WebhookError};
use crate::state::AppState;
use crate::store::{Environment, NewWebhookEvent, WebhookEvent, WebhookNext};
use serde_json::json;

/// What the receiver of a test event said.
#[derive(Debug, Clone)]
pub struct TestDelivery {
    pub event_id: uuid::Uuid,
    /// The receiver's host (never its whole URL: a path may hold a token).
    pub host: String,
    pub delivered: bool,
    pub result: AttemptResult,
}

impl TestDelivery {
    /// `{id, host, delivered, status_code, latency_ms, error}`: the route's and the CLI's answer.
    pub fn to_json(&self) -> serde_json::Value {
        let attempt = &self.result.attempt;
        json!({
            "id": self.event_id.to_string(),
            "host": self.host,
            "delivered": self.delivered,
            "status_code": attempt.status_code,
            "latency_ms": attempt.latency_ms,
            "error": attempt.error,
        })
    }
}

/// Send `{from: "nango", type: "test", ...}` to the environment's `webhook_url` once, right
/// away, and answer what came back. The event is recorded with its attempt like any other
/// (the deliveries list shows it) but never retried: the caller saw the answer.
pub async fn send_test(state: &AppState, environment: &Environment) -> Result<TestDelivery, WebhookError> {
    let url = environment.settings.webhook_url.clone().filter(|url| !url.is_empty());
    let url = url.ok_or(WebhookError::NoWebhookUrl)?;
    let settings = state.config.webhooks;
    let now = crate::time::now_ms();
    let holder = state.webhooks.holder();
    let body = json!({
        "from": "nango",
        "type": "test",
        "environment": environment.name,
        "message": "A test webhook from nango-server: this URL receives the environment's events.",
    });
    let event = NewWebhookEvent {
        id: uuid::Uuid::new_v4(),
        environment_id: environment.id,
        connection: None,
        url,
        body: body.to_string(),
        created_at: now,
        next_attempt_at: now,
        retry_until: now,
        // Leased by this request from the start, so no worker sends it too.
        lease: Some((holder.to_owned(), now.saturating_add(millis(settings.lease())))),
    };
    state.store.insert_webhook_event(&event).await?;
    let delivery = Delivery {
        event_id: &event.id,
        url: &event.url,
        body: &event.body,
        secret_key: &environment.secret_key,
        timeout: settings.timeout,
    };
    let result = deliver::attempt(&state.http, &delivery, crate::time::now_ms()).await;
    let delivered = result.verdict == Verdict::Delivered;
    let next = if delivered { WebhookNext::Delivered } else { WebhookNext::Failed };
    state.store.record_webhook_attempt(&event.id, holder, &result.attempt, next).await?;
    super::worker::log_outcome(holder, &event.id, event.connection.as_ref(), &event.url, &result, next, 1);
    Ok(TestDelivery { event_id: event.id, host: deliver::host_of(&event.url), delivered, result })
}

/// Make an event pending again with the same id and body, due now, with a fresh retry window
/// and back-off; its earlier attempts stay in its list. An event being delivered at this
/// moment keeps its lease: that attempt's outcome stands.
pub async fn replay(
    state: &AppState,
    environment: &Environment,
    event_id: &uuid::Uuid,
) -> Result<WebhookEvent, WebhookError> {
    let now = crate::time::now_ms();
    let retry_until = now.saturating_add(millis(state.config.webhooks.retry_window));
    let event = state.store.replay_webhook_event(environment.id, event_id, now, retry_until).await?;
    let event = event.ok_or(WebhookError::UnknownEvent)?;
    state.webhooks.wake();
    Ok(event)
}
