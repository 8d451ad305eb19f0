//! One async suite over `&dyn Store`, run against both backends (Hydra's manager test helpers).
//!
//! Every function sets up its own environment, so the order does not matter. The SQLite
//! run uses a temporary file; the Postgres run a fresh schema of `DATABASE_URL` and fails
//! when that database is unreachable.

// Test-only module (`#[cfg(test)] mod conformance`): failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use crate::ids::ConnectionId;
use serde_json::json;

mod connections;
mod environment_variables;
pub(crate) mod flows;
mod health;
mod integrations;
mod sealing;
mod sessions;
pub(crate) mod webhooks;
use connections::{connections_filters, connections_list, refresh_lock};
use flows::{flow_notices, flows_outcome, flows_single_use};
use health::connection_health;
use integrations::{integration_rename_and_delete, integrations};
use sessions::{admin_sessions_lifecycle, sessions_lifecycle};

pub async fn run_all(store: &dyn Store) {
    store.migrate().await.unwrap();
    // Migrations are idempotent.
    store.migrate().await.unwrap();
    environments(store).await;
    integrations(store).await;
    integration_rename_and_delete(store).await;
    connections_upsert(store).await;
    connections_merge(store).await;
    connections_list(store).await;
    connections_filters(store).await;
    connection_health(store).await;
    refresh_lock(store).await;
    flows_single_use(store).await;
    flows_outcome(store).await;
    sessions_lifecycle(store).await;
    admin_sessions_lifecycle(store).await;
    environment_variables::environment_variables(store).await;
    webhooks::webhooks_outbox(store).await;
    webhooks::upsert_writes_its_webhook(store).await;
}

pub(crate) const NOW: i64 = 1_700_000_000;

/// The cipher the stores under test seal their secrets with.
pub fn test_cipher() -> crate::crypto::Cipher {
    crate::crypto::Cipher::from_base64(&Secret::new("dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcyEhISE=".into()))
        .unwrap()
}

/// A migrated SQLite store in `dir` with one environment, integration `github` and its
/// connection `u1` (sealed credentials `[1, 2, 3]`).
pub async fn sqlite_with_connection(dir: &std::path::Path) -> (super::sqlite::SqliteStore, ConnectionKey) {
    use crate::ids::{ConnectionId, IntegrationKey};
    let store = super::sqlite::SqliteStore::open(&dir.join("t.db"), test_cipher()).await.unwrap();
    store.migrate().await.unwrap();
    let new = crate::store::NewEnvironment {
        name: "dev".into(),
        secret_key: crate::secret::Secret::new("s".repeat(32)),
        public_key: "p".repeat(32),
    };
    let environment = store.create_environment(new, 0).await.unwrap();
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
    let key = ConnectionKey {
        environment_id: environment.id,
        integration_key: IntegrationKey::parse("github").unwrap(),
        connection_id: ConnectionId::parse("u1").unwrap(),
    };
    let upsert = crate::store::UpsertConnection {
        key: key.clone(),
        provider: "github".into(),
        connection_config: Default::default(),
        sealed_credentials: vec![1, 2, 3],
        credentials_expires_at: None,
        end_user: None,
        tags: None,
        metadata: None,
        webhook_url_override: None,
        finishes_flow: None,
        now: 0,
    };
    store.upsert_connection(&upsert).await.unwrap();
    (store, key)
}

fn map(value: serde_json::Value) -> JsonMap {
    match value {
        serde_json::Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

async fn new_environment(store: &dyn Store, name: &str) -> Environment {
    let new = NewEnvironment {
        name: name.into(),
        secret_key: Secret::new(format!("secret-{name}")),
        public_key: format!("public-{name}"),
    };
    store.create_environment(new, NOW).await.unwrap()
}

fn integration_input(key: &str) -> IntegrationInput {
    IntegrationInput {
        unique_key: IntegrationKey::parse(key).unwrap(),
        provider: "demo".into(),
        client_id: Some(format!("client-{key}")),
        client_secret: Some(Secret::new(format!("client-secret-{key}"))),
        scopes: vec!["read".into(), "write".into()],
        display_name: None,
        allowed_hosts: vec![],
    }
}

fn key(env: &Environment, integration: &str, connection: &str) -> ConnectionKey {
    ConnectionKey {
        environment_id: env.id,
        integration_key: IntegrationKey::parse(integration).unwrap(),
        connection_id: ConnectionId::parse(connection).unwrap(),
    }
}

fn upsert(key: &ConnectionKey, config: JsonMap, sealed: &[u8], now: i64) -> UpsertConnection {
    UpsertConnection {
        key: key.clone(),
        provider: "demo".into(),
        connection_config: config,
        sealed_credentials: sealed.to_vec(),
        credentials_expires_at: None,
        end_user: None,
        tags: None,
        metadata: None,
        webhook_url_override: None,
        finishes_flow: None,
        now,
    }
}

/// An environment with integration `int` and connection `conn`.
async fn with_connection(store: &dyn Store, name: &str) -> (Environment, ConnectionKey) {
    let env = new_environment(store, name).await;
    store.create_integration(env.id, &integration_input("int"), NOW).await.unwrap();
    let key = key(&env, "int", "conn");
    store.upsert_connection(&upsert(&key, JsonMap::new(), b"sealed", NOW)).await.unwrap();
    (env, key)
}

async fn environments(store: &dyn Store) {
    let first = store.default_environment().await.unwrap();
    let env = new_environment(store, "env-a").await;
    let default = store.default_environment().await.unwrap().unwrap();
    // The default environment is the first one ever created.
    assert_eq!(default.id, first.map_or(env.id, |first| first.id));
    assert_eq!(env.secret_key.expose(), "secret-env-a");
    assert_eq!(env.settings.allowed_origins, Vec::<String>::new());
    assert!(!env.settings.hmac_enabled);

    let found = store.environment_by_secret_key("secret-env-a").await.unwrap().unwrap();
    assert_eq!(found.id, env.id);
    let found = store.environment_by_public_key("public-env-a").await.unwrap().unwrap();
    assert_eq!(found.id, env.id);
    assert_eq!(store.environment_by_id(env.id).await.unwrap().unwrap().name, "env-a");
    assert!(store.environment_by_id(i64::MAX).await.unwrap().is_none());
    assert!(store.environment_by_secret_key("nope").await.unwrap().is_none());
    assert!(store.environment_by_public_key("secret-env-a").await.unwrap().is_none());

    // Keys are unique.
    let duplicate = NewEnvironment {
        name: "dup".into(),
        secret_key: Secret::new("other-secret".into()),
        public_key: "public-env-a".into(),
    };
    assert!(matches!(store.create_environment(duplicate, NOW).await, Err(StoreError::Conflict)));

    store.set_environment_keys(env.id, &Secret::new("s2-env-a".into()), "p2-env-a", NOW + 1).await.unwrap();
    assert!(store.environment_by_secret_key("secret-env-a").await.unwrap().is_none());
    let found = store.environment_by_secret_key("s2-env-a").await.unwrap().unwrap();
    assert_eq!((found.public_key.as_str(), found.updated_at), ("p2-env-a", NOW + 1));

    let settings = EnvironmentSettings {
        callback_url: Some("https://app.example/callback".into()),
        hmac_enabled: true,
        hmac_key: Some(Secret::new("hmac-key".into())),
        webhook_url: Some("https://app.example/hook".into()),
        allowed_origins: vec!["https://app.example".into(), "http://localhost:3000".into()],
    };
    let updated = store.update_environment_settings(env.id, &settings, NOW + 2).await.unwrap();
    let reread = store.environment_by_public_key("p2-env-a").await.unwrap().unwrap();
    for got in [&updated, &reread] {
        assert_eq!(got.settings.callback_url, settings.callback_url);
        assert!(got.settings.hmac_enabled);
        assert_eq!(got.settings.hmac_key.as_ref().unwrap().expose(), "hmac-key");
        assert_eq!(got.settings.webhook_url, settings.webhook_url);
        assert_eq!(got.settings.allowed_origins, settings.allowed_origins);
        assert_eq!((got.created_at, got.updated_at), (NOW, NOW + 2));
    }
    let missing = store.update_environment_settings(i64::MAX, &settings, NOW).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

async fn connections_upsert(store: &dyn Store) {
    let env = new_environment(store, "env-upsert").await;
    store.create_integration(env.id, &integration_input("int"), NOW).await.unwrap();
    let key = key(&env, "int", "user-1");
    assert!(store.get_connection(&key).await.unwrap().is_none());

    // Sealed credentials are opaque bytes, stored exactly as given.
    let sealed: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
    let config = map(json!({"subdomain": "acme"}));
    let (created, outcome) =
        store.upsert_connection(&upsert(&key, config.clone(), &sealed, NOW)).await.unwrap();
    assert_eq!(outcome, UpsertOutcome::Created);
    assert_eq!(created.sealed_credentials, sealed);
    assert_eq!((created.status.as_str(), created.metadata.len()), ("active", 0));
    let got = store.get_connection(&key).await.unwrap().unwrap();
    assert_eq!((got.id, &got.sealed_credentials, &got.connection_config), (created.id, &sealed, &config));
    assert_eq!((got.provider.as_str(), got.created_at, got.last_fetched_at), ("demo", NOW, None));

    let metadata = map(json!({"plan": "pro", "seats": 3}));
    assert_eq!(store.replace_metadata(&key, &metadata, NOW + 1).await.unwrap(), Some(metadata.clone()));
    let revoked = RefreshRecord {
        credentials: None,
        status: ConnectionStatus::NeedsReauth,
        health: Default::default(),
    };
    assert!(store.record_refresh(&key, &revoked, NOW + 2, &|_, _| None).await.unwrap().is_some());
    assert_eq!(store.get_connection(&key).await.unwrap().unwrap().status, ConnectionStatus::NeedsReauth);

    // Upserting again replaces credentials + config, keeps metadata and created_at.
    let config2 = map(json!({"subdomain": "other"}));
    let (over, outcome) =
        store.upsert_connection(&upsert(&key, config2.clone(), b"new", NOW + 10)).await.unwrap();
    assert_eq!(outcome, UpsertOutcome::Overridden);
    let got = store.get_connection(&key).await.unwrap().unwrap();
    for c in [&over, &got] {
        assert_eq!(
            (c.id, c.metadata.clone(), c.connection_config.clone()),
            (created.id, metadata.clone(), config2.clone())
        );
        assert_eq!((c.sealed_credentials.as_slice(), c.status.as_str()), (&b"new"[..], "active"));
        assert_eq!((c.created_at, c.updated_at), (NOW, NOW + 10));
    }
    let (_, outcome) = store.upsert_connection(&upsert(&key, config2, b"new", NOW + 10)).await.unwrap();
    assert_eq!(outcome, UpsertOutcome::Overridden);

    let refreshed = RefreshRecord {
        credentials: Some((b"refreshed".to_vec(), Some(NOW + 3600))),
        status: ConnectionStatus::Active,
        health: Default::default(),
    };
    assert!(store.record_refresh(&key, &refreshed, NOW + 20, &|_, _| None).await.unwrap().is_some());
    let row_id = store.get_connection(&key).await.unwrap().unwrap().id;
    store.touch_last_fetched(&[(row_id, NOW + 21), (i64::MAX, NOW + 21)]).await.unwrap();
    let got = store.get_connection(&key).await.unwrap().unwrap();
    assert_eq!(got.sealed_credentials, b"refreshed");
    assert_eq!((got.updated_at, got.last_fetched_at), (NOW + 20, Some(NOW + 21)));

    let missing = self::key(&env, "int", "missing");
    assert!(store.record_refresh(&missing, &refreshed, NOW, &|_, _| None).await.unwrap().is_none());
    assert!(store.replace_metadata(&missing, &metadata, NOW).await.unwrap().is_none());
    // An older read does not move it back.
    store.touch_last_fetched(&[(row_id, NOW + 5)]).await.unwrap();
    assert_eq!(store.get_connection(&key).await.unwrap().unwrap().last_fetched_at, Some(NOW + 21));

    // Delete, then upsert again: a new connection.
    assert!(store.delete_connection(&key).await.unwrap());
    assert!(!store.delete_connection(&key).await.unwrap());
    assert!(store.get_connection(&key).await.unwrap().is_none());
    let (again, outcome) =
        store.upsert_connection(&upsert(&key, JsonMap::new(), b"x", NOW + 30)).await.unwrap();
    assert_eq!((outcome, again.metadata.len(), again.created_at), (UpsertOutcome::Created, 0, NOW + 30));
    assert_ne!(again.id, created.id);
}

async fn connections_merge(store: &dyn Store) {
    let (env, key) = with_connection(store, "env-merge").await;
    let metadata = map(json!({"plan": "free", "nested": {"a": 1, "b": 2}, "keep": true}));
    store.replace_metadata(&key, &metadata, NOW).await.unwrap();

    // Shallow: top-level keys are replaced whole, others kept, null is a value.
    let patch = map(json!({"plan": "pro", "nested": {"c": 3}, "gone": null}));
    let merged = store.merge_metadata(&key, &patch, NOW + 1).await.unwrap().unwrap();
    let expected = map(json!({"plan": "pro", "nested": {"c": 3}, "keep": true, "gone": null}));
    assert_eq!(merged, expected);
    let got = store.get_connection(&key).await.unwrap().unwrap();
    assert_eq!((got.metadata, got.updated_at), (expected, NOW + 1));

    let config = store.merge_connection_config(&key, &map(json!({"region": "eu"})), NOW + 2).await;
    assert_eq!(config.unwrap().unwrap(), map(json!({"region": "eu"})));
    let config = store.merge_connection_config(&key, &map(json!({"team": "x"})), NOW + 3).await;
    assert_eq!(config.unwrap().unwrap(), map(json!({"region": "eu", "team": "x"})));
    let got = store.get_connection(&key).await.unwrap().unwrap();
    assert_eq!(got.connection_config, map(json!({"region": "eu", "team": "x"})));

    let missing = self::key(&env, "int", "missing");
    assert!(store.merge_metadata(&missing, &patch, NOW).await.unwrap().is_none());
    assert!(store.merge_connection_config(&missing, &patch, NOW).await.unwrap().is_none());

    // Concurrent merges of different keys all land.
    let merges = (0..16).map(|i| {
        let patch = map(json!({ format!("k{i}"): i }));
        let key = key.clone();
        async move { store.merge_metadata(&key, &patch, NOW + 4).await.unwrap().unwrap() }
    });
    futures_util::future::join_all(merges).await;
    let got = store.get_connection(&key).await.unwrap().unwrap();
    assert!((0..16).all(|i| got.metadata.get(&format!("k{i}")) == Some(&json!(i))));
    assert_eq!(got.metadata["plan"], "pro");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_store_conforms() {
        let dir = tempfile::tempdir().unwrap();
        let store = sqlite::SqliteStore::open(&dir.path().join("nango.db"), test_cipher()).await.unwrap();
        run_all(&store).await;
        flow_notices(&store, false).await;
        webhooks::webhooks_in_transaction(&store).await;
        // Reopening the file keeps the data.
        drop(store);
        let store = sqlite::SqliteStore::open(&dir.path().join("nango.db"), test_cipher()).await.unwrap();
        store.migrate().await.unwrap();
        assert!(store.default_environment().await.unwrap().is_some());
    }

    /// Fails (never skips) when the database is unreachable.
    #[tokio::test]
    async fn postgres_store_conforms() {
        let url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let schema = format!("store_conformance_{}_{nanos}", std::process::id());
        let store = postgres::PostgresStore::connect_with_schema(&url, &schema, test_cipher())
            .await
            .unwrap_or_else(|error| panic!("Postgres at DATABASE_URL is unreachable: {error}"));
        run_all(&store).await;
        flow_notices(&store, true).await;
        webhooks::webhooks_in_transaction(&store).await;
        drop(store);
        use sqlx::Connection as _;
        let mut connection = sqlx::PgConnection::connect(&url).await.unwrap();
        let drop_schema = format!("DROP SCHEMA {schema} CASCADE");
        sqlx::query(&drop_schema).execute(&mut connection).await.unwrap();
    }

    #[tokio::test]
    async fn malformed_json_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nango.db");
        let store = sqlite::SqliteStore::open(&path, test_cipher()).await.unwrap();
        store.migrate().await.unwrap();
        let (_, key) = with_connection(&store, "env-corrupt").await;
        let raw = sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path))
            .await
            .unwrap();
        sqlx::query("UPDATE connections SET metadata = '{not json' WHERE connection_id = 'conn'")
            .execute(&raw)
            .await
            .unwrap();
        assert!(matches!(store.get_connection(&key).await, Err(StoreError::Corrupt(_))));
        let patch = map(json!({"a": 1}));
        assert!(matches!(store.merge_metadata(&key, &patch, NOW).await, Err(StoreError::Corrupt(_))));
        // A replace repairs the row.
        store.replace_metadata(&key, &patch, NOW).await.unwrap();
        assert_eq!(store.get_connection(&key).await.unwrap().unwrap().metadata, patch);
    }
}
