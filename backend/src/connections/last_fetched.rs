//! Pending `last_fetched_at` writes, taken off the read path. A read records the touch in memory; a
//! background task writes the pending touches every few seconds, one per connection, so a hot
//! `GET /connection` never waits for the single SQLite writer and many reads of one
//! connection cost one write.

use crate::store::{ConnectionKey, ConnectionStore};
use std::collections::HashMap;
use std::sync::Mutex;

/// Pending touches above this are written by the next flush anyway; the map never grows past it
/// between flushes (further touches of new connections are dropped until then).
const MAX_PENDING: usize = 100_000;

#[derive(Default)]
pub struct PendingLastFetched {
    pending: Mutex<HashMap<ConnectionKey, i64>>,
}

impl PendingLastFetched {
    /// Remember that `key` was read at `now` (the latest read wins).
    pub fn record(&self, key: &ConnectionKey, now: i64) {
        let Ok(mut pending) = self.pending.lock() else { return };
        if pending.len() >= MAX_PENDING && !pending.contains_key(key) {
            return;
        }
        pending.insert(key.clone(), now);
    }

    /// Write every pending touch; failures are logged (a lost touch only delays a timestamp).
    pub async fn flush(&self, store: &dyn ConnectionStore) {
        let batch: Vec<(ConnectionKey, i64)> = match self.pending.lock() {
            Ok(mut pending) => pending.drain().collect(),
            Err(_) => return,
        };
        for (key, at) in batch {
            if let Err(error) = store.touch_last_fetched(&key, at).await {
                tracing::warn!(%error, "could not record last_fetched_at");
            }
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
    use crate::ids::{ConnectionId, IntegrationKey};
    use crate::store::{EnvironmentStore, IntegrationStore, Schema};

    fn key(connection: &str) -> ConnectionKey {
        ConnectionKey {
            environment_id: 1,
            integration_key: IntegrationKey::parse("github").unwrap(),
            connection_id: ConnectionId::parse(connection).unwrap(),
        }
    }

    #[tokio::test]
    async fn many_reads_of_one_connection_are_one_write_with_the_latest_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::sqlite::SqliteStore::open(
            &dir.path().join("t.db"),
            crate::store::conformance::test_cipher(),
        )
        .await
        .unwrap();
        store.migrate().await.unwrap();
        let environment = store
            .create_environment(
                crate::store::NewEnvironment {
                    name: "dev".into(),
                    secret_key: crate::secret::Secret::new("s".repeat(32)),
                    public_key: "p".repeat(32),
                },
                0,
            )
            .await
            .unwrap();
        let input = crate::store::IntegrationInput {
            unique_key: IntegrationKey::parse("github").unwrap(),
            provider: "github".into(),
            client_id: None,
            client_secret: None,
            scopes: vec![],
            display_name: None,
            allowed_hosts: vec![],
        };
        store.create_integration(environment.id, &input, 0).await.unwrap();
        let mut stored = key("u1");
        stored.environment_id = environment.id;
        let upsert = crate::store::UpsertConnection {
            key: stored.clone(),
            provider: "github".into(),
            connection_config: Default::default(),
            sealed_credentials: vec![1, 2, 3],
            credentials_expires_at: None,
            end_user: None,
            tags: None,
            metadata: None,
            webhook_url_override: None,
            now: 0,
        };
        store.upsert_connection(&upsert).await.unwrap();

        let touches = PendingLastFetched::default();
        touches.record(&stored, 10);
        touches.record(&stored, 20);
        let mut missing = key("u2");
        missing.environment_id = environment.id;
        touches.record(&missing, 15);
        assert_eq!(touches.len(), 2);
        // A connection that does not exist is skipped quietly; the map is emptied either way.
        touches.flush(&store).await;
        assert!(touches.is_empty());
        let connection = store.get_connection(&stored).await.unwrap().unwrap();
        assert_eq!(connection.last_fetched_at, Some(20));
    }
}
