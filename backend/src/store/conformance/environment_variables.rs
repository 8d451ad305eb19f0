//! The environment-variable part of the conformance suite: replace the whole list, read it
//! back by name, delete one; values sealed per row; rotation re-seals them.

#![allow(clippy::unwrap_used)]

use super::*;

fn variable(name: &str, value: &str) -> EnvironmentVariable {
    EnvironmentVariable { name: name.into(), value: Secret::new(value.into()) }
}

fn listed(variables: &[EnvironmentVariable]) -> Vec<(&str, &str)> {
    variables.iter().map(|variable| (variable.name.as_str(), variable.value.expose().as_str())).collect()
}

pub(super) async fn environment_variables(store: &dyn Store) {
    let env = new_environment(store, "env-variables").await;
    let other = new_environment(store, "env-variables-other").await;
    assert!(store.environment_variables(env.id).await.unwrap().is_empty());

    let first = [variable("B_KEY", "b-1"), variable("A_KEY", "line 1\nline 2"), variable("EMPTY", "")];
    store.replace_environment_variables(env.id, &first, NOW).await.unwrap();
    store.replace_environment_variables(other.id, &[variable("A_KEY", "other")], NOW).await.unwrap();
    let got = store.environment_variables(env.id).await.unwrap();
    assert_eq!(listed(&got), [("A_KEY", "line 1\nline 2"), ("B_KEY", "b-1"), ("EMPTY", "")]);
    assert_eq!(listed(&store.environment_variables(other.id).await.unwrap()), [("A_KEY", "other")]);

    // A replace keeps exactly the names given: changed, kept, added; the others are gone.
    let second = [variable("B_KEY", "b-2"), variable("C_KEY", "c-1")];
    store.replace_environment_variables(env.id, &second, NOW + 1).await.unwrap();
    let got = store.environment_variables(env.id).await.unwrap();
    assert_eq!(listed(&got), [("B_KEY", "b-2"), ("C_KEY", "c-1")]);

    assert!(store.delete_environment_variable(env.id, "B_KEY").await.unwrap());
    assert!(!store.delete_environment_variable(env.id, "B_KEY").await.unwrap());
    assert!(!store.delete_environment_variable(other.id, "C_KEY").await.unwrap(), "per environment");
    assert_eq!(listed(&store.environment_variables(env.id).await.unwrap()), [("C_KEY", "c-1")]);

    store.replace_environment_variables(env.id, &[], NOW + 2).await.unwrap();
    assert!(store.environment_variables(env.id).await.unwrap().is_empty());
    assert_eq!(listed(&store.environment_variables(other.id).await.unwrap()), [("A_KEY", "other")]);
}

/// On SQLite: a value is sealed at rest and bound to its row; `rotate-key` re-seals it.
#[tokio::test]
async fn environment_variable_values_are_sealed_and_rotated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nango.db");
    let store = sqlite::SqliteStore::open(&path, test_cipher()).await.unwrap();
    store.migrate().await.unwrap();
    let env = new_environment(&store, "env-variables-sealed").await;
    let variables = [variable("API_TOKEN", "plain-variable-value-4e1f"), variable("OTHER", "x")];
    store.replace_environment_variables(env.id, &variables, NOW).await.unwrap();
    let raw = sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    let stored: (String,) =
        sqlx::query_as("SELECT value FROM environment_variables WHERE name = 'API_TOKEN'")
            .fetch_one(&raw)
            .await
            .unwrap();
    assert!(stored.0.starts_with("sealed:v1:") && !stored.0.contains("plain-variable"), "{}", stored.0);

    // Rotation: open with the new key and the old one as previous, re-seal, then the new key alone.
    let new_key = Secret::new("bmV3LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLi4uLi4=".to_string());
    let rotating = crate::crypto::Cipher::from_base64(&new_key)
        .unwrap()
        .with_previous(&Secret::new("dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcyEhISE=".into()))
        .unwrap();
    drop(store);
    let store = sqlite::SqliteStore::open(&path, rotating).await.unwrap();
    // The environment's secret key, both values.
    assert_eq!(store.rotate_key(&|_| {}).await.unwrap(), 3);
    assert_eq!(store.rotate_key(&|_| {}).await.unwrap(), 0);
    drop(store);
    let store = sqlite::SqliteStore::open(&path, crate::crypto::Cipher::from_base64(&new_key).unwrap())
        .await
        .unwrap();
    let got = store.environment_variables(env.id).await.unwrap();
    assert_eq!(listed(&got), [("API_TOKEN", "plain-variable-value-4e1f"), ("OTHER", "x")]);

    // A sealed value copied onto another name does not open there.
    sqlx::query("UPDATE environment_variables SET name = 'MOVED' WHERE name = 'OTHER'")
        .execute(&raw)
        .await
        .unwrap();
    assert!(matches!(store.environment_variables(env.id).await, Err(StoreError::Corrupt(_))));
}
