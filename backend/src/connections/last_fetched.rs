//! Pending `last_fetched_at` writes, taken off the read path. A read records the touch in memory; a
//! background task writes the pending touches every few seconds in a few statements, so a hot
//! `GET /connection` never waits for the single SQLite writer and many reads of one connection
//! cost one write. Touches are kept by row id (16 bytes each, no strings): 100k distinct
//! connections read between two flushes cost about 2 MiB, not the 15 MiB keys would.

use crate::store::ConnectionStore;
use std::collections::HashMap;
use std::sync::Mutex;

/// Pending touches above this are written by the next flush anyway; the map never grows past it
/// between flushes (further touches of new connections are dropped until then).
const MAX_PENDING: usize = 100_000;

#[derive(Default)]
pub struct PendingLastFetched {
    /// Row id → the latest read.
    pending: Mutex<HashMap<i64, i64>>,
}

impl PendingLastFetched {
    /// Remember that the connection with row id `id` was read at `now` (the latest read wins).
    pub fn record(&self, id: i64, now: i64) {
        let Ok(mut pending) = self.pending.lock() else { return };
        if pending.len() >= MAX_PENDING && !pending.contains_key(&id) {
            return;
        }
        pending.insert(id, now);
    }

    /// Write every pending touch; a failure is logged (a lost touch only delays a timestamp).
    pub async fn flush(&self, store: &dyn ConnectionStore) {
        let batch: Vec<(i64, i64)> = match self.pending.lock() {
            // Taken whole, so the map's memory goes with it instead of staying at its peak size.
            Ok(mut pending) => std::mem::take(&mut *pending).into_iter().collect(),
            Err(_) => return,
        };
        if batch.is_empty() {
            return;
        }
        if let Err(error) = store.touch_last_fetched(&batch).await {
            tracing::warn!(%error, touches = batch.len(), "could not record last_fetched_at");
        }
    }

    pub fn len(&self) -> usize {
        self.pending.lock().map_or(0, |pending| pending.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance::sqlite_with_connection;

    #[tokio::test]
    async fn many_reads_of_one_connection_are_one_write_with_the_latest_time() {
        let dir = tempfile::tempdir().unwrap();
        let (store, stored) = sqlite_with_connection(dir.path()).await;
        let id = store.get_connection(&stored).await.unwrap().unwrap().id;
        let touches = PendingLastFetched::default();
        touches.record(id, 10);
        touches.record(id, 20);
        touches.record(id + 1000, 15);
        assert_eq!(touches.len(), 2);
        // A connection that does not exist is skipped quietly; the map is emptied either way.
        touches.flush(&store).await;
        assert!(touches.is_empty());
        let connection = store.get_connection(&stored).await.unwrap().unwrap();
        assert_eq!(connection.last_fetched_at, Some(20));
    }
}
