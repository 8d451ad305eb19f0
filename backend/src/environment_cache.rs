//! A short-lived in-memory cache of environments by secret key, by public key and by id. The
//! secret-key check runs on every REST call, and every OAuth flow looks its environment up by
//! public key (`/oauth/connect`) and by id (the callback); environments rarely change, so one
//! database round trip per lookup is saved. Entries live for `ttl` (about a second): a change
//! made on another replica is seen within it; a change made through this process clears the
//! cache at once.

use crate::ids::EnvironmentId;
use crate::store::{Environment, EnvironmentStore, StoreResult};
use crate::ttl_cache::TtlCache;
use std::sync::Arc;
use std::time::Duration;

/// More distinct entries than this (there are three per environment) just empties the map.
const MAX_ENTRIES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Secret(String),
    Public(String),
    Id(EnvironmentId),
}

pub struct EnvironmentCache(TtlCache<Key, Environment>);

impl EnvironmentCache {
    pub fn new(ttl: Duration) -> Self {
        Self(TtlCache::new(ttl, MAX_ENTRIES))
    }

    /// The environment with this secret key, from the cache or the store. Only keys that exist
    /// are cached, so guessing keys cannot fill the map. Callers still compare the key in
    /// constant time. Shared, not copied: one reference count per request.
    pub async fn by_secret_key(
        &self,
        store: &dyn EnvironmentStore,
        secret_key: &str,
    ) -> StoreResult<Option<Arc<Environment>>> {
        let key = Key::Secret(secret_key.to_owned());
        self.0.get_or_load(key, store.environment_by_secret_key(secret_key)).await
    }

    /// The environment with this public key, the same way (callers compare it in constant time).
    pub async fn by_public_key(
        &self,
        store: &dyn EnvironmentStore,
        public_key: &str,
    ) -> StoreResult<Option<Arc<Environment>>> {
        let key = Key::Public(public_key.to_owned());
        self.0.get_or_load(key, store.environment_by_public_key(public_key)).await
    }

    /// The environment with this id, the same way.
    pub async fn by_id(
        &self,
        store: &dyn EnvironmentStore,
        id: EnvironmentId,
    ) -> StoreResult<Option<Arc<Environment>>> {
        self.0.get_or_load(Key::Id(id), store.environment_by_id(id)).await
    }

    /// Forget everything: call after changing an environment's keys or settings.
    pub fn clear(&self) {
        self.0.clear();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::secret::Secret;
    use crate::store::conformance::{sqlite_with_connection, NOW};

    #[tokio::test]
    async fn lookups_by_each_key_are_served_for_the_ttl_and_cleared_by_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let (store, key) = sqlite_with_connection(dir.path()).await;
        let id = key.environment_id;
        let before = store.environment_by_id(id).await.unwrap().unwrap();
        let cache = EnvironmentCache::new(Duration::from_secs(3600));
        let by_public = cache.by_public_key(&store, &before.public_key).await.unwrap().unwrap();
        let by_id = cache.by_id(&store, id).await.unwrap().unwrap();
        let by_secret = cache.by_secret_key(&store, before.secret_key.expose()).await.unwrap().unwrap();
        assert_eq!(by_public.id, by_id.id);
        assert!(
            Arc::ptr_eq(&by_id, &cache.by_id(&store, id).await.unwrap().unwrap()),
            "served from the cache"
        );
        assert_eq!(by_secret.id, id);

        // Another process changes the keys: within the TTL the cache answers as before ...
        let new_secret = Secret::new("a-new-secret-key-0123456789abcdef".to_string());
        store.set_environment_keys(id, &new_secret, "a-new-public-key-0123", NOW + 1).await.unwrap();
        let stale = cache.by_public_key(&store, &before.public_key).await.unwrap();
        assert!(stale.is_some_and(|environment| environment.public_key == before.public_key));
        // ... and after `clear` (what this process calls after its own change) it reads again.
        cache.clear();
        assert!(cache.by_public_key(&store, &before.public_key).await.unwrap().is_none());
        assert!(cache.by_secret_key(&store, before.secret_key.expose()).await.unwrap().is_none());
        let fresh = cache.by_id(&store, id).await.unwrap().unwrap();
        assert_eq!(fresh.public_key, "a-new-public-key-0123");

        // Unknown keys are not remembered; with no TTL every lookup reads the store.
        assert!(cache.by_public_key(&store, "no-such-public-key").await.unwrap().is_none());
        let uncached = EnvironmentCache::new(Duration::ZERO);
        let first = uncached.by_id(&store, id).await.unwrap().unwrap();
        let second = uncached.by_id(&store, id).await.unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
    }
}
