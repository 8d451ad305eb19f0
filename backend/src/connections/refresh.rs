//! Refresh-on-read (SPEC §5): a read of an OAuth2 connection whose token expires within the
//! provider's buffer (or with `force_refresh`) refreshes it first. Concurrent reads trigger
//! exactly one refresh, across replicas: the refresher claims a lock row in the database
//! (`ConnectionStore::try_lock_refresh`); the others wait until the stored credentials change.
//!
//! Choices: a token that is past its expiry with no refresh token answers `refresh_failed`
//! (one that is merely inside the buffer is returned as it is); the provider's `invalid_grant`
//! marks the connection `needs_reauth` and answers 409 `connection_needs_reauth`, and later
//! reads answer the same without calling the provider until a new authorisation (or a
//! `force_refresh`); other failures answer 502 `refresh_failed`.

use super::lookup::{integration, open_credentials};
use super::token::{self, OAuthErrorCode, TokenError};
use super::{status, ConnectionError};
use crate::credentials::Credentials;
use crate::crypto::random;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{Connection, ConnectionKey, ConnectionStatus, Environment, FlowError};
use crate::webhooks::{send_auth, AuthEvent, AuthOperation};
use std::time::Duration;

/// Refresh this long before expiry unless the provider says otherwise (SPEC §5: 15 min).
pub const DEFAULT_EXPIRATION_BUFFER_SECONDS: i64 = 900;
/// A refresher that dies holding the lock blocks others at most this long (longer when the
/// provider time-out is longer, so a slow but live refresh never loses its lock).
const MIN_LOCK_TTL_SECONDS: i64 = 30;
const WAIT_STEP: Duration = Duration::from_millis(50);

/// The connection's credentials, refreshed first when needed (see the module docs).
pub async fn fresh_credentials(
    state: &AppState,
    environment: &Environment,
    connection: &Connection,
    force: bool,
    now: i64,
) -> Result<Credentials, ConnectionError> {
    let credentials = open_credentials(state, connection)?;
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
            Err(ConnectionError::refresh_failed(
                "the token cannot be refreshed: the provider gave no refresh token",
            ))
        } else {
            Ok(credentials)
        };
    }
    if connection.status == ConnectionStatus::NeedsReauth && !force {
        return Err(ConnectionError::NeedsReauth);
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
) -> Result<Credentials, ConnectionError> {
    let key = connection.key();
    let holder = random::token(16);
    let provider_timeout = i64::try_from(state.config.provider_timeout_seconds).unwrap_or(i64::MAX / 2);
    let lock_ttl = MIN_LOCK_TTL_SECONDS.max(provider_timeout.saturating_add(5));
    // Waiters give the refresher its whole provider time-out before giving up.
    let wait_limit = Duration::from_secs(state.config.provider_timeout_seconds.saturating_add(2));
    let started = tokio::time::Instant::now();
    let mut waited_for_another = false;
    loop {
        let lock_now = now + i64::try_from(started.elapsed().as_secs()).unwrap_or(i64::MAX / 2);
        if state.store.try_lock_refresh(&key, &holder, lock_now, lock_ttl).await? {
            if waited_for_another {
                // Another request held the lock and let go without new credentials: its
                // refresh failed. Trying again would call a failing provider once more per
                // waiter, each with its whole time-out; report the failure instead.
                state.store.unlock_refresh(&key, &holder).await?;
                return Err(ConnectionError::refresh_failed(
                    "a concurrent refresh of this connection failed; try again later",
                ));
            }
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
            return task.await?;
        }
        waited_for_another = true;
        if started.elapsed() >= wait_limit {
            return Err(ConnectionError::refresh_failed(
                "timed out waiting for a concurrent refresh of this connection",
            ));
        }
        tokio::time::sleep(WAIT_STEP).await;
        let current = reread(state, &key).await?;
        if current.sealed_credentials != connection.sealed_credentials {
            return open_credentials(state, &current);
        }
        if current.status == ConnectionStatus::NeedsReauth {
            return Err(ConnectionError::NeedsReauth);
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
) -> Result<Credentials, ConnectionError> {
    let result = refresh_holding_lock(&state, &environment, &connection, &key, now).await;
    crate::metrics::refresh_ended(result.as_ref().err().map(ConnectionError::code));
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
) -> Result<Credentials, ConnectionError> {
    // Someone may have refreshed between our read and our claim: then theirs is fresh.
    let current = reread(state, key).await?;
    if current.sealed_credentials != connection.sealed_credentials {
        return open_credentials(state, &current);
    }
    let credentials = open_credentials(state, &current)?;
    let refresh_token: Secret<String> = credentials
        .refresh_token()
        .cloned()
        .ok_or_else(|| ConnectionError::refresh_failed("no refresh token"))?;
    let provider = state.catalog.get(&current.provider).ok_or_else(|| {
        ConnectionError::refresh_failed("the connection's provider is no longer in the catalog")
    })?;
    let integration = integration(state, key.environment_id, &key.integration_key).await?;
    let answer =
        token::refresh(&state.http, provider, &integration, &current.connection_config, &refresh_token, now)
            .await;
    let error = match answer {
        Ok(token_set) => {
            // Providers may drop the refresh token on refresh; keep the old one then.
            let fresh = token_set.into_credentials(Some(refresh_token));
            let sealed = fresh.seal(&state.cipher, &key.aad())?;
            state.store.update_credentials(key, &sealed, now).await?;
            return Ok(fresh);
        }
        Err(TokenError::Rejected { code: OAuthErrorCode::InvalidGrant, .. }) => {
            status::set(state, key, ConnectionStatus::NeedsReauth, now).await?;
            ConnectionError::NeedsReauth
        }
        Err(error) => {
            let message: std::borrow::Cow<'static, str> = match &error {
                TokenError::Rejected { code, .. } => {
                    format!("the provider refused the refresh ({code})").into()
                }
                TokenError::Network(_) => "could not reach the provider's token endpoint".into(),
                TokenError::Malformed { .. } => "the provider's token answer was malformed".into(),
                TokenError::Configuration(_) => {
                    "the provider's catalog entry cannot refresh this connection".into()
                }
                TokenError::Refused(_) => {
                    "the provider's token endpoint is not allowed by the outbound policy".into()
                }
            };
            ConnectionError::RefreshFailed { message, source: Some(error) }
        }
    };
    let failure = FlowError { code: error.code(), message: error.to_string() };
    send_auth(
        state,
        environment,
        AuthEvent::failure(AuthOperation::Refresh, key, &current.provider, failure),
    );
    Err(error)
}

/// The row as it is now (another request may have changed it).
async fn reread(state: &AppState, key: &ConnectionKey) -> Result<Connection, ConnectionError> {
    state.store.get_connection(key).await?.ok_or_else(|| ConnectionError::UnknownConnection(key.clone()))
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
}
