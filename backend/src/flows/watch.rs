//! Who on this replica waits for which flow's end (the WebSocket result channel, SPEC §8, one
//! waiter per flow; and `/oauth/flows/{flow}/events` streams, any number per flow), and how a
//! waiter learns it: a wake-up when this replica records the outcome (`wake`),
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

/// The waiters of one replica: at most `capacity` result sockets and, apart from them, at
/// most `capacity` event streams at once.
pub struct FlowWatch {
    waiters: Mutex<HashMap<FlowId, Arc<Notify>>>,
    streams: Mutex<Streams>,
    capacity: usize,
}

#[derive(Default)]
struct Streams {
    by_flow: HashMap<FlowId, Vec<Arc<Notify>>>,
    open: usize,
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
    /// An event stream's (`subscribe`), not the flow's one socket (`register`).
    stream: bool,
}

impl FlowWatch {
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self { waiters: Mutex::default(), streams: Mutex::default(), capacity })
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
        Ok(Waiter { watch: self.clone(), flow_id, notify, stream: false })
    }

    /// Wait for `flow_id` from an event stream: several may wait for one flow.
    pub fn subscribe(self: &Arc<Self>, flow_id: FlowId) -> Result<Waiter, WatchError> {
        let mut streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
        if streams.open >= self.capacity {
            return Err(WatchError::Full);
        }
        let notify = Arc::new(Notify::new());
        streams.by_flow.entry(flow_id.clone()).or_default().push(notify.clone());
        streams.open += 1;
        Ok(Waiter { watch: self.clone(), flow_id, notify, stream: true })
    }

    /// The flow has an outcome now: its waiters (if on this replica) read the record.
    pub fn wake(&self, flow_id: &FlowId) {
        // Stored permits: a wake between a waiter's read and its wait is not lost.
        if let Some(notify) = self.waiters.lock().unwrap_or_else(PoisonError::into_inner).get(flow_id) {
            notify.notify_one();
        }
        let streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
        for notify in streams.by_flow.get(flow_id).into_iter().flatten() {
            notify.notify_one();
        }
    }

    /// Event streams open now.
    pub fn streams(&self) -> usize {
        self.streams.lock().unwrap_or_else(PoisonError::into_inner).open
    }

    /// Result sockets open now.
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
            // One timer, not two: each idle waiter keeps it for as long as it waits.
            let wake_at = deadline.min(Instant::now() + RECHECK);
            tokio::select! {
                () = self.notify.notified() => {}
                () = tokio::time::sleep_until(wake_at) => {}
            }
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        if !self.stream {
            self.watch.waiters.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.flow_id);
            return;
        }
        let mut streams = self.watch.streams.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = streams.by_flow.get_mut(&self.flow_id) {
            list.retain(|notify| !Arc::ptr_eq(notify, &self.notify));
            if list.is_empty() {
                streams.by_flow.remove(&self.flow_id);
            }
        }
        streams.open = streams.open.saturating_sub(1);
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
    async fn streams_share_a_flow_have_their_own_cap_and_are_all_woken() {
        let watch = FlowWatch::new(2);
        let _socket = watch.register(flow(1)).unwrap();
        let first = watch.subscribe(flow(1)).unwrap();
        let second = watch.subscribe(flow(1)).unwrap();
        assert!(matches!(watch.subscribe(flow(2)), Err(WatchError::Full)));
        assert_eq!((watch.len(), watch.streams()), (1, 2));
        watch.wake(&flow(1));
        for waiter in [&first, &second] {
            tokio::time::timeout(Duration::from_millis(100), waiter.notify.notified()).await.unwrap();
        }
        drop(first);
        assert_eq!(watch.streams(), 1);
        assert!(watch.subscribe(flow(2)).is_ok());
        drop(second);
        assert!(!watch.streams.lock().unwrap().by_flow.contains_key(&flow(1)), "unregistered");
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
