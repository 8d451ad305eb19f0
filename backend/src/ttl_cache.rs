//! A small in-memory map whose entries are served for a fixed time after they were loaded:
//! what the environment and integration caches are made of. Only values that exist are kept
//! (a lookup of an unknown key always reaches the store, so guessing keys cannot fill the map);
//! past `max_entries` the map is emptied rather than evicted entry by entry (the keys are
//! few: environments and their integrations). Values are shared by `Arc`, not copied. A load
//! that a `clear` overtook is answered but not kept: what it read may predate the change.

use crate::store::StoreResult;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    map: HashMap<K, (Arc<V>, Instant)>,
    /// How many times the map was cleared: a load keeps its value only if none came between.
    clears: u64,
}

impl<K: Hash + Eq, V> TtlCache<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self { ttl, max_entries, entries: Mutex::new(Entries { map: HashMap::new(), clears: 0 }) }
    }

    /// The value under `key` if it was loaded less than `ttl` ago, else `load`'s (kept when
    /// it found one).
    pub async fn get_or_load(
        &self,
        key: K,
        load: impl Future<Output = StoreResult<Option<V>>>,
    ) -> StoreResult<Option<Arc<V>>> {
        let clears = match self.fresh(&key, Instant::now()) {
            Ok(value) => return Ok(Some(value)),
            Err(clears) => clears,
        };
        let found = load.await?.map(Arc::new);
        if let Some(value) = &found {
            if let Ok(mut entries) = self.entries.lock() {
                if clears == Some(entries.clears) {
                    if entries.map.len() >= self.max_entries {
                        entries.map.clear();
                    }
                    entries.map.insert(key, (value.clone(), Instant::now()));
                }
            }
        }
        Ok(found)
    }

    /// Forget everything (after a change through this process).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.map.clear();
            entries.clears += 1;
        }
    }

    /// The value under `key` if fresh, else the number of clears so far (`None`: the lock is
    /// poisoned, and nothing loaded is kept).
    fn fresh(&self, key: &K, now: Instant) -> Result<Arc<V>, Option<u64>> {
        let entries = self.entries.lock().map_err(|_| None)?;
        match entries.map.get(key) {
            Some((value, loaded_at)) if now.duration_since(*loaded_at) < self.ttl => Ok(value.clone()),
            _ => Err(Some(entries.clears)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn found_values_are_served_for_the_ttl_unknown_ones_never_kept() {
        let cache = TtlCache::new(Duration::from_secs(3600), 2);
        let first = cache.get_or_load(1, async { Ok(Some("one")) }).await.unwrap().unwrap();
        let again = cache.get_or_load(1, async { Ok(Some("changed")) }).await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &again), "served from the map, not loaded again");
        assert!(cache.get_or_load(2, async { Ok(None) }).await.unwrap().is_none());
        let loaded = cache.get_or_load(2, async { Ok(Some("two")) }).await.unwrap().unwrap();
        assert_eq!(*loaded, "two", "a miss is not remembered");

        // Full: the next new key empties the map first.
        cache.get_or_load(3, async { Ok(Some("three")) }).await.unwrap();
        let reloaded = cache.get_or_load(1, async { Ok(Some("one again")) }).await.unwrap().unwrap();
        assert_eq!(*reloaded, "one again");

        cache.clear();
        let cleared = cache.get_or_load(1, async { Ok(Some("after clear")) }).await.unwrap().unwrap();
        assert_eq!(*cleared, "after clear");

        // A load a clear overtook answers its caller but is not kept.
        let (loaded, load) = tokio::sync::oneshot::channel::<&str>();
        let slow = cache.get_or_load(4, async { Ok(Some(load.await.unwrap())) });
        let overtaken = async {
            tokio::task::yield_now().await;
            cache.clear();
            loaded.send("read before the change").unwrap();
        };
        let (answer, ()) = tokio::join!(slow, overtaken);
        assert_eq!(*answer.unwrap().unwrap(), "read before the change");
        let reread =
            cache.get_or_load(4, async { Ok(Some("read after the change")) }).await.unwrap().unwrap();
        assert_eq!(*reread, "read after the change");

        let uncached = TtlCache::new(Duration::ZERO, 8);
        uncached.get_or_load(1, async { Ok(Some("a")) }).await.unwrap();
        let b = uncached.get_or_load(1, async { Ok(Some("b")) }).await.unwrap().unwrap();
        assert_eq!(*b, "b", "with no TTL every lookup loads");
    }
}
