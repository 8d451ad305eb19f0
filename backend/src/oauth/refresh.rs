//! Refresh-on-read (SPEC §5): a read of an OAuth2 connection whose token expires within the
//! provider's buffer (or with `force_refresh`) refreshes it first. Concurrent reads trigger
//! exactly one refresh, across replicas: the refresher claims a lock row in the database
//! (`Store::try_lock_refresh`); the others wait until the stored credentials change.
//!
//! Choices: a token that is past its expiry with no refresh token answers `refresh_failed`
//! (one that is merely inside the buffer is returned as it is); the provider's `invalid_grant`
//! marks the connection `needs_reauth` and answers 409 `connection_needs_reauth`, and later
//! reads answer the same without calling the provider until a new authorisation (or a
//! `force_refresh`); other failures answer 502 `refresh_failed`.

use crate::credentials::{aad_for, Credentials};
use crate::crypto::random;
use crate::error::{ApiError, ErrorCode};
use crate::oauth::token::{self, TokenError};
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{Connection, ConnectionKey, Environment};
use crate::webhooks::{send_auth, AuthEvent};
use axum::http::StatusCode;
use std::time::Duration;

/// Refresh this long before expiry unless the provider says otherwise (SPEC §5: 15 min).
pub const DEFAULT_EXPIRATION_BUFFER_SECONDS: i64 = 900;
/// A refresher that dies holding the lock blocks others at most this long (longer when the
/// provider time-out is longer, so a slow but live refresh never loses its lock).
const MIN_LOCK_TTL_SECONDS: i64 = 30;
const WAIT_STEP: Duration = Duration::from_millis(50);
pub const NEEDS_REAUTH: &str = "needs_reauth";

/// The connection's credentials, refreshed first when needed (see the module docs).
pub async fn fresh_credentials(
    state: &AppState,
    environment: &Environment,
    connection: &Connection,
    force: bool,
    now: i64,
) -> Result<Credentials, ApiError> {
    let credentials = open(state, connection)?;
    let Credentials::OAuth2 { expires_at, refresh_token, .. } = &credentials else {
        return Ok(credentials);
    };
    let buffer = state
        .catalog
        .get(&connection.provider)
        .and_then(|provider| provider.token_expiration_buffer)
        .unwrap_or(DEFAULT_EXPIRATION_BUFFER_SECONDS);
    if !needs_refresh(*expires_at, buffer, force, now) {
        return Ok(credentials);
    }
    if refresh_token.is_none() {
        let expired = expires_at.is_some_and(|at| at <= now);
        return if force || expired {
            Err(refresh_failed("the token cannot be refreshed: the provider gave no refresh token"))
        } else {
            Ok(credentials)
        };
    }
    if connection.status == NEEDS_REAUTH && !force {
        return Err(needs_reauth());
    }
    refresh_once(state, environment, connection, now).await
}

/// Refresh when forced, or when the token expires within `buffer` seconds of `now`.
/// A token without an expiry is never refreshed unless forced.
pub fn needs_refresh(expires_at: Option<i64>, buffer: i64, force: bool, now: i64) -> bool {
    force || expires_at.is_some_and(|at| at.saturating_sub(buffer) <= now)
}

/// Claim the refresh lock and refresh, or wait for whoever holds it to finish.
async fn refresh_once(
    state: &AppState,
    environment: &Environment,
    connection: &Connection,
    now: i64,
) -> Result<Credentials, ApiError> {
    let key = ConnectionKey {
        environment_id: connection.environment_id,
        integration_key: connection.integration_key.clone(),
        connection_id: connection.connection_id.clone(),
    };
    let holder = random::token(16);
    let provider_timeout = i64::try_from(state.config.provider_timeout_seconds).unwrap_or(i64::MAX / 2);
    let lock_ttl = MIN_LOCK_TTL_SECONDS.max(provider_timeout.saturating_add(5));
    // Waiters give the refresher its whole provider time-out before giving up.
    let wait_limit = Duration::from_secs(state.config.provider_timeout_seconds.saturating_add(2));
    let started = tokio::time::Instant::now();
    loop {
        let lock_now = now + i64::try_from(started.elapsed().as_secs()).unwrap_or(i64::MAX / 2);
        if state.store.try_lock_refresh(&key, &holder, lock_now, lock_ttl).await? {
            // Run the claimed refresh to its end even if this request goes away, so the
            // lock is released and the new tokens are stored.
            let task = tokio::spawn(refresh_locked(
                state.clone(),
                environment.clone(),
                connection.clone(),
                key,
                holder,
                lock_now,
            ));
            return task.await.map_err(ApiError::internal)?;
        }
        if started.elapsed() >= wait_limit {
            return Err(refresh_failed("timed out waiting for a concurrent refresh of this connection"));
        }
        tokio::time::sleep(WAIT_STEP).await;
        let current = state.store.get_connection(&key).await?.ok_or_else(|| unknown(&key))?;
        if current.sealed_credentials != connection.sealed_credentials {
            return open(state, &current);
        }
        if current.status == NEEDS_REAUTH {
            return Err(needs_reauth());
        }
    }
}

async fn refresh_locked(
    state: AppState,
    environment: Environment,
    connection: Connection,
    key: ConnectionKey,
    holder: String,
    now: i64,
) -> Result<Credentials, ApiError> {
    let result = refresh_holding_lock(&state, &environment, &connection, &key, now).await;
    if let Err(error) = state.store.unlock_refresh(&key, &holder).await {
        tracing::warn!(%error, "could not release the refresh lock; it expires by itself");
    }
    result
}

async fn refresh_holding_lock(
    state: &AppState,
    environment: &Environment,
    connection: &Connection,
    key: &ConnectionKey,
    now: i64,
) -> Result<Credentials, ApiError> {
    // Someone may have refreshed between our read and our claim: then theirs is fresh.
    let current = state.store.get_connection(key).await?.ok_or_else(|| unknown(key))?;
    if current.sealed_credentials != connection.sealed_credentials {
        return open(state, &current);
    }
    let credentials = open(state, &current)?;
    let refresh_token: Secret<String> =
        credentials.refresh_token().cloned().ok_or_else(|| refresh_failed("no refresh token"))?;
    let provider = state
        .catalog
        .get(&current.provider)
        .ok_or_else(|| refresh_failed("the connection's provider is no longer in the catalog"))?;
    let integration = state
        .store
        .get_integration(key.environment_id, &key.integration_key)
        .await?
        .ok_or_else(|| ApiError::unknown_integration(key.integration_key.as_str()))?;
    let answer =
        token::refresh(&state.http, provider, &integration, &current.connection_config, &refresh_token, now)
            .await;
    let error = match answer {
        Ok(token_set) => {
            // Providers may drop the refresh token on refresh; keep the old one then.
            let fresh = token_set.into_credentials(Some(refresh_token));
            let sealed = fresh.seal(&state.cipher, &aad(key)).map_err(ApiError::internal)?;
            state.store.update_credentials(key, &sealed, now).await?;
            return Ok(fresh);
        }
        Err(TokenError::Rejected { error, .. }) if error == "invalid_grant" => {
            state.store.set_connection_status(key, NEEDS_REAUTH, now).await?;
            needs_reauth()
        }
        Err(TokenError::Rejected { error, .. }) => {
            refresh_failed(format!("the provider refused the refresh ({})", printable(&error)))
        }
        Err(TokenError::Network(cause)) => {
            refresh_failed("could not reach the provider's token endpoint").with_cause(anyhow::anyhow!(cause))
        }
        Err(TokenError::Malformed(cause)) => {
            refresh_failed("the provider's token answer was malformed").with_cause(anyhow::anyhow!(cause))
        }
    };
    let event = AuthEvent {
        operation: "refresh",
        success: false,
        connection_id: key.connection_id.to_string(),
        provider_config_key: key.integration_key.to_string(),
        provider: current.provider.clone(),
        error: Some((error.code().as_str().to_owned(), error.message().to_owned())),
    };
    send_auth(state, environment, event);
    Err(error)
}

fn open(state: &AppState, connection: &Connection) -> Result<Credentials, ApiError> {
    let key = ConnectionKey {
        environment_id: connection.environment_id,
        integration_key: connection.integration_key.clone(),
        connection_id: connection.connection_id.clone(),
    };
    Credentials::open(&state.cipher, &connection.sealed_credentials, &aad(&key)).map_err(ApiError::internal)
}

fn aad(key: &ConnectionKey) -> Vec<u8> {
    aad_for(key.environment_id, key.integration_key.as_str(), key.connection_id.as_str())
}

fn unknown(key: &ConnectionKey) -> ApiError {
    ApiError::unknown_connection(key.connection_id.as_str(), key.integration_key.as_str())
}

fn needs_reauth() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::ConnectionNeedsReauth,
        "the provider rejected the refresh token (invalid_grant): the connection must be authorised again",
    )
}

fn refresh_failed(message: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, ErrorCode::RefreshFailed, message)
}

/// A provider's OAuth error code, kept short and printable for a message.
fn printable(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_graphic()).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_decision() {
        let now = 1_000_000;
        assert!(!needs_refresh(Some(now + 901), 900, false, now));
        assert!(needs_refresh(Some(now + 900), 900, false, now));
        assert!(needs_refresh(Some(now - 5), 900, false, now));
        assert!(!needs_refresh(None, 900, false, now));
        assert!(needs_refresh(None, 900, true, now));
        assert!(needs_refresh(Some(now + 10_000), 900, true, now));
        assert!(!needs_refresh(Some(now + 61), 60, false, now));
    }

    #[test]
    fn provider_codes_are_trimmed() {
        assert_eq!(printable("invalid_client"), "invalid_client");
        assert_eq!(printable("bad\ncode <x>"), "badcode<x>");
    }
}
