//! A small in-memory map whose entries are served for a fixed time after they were loaded:
//! what the environment and integration caches are made of. Only values that exist are kept
//! (a lookup of an unknown key always reaches the store, so guessing keys cannot fill the map);
//! past `max_entries` the map is emptied rather than evicted entry by entry (the keys are
//! few: environments and their integrations). Values are shared by `Arc`, not copied.

use crate::store::StoreResult;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<K, (Arc<V>, Instant)>>,
}

impl<K: Hash + Eq, V> TtlCache<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self { ttl, max_entries, entries: Mutex::new(HashMap::new()) }
    }

    /// The value under `key` if it was loaded less than `ttl` ago, else `load`'s (kept when
    /// it found one).
    pub async fn get_or_load(
        &self,
        key: K,
        load: impl Future<Output = StoreResult<Option<V>>>,
    ) -> StoreResult<Option<Arc<V>>> {
        if let Some(value) = self.fresh(&key, Instant::now()) {
            return Ok(Some(value));
        }
        let found = load.await?.map(Arc::new);
        if let Some(value) = &found {
            if let Ok(mut entries) = self.entries.lock() {
                if entries.len() >= self.max_entries {
                    entries.clear();
                }
                entries.insert(key, (value.clone(), Instant::now()));
            }
        }
        Ok(found)
    }

    /// Forget everything (after a change through this process).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    fn fresh(&self, key: &K, now: Instant) -> Option<Arc<V>> {
        let entries = self.entries.lock().ok()?;
        let (value, loaded_at) = entries.get(key)?;
        (now.duration_since(*loaded_at) < self.ttl).then(|| value.clone())
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

        let uncached = TtlCache::new(Duration::ZERO, 8);
        uncached.get_or_load(1, async { Ok(Some("a")) }).await.unwrap();
        let b = uncached.get_or_load(1, async { Ok(Some("b")) }).await.unwrap().unwrap();
        assert_eq!(*b, "b", "with no TTL every lookup loads");
    }
}
