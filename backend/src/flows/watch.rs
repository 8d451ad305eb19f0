//! Who on this replica waits for which flow's end (the WebSocket result channel, SPEC §8),
//! and how a waiter learns it: a wake-up when this replica records the outcome (`wake`),
//! a store notice when another replica does (`listen`: Postgres `LISTEN`), and a re-read of
//! the flow record every few seconds as the safety net for a lost notice. The flow record
//! stays the only source of truth: a wake-up only says "read it now".

use super::FlowState;
use crate::ids::{EnvironmentId, FlowId};
use crate::store::{FlowStore, Store, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// How often a waiter re-reads its flow record without being woken.
const RECHECK: Duration = Duration::from_secs(3);

/// The waiters of one replica, at most `capacity` at once.
pub struct FlowWatch {
    waiters: Mutex<HashMap<FlowId, Arc<Notify>>>,
    capacity: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("too many result sockets are open; try again in a minute")]
    Full,
    #[error("this flow id is already watched")]
    Taken,
}

/// A registered waiter; dropping it unregisters.
pub struct Waiter {
    watch: Arc<FlowWatch>,
    flow_id: FlowId,
    notify: Arc<Notify>,
}

impl FlowWatch {
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self { waiters: Mutex::default(), capacity })
    }

    /// Wait for `flow_id` (which need not exist yet).
    pub fn register(self: &Arc<Self>, flow_id: FlowId) -> Result<Waiter, WatchError> {
        let mut waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        if waiters.len() >= self.capacity {
            return Err(WatchError::Full);
        }
        if waiters.contains_key(&flow_id) {
            return Err(WatchError::Taken);
        }
        let notify = Arc::new(Notify::new());
        waiters.insert(flow_id.clone(), notify.clone());
        Ok(Waiter { watch: self.clone(), flow_id, notify })
    }

    /// The flow has an outcome now: its waiter (if on this replica) reads the record.
    pub fn wake(&self, flow_id: &FlowId) {
        let waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(notify) = waiters.get(flow_id) {
            // A stored permit: a wake between the waiter's read and its wait is not lost.
            notify.notify_one();
        }
    }

    /// Waiters open now.
    pub fn len(&self) -> usize {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forward the store's notices of flows other replicas ended, for as long as the process
    /// runs; returns at once when the store has no such channel (SQLite).
    pub async fn listen(self: Arc<Self>, store: Arc<dyn Store>) {
        let mut notices = match store.flow_end_notices().await {
            Ok(Some(notices)) => notices,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "flow notices: cannot listen; result sockets fall back to re-reading");
                return;
            }
        };
        while let Some(flow_id) = notices.recv().await {
            self.wake(&flow_id);
        }
    }
}

impl Waiter {
    pub fn flow_id(&self) -> &FlowId {
        &self.flow_id
    }

    /// The flow's end (finished, or expired) and its environment, or `None` when `give_up`
    /// passes first while the flow has not even started. A started flow is waited for until
    /// its own expiry.
    pub async fn outcome(
        &self,
        store: &dyn FlowStore,
        give_up: Instant,
    ) -> StoreResult<Option<(FlowState, Option<EnvironmentId>)>> {
        loop {
            let deadline = match super::state(store, &self.flow_id, crate::time::now()).await? {
                Some((FlowState::Pending { expires_in }, _)) => {
                    // One second past the expiry, so the next read says `Expired`.
                    Instant::now() + Duration::from_secs(expires_in.max(0) as u64 + 1)
                }
                Some(ended) => return Ok(Some(ended)),
                None if Instant::now() >= give_up => return Ok(None),
                None => give_up,
            };
            tokio::select! {
                () = self.notify.notified() => {}
                () = tokio::time::sleep(RECHECK) => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut waiters = self.watch.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        waiters.remove(&self.flow_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(n: u8) -> FlowId {
        FlowId::parse(format!("flow-watch-test-{n:02}")).unwrap()
    }

    #[test]
    fn capacity_and_unregistering() {
        let watch = FlowWatch::new(2);
        let first = watch.register(flow(1)).unwrap();
        assert!(matches!(watch.register(flow(1)), Err(WatchError::Taken)));
        let _second = watch.register(flow(2)).unwrap();
        assert!(matches!(watch.register(flow(3)), Err(WatchError::Full)));
        drop(first);
        assert_eq!(watch.len(), 1);
        assert!(watch.register(flow(3)).is_ok());
    }

    #[tokio::test]
    async fn a_wake_before_the_wait_is_kept() {
        let watch = FlowWatch::new(1);
        let waiter = watch.register(flow(1)).unwrap();
        watch.wake(&flow(1));
        // The stored permit makes this return at once instead of after RECHECK.
        tokio::time::timeout(Duration::from_millis(100), waiter.notify.notified()).await.unwrap();
        watch.wake(&flow(9)); // nobody waits: nothing happens
    }
}
