//! The connection-health part of the conformance suite: what a refresh attempt records, the
//! status events of each transition (a re-authorisation included), and the connections the
//! proactive refresher is handed.

#![allow(clippy::unwrap_used)]

use super::*;

pub(super) async fn connection_health(store: &dyn Store) {
    let (env, key) = with_connection(store, "env-health").await;
    let failing = RefreshRecord {
        credentials: None,
        status: ConnectionStatus::RefreshFailing,
        health: ConnectionHealth {
            status_reason: Some("the last refresh failed".into()),
            last_refresh_at: Some(NOW + 1),
            last_refresh_error: Some("HTTP 503".into()),
            refresh_failing_since: Some(NOW + 1),
            refresh_failures: 1,
            next_refresh_at: Some(NOW + 31),
            status_changed_at: None,
        },
    };
    let (stored, changed) =
        store.record_refresh(&key, &failing, NOW + 1, &|_, _| None).await.unwrap().unwrap();
    assert_eq!(changed, Some(ConnectionStatus::Active));
    assert_eq!(stored.status, ConnectionStatus::RefreshFailing);
    assert_eq!(stored.sealed_credentials, b"sealed", "a failure keeps the credentials");
    assert_eq!(
        stored.health,
        ConnectionHealth { status_changed_at: Some(NOW + 1), ..failing.health.clone() }
    );
    // The same status again is no transition.
    let again = RefreshRecord {
        health: ConnectionHealth { refresh_failures: 2, ..failing.health.clone() },
        ..failing.clone()
    };
    let (stored, changed) =
        store.record_refresh(&key, &again, NOW + 40, &|_, _| None).await.unwrap().unwrap();
    assert_eq!(
        (changed, stored.health.refresh_failures, stored.health.status_changed_at),
        (None, 2, Some(NOW + 1))
    );

    let recovered = RefreshRecord {
        credentials: Some((b"fresh".to_vec(), Some(NOW + 3600))),
        status: ConnectionStatus::Active,
        health: ConnectionHealth { last_refresh_at: Some(NOW + 50), ..ConnectionHealth::default() },
    };
    let (stored, changed) =
        store.record_refresh(&key, &recovered, NOW + 50, &|_, _| None).await.unwrap().unwrap();
    assert_eq!(changed, Some(ConnectionStatus::RefreshFailing));
    assert_eq!(
        (stored.sealed_credentials.as_slice(), stored.credentials_expires_at),
        (&b"fresh"[..], Some(NOW + 3600))
    );
    assert_eq!((stored.health.last_refresh_error.as_deref(), stored.health.next_refresh_at), (None, None));

    let revoked = RefreshRecord {
        credentials: None,
        status: ConnectionStatus::NeedsReauth,
        health: ConnectionHealth {
            status_reason: Some("invalid_grant".into()),
            ..ConnectionHealth::default()
        },
    };
    store.record_refresh(&key, &revoked, NOW + 60, &|_, _| None).await.unwrap();
    // A new authorisation makes it active again, with its own event, and clears the health.
    let (renewed, _) =
        store.upsert_connection(&upsert(&key, JsonMap::new(), b"renewed", NOW + 70)).await.unwrap();
    assert_eq!(renewed.status, ConnectionStatus::Active);
    assert_eq!(renewed.health.status_changed_at, Some(NOW + 70));
    assert_eq!(renewed.health.status_reason, None);
    let events = store.status_events(&key, 10).await.unwrap();
    let steps: Vec<(i64, &str, &str)> =
        events.iter().map(|e| (e.at, e.from.as_str(), e.to.as_str())).collect();
    assert_eq!(
        steps,
        [
            (NOW + 1, "active", "refresh_failing"),
            (NOW + 50, "refresh_failing", "active"),
            (NOW + 60, "active", "needs_reauth"),
            (NOW + 70, "needs_reauth", "active"),
        ]
    );
    assert_eq!(events[2].reason.as_deref(), Some("invalid_grant"));
    assert_eq!(store.status_events(&key, 2).await.unwrap(), events[2..].to_vec(), "the newest, oldest first");
    assert!(store.status_events(&self::key(&env, "int", "missing"), 10).await.unwrap().is_empty());

    // Due for refresh: expiring before the horizon, not backing off, not needing reauth, not locked.
    for (id, expires_at) in [("soon", NOW + 100), ("later", NOW + 10_000), ("sooner", NOW + 50)] {
        let mut up = upsert(&self::key(&env, "int", id), JsonMap::new(), b"x", NOW);
        up.credentials_expires_at = Some(expires_at);
        store.upsert_connection(&up).await.unwrap();
    }
    let due_ids =
        |rows: Vec<Connection>| rows.into_iter().map(|c| c.connection_id.to_string()).collect::<Vec<_>>();
    let due = store.connections_due_for_refresh(NOW + 1000, NOW, 10).await.unwrap();
    assert_eq!(due_ids(due), ["sooner", "soon"]);
    assert_eq!(due_ids(store.connections_due_for_refresh(NOW + 1000, NOW, 1).await.unwrap()), ["sooner"]);
    let backing_off = RefreshRecord {
        health: ConnectionHealth { next_refresh_at: Some(NOW + 500), ..failing.health.clone() },
        ..failing.clone()
    };
    store.record_refresh(&self::key(&env, "int", "sooner"), &backing_off, NOW, &|_, _| None).await.unwrap();
    assert!(store.try_lock_refresh(&self::key(&env, "int", "soon"), "other-replica", NOW, 30).await.unwrap());
    assert!(store.connections_due_for_refresh(NOW + 1000, NOW, 10).await.unwrap().is_empty());
    assert_eq!(
        due_ids(store.connections_due_for_refresh(NOW + 1000, NOW + 600, 10).await.unwrap()),
        ["sooner", "soon"]
    );
}
