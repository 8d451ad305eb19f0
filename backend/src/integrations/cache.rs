//! Integrations by environment and key, kept for about a second: every OAuth flow reads its
//! integration twice (`/oauth/connect` and the callback), each read a query plus opening the
//! sealed client secret. A change made through this process (`integrations::create`, `update`,
//! `delete`) clears the cache at once; one made by another replica or the CLI is seen within
//! the TTL, as with environments (`environment_cache.rs`). Connections are never cached.

use crate::ids::{EnvironmentId, IntegrationKey};
use crate::store::{Integration, IntegrationStore, StoreResult};
use crate::ttl_cache::TtlCache;
use std::sync::Arc;
use std::time::Duration;

/// More distinct integrations than this just empties the map.
const MAX_ENTRIES: usize = 1024;

pub struct IntegrationCache(TtlCache<(EnvironmentId, IntegrationKey), Integration>);

impl IntegrationCache {
    pub fn new(ttl: Duration) -> Self {
        Self(TtlCache::new(ttl, MAX_ENTRIES))
    }

    /// The integration `key` of `environment_id`, from the cache or the store.
    pub async fn get(
        &self,
        store: &dyn IntegrationStore,
        environment_id: EnvironmentId,
        key: &IntegrationKey,
    ) -> StoreResult<Option<Arc<Integration>>> {
        let load = store.get_integration(environment_id, key);
        self.0.get_or_load((environment_id, key.clone()), load).await
    }

    /// Forget everything: call after creating, changing or deleting an integration.
    pub fn clear(&self) {
        self.0.clear();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::conformance::sqlite_with_connection;
    use crate::store::IntegrationInput;

    #[tokio::test]
    async fn served_for_the_ttl_and_read_again_after_a_change_clears_it() {
        let dir = tempfile::tempdir().unwrap();
        let (store, key) = sqlite_with_connection(dir.path()).await;
        let (env, integration) = (key.environment_id, key.integration_key.clone());
        let cache = IntegrationCache::new(Duration::from_secs(3600));
        let first = cache.get(&store, env, &integration).await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &cache.get(&store, env, &integration).await.unwrap().unwrap()));

        let input = IntegrationInput {
            unique_key: integration.clone(),
            provider: first.provider.clone(),
            client_id: Some("a-new-client-id".into()),
            client_secret: first.client_secret.clone(),
            scopes: first.scopes.clone(),
            display_name: first.display_name.clone(),
            allowed_hosts: first.allowed_hosts.clone(),
        };
        store.update_integration(env, &integration, &input, 10).await.unwrap().unwrap();
        let stale = cache.get(&store, env, &integration).await.unwrap().unwrap();
        assert_eq!(stale.client_id, first.client_id, "within the TTL, until cleared");
        cache.clear();
        let fresh = cache.get(&store, env, &integration).await.unwrap().unwrap();
        assert_eq!(fresh.client_id.as_deref(), Some("a-new-client-id"));

        assert!(store.delete_integration(env, &integration).await.unwrap());
        cache.clear();
        assert!(cache.get(&store, env, &integration).await.unwrap().is_none());
        let unknown = IntegrationKey::parse("no-such-integration").unwrap();
        assert!(cache.get(&store, env, &unknown).await.unwrap().is_none());
    }
}
