//! A short-lived in-memory cache of environments by secret key. The secret-key check runs on
//! every REST call and environments rarely change, so one database round trip per request is
//! saved. Entries live for `ttl` (about a second): a change made on another replica is seen
//! within it; a change made through this process clears the cache at once.

use crate::store::{Environment, EnvironmentStore, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// More distinct valid keys than this (there is one per environment) just empties the map.
const MAX_ENTRIES: usize = 256;

pub struct EnvironmentCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Arc<Environment>, Instant)>>,
}

impl EnvironmentCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The environment with this secret key, from the cache or the store. Only keys that exist
    /// are cached, so guessing keys cannot fill the map. Callers still compare the key in
    /// constant time. Shared, not copied: one reference count per request.
    pub async fn by_secret_key(
        &self,
        store: &dyn EnvironmentStore,
        secret_key: &str,
    ) -> StoreResult<Option<Arc<Environment>>> {
        if let Some(environment) = self.fresh(secret_key, Instant::now()) {
            return Ok(Some(environment));
        }
        let found = store.environment_by_secret_key(secret_key).await?.map(Arc::new);
        if let Some(environment) = &found {
            if let Ok(mut entries) = self.entries.lock() {
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
                entries.insert(secret_key.to_owned(), (environment.clone(), Instant::now()));
            }
        }
        Ok(found)
    }

    /// Forget everything: call after changing an environment's keys or settings.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    fn fresh(&self, secret_key: &str, now: Instant) -> Option<Arc<Environment>> {
        let entries = self.entries.lock().ok()?;
        let (environment, cached_at) = entries.get(secret_key)?;
        (now.duration_since(*cached_at) < self.ttl).then(|| environment.clone())
    }
}
