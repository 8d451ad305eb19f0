//! A flow's life in one place (SPEC §2): started (pending) → success | error, or expired when
//! its lifetime passes first. Routes never change a flow record any other way, so later
//! channels (the WebSocket result channel, the redirect mode) join as readers of `state`;
//! `watch` tells the waiters of this replica and of the others when an outcome is recorded.

pub mod logging;
pub mod watch;

use crate::crypto::cipher::lookup_hash;
use crate::crypto::{Cipher, CipherError};
use crate::ids::{EnvironmentId, FlowId};
use crate::secret::Secret;
use crate::store::{
    ConsumedFlow, FlowError, FlowOutcome, FlowRecord, FlowStore, NewFlow, Store, StoreError, StoreResult,
};
use watch::FlowWatch;

/// What a flow record says at a given time.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowState {
    /// Still running; `expires_in` seconds are left.
    Pending {
        expires_in: i64,
    },
    /// Its lifetime passed before it finished.
    Expired,
    Finished(FlowOutcome),
}

impl FlowState {
    pub fn at(record: FlowRecord, now: i64) -> Self {
        match record.outcome {
            Some(outcome) => Self::Finished(outcome),
            None if now >= record.expires_at => Self::Expired,
            None => Self::Pending { expires_in: record.expires_at - now },
        }
    }

    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Pending { .. })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The flow id has a record already (a replayed or reused id).
    #[error("this flow id was already used; start a new flow")]
    FlowIdTaken,
    /// The environment has `max_pending` unfinished flows already (SPEC §13 "Limits").
    #[error("too many sign-ins are in progress for this app; try again in a few minutes")]
    TooManyPending,
    #[error(transparent)]
    Store(StoreError),
}

/// pending: store the new flow, unless its environment has `max_pending` unfinished ones.
pub async fn start(store: &dyn FlowStore, flow: &NewFlow, max_pending: u64) -> Result<(), StartError> {
    let pending =
        store.count_pending_flows(flow.environment_id, flow.created_at).await.map_err(StartError::Store)?;
    if pending >= max_pending {
        return Err(StartError::TooManyPending);
    }
    match store.insert_flow(flow).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict) => Err(StartError::FlowIdTaken),
        Err(error) => Err(StartError::Store(error)),
    }
}

/// Take a pending flow by its state (single use; unknown, used or expired → `None`).
pub async fn consume(store: &dyn FlowStore, state: &str, now: i64) -> StoreResult<Option<ConsumedFlow>> {
    store.consume_flow(&state_hash(state), now).await
}

/// What the store keeps of a flow's state: its SHA-256 (SPEC §13 "At rest"). A database
/// reader cannot finish anybody's flow with it. The state's time prefix (`random::state`) is
/// kept in front, so the index of the hashes holds the flows under way side by side: each
/// insert and each callback's lookup touches the same few pages, not a random one.
pub fn state_hash(state: &str) -> String {
    let hash = lookup_hash(state);
    match crate::crypto::random::state_time_prefix(state) {
        Some(prefix) => format!("{prefix}{hash}"),
        None => hash,
    }
}

/// The PKCE verifier as stored: sealed, bound to its flow.
pub fn seal_verifier(
    cipher: &Cipher,
    flow_id: &FlowId,
    verifier: &Secret<String>,
) -> Result<String, CipherError> {
    cipher.seal_text(verifier.expose(), &verifier_aad(flow_id))
}

/// The consumed flow's PKCE verifier, opened.
pub fn open_verifier(cipher: &Cipher, flow: &ConsumedFlow) -> Result<Option<Secret<String>>, CipherError> {
    flow.sealed_pkce_verifier
        .as_deref()
        .map(|sealed| cipher.open_text(sealed, &verifier_aad(&flow.flow_id)))
        .transpose()
}

fn verifier_aad(flow_id: &FlowId) -> Vec<u8> {
    crate::store::secrets::pkce_verifier_aad(flow_id.as_str())
}

/// pending → success | error, with the `flow ended` line. A failure to record is logged: the
/// popup message still goes out.
pub async fn finish(
    store: &dyn Store,
    watch: &FlowWatch,
    flow: &ConsumedFlow,
    outcome: &FlowOutcome,
    now: i64,
) {
    ended(flow, outcome);
    match store.finish_flow(&flow.flow_id, outcome, now).await {
        Ok(()) => announce(store, watch, &flow.flow_id).await,
        Err(error) => tracing::error!(%error, "could not record the flow outcome"),
    }
}

/// The same for a success the store recorded already, in the transaction that saved the
/// connection (`UpsertConnection::finishes_flow`): the line, the metrics and the wake-ups.
pub async fn finished(store: &dyn Store, watch: &FlowWatch, flow: &ConsumedFlow, outcome: &FlowOutcome) {
    ended(flow, outcome);
    announce(store, watch, &flow.flow_id).await;
}

fn ended(flow: &ConsumedFlow, outcome: &FlowOutcome) {
    crate::metrics::flow_ended(outcome);
    let duration_ms = crate::time::now_ms().saturating_sub(flow.started_at_ms).max(0);
    logging::ended(
        Some(&flow.integration_key),
        Some(&flow.connection_id),
        Some(&flow.flow_id),
        outcome,
        duration_ms,
    );
}

/// An error before a flow could start, recorded on the SDK's flow id so its second channel
/// learns it too; the record expires like a flow. An existing record wins.
pub async fn fail_before_start(
    store: &dyn Store,
    watch: &FlowWatch,
    flow_id: &FlowId,
    environment_id: Option<EnvironmentId>,
    error: &FlowError,
    now: i64,
    lifetime_seconds: i64,
) {
    crate::metrics::flow_failed(error);
    let expires_at = now.saturating_add(lifetime_seconds);
    match store.record_flow_error(flow_id, environment_id, error, now, expires_at).await {
        Ok(()) => announce(store, watch, flow_id).await,
        Err(store_error) => tracing::error!(error = %store_error, "could not record a flow error"),
    }
}

/// The outcome is recorded: wake this replica's waiter, and tell the other replicas.
async fn announce(store: &dyn Store, watch: &FlowWatch, flow_id: &FlowId) {
    watch.wake(flow_id);
    if let Err(error) = store.announce_flow_end(flow_id).await {
        // The other replicas' waiters re-read their records every few seconds anyway.
        tracing::warn!(%error, "could not announce a flow's end to the other replicas");
    }
}

/// The flow's state at `now` and its environment (when known); `None` for an unknown flow id.
pub async fn state(
    store: &dyn FlowStore,
    flow_id: &FlowId,
    now: i64,
) -> StoreResult<Option<(FlowState, Option<EnvironmentId>)>> {
    Ok(store.flow_record(flow_id).await?.map(|record| {
        let environment_id = record.environment_id;
        (FlowState::at(record, now), environment_id)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::ErrorCode;

    #[test]
    fn state_hashes_keep_the_time_in_front_and_nothing_else_of_the_state() {
        let (a, b) = (crate::crypto::random::state(1_000), crate::crypto::random::state(2_000));
        let (hash_a, hash_b) = (state_hash(&a), state_hash(&b));
        assert_eq!(hash_a.len(), 12 + 64);
        assert!(hash_a.starts_with("0000000003e8") && hash_a < hash_b, "{hash_a} {hash_b}");
        assert_eq!(&hash_a[12..], lookup_hash(&a));
        assert!(!hash_a.contains(&a[12..]));
        // A state of any other shape is hashed whole, as before.
        assert_eq!(state_hash("legacy-state"), lookup_hash("legacy-state"));
    }

    #[test]
    fn pending_expires_at_its_deadline_and_finished_flows_never_do() {
        let pending = FlowRecord { outcome: None, expires_at: 100, environment_id: Some(1) };
        assert_eq!(FlowState::at(pending.clone(), 40), FlowState::Pending { expires_in: 60 });
        assert_eq!(FlowState::at(pending, 100), FlowState::Expired);
        let error = FlowOutcome::Error(FlowError { code: ErrorCode::InvalidHmac, message: "m".into() });
        let finished = FlowRecord { outcome: Some(error.clone()), expires_at: 100, environment_id: None };
        assert_eq!(FlowState::at(finished, 1_000), FlowState::Finished(error));
    }
}
