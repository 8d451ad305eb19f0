//! The tasks every replica runs beside the server: purging expired flows and sessions,
//! flushing `last_fetched_at`, listening for flows other replicas ended, refreshing tokens
//! about to expire (`connections::proactive`), and delivering webhooks (`webhooks::worker`).
//! They stop when `Tasks` is dropped.

use crate::state::AppState;
use std::time::Duration;
use tokio::task::JoinHandle;

pub struct Tasks(Vec<JoinHandle<()>>);

impl Tasks {
    pub fn spawn(state: &AppState) -> Self {
        Self(vec![
            tokio::spawn(purge_expired_flows(state.clone())),
            tokio::spawn(flush_last_fetched(state.clone())),
            tokio::spawn(state.flow_watch.clone().listen(state.store.clone())),
            tokio::spawn(crate::connections::proactive::run(state.clone())),
            tokio::spawn(crate::webhooks::worker::run(state.clone())),
        ])
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Expired flow records are deleted an hour after their expiry, expired connect sessions at
/// once, so the tables stay small.
async fn purge_expired_flows(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(300));
    loop {
        tick.tick().await;
        let now = crate::time::now();
        if let Err(error) = state.store.purge_flows(now - 3600).await {
            tracing::warn!(%error, "could not purge expired flows");
        }
        if let Err(error) = state.store.purge_sessions(now).await {
            tracing::warn!(%error, "could not purge expired connect sessions");
        }
        if let Err(error) = state.store.purge_admin_sessions(now).await {
            tracing::warn!(%error, "could not purge expired admin console sessions");
        }
    }
}

/// Writes the reads' `last_fetched_at` every two seconds (connections/last_fetched.rs).
async fn flush_last_fetched(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        state.last_fetched.flush(state.store.as_ref()).await;
    }
}
