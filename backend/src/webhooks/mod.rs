//! Auth webhooks through a durable outbox (SPEC §5, §12).
//!
//! An event (its body built here, its receiver chosen when it is written: the connection's or
//! flow's `webhook_url_override`, else the environment's `webhook_url`; none, no event) is a
//! row of `webhook_events` with a stable UUIDv4 id. A worker on every replica (`worker.rs`)
//! claims due events with a lease in the row, so each is delivered by one worker at a time,
//! across replicas; a connection's events go in order (one is not sent while an older one of
//! the same connection is pending). Each attempt is a row of `webhook_attempts` (time, status,
//! latency, error); URLs are logged and shown by host only, since a path may hold a token.
//! Events survive restarts: a worker that dies frees its leases when they run out.
//!
//! - `send_auth(state, environment, event)`: for callers that cannot wait; the event is handed
//!   to the replica's `Outbox`, written within milliseconds in call order, and the worker woken.
//! - `enqueue_auth(...)`: the same, awaited: the event is durable when it returns.
//! - Inside a transaction of the SQL layer (a store macro in `store/sql/`),
//!   `Self::write_webhook_event(&mut *tx, &event)` (`store/sql/webhooks.rs`, on both
//!   `SqliteStore` and `PostgresStore`) writes the row `new_auth_event(...)` built, beside the
//!   change it reports, so both commit or neither does (SPEC §12 "in the same transaction");
//!   wake the worker with `state.webhooks.wake()` after the commit (it also polls each second).
//!
//! Delivery (`deliver.rs`, `signing.rs`): POST JSON through the outbound policy, signed with
//! `X-Nango-Hmac-Sha256`, `X-Nango-Signature`, `Nango-Webhook-Id`, `Nango-Webhook-Signature`,
//! 10 s time-out. Retries (`schedule.rs`): exponential back-off with jitter for about 24 h on
//! network errors, time-outs, 408, 429 (`Retry-After` honoured, capped at 1 h) and 5xx; other
//! answers end the event as failed; 2xx delivers it. `actions.rs`: test events and replays.

pub mod actions;
pub mod deliver;
mod outbox;
pub mod schedule;
mod settings;
pub mod signing;
pub mod worker;

pub use outbox::Outbox;
pub use settings::WebhookSettings;

use crate::catalog::AuthMode;
use crate::ids::{ConnectionId, IntegrationKey};
use crate::state::AppState;
use crate::store::{ConnectionKey, Environment, FlowError, NewWebhookEvent, StoreError};
use serde_json::{json, Value};
use std::time::Duration;

/// What the outbox's actions can refuse.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the environment has no webhook URL: set `webhook_url` with PATCH /environment")]
    NoWebhookUrl,
    #[error("no webhook event with this id")]
    UnknownEvent,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an auth webhook reports (SPEC §5 `operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthOperation {
    Creation,
    Override,
    Refresh,
}

impl AuthOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creation => "creation",
            Self::Override => "override",
            Self::Refresh => "refresh",
        }
    }
}

/// One auth event: a connection was saved, or an attempt on it failed (`error`).
#[derive(Debug, Clone)]
pub struct AuthEvent {
    pub operation: AuthOperation,
    pub integration_key: IntegrationKey,
    pub connection_id: ConnectionId,
    pub provider: String,
    /// The connection's auth mode (Nango's `authMode`).
    pub auth_mode: AuthMode,
    /// The connection's status after a refresh transition (our `status` field, SPEC §11).
    pub status: Option<crate::store::ConnectionStatus>,
    /// The flow outcome's error when the attempt failed.
    pub error: Option<FlowError>,
    /// The connection's end user and tags (connect sessions, SPEC §7).
    pub end_user: Option<crate::json::JsonMap>,
    pub tags: crate::json::JsonMap,
    /// A connect session's `webhook_url_override` (SPEC §7): sent there instead of the
    /// environment's `webhook_url`.
    pub webhook_url_override: Option<String>,
}

impl AuthEvent {
    pub fn success(operation: AuthOperation, key: &ConnectionKey, provider: &str) -> Self {
        Self {
            operation,
            integration_key: key.integration_key.clone(),
            connection_id: key.connection_id.clone(),
            provider: provider.to_owned(),
            auth_mode: AuthMode::OAuth2,
            status: None,
            error: None,
            end_user: None,
            tags: crate::json::JsonMap::new(),
            webhook_url_override: None,
        }
    }

    pub fn failure(operation: AuthOperation, key: &ConnectionKey, provider: &str, error: FlowError) -> Self {
        Self { error: Some(error), ..Self::success(operation, key, provider) }
    }
}

/// Write the auth event to the outbox (to the event's override URL, else the environment's
/// `webhook_url`; without either, nothing) and wake the worker; never waits. The write happens
/// within milliseconds, after every event handed over before it (`Outbox::hand_over`).
pub fn send_auth(state: &AppState, environment: &Environment, event: AuthEvent) {
    let now = crate::time::now_ms();
    if let Some(new) = new_auth_event(&state.config.webhooks, environment, &event, now) {
        state.webhooks.hand_over(state.store.clone(), new);
    }
}

/// `send_auth`, awaited: the event is in the store when this returns (`None`: no webhook URL).
pub async fn enqueue_auth(
    state: &AppState,
    environment: &Environment,
    event: AuthEvent,
) -> Result<Option<uuid::Uuid>, StoreError> {
    let now = crate::time::now_ms();
    let Some(new) = new_auth_event(&state.config.webhooks, environment, &event, now) else {
        return Ok(None);
    };
    state.store.insert_webhook_event(&new).await?;
    state.webhooks.wake();
    Ok(Some(new.id))
}

/// The outbox row of an auth event at `now` (unix ms), due at once; `None` when there is no
/// webhook URL to send it to.
pub fn new_auth_event(
    settings: &WebhookSettings,
    environment: &Environment,
    event: &AuthEvent,
    now: i64,
) -> Option<NewWebhookEvent> {
    let url = event.webhook_url_override.clone().or_else(|| environment.settings.webhook_url.clone());
    let url = url.filter(|url| !url.is_empty())?;
    Some(NewWebhookEvent {
        id: uuid::Uuid::new_v4(),
        environment_id: environment.id,
        connection: Some((event.integration_key.clone(), event.connection_id.clone())),
        url,
        body: auth_body(&environment.name, event).to_string(),
        created_at: now,
        next_attempt_at: now,
        retry_until: now.saturating_add(millis(settings.retry_window)),
        lease: None,
    })
}

/// The JSON body of an auth webhook. A failure carries Nango's `{type, description}` error.
pub fn auth_body(environment_name: &str, event: &AuthEvent) -> Value {
    let mut body = json!({
        "from": "nango",
        "type": "auth",
        "operation": event.operation.as_str(),
        "success": event.error.is_none(),
        "connectionId": event.connection_id,
        "providerConfigKey": event.integration_key,
        "provider": event.provider,
        "authMode": event.auth_mode.as_str(),
        "environment": environment_name,
        "endUser": event.end_user,
        "tags": event.tags,
    });
    if let (Some(status), Some(object)) = (event.status, body.as_object_mut()) {
        object.insert("status".into(), json!(status.as_str()));
    }
    if let (Some(error), Some(object)) = (&event.error, body.as_object_mut()) {
        object.insert("error".into(), json!({ "type": error.code.as_str(), "description": error.message }));
    }
    body
}

/// A duration in whole milliseconds, for the outbox's times.
pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape() {
        let key = ConnectionKey {
            environment_id: 1,
            integration_key: IntegrationKey::parse("demo").unwrap(),
            connection_id: ConnectionId::parse("u1").unwrap(),
        };
        let error = FlowError { code: crate::error_code::ErrorCode::ProviderDenied, message: "no".into() };
        let event = AuthEvent::failure(AuthOperation::Creation, &key, "demo", error);
        let body = auth_body("dev", &event);
        assert_eq!(body["from"], "nango");
        assert_eq!(body["type"], "auth");
        assert_eq!(body["operation"], "creation");
        assert_eq!(body["success"], false);
        assert_eq!(body["connectionId"], "u1");
        assert_eq!(body["providerConfigKey"], "demo");
        assert_eq!(body["environment"], "dev");
        assert_eq!(body["authMode"], "OAUTH2");
        assert_eq!(body["error"]["type"], "provider_denied");
    }

    #[test]
    fn an_event_goes_to_the_override_else_the_environment_url_else_nowhere() {
        let key = ConnectionKey {
            environment_id: 1,
            integration_key: IntegrationKey::parse("demo").unwrap(),
            connection_id: ConnectionId::parse("u1").unwrap(),
        };
        let mut environment = Environment {
            id: 1,
            name: "dev".into(),
            secret_key: crate::secret::Secret::new("secret".into()),
            public_key: "public".into(),
            settings: Default::default(),
            created_at: 0,
            updated_at: 0,
        };
        let settings = WebhookSettings::default();
        let mut event = AuthEvent::success(AuthOperation::Creation, &key, "demo");
        assert!(new_auth_event(&settings, &environment, &event, 0).is_none(), "no URL, no event");
        environment.settings.webhook_url = Some("https://app.example/hooks".into());
        let new = new_auth_event(&settings, &environment, &event, 1_000).unwrap();
        assert_eq!(new.url, "https://app.example/hooks");
        assert_eq!(new.retry_until, 1_000 + 24 * 3_600_000);
        assert_eq!(new.connection, Some((key.integration_key.clone(), key.connection_id.clone())));
        event.webhook_url_override = Some("https://other.example/hook".into());
        let new = new_auth_event(&settings, &environment, &event, 0).unwrap();
        assert_eq!(new.url, "https://other.example/hook");
        let body: Value = serde_json::from_str(&new.body).unwrap();
        assert_eq!(body["connectionId"], "u1");
        assert_ne!(new.id, new_auth_event(&settings, &environment, &event, 0).unwrap().id);
    }
}
