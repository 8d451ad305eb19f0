//! Sealing at rest, on SQLite: rows of older versions get their plain secrets sealed, and a
//! sealed value does not open on another row.

#![allow(clippy::unwrap_used)]

use super::*;

/// Rows written by versions that stored secrets in plain text are sealed at start, and read
/// the same afterwards; a second pass has nothing to do.
#[tokio::test]
async fn plain_secrets_of_older_rows_are_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nango.db");
    let store = sqlite::SqliteStore::open(&path, test_cipher()).await.unwrap();
    store.migrate().await.unwrap();
    let raw = sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO environments (id, name, secret_key, public_key, hmac_enabled, hmac_key, created_at, updated_at) \
         VALUES (7, 'old', 'old-plain-secret-key-0123', 'old-public', TRUE, 'old-plain-hmac', 1, 1)",
    )
    .execute(&raw)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO integrations (environment_id, unique_key, provider, client_id, client_secret, scopes, \
         created_at, updated_at) VALUES (7, 'gh', 'github', 'id', 'old-plain-client-secret', '[]', 1, 1)",
    )
    .execute(&raw)
    .await
    .unwrap();
    assert_eq!(store.seal_plain_secrets().await.unwrap(), 3);
    assert_eq!(store.seal_plain_secrets().await.unwrap(), 0);
    let columns: (String, String, String) = sqlx::query_as(
        "SELECT e.secret_key, e.hmac_key, i.client_secret FROM environments e JOIN integrations i \
         ON i.environment_id = e.id WHERE e.id = 7",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    for stored in [&columns.0, &columns.1, &columns.2] {
        assert!(stored.starts_with("sealed:v1:") && !stored.contains("old-plain"), "{stored}");
    }
    let environment = store.environment_by_secret_key("old-plain-secret-key-0123").await.unwrap().unwrap();
    assert_eq!(environment.id, 7);
    assert_eq!(environment.settings.hmac_key.unwrap().expose(), "old-plain-hmac");
    let integration = store.get_integration(7, &IntegrationKey::parse("gh").unwrap()).await.unwrap().unwrap();
    assert_eq!(integration.client_secret.unwrap().expose(), "old-plain-client-secret");
    // A sealed secret copied onto another row does not open there.
    sqlx::query("UPDATE integrations SET unique_key = 'moved' WHERE unique_key = 'gh'")
        .execute(&raw)
        .await
        .unwrap();
    assert!(store.get_integration(7, &IntegrationKey::parse("moved").unwrap()).await.is_err());
}

/// `rotate-key`: everything sealed under the previous key is sealed again under the current
/// one; a second run has nothing to do; afterwards the previous key is not needed.
#[tokio::test]
async fn rotation_reseals_everything_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nango.db");
    let old = test_cipher();
    let new_key = Secret::new("bmV3LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLi4uLi4=".to_string());
    let store = sqlite::SqliteStore::open(&path, old.clone()).await.unwrap();
    store.migrate().await.unwrap();
    let (environment, key) = with_connection(&store, "env-rotate").await;
    let credentials = old.seal(b"{\"type\":\"API_KEY\",\"apiKey\":\"k\"}", &key.aad()).unwrap();
    store.upsert_connection(&upsert(&key, JsonMap::new(), &credentials, NOW)).await.unwrap();
    let settings =
        EnvironmentSettings { hmac_key: Some(Secret::new("rotate-hmac".into())), ..Default::default() };
    store.update_environment_settings(environment.id, &settings, NOW).await.unwrap();
    store
        .init_server_meta("encryption_key_check", &old.seal(b"check", b"encryption_key_check").unwrap(), NOW)
        .await
        .unwrap();
    let sealed_before = store.get_connection(&key).await.unwrap().unwrap().sealed_credentials;
    drop(store);

    let rotating = crate::crypto::Cipher::from_base64(&new_key)
        .unwrap()
        .with_previous(&Secret::new("dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcyEhISE=".into()));
    let store = sqlite::SqliteStore::open(&path, rotating.unwrap()).await.unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let n = store.rotate_key(&|count| seen.lock().unwrap().push(count)).await.unwrap();
    // Connection credentials, secret key, HMAC key, client secret, the key check value.
    assert_eq!(n, 5);
    assert!(!seen.lock().unwrap().is_empty(), "progress was reported");
    assert_eq!(store.rotate_key(&|_| {}).await.unwrap(), 0, "resumable: nothing left to do");
    drop(store);

    let new_only = crate::crypto::Cipher::from_base64(&new_key).unwrap();
    let store = sqlite::SqliteStore::open(&path, new_only.clone()).await.unwrap();
    let connection = store.get_connection(&key).await.unwrap().unwrap();
    assert_ne!(connection.sealed_credentials, sealed_before);
    assert!(new_only.opens_with_current(&connection.sealed_credentials, &key.aad()));
    let reread = store.environment_by_secret_key(environment.secret_key.expose()).await.unwrap().unwrap();
    assert_eq!(reread.settings.hmac_key.unwrap().expose(), "rotate-hmac");
    let integration = store.get_integration(environment.id, &key.integration_key).await.unwrap().unwrap();
    assert!(integration.client_secret.is_some());
    let check = store.server_meta("encryption_key_check").await.unwrap().unwrap();
    assert!(new_only.opens_with_current(&check, b"encryption_key_check"));
}
