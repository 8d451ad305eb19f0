//! The connect-session part of the conformance suite: insert, lookup by hash until expiry,
//! delete, purge.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::ids::ConnectionId;

pub(super) async fn sessions_lifecycle(store: &dyn Store) {
    let env = new_environment(store, "env-sessions").await;
    let session = ConnectSession {
        hash: "hash-of-token-1".into(),
        environment_id: env.id,
        end_user: Some(map(json!({"id": "u-1", "email": "a@example.com"}))),
        organization: None,
        tags: map(json!({"plan": "pro"})),
        allowed_integrations: vec![IntegrationKey::parse("github").unwrap()],
        integrations_config_defaults: map(json!({"github": {"user_scopes": "repo"}})),
        connection_id: Some(ConnectionId::parse("pinned-1").unwrap()),
        reconnect_integration: None,
        webhook_url_override: None,
        created_at: NOW,
        expires_at: NOW + 1800,
    };
    store.insert_session(&session).await.unwrap();
    assert!(matches!(store.insert_session(&session).await, Err(StoreError::Conflict)));
    assert_eq!(store.session("hash-of-token-1", NOW + 1).await.unwrap(), Some(session.clone()));
    assert_eq!(store.session("hash-of-token-1", NOW + 1800).await.unwrap(), None, "expired");
    assert_eq!(store.session("other", NOW).await.unwrap(), None);

    let mut short = session.clone();
    short.hash = "hash-of-token-2".into();
    short.expires_at = NOW + 10;
    short.end_user = None;
    store.insert_session(&short).await.unwrap();
    assert_eq!(store.purge_sessions(NOW + 11).await.unwrap(), 1);
    assert!(store.delete_session("hash-of-token-1").await.unwrap());
    assert!(!store.delete_session("hash-of-token-1").await.unwrap());
}

pub(super) async fn admin_sessions_lifecycle(store: &dyn Store) {
    let env = new_environment(store, "env-admin-sessions").await;
    let session = AdminSession {
        hash: "admin-hash-1".into(),
        environment_id: env.id,
        created_at: NOW,
        expires_at: NOW + 60,
    };
    store.insert_admin_session(&session).await.unwrap();
    assert!(matches!(store.insert_admin_session(&session).await, Err(StoreError::Conflict)));
    assert_eq!(store.admin_session("admin-hash-1", NOW + 1).await.unwrap(), Some(session.clone()));
    assert_eq!(store.admin_session("admin-hash-1", NOW + 60).await.unwrap(), None, "expired");
    assert_eq!(store.admin_session("other", NOW).await.unwrap(), None);
    let short = AdminSession { hash: "admin-hash-2".into(), expires_at: NOW + 10, ..session.clone() };
    store.insert_admin_session(&short).await.unwrap();
    assert_eq!(store.purge_admin_sessions(NOW + 11).await.unwrap(), 1);
    assert!(store.delete_admin_session("admin-hash-1").await.unwrap(), "signed out");
    assert_eq!(store.admin_session("admin-hash-1", NOW + 1).await.unwrap(), None, "revoked");
    assert!(!store.delete_admin_session("admin-hash-1").await.unwrap());
}
