//! The integrations part of the conformance suite: create, read, update (with sealed client
//! secrets), rename and delete.

#![allow(clippy::unwrap_used)]

use super::*;

pub(super) async fn integrations(store: &dyn Store) {
    let env = new_environment(store, "env-int").await;
    let other = new_environment(store, "env-int-other").await;
    let created = store.create_integration(env.id, &integration_input("b-int"), NOW).await.unwrap();
    assert_eq!(created.unique_key.as_str(), "b-int");
    assert_eq!(created.client_secret.as_ref().unwrap().expose(), "client-secret-b-int");
    assert_eq!(created.scopes, vec!["read", "write"]);
    store.create_integration(env.id, &integration_input("a-int"), NOW).await.unwrap();
    // The same key in another environment is fine; twice in one is a conflict.
    store.create_integration(other.id, &integration_input("a-int"), NOW).await.unwrap();
    let again = store.create_integration(env.id, &integration_input("a-int"), NOW).await;
    assert!(matches!(again, Err(StoreError::Conflict)));

    let listed = store.list_integrations(env.id).await.unwrap();
    let keys: Vec<&str> = listed.iter().map(|i| i.unique_key.as_str()).collect();
    assert_eq!(keys, ["a-int", "b-int"]);

    let b = IntegrationKey::parse("b-int").unwrap();
    let got = store.get_integration(env.id, &b).await.unwrap().unwrap();
    assert_eq!((got.id, got.provider.as_str()), (created.id, "demo"));
    assert!(store.get_integration(other.id, &b).await.unwrap().is_none());

    let mut input = integration_input("b-int");
    input.client_id = None;
    input.client_secret = None;
    input.scopes = vec![];
    let updated = store.update_integration(env.id, &b, &input, NOW + 5).await.unwrap().unwrap();
    assert_eq!((updated.client_id.as_deref(), updated.client_secret.is_none()), (None, true));
    assert_eq!((updated.scopes.len(), updated.created_at, updated.updated_at), (0, NOW, NOW + 5));
    assert_eq!((updated.display_name, updated.allowed_hosts.len()), (None, 0));
    input.display_name = Some("Bee CRM".into());
    input.allowed_hosts = vec!["*.my-okta.com".into(), "login.example.org".into()];
    let updated = store.update_integration(env.id, &b, &input, NOW + 6).await.unwrap().unwrap();
    assert_eq!(updated.display_name.as_deref(), Some("Bee CRM"));
    assert_eq!(updated.allowed_hosts, ["*.my-okta.com", "login.example.org"]);
    let got = store.get_integration(env.id, &b).await.unwrap().unwrap();
    assert_eq!((got.display_name, got.allowed_hosts), (updated.display_name, updated.allowed_hosts));
    let mut named = integration_input("c-int");
    named.display_name = Some("Sea".into());
    named.allowed_hosts = vec!["acme.example.com".into()];
    let created = store.create_integration(other.id, &named, NOW).await.unwrap();
    assert_eq!(
        (created.display_name.as_deref(), created.allowed_hosts.as_slice()),
        (Some("Sea"), &named.allowed_hosts[..])
    );
    let nope = IntegrationKey::parse("nope").unwrap();
    assert!(store.update_integration(env.id, &nope, &input, NOW).await.unwrap().is_none());
}

pub(super) async fn integration_rename_and_delete(store: &dyn Store) {
    let (env, old_key) = with_connection(store, "env-rename").await;
    store.create_integration(env.id, &integration_input("taken"), NOW).await.unwrap();
    let int = IntegrationKey::parse("int").unwrap();
    let onto_taken = store.update_integration(env.id, &int, &integration_input("taken"), NOW).await;
    assert!(matches!(onto_taken, Err(StoreError::Conflict)));
    assert!(store.get_connection(&old_key).await.unwrap().is_some());

    // A rename carries the connections along.
    let renamed = store.update_integration(env.id, &int, &integration_input("renamed"), NOW).await;
    assert_eq!(renamed.unwrap().unwrap().unique_key.as_str(), "renamed");
    assert!(store.get_integration(env.id, &int).await.unwrap().is_none());
    assert!(store.get_connection(&old_key).await.unwrap().is_none());
    let new_key = key(&env, "renamed", "conn");
    assert!(store.get_connection(&new_key).await.unwrap().is_some());

    // Deleting an integration deletes its connections, and only those.
    let kept = key(&env, "taken", "conn");
    store.upsert_connection(&upsert(&kept, JsonMap::new(), b"x", NOW)).await.unwrap();
    let renamed_key = IntegrationKey::parse("renamed").unwrap();
    assert!(store.delete_integration(env.id, &renamed_key).await.unwrap());
    assert!(store.get_connection(&new_key).await.unwrap().is_none());
    assert!(!store.delete_integration(env.id, &renamed_key).await.unwrap());
    assert!(store.get_connection(&kept).await.unwrap().is_some());
    // Re-creating the integration does not bring the old connections back.
    store.create_integration(env.id, &integration_input("renamed"), NOW).await.unwrap();
    assert!(store.get_connection(&new_key).await.unwrap().is_none());
}
