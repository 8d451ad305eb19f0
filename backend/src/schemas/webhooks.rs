//! `/webhooks/...`: the outbox's events as the deliveries list shows them (with their attempts
//! and the body each one sends), and the answer of a test event. A receiver is shown by its
//! host only: a webhook URL's path may hold a token.

use super::connections::ConnectionStatus;
use super::errors::ErrorCodeName;
use super::{JsonObject, Tags};
use utoipa::ToSchema;

/// `{deliveries, next_cursor}`, newest first: `next_cursor` is null on the last page.
#[derive(ToSchema)]
pub struct WebhookDeliveryList {
    pub deliveries: Vec<WebhookDelivery>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One event of the outbox, with every attempt to deliver it (oldest first).
#[derive(ToSchema)]
pub struct WebhookDelivery {
    /// The event's stable id: `Nango-Webhook-Id` of every attempt.
    #[schema(format = "uuid")]
    pub id: String,
    /// The body's `type`.
    #[serde(rename = "type")]
    pub kind: WebhookType,
    pub status: WebhookStatus,
    /// The integration of the connection the event reports; null for a test event.
    #[schema(required = true)]
    pub provider_config_key: Option<String>,
    /// The connection the event reports; null for a test event.
    #[schema(required = true)]
    pub connection_id: Option<String>,
    /// The receiver's host (empty when its URL has none).
    #[schema(example = "hooks.example.com")]
    pub host: String,
    /// Every attempt so far, replays included.
    pub attempt_count: i64,
    /// When the next attempt is due; null unless the event is pending.
    #[schema(required = true, format = DateTime)]
    pub next_attempt_at: Option<String>,
    /// Why the last attempt failed (`HTTP 503`, a network error); null after a success or a replay.
    #[schema(required = true)]
    pub last_error: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When the event was delivered or given up; null while it is pending.
    #[schema(required = true, format = DateTime)]
    pub finished_at: Option<String>,
    /// The JSON body, exactly as it is signed and sent.
    pub body: WebhookBody,
    pub attempts: Vec<WebhookAttempt>,
}

/// Where an event stands: `pending` until the receiver answered 2xx (`delivered`), answered
/// a final 4xx, or the retry window closed (`failed`).
#[derive(ToSchema)]
pub enum WebhookStatus {
    #[serde(rename = "pending")]
    Pending,
    #[serde(rename = "delivered")]
    Delivered,
    #[serde(rename = "failed")]
    Failed,
}

#[derive(ToSchema)]
pub enum WebhookType {
    #[serde(rename = "auth")]
    Auth,
    #[serde(rename = "test")]
    Test,
}

/// One try at delivering an event.
#[derive(ToSchema)]
pub struct WebhookAttempt {
    #[schema(format = DateTime)]
    pub attempted_at: String,
    /// The receiver's status; null when no answer came (network error, time-out, refusal).
    #[schema(required = true)]
    pub status_code: Option<u16>,
    /// Milliseconds from sending to the answer (or the failure).
    pub latency_ms: i64,
    /// What went wrong when no answer came; null otherwise.
    #[schema(required = true)]
    pub error: Option<String>,
}

/// The body of an event: an auth webhook, or a test event.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum WebhookBody {
    Auth(AuthWebhook),
    Test(TestWebhook),
}

/// An auth webhook, as Nango sends it: a connection was saved or refreshed, or an attempt on
/// it failed (`success: false` with `error`).
#[derive(ToSchema)]
pub struct AuthWebhook {
    pub from: WebhookFrom,
    #[serde(rename = "type")]
    pub kind: AuthType,
    pub operation: AuthOperation,
    pub success: bool,
    #[serde(rename = "connectionId")]
    pub connection_id: String,
    #[serde(rename = "providerConfigKey")]
    pub provider_config_key: String,
    pub provider: String,
    #[serde(rename = "authMode")]
    pub auth_mode: AuthModeName,
    /// The environment's name.
    pub environment: String,
    /// The connection's end user (connect sessions), or null.
    #[serde(rename = "endUser")]
    #[schema(required = true)]
    pub end_user: Option<JsonObject>,
    pub tags: Tags,
    /// The connection's status after a refresh changed it.
    #[schema(nullable = false)]
    pub status: Option<ConnectionStatus>,
    /// Why the attempt failed, when `success` is false.
    #[schema(nullable = false)]
    pub error: Option<AuthWebhookError>,
}

/// Nango's `{type, description}` error of a failed auth attempt.
#[derive(ToSchema)]
pub struct AuthWebhookError {
    #[serde(rename = "type")]
    pub kind: ErrorCodeName,
    pub description: String,
}

#[derive(ToSchema)]
pub enum AuthOperation {
    #[serde(rename = "creation")]
    Creation,
    #[serde(rename = "override")]
    Override,
    #[serde(rename = "refresh")]
    Refresh,
}

#[derive(ToSchema)]
pub enum AuthModeName {
    #[serde(rename = "OAUTH2")]
    OAuth2,
    #[serde(rename = "API_KEY")]
    ApiKey,
    #[serde(rename = "BASIC")]
    Basic,
}

/// `POST /webhooks/test`'s event: it checks that the URL receives the environment's events.
#[derive(ToSchema)]
pub struct TestWebhook {
    pub from: WebhookFrom,
    #[serde(rename = "type")]
    pub kind: TestType,
    /// The environment's name.
    pub environment: String,
    pub message: String,
}

#[derive(ToSchema)]
pub enum WebhookFrom {
    #[serde(rename = "nango")]
    Nango,
}

#[derive(ToSchema)]
pub enum AuthType {
    #[serde(rename = "auth")]
    Auth,
}

#[derive(ToSchema)]
pub enum TestType {
    #[serde(rename = "test")]
    Test,
}

/// What the receiver said to a test event, sent once and never retried (the deliveries list
/// shows it too). A receiver that refused it still answers 200 here, with `delivered: false`.
#[derive(ToSchema)]
pub struct TestWebhookResult {
    /// The test event's id (`Nango-Webhook-Id`).
    #[schema(format = "uuid")]
    pub id: String,
    /// The receiver's host.
    pub host: String,
    /// The receiver answered 2xx.
    pub delivered: bool,
    /// The receiver's status; null when no answer came.
    #[schema(required = true)]
    pub status_code: Option<u16>,
    /// Milliseconds from sending to the answer (or the failure).
    pub latency_ms: i64,
    /// What went wrong when no answer came; null otherwise.
    #[schema(required = true)]
    pub error: Option<String>,
}
