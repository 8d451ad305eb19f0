//! The listing and refresh-lock part of the conformance suite: filters, keyset pagination,
//! claims, expiry and release of the refresh lock.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::ids::ConnectionId;

pub(super) async fn connections_list(store: &dyn Store) {
    let env = new_environment(store, "env-list").await;
    let other = new_environment(store, "env-list-other").await;
    for integration in ["one", "two"] {
        store.create_integration(env.id, &integration_input(integration), NOW).await.unwrap();
    }
    store.create_integration(other.id, &integration_input("one"), NOW).await.unwrap();
    for i in 0..5 {
        for integration in ["one", "two"] {
            let key = key(&env, integration, &format!("user-{i}"));
            store.upsert_connection(&upsert(&key, JsonMap::new(), b"x", NOW)).await.unwrap();
        }
    }
    let foreign = key(&other, "one", "user-0");
    store.upsert_connection(&upsert(&foreign, JsonMap::new(), b"x", NOW)).await.unwrap();

    let all = |limit, after| ConnectionFilter { limit, after, ..ConnectionFilter::default() };
    let everything = store.list_connections(env.id, &all(0, None)).await.unwrap();
    assert_eq!(everything.len(), 10);
    assert!(everything.iter().all(|c| c.environment_id == env.id));
    assert!(everything.windows(2).all(|pair| pair[0].id < pair[1].id));

    // Keyset pagination walks every row once, in id order.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.list_connections(env.id, &all(3, after)).await.unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        seen.extend(page.iter().map(|c| c.id));
    }
    assert_eq!(seen, everything.iter().map(|c| c.id).collect::<Vec<_>>());

    let by_integration =
        ConnectionFilter { integration_key: Some(IntegrationKey::parse("two").unwrap()), ..all(2, None) };
    let page = store.list_connections(env.id, &by_integration).await.unwrap();
    assert_eq!(page.len(), 2);
    assert!(page.iter().all(|c| c.integration_key.as_str() == "two"));
    let next = ConnectionFilter { after: Some(page[1].id), ..by_integration.clone() };
    let rest = store.list_connections(env.id, &ConnectionFilter { limit: 10, ..next }).await.unwrap();
    assert_eq!(rest.len(), 3);

    let by_connection =
        ConnectionFilter { connection_id: Some(ConnectionId::parse("user-3").unwrap()), ..all(10, None) };
    let found = store.list_connections(env.id, &by_connection).await.unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|c| c.connection_id.as_str() == "user-3"));
    let both =
        ConnectionFilter { integration_key: Some(IntegrationKey::parse("one").unwrap()), ..by_connection };
    let found = store.list_connections(env.id, &both).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].integration_key.as_str(), "one");
}

pub(super) async fn refresh_lock(store: &dyn Store) {
    let (env, key) = with_connection(store, "env-lock").await;
    assert!(store.try_lock_refresh(&key, "replica-a", NOW, 30).await.unwrap());
    assert!(!store.try_lock_refresh(&key, "replica-b", NOW + 29, 30).await.unwrap());
    // The same holder may claim again (and extend its claim).
    assert!(store.try_lock_refresh(&key, "replica-a", NOW + 10, 30).await.unwrap());
    assert!(!store.try_lock_refresh(&key, "replica-b", NOW + 39, 30).await.unwrap());
    // An expired claim can be taken over.
    assert!(store.try_lock_refresh(&key, "replica-b", NOW + 40, 30).await.unwrap());
    // Only the holder releases.
    store.unlock_refresh(&key, "replica-a").await.unwrap();
    assert!(!store.try_lock_refresh(&key, "replica-a", NOW + 41, 30).await.unwrap());
    store.unlock_refresh(&key, "replica-b").await.unwrap();
    assert!(store.try_lock_refresh(&key, "replica-a", NOW + 42, 30).await.unwrap());
    // Unknown connections cannot be locked.
    let missing = self::key(&env, "int", "missing");
    assert!(!store.try_lock_refresh(&missing, "replica-a", NOW, 30).await.unwrap());
    store.unlock_refresh(&missing, "replica-a").await.unwrap();

    // Of many concurrent claimants exactly one wins.
    let other = self::key(&env, "int", "contended");
    store.upsert_connection(&upsert(&other, JsonMap::new(), b"x", NOW)).await.unwrap();
    let claims = (0..8).map(|i| {
        let other = other.clone();
        async move { store.try_lock_refresh(&other, &format!("r{i}"), NOW, 30).await.unwrap() }
    });
    let won = futures_util::future::join_all(claims).await;
    assert_eq!(won.iter().filter(|won| **won).count(), 1);
}
