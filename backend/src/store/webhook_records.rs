//! The webhook outbox's records (SPEC §12): an event waiting for delivery (or done), and the
//! attempts to deliver it. Times are unix milliseconds, unlike the rest of the store: back-off
//! and `Retry-After` work below the second.

use crate::ids::{ConnectionId, EnvironmentId, IntegrationKey};

/// Where an event stands. `Pending` until a receiver answered 2xx (`Delivered`), or answered a
/// final 4xx, or the retry window closed (`Failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    Pending,
    Delivered,
    Failed,
}

impl WebhookStatus {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Delivered, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// An event to write into the outbox.
#[derive(Debug, Clone)]
pub struct NewWebhookEvent {
    /// UUIDv4: `Nango-Webhook-Id` of every attempt.
    pub id: uuid::Uuid,
    pub environment_id: EnvironmentId,
    /// The connection the event reports; `None` for a test event.
    pub connection: Option<(IntegrationKey, ConnectionId)>,
    /// The receiver, chosen now: the event's override, else the environment's `webhook_url`.
    pub url: String,
    /// The JSON body, exactly as it is signed and sent.
    pub body: String,
    pub created_at: i64,
    /// The first attempt is due then (usually `created_at`).
    pub next_attempt_at: i64,
    /// No retry is scheduled after this.
    pub retry_until: i64,
    /// Written already leased (holder, until): the writer delivers it itself (test events).
    pub lease: Option<(String, i64)>,
}

/// An event as stored, with its attempts (oldest first) when the read asked for them.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// Insertion order (and the list's cursor).
    pub seq: i64,
    pub id: uuid::Uuid,
    pub environment_id: EnvironmentId,
    pub connection: Option<(IntegrationKey, ConnectionId)>,
    pub url: String,
    pub body: String,
    pub status: WebhookStatus,
    /// Every attempt so far.
    pub attempts: i64,
    /// The attempts made before the last replay: the back-off counts the ones after.
    pub attempts_before_replay: i64,
    pub next_attempt_at: i64,
    pub retry_until: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub attempt_log: Vec<WebhookAttempt>,
}

/// One try at delivering an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    pub attempted_at: i64,
    /// The receiver's status; `None` when no answer came (network error, time-out, refusal).
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    /// What went wrong, host-only and secret-free; `None` on success.
    pub error: Option<String>,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookNext {
    Delivered,
    Failed,
    /// Try again at this time (unix ms).
    RetryAt(i64),
}

/// Which events a list returns, newest first.
#[derive(Debug, Clone, Default)]
pub struct WebhookEventFilter {
    pub status: Option<WebhookStatus>,
    pub integration_key: Option<IntegrationKey>,
    pub connection_id: Option<ConnectionId>,
    /// Events older than the one with this `seq` (the cursor).
    pub before_seq: Option<i64>,
    /// Page size (the caller clamps it).
    pub limit: u32,
}
