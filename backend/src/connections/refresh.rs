//! Refresh-on-read (SPEC §5): a read of an OAuth2 connection whose token expires within the
//! provider's buffer (or with `force_refresh`) refreshes it first. Concurrent reads trigger
//! exactly one refresh, across replicas: the refresher claims a lock row in the database
//! (`ConnectionStore::try_lock_refresh`); the others wait until the stored credentials change.
//!
//! What each outcome does to the connection's status is `status.rs`. Choices here: a token
//! past its expiry with no refresh token answers `refresh_failed` (one merely inside the
//! buffer is returned as it is); a `needs_reauth` connection answers 409
//! `connection_needs_reauth` without calling the provider (a `force_refresh` tries again);
//! a `refresh_failing` one is not retried before its back-off ends, and its token is returned
//! while it has not expired; with `allow_stale` the stored credentials are returned instead
//! of either error. An `invalid_grant` is re-checked once: when the stored refresh token
//! changed meanwhile (another refresh won and rotated it), the refresh is tried again with it.

use super::lookup::{integration, open_credentials};
use super::status::{self, Attempt};
use super::token::{self, OAuthErrorCode, TokenError};
use super::ConnectionError;
use crate::credentials::Credentials;
use crate::crypto::random;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{Connection, ConnectionKey, ConnectionStatus, Environment};
use std::time::Duration;

/// Refresh this long before expiry unless the provider says otherwise (SPEC §5: 15 min).
pub const DEFAULT_EXPIRATION_BUFFER_SECONDS: i64 = 900;
/// A refresher that dies holding the lock blocks others at most this long (longer when the
/// provider time-out is longer, so a slow but live refresh never loses its lock).
const MIN_LOCK_TTL_SECONDS: i64 = 30;
const WAIT_STEP: Duration = Duration::from_millis(50);

/// How a read wants its credentials.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Refresh now, whatever the expiry, status or back-off.
    pub force: bool,
    /// Answer the stored credentials rather than `connection_needs_reauth` / `refresh_failed`.
    pub allow_stale: bool,
}

/// The connection's credentials, refreshed first when needed (see the module docs).
pub async fn fresh_credentials(
    state: &AppState,
    environment: &Environment,
    connection: &Connection,
    force: bool,
    now: i64,
) -> Result<Credentials, ConnectionError> {
    let options = ReadOptions { force, allow_stale: false };
    Ok(read_credentials(state, environment, connection, options, now).await?.credentials)
}

/// What a read answers: the credentials, and whether a refresh was tried for them (then the
/// stored connection, its status fields included, may have changed).
#[derive(Debug)]
pub struct Read {
    pub credentials: Credentials,
    pub refreshed: bool,
}

/// `fresh_credentials` with every option.
pub async fn read_credentials(
    state: &AppState,
    environment: &Environment,
    connection: &Connection,
    options: ReadOptions,
    now: i64,
) -> Result<Read, ConnectionError> {
    let stored = |credentials| Read { credentials, refreshed: false };
    let credentials = open_credentials(state, connection)?;
    let Credentials::OAuth2 { expires_at, refresh_token, .. } = &credentials else {
        return Ok(stored(credentials));
    };
    let ReadOptions { force, allow_stale } = options;
    if connection.status == ConnectionStatus::NeedsReauth && !force {
        return if allow_stale { Ok(stored(credentials)) } else { Err(ConnectionError::NeedsReauth) };
    }
    let buffer = expiration_buffer(state, &connection.provider);
    if !needs_refresh(*expires_at, buffer, force, now) {
        return Ok(stored(credentials));
    }
    let expired = expires_at.is_some_and(|at| at <= now);
    if refresh_token.is_none() {
        return if (force || expired) && !allow_stale {
            Err(ConnectionError::refresh_failed(
                "the token cannot be refreshed: the provider gave no refresh token",
            ))
        } else {
            Ok(stored(credentials))
        };
    }
    if let Some(next) = connection.health.next_refresh_at.filter(|at| *at > now && !force) {
        // Waiting out the back-off of a failing refresh: the token while it still works.
        return if !expired || allow_stale {
            Ok(stored(credentials))
        } else {
            let at = crate::time::rfc3339(next).unwrap_or_default();
            Err(ConnectionError::refresh_failed(format!(
                "refreshes of this connection are failing; the next try is at {at} (force_refresh=true tries now)"
            )))
        };
    }
    let credentials = match refresh_once(state, environment, connection, now).await {
        Err(ConnectionError::NeedsReauth | ConnectionError::RefreshFailed { .. }) if allow_stale => {
            credentials
        }
        result => result?,
    };
    Ok(Read { credentials, refreshed: true })
}

/// The provider's `token_expiration_buffer`, else the default.
pub(super) fn expiration_buffer(state: &AppState, provider: &str) -> i64 {
    state
        .catalog
        .get(provider)
        .and_then(|provider| provider.token_expiration_buffer)
        .unwrap_or(DEFAULT_EXPIRATION_BUFFER_SECONDS)
}

/// How long a refresh claim lasts: the provider time-out and some, at least
/// `MIN_LOCK_TTL_SECONDS`.
pub(super) fn lock_ttl(state: &AppState) -> i64 {
    let provider_timeout = i64::try_from(state.config.provider_timeout_seconds).unwrap_or(i64::MAX / 2);
    MIN_LOCK_TTL_SECONDS.max(provider_timeout.saturating_add(5))
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
    let lock_ttl = lock_ttl(state);
    // Waiters give the refresher its whole provider time-out before giving up.
    let wait_limit = Duration::from_secs(state.config.provider_timeout_seconds.saturating_add(2));
    let started = tokio::time::Instant::now();
    let mut waited_for_another = false;
    loop {
        let lock_now = now + i64::try_from(started.elapsed().as_secs()).unwrap_or(i64::MAX / 2);
        if state.store.try_lock_refresh(&key, &holder, lock_now, lock_ttl).await? {
            if waited_for_another {
                // Another request held the lock and let go: if it stored new credentials (we
                // may not have polled since), they are the answer; if not, its refresh failed,
                // and trying again would call a failing provider once more per waiter, each
                // with its whole time-out: report the failure instead.
                let current = reread(state, &key).await;
                state.store.unlock_refresh(&key, &holder).await?;
                let current = current?;
                if current.sealed_credentials != connection.sealed_credentials {
                    return open_credentials(state, &current);
                }
                if current.status == ConnectionStatus::NeedsReauth {
                    return Err(ConnectionError::NeedsReauth);
                }
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

pub(super) async fn refresh_locked(
    state: AppState,
    environment: Environment,
    connection: Connection,
    key: ConnectionKey,
    holder: String,
    now: i64,
) -> Result<Credentials, ConnectionError> {
    let result = refresh_holding_lock(&state, &environment, &connection, &key, now).await;
    crate::metrics::refresh_ended(result.as_ref().err().map(ConnectionError::code));
    match &result {
        Ok(_) => {
            tracing::info!(integration = %key.integration_key, connection_id = %key.connection_id, "token refreshed")
        }
        Err(error) => tracing::warn!(
            integration = %key.integration_key,
            connection_id = %key.connection_id,
            code = error.code().as_str(),
            %error,
            "token refresh failed"
        ),
    }
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
    let mut current = reread(state, key).await?;
    if current.sealed_credentials != connection.sealed_credentials {
        return open_credentials(state, &current);
    }
    let provider = state.catalog.get(&current.provider).ok_or_else(|| {
        ConnectionError::refresh_failed("the connection's provider is no longer in the catalog")
    })?;
    let integration = integration(state, key.environment_id, &key.integration_key).await?;
    let mut retried = false;
    loop {
        let refresh_token: Secret<String> = open_credentials(state, &current)?
            .refresh_token()
            .cloned()
            .ok_or_else(|| ConnectionError::refresh_failed("no refresh token"))?;
        let answer = token::refresh(
            &state.http,
            provider,
            &integration,
            &current.connection_config,
            &refresh_token,
            now,
        )
        .await;
        let (attempt, error) = match answer {
            Ok(token_set) => {
                // Providers may drop the refresh token on refresh; keep the old one then. A
                // rotated one is stored before the new access token is handed out.
                let fresh = token_set.into_credentials(Some(refresh_token));
                let sealed = fresh.seal(&state.cipher, &key.aad())?;
                let attempt = Attempt::Refreshed { sealed, expires_at: fresh.expires_at() };
                status::record(state, environment, &current, attempt, now).await?;
                return Ok(fresh);
            }
            Err(TokenError::Rejected { code: OAuthErrorCode::InvalidGrant, description }) => {
                // A refresh elsewhere may have rotated the token while ours was in flight.
                let latest = reread(state, key).await?;
                if !retried && latest.sealed_credentials != current.sealed_credentials {
                    retried = true;
                    current = latest;
                    continue;
                }
                let error = provider_error("invalid_grant", description.as_deref());
                (Attempt::Revoked { error }, ConnectionError::NeedsReauth)
            }
            Err(error) => {
                let described = match &error {
                    TokenError::Rejected { code, description } => {
                        provider_error(&code.to_string(), description.as_deref())
                    }
                    other => other.to_string(),
                };
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
                (
                    Attempt::Failed { error: described },
                    ConnectionError::RefreshFailed { message, source: Some(error) },
                )
            }
        };
        let stored = status::record(state, environment, &current, attempt, now).await?;
        return Err(if stored.status == ConnectionStatus::NeedsReauth {
            ConnectionError::NeedsReauth
        } else {
            error
        });
    }
}

/// `code: description` of a provider's OAuth error (no token is ever in either).
fn provider_error(code: &str, description: Option<&str>) -> String {
    match description {
        Some(description) => format!("{code}: {description}"),
        None => code.to_owned(),
    }
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
