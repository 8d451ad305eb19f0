//! Proactive refresh (SPEC §11): a background pass on every replica refreshes OAuth2 tokens
//! that expire within their provider's buffer, so reads rarely wait on a provider. Each pass
//! takes due connections in batches of `batch_size` (soonest expiry first) and refreshes at
//! most `concurrency` at once; a connection another replica is refreshing is skipped (the
//! refresh lock of `refresh.rs`, claimed without waiting), and the refresher re-reads the row
//! under the lock, so no connection is refreshed twice. Failures go through the status machine
//! like any refresh (back-off, `refresh_failing`, `needs_reauth`), which takes them out of the
//! next batches until their back-off ends.
//!
//! The batch query looks `max buffer of the catalog` ahead; a connection whose own provider's
//! buffer does not reach its expiry yet is left for a later pass. A pass ends when a batch
//! refreshed nothing new (everything left is not due yet or held elsewhere).

use super::lookup::open_credentials;
use super::refresh::{
    expiration_buffer, lock_ttl, needs_refresh, refresh_locked, DEFAULT_EXPIRATION_BUFFER_SECONDS,
};
use crate::crypto::random;
use crate::state::AppState;
use crate::store::Connection;
use futures_util::stream::{self, StreamExt};
use std::time::Duration;

/// Settings of the background refresher.
#[derive(Debug, Clone, Copy)]
pub struct ProactiveSettings {
    /// Time between passes.
    pub interval: Duration,
    /// Connections read per batch.
    pub batch_size: u32,
    /// Refreshes in flight at once, per replica.
    pub concurrency: usize,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub batches: usize,
    pub refreshed: usize,
    pub failed: usize,
    /// Not due under their provider's buffer yet, held by another refresher, or without a
    /// refresh token.
    pub skipped: usize,
}

enum Outcome {
    Refreshed,
    Failed,
    Skipped,
}

/// Runs passes every `interval` until the task is dropped.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(state.config.proactive_refresh.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match pass(&state, crate::time::now()).await {
            Ok(report) if report.refreshed + report.failed > 0 => tracing::info!(
                batches = report.batches,
                refreshed = report.refreshed,
                failed = report.failed,
                skipped = report.skipped,
                "proactive refresh pass"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "proactive refresh pass stopped"),
        }
    }
}

/// One pass at time `now`.
pub async fn pass(state: &AppState, now: i64) -> Result<PassReport, crate::store::StoreError> {
    let settings = state.config.proactive_refresh;
    let horizon = now.saturating_add(largest_buffer(state));
    let mut report = PassReport::default();
    loop {
        let due = state.store.connections_due_for_refresh(horizon, now, settings.batch_size).await?;
        if due.is_empty() {
            break;
        }
        report.batches += 1;
        let outcomes: Vec<Outcome> = stream::iter(due)
            .map(|connection| refresh_if_due(state, connection, now))
            .buffer_unordered(settings.concurrency.max(1))
            .collect()
            .await;
        let mut progress = 0;
        for outcome in outcomes {
            match outcome {
                Outcome::Refreshed => report.refreshed += 1,
                Outcome::Failed => report.failed += 1,
                Outcome::Skipped => report.skipped += 1,
            }
            progress += usize::from(!matches!(outcome, Outcome::Skipped));
        }
        if progress == 0 {
            break;
        }
    }
    Ok(report)
}

/// Refresh `connection` if its provider's buffer says so and nobody else is refreshing it.
async fn refresh_if_due(state: &AppState, connection: Connection, now: i64) -> Outcome {
    let buffer = expiration_buffer(state, &connection.provider);
    let Ok(credentials) = open_credentials(state, &connection) else { return Outcome::Failed };
    if credentials.refresh_token().is_none() || !needs_refresh(credentials.expires_at(), buffer, false, now) {
        return Outcome::Skipped;
    }
    let environment = match state.store.environment_by_id(connection.environment_id).await {
        Ok(Some(environment)) => environment,
        _ => return Outcome::Failed,
    };
    let key = connection.key();
    let holder = random::token(16);
    match state.store.try_lock_refresh(&key, &holder, now, lock_ttl(state)).await {
        Ok(true) => {}
        _ => return Outcome::Skipped,
    }
    match refresh_locked(state.clone(), environment, connection, key, holder, now).await {
        Ok(_) => Outcome::Refreshed,
        Err(_) => Outcome::Failed,
    }
}

/// The largest expiration buffer of any catalog entry: how far ahead a batch looks.
fn largest_buffer(state: &AppState) -> i64 {
    state
        .catalog
        .providers()
        .filter_map(|provider| provider.token_expiration_buffer)
        .fold(DEFAULT_EXPIRATION_BUFFER_SECONDS, i64::max)
}
