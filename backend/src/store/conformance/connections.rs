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

    let all = |limit, page| ConnectionFilter { limit, page, ..ConnectionFilter::default() };
    let everything = store.list_connections(env.id, &all(0, ListPage::First)).await.unwrap();
    assert_eq!(everything.len(), 10);
    assert!(everything.iter().all(|c| c.environment_id == env.id));
    // Newest first, as Nango lists.
    assert!(everything.windows(2).all(|pair| pair[0].id > pair[1].id));

    // Keyset pagination walks every row once, newest first.
    let mut seen = Vec::new();
    let mut page = ListPage::First;
    loop {
        let rows = store.list_connections(env.id, &all(3, page)).await.unwrap();
        assert!(rows.len() <= 3);
        let Some(last) = rows.last() else { break };
        page = ListPage::Before(last.id);
        seen.extend(rows.iter().map(|c| c.id));
    }
    assert_eq!(seen, everything.iter().map(|c| c.id).collect::<Vec<_>>());
    // Offset pagination (Nango's `page`) walks the same order.
    let third_page = store.list_connections(env.id, &all(3, ListPage::Offset(6))).await.unwrap();
    assert_eq!(third_page.iter().map(|c| c.id).collect::<Vec<_>>(), seen[6..9].to_vec());

    let two = || vec![IntegrationKey::parse("two").unwrap()];
    let by_integration = ConnectionFilter { integration_keys: two(), ..all(2, ListPage::First) };
    let rows = store.list_connections(env.id, &by_integration).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|c| c.integration_key.as_str() == "two"));
    let next = ConnectionFilter { page: ListPage::Before(rows[1].id), limit: 10, ..by_integration.clone() };
    assert_eq!(store.list_connections(env.id, &next).await.unwrap().len(), 3);
    let either = vec![IntegrationKey::parse("one").unwrap(), IntegrationKey::parse("two").unwrap()];
    let both_integrations = ConnectionFilter { integration_keys: either, ..all(0, ListPage::First) };
    assert_eq!(store.list_connections(env.id, &both_integrations).await.unwrap().len(), 10);

    let user_3 = || Some(ConnectionId::parse("user-3").unwrap());
    let by_connection = ConnectionFilter { connection_id: user_3(), ..all(10, ListPage::First) };
    let found = store.list_connections(env.id, &by_connection).await.unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|c| c.connection_id.as_str() == "user-3"));
    let one = vec![IntegrationKey::parse("one").unwrap()];
    let both = ConnectionFilter { integration_keys: one, ..by_connection };
    let found = store.list_connections(env.id, &both).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].integration_key.as_str(), "one");
}

/// The end-user filters, search, tags, status, and `patch_connection` keeping them in step.
pub(super) async fn connections_filters(store: &dyn Store) {
    let env = new_environment(store, "env-filters").await;
    store.create_integration(env.id, &integration_input("one"), NOW).await.unwrap();
    let map = |value: serde_json::Value| value.as_object().cloned().unwrap();
    let alice = map(json!({"id": "u-alice", "email": "Alice@Example.com", "display_name": "Alice Liddell",
        "organization": {"id": "org-1", "display_name": "Wonderland"}}));
    let bob = map(json!({"id": "u-bob", "email": "bob@example.org", "display_name": "Bob 100%_sure"}));
    for (id, end_user, tags) in [
        ("conn-alice", Some(alice.clone()), json!({"plan": "pro", "region": "eu"})),
        ("conn-bob", Some(bob), json!({"plan": "free"})),
        ("conn-nobody", None, json!({})),
    ] {
        let mut upsert = upsert(&key(&env, "one", id), JsonMap::new(), b"x", NOW);
        upsert.end_user = end_user;
        upsert.tags = Some(map(tags));
        store.upsert_connection(&upsert).await.unwrap();
    }
    let ids = |rows: Vec<Connection>| rows.iter().map(|c| c.connection_id.to_string()).collect::<Vec<_>>();
    let list =
        |filter: ConnectionFilter| async move { ids(store.list_connections(env.id, &filter).await.unwrap()) };
    let base = ConnectionFilter::default;

    assert_eq!(
        list(ConnectionFilter { end_user_id: Some("u-alice".into()), ..base() }).await,
        ["conn-alice"]
    );
    assert!(list(ConnectionFilter { end_user_id: Some("u-ali".into()), ..base() }).await.is_empty());
    let org = ConnectionFilter { end_user_organization_id: Some("org-1".into()), ..base() };
    assert_eq!(list(org).await, ["conn-alice"]);
    // Search: a case-insensitive substring of the connection id, display name or email;
    // `%` and `_` are literal.
    let search = |text: &str| ConnectionFilter { search: Some(text.into()), ..base() };
    assert_eq!(list(search("LIDDELL")).await, ["conn-alice"]);
    assert_eq!(list(search("alice@example")).await, ["conn-alice"]);
    assert_eq!(list(search("NOBODY")).await, ["conn-nobody"]);
    assert_eq!(list(search("100%_")).await, ["conn-bob"]);
    assert!(list(search("100%x")).await.is_empty());
    assert_eq!(list(search("conn-")).await.len(), 3);
    let tags = |pairs: &[(&str, &str)]| ConnectionFilter {
        tags: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..base()
    };
    assert_eq!(list(tags(&[("plan", "pro")])).await, ["conn-alice"]);
    assert_eq!(list(tags(&[("plan", "pro"), ("region", "eu")])).await, ["conn-alice"]);
    assert!(list(tags(&[("plan", "pro"), ("region", "us")])).await.is_empty());
    assert!(list(tags(&[("missing", "x")])).await.is_empty());
    let active = ConnectionFilter { status: Some(ConnectionStatus::Active), ..base() };
    assert_eq!(list(active).await.len(), 3);

    // A patch moves the end-user columns and tags with it; an absent field stays.
    let target = key(&env, "one", "conn-nobody");
    let patch = ConnectionPatch {
        end_user: Some(map(json!({"id": "u-carol", "email": "carol@example.net"}))),
        tags: None,
        webhook_url_override: Some(Some("https://hooks.example.com/a".into())),
    };
    let patched = store.patch_connection(&target, &patch, NOW + 5).await.unwrap().unwrap();
    assert_eq!(patched.end_user.as_ref().and_then(|u| u.get("id")), Some(&json!("u-carol")));
    assert_eq!(patched.webhook_url_override.as_deref(), Some("https://hooks.example.com/a"));
    assert_eq!(patched.updated_at, NOW + 5);
    assert_eq!(
        list(ConnectionFilter { end_user_id: Some("u-carol".into()), ..base() }).await,
        ["conn-nobody"]
    );
    assert_eq!(list(search("carol@")).await, ["conn-nobody"]);
    let patch = ConnectionPatch { tags: Some(map(json!({"plan": "pro"}))), ..ConnectionPatch::default() };
    let patched = store.patch_connection(&target, &patch, NOW + 6).await.unwrap().unwrap();
    assert_eq!(patched.end_user.as_ref().and_then(|u| u.get("id")), Some(&json!("u-carol")));
    assert_eq!(patched.webhook_url_override.as_deref(), Some("https://hooks.example.com/a"));
    assert_eq!(list(tags(&[("plan", "pro")])).await.len(), 2);
    let clear = ConnectionPatch { webhook_url_override: Some(None), ..ConnectionPatch::default() };
    let patched = store.patch_connection(&target, &clear, NOW + 7).await.unwrap().unwrap();
    assert_eq!(patched.webhook_url_override, None);
    let missing = key(&env, "one", "missing");
    assert!(store.patch_connection(&missing, &clear, NOW).await.unwrap().is_none());

    // A re-authorisation without an end user keeps the stored one; metadata given replaces.
    let mut again = upsert(&key(&env, "one", "conn-alice"), JsonMap::new(), b"y", NOW + 8);
    again.metadata = Some(map(json!({"imported": true})));
    let (renewed, _) = store.upsert_connection(&again).await.unwrap();
    assert_eq!(renewed.end_user, Some(alice));
    assert_eq!(renewed.metadata, map(json!({"imported": true})));
    assert_eq!(
        list(ConnectionFilter { end_user_id: Some("u-alice".into()), ..base() }).await,
        ["conn-alice"]
    );
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
