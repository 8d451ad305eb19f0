//! A connection's status machine (SPEC §11), in one place: what a refresh attempt does to
//! `active` / `refresh_failing` / `needs_reauth`, the back-off of failing refreshes, and the
//! log line and auth webhook of every transition.
//!
//! - A refresh that works → `active`.
//! - The provider refuses the refresh token (`invalid_grant`) → `needs_reauth` at once.
//! - Any other failure (network, time-out, 5xx, a malformed answer) → `refresh_failing`, the
//!   next try after a back-off (base × 2^failures, at most an hour); `needs_reauth` once the
//!   failures have lasted longer than the grace period (default 24 h).
//! - A new authorisation (flow or import) → `active` (the store's upsert).

use super::ConnectionError;
use crate::state::AppState;
use crate::store::{
    Connection, ConnectionHealth, ConnectionKey, ConnectionStatus, Environment, FlowError, RefreshRecord,
};
use crate::webhooks::{self, AuthEvent, AuthOperation};

/// The longest back-off between two tries of a failing refresh.
const MAX_BACKOFF_SECONDS: i64 = 3600;
/// `last_refresh_error` is clipped to this many characters.
const MAX_ERROR_CHARS: usize = 300;

/// The settings of the status machine.
#[derive(Debug, Clone, Copy)]
pub struct RefreshPolicy {
    /// Failing this long in a row makes a connection `needs_reauth`.
    pub grace_seconds: i64,
    /// The first back-off after a failure; it doubles with each failure in a row.
    pub retry_base_seconds: i64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self { grace_seconds: 24 * 3600, retry_base_seconds: 30 }
    }
}

/// How a refresh attempt ended.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// New credentials, sealed, and their expiry.
    Refreshed { sealed: Vec<u8>, expires_at: Option<i64> },
    /// The provider refused the refresh token: only a new authorisation helps.
    Revoked { error: String },
    /// A failure that may pass.
    Failed { error: String },
}

/// What `attempt` leaves on a connection whose health is `health` now.
pub fn next(health: &ConnectionHealth, attempt: Attempt, policy: &RefreshPolicy, now: i64) -> RefreshRecord {
    match attempt {
        Attempt::Refreshed { sealed, expires_at } => RefreshRecord {
            credentials: Some((sealed, expires_at)),
            status: ConnectionStatus::Active,
            health: ConnectionHealth {
                status_reason: None,
                last_refresh_at: Some(now),
                ..ConnectionHealth::default()
            },
        },
        Attempt::Revoked { error } => RefreshRecord {
            credentials: None,
            status: ConnectionStatus::NeedsReauth,
            health: ConnectionHealth {
                status_reason: Some("the provider refused the refresh token (invalid_grant)".into()),
                last_refresh_at: Some(now),
                last_refresh_error: Some(clip(&error)),
                refresh_failing_since: Some(health.refresh_failing_since.unwrap_or(now)),
                refresh_failures: health.refresh_failures.saturating_add(1),
                ..ConnectionHealth::default()
            },
        },
        Attempt::Failed { error } => {
            let since = health.refresh_failing_since.unwrap_or(now);
            let failures = health.refresh_failures.saturating_add(1);
            let exhausted = now.saturating_sub(since) >= policy.grace_seconds;
            let (status, reason) = if exhausted {
                let hours = policy.grace_seconds / 3600;
                (
                    ConnectionStatus::NeedsReauth,
                    format!("refreshes have failed for longer than the grace period ({hours} h)"),
                )
            } else {
                (
                    ConnectionStatus::RefreshFailing,
                    "the last refresh failed; it is retried with back-off".into(),
                )
            };
            let exponent = u32::try_from(failures.saturating_sub(1)).unwrap_or(u32::MAX).min(20);
            let backoff =
                policy.retry_base_seconds.saturating_mul(1_i64 << exponent).min(MAX_BACKOFF_SECONDS);
            RefreshRecord {
                credentials: None,
                status,
                health: ConnectionHealth {
                    status_reason: Some(reason),
                    status_changed_at: None,
                    last_refresh_at: Some(now),
                    last_refresh_error: Some(clip(&error)),
                    refresh_failing_since: Some(since),
                    refresh_failures: failures,
                    next_refresh_at: (!exhausted).then(|| now.saturating_add(backoff)),
                },
            }
        }
    }
}

/// Store what `attempt` leaves on `connection`; when the status changed, log it and write
/// the auth webhook (`operation: refresh`) in the same transaction. The connection as stored.
pub async fn record(
    state: &AppState,
    environment: &Environment,
    connection: &Connection,
    attempt: Attempt,
    now: i64,
) -> Result<Connection, ConnectionError> {
    let key = connection.key();
    let record = next(&connection.health, attempt, &state.config.refresh_policy, now);
    let now_ms = crate::time::now_ms();
    let report = |stored: &Connection, _from: ConnectionStatus| {
        webhooks::new_auth_event(&state.config.webhooks, environment, &transition_event(stored), now_ms)
    };
    let (stored, changed_from) = state
        .store
        .record_refresh(&key, &record, now, &report)
        .await?
        .ok_or_else(|| ConnectionError::UnknownConnection(key.clone()))?;
    if let Some(from) = changed_from {
        state.webhooks.wake();
        log_transition(&key, &stored, from);
    }
    Ok(stored)
}

fn log_transition(key: &ConnectionKey, connection: &Connection, from: ConnectionStatus) {
    let reason = connection.health.status_reason.as_deref().unwrap_or("");
    let (integration, id, to) = (&key.integration_key, &key.connection_id, connection.status.as_str());
    if connection.status == ConnectionStatus::Active {
        tracing::info!(%integration, connection = %id, from = from.as_str(), to, "connection status changed");
    } else {
        tracing::warn!(%integration, connection = %id, from = from.as_str(), to, reason, "connection status changed");
    }
}

/// The auth webhook of a transition to `connection`'s status: `success` for `active`, else the
/// failure with `connection_needs_reauth` or `refresh_failed`; our `status` field either way.
fn transition_event(connection: &Connection) -> AuthEvent {
    let key = connection.key();
    let mut event = match connection.status {
        ConnectionStatus::Active => AuthEvent::success(AuthOperation::Refresh, &key, &connection.provider),
        status => {
            let code = if status == ConnectionStatus::NeedsReauth {
                crate::error_code::ErrorCode::ConnectionNeedsReauth
            } else {
                crate::error_code::ErrorCode::RefreshFailed
            };
            let reason = connection.health.status_reason.clone().unwrap_or_default();
            let message = connection.health.last_refresh_error.clone().unwrap_or(reason);
            AuthEvent::failure(
                AuthOperation::Refresh,
                &key,
                &connection.provider,
                FlowError { code, message },
            )
        }
    };
    event.status = Some(connection.status);
    event.end_user = connection.end_user.clone();
    event.tags = connection.tags.clone();
    event.webhook_url_override = connection.webhook_url_override.clone();
    event
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_ERROR_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;

    fn failed() -> Attempt {
        Attempt::Failed { error: "HTTP 503".into() }
    }

    #[test]
    fn failures_back_off_then_need_reauth_after_the_grace() {
        let policy = RefreshPolicy { grace_seconds: 3600, retry_base_seconds: 30 };
        let first = next(&ConnectionHealth::default(), failed(), &policy, NOW);
        assert_eq!(first.status, ConnectionStatus::RefreshFailing);
        assert_eq!(first.health.refresh_failing_since, Some(NOW));
        assert_eq!(first.health.next_refresh_at, Some(NOW + 30));
        let second = next(&first.health, failed(), &policy, NOW + 30);
        assert_eq!(second.health.next_refresh_at, Some(NOW + 30 + 60), "the back-off doubles");
        assert_eq!(second.health.refresh_failing_since, Some(NOW), "the run of failures keeps its start");
        let late = next(&second.health, failed(), &policy, NOW + 3600);
        assert_eq!(late.status, ConnectionStatus::NeedsReauth);
        assert_eq!(late.health.next_refresh_at, None);
        let recovered = next(
            &late.health,
            Attempt::Refreshed { sealed: vec![1], expires_at: Some(NOW + 7200) },
            &policy,
            NOW + 4000,
        );
        assert_eq!(recovered.status, ConnectionStatus::Active);
        assert_eq!(recovered.health.refresh_failures, 0);
        assert_eq!(recovered.health.last_refresh_error, None);
    }

    #[test]
    fn a_refused_refresh_token_needs_reauth_at_once_and_errors_are_clipped() {
        let error = "x".repeat(1000);
        let record =
            next(&ConnectionHealth::default(), Attempt::Revoked { error }, &RefreshPolicy::default(), NOW);
        assert_eq!(record.status, ConnectionStatus::NeedsReauth);
        assert_eq!(record.health.last_refresh_error.map(|e| e.len()), Some(MAX_ERROR_CHARS));
        let policy = RefreshPolicy { grace_seconds: 1 << 40, retry_base_seconds: 30 };
        let mut health = ConnectionHealth::default();
        for _ in 0..30 {
            health = next(&health, failed(), &policy, NOW).health;
        }
        assert_eq!(health.next_refresh_at, Some(NOW + MAX_BACKOFF_SECONDS), "the back-off is capped");
    }
}
