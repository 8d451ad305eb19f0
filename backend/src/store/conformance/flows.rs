//! The flow part of the conformance suite: single use, expiry, outcomes, pre-flow errors.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::error_code::ErrorCode;
use crate::ids::ConnectionId;

pub(crate) fn flow(env: &Environment, flow_id: &str, state: &str, expires_at: i64) -> NewFlow {
    NewFlow {
        flow_id: FlowId::parse(flow_id).unwrap(),
        // The store keeps what it is given; the flows layer gives it the state's hash.
        state_hash: state.into(),
        environment_id: env.id,
        integration_key: IntegrationKey::parse("int").unwrap(),
        connection_id: ConnectionId::parse("conn").unwrap(),
        sealed_pkce_verifier: Some("sealed-verifier".into()),
        params: map(json!({"subdomain": "acme"})),
        authorization_params: map(json!({"prompt": "consent"})),
        origin: Some("http://localhost:8080".into()),
        return_to: Some("http://localhost:8080/back?x=1".into()),
        redirect_uri: "http://127.0.0.1:3003/oauth/callback".into(),
        end_user: None,
        tags: None,
        webhook_url_override: Some("http://127.0.0.1:9/hook".into()),
        created_at: NOW,
        started_at_ms: NOW * 1000 + 250,
        expires_at,
    }
}

pub(super) async fn flows_single_use(store: &dyn Store) {
    let env = new_environment(store, "env-flow").await;
    let expires = NOW + 600;
    store.insert_flow(&flow(&env, "flow-aaaaaaaaaaaaaaaa", "state-a", expires)).await.unwrap();
    let same_id = store.insert_flow(&flow(&env, "flow-aaaaaaaaaaaaaaaa", "state-other", expires)).await;
    assert!(matches!(same_id, Err(StoreError::Conflict)));
    let same_state = store.insert_flow(&flow(&env, "flow-bbbbbbbbbbbbbbbb", "state-a", expires)).await;
    assert!(matches!(same_state, Err(StoreError::Conflict)));

    let consumed = store.consume_flow("state-a", NOW + 1).await.unwrap().unwrap();
    let expected = flow(&env, "flow-aaaaaaaaaaaaaaaa", "state-a", expires);
    assert_eq!(consumed.flow_id.as_str(), "flow-aaaaaaaaaaaaaaaa");
    assert_eq!(
        (consumed.environment_id, &consumed.integration_key, &consumed.connection_id),
        (env.id, &expected.integration_key, &expected.connection_id)
    );
    assert_eq!(consumed.sealed_pkce_verifier.as_deref(), Some("sealed-verifier"));
    assert_eq!(consumed.params, expected.params);
    assert_eq!((&consumed.origin, &consumed.redirect_uri), (&expected.origin, &expected.redirect_uri));
    assert_eq!(consumed.webhook_url_override, expected.webhook_url_override);
    assert_eq!(consumed.return_to, expected.return_to);
    assert_eq!(consumed.created_at, expected.created_at);
    assert_eq!(consumed.started_at_ms, expected.started_at_ms);
    // Single use.
    assert!(store.consume_flow("state-a", NOW + 2).await.unwrap().is_none());
    assert!(store.consume_flow("unknown-state", NOW).await.unwrap().is_none());

    // Expired: not consumable, at the expiry second or later.
    let mut no_pkce = flow(&env, "flow-cccccccccccccccc", "state-c", NOW + 10);
    no_pkce.sealed_pkce_verifier = None;
    store.insert_flow(&no_pkce).await.unwrap();
    assert!(store.consume_flow("state-c", NOW + 10).await.unwrap().is_none());
    let consumed = store.consume_flow("state-c", NOW + 9).await.unwrap().unwrap();
    assert!(consumed.sealed_pkce_verifier.is_none());

    // Of concurrent callbacks with one state, exactly one wins.
    store.insert_flow(&flow(&env, "flow-dddddddddddddddd", "state-d", expires)).await.unwrap();
    let takes = (0..8).map(|_| store.consume_flow("state-d", NOW));
    let taken = futures_util::future::join_all(takes).await;
    assert_eq!(taken.into_iter().filter(|t| matches!(t, Ok(Some(_)))).count(), 1);
}

fn failure(code: ErrorCode, message: &str) -> FlowError {
    FlowError { code, message: message.into() }
}

fn record(outcome: Option<FlowOutcome>, expires_at: i64, environment_id: Option<i64>) -> Option<FlowRecord> {
    Some(FlowRecord { outcome, expires_at, environment_id })
}

pub(super) async fn flows_outcome(store: &dyn Store) {
    let env = new_environment(store, "env-outcome").await;
    let id = FlowId::parse("flow-outcome-000001").unwrap();
    let expires = NOW + 600;
    assert!(store.flow_record(&id).await.unwrap().is_none());
    store.insert_flow(&flow(&env, id.as_str(), "state-o1", expires)).await.unwrap();
    assert_eq!(store.flow_record(&id).await.unwrap(), record(None, expires, Some(env.id)));

    // A pre-flow error never overrides an existing record.
    store
        .record_flow_error(&id, Some(env.id), &failure(ErrorCode::InvalidHmac, "bad"), NOW, expires)
        .await
        .unwrap();
    assert_eq!(store.flow_record(&id).await.unwrap(), record(None, expires, Some(env.id)));

    let success = FlowOutcome::Success {
        integration_key: IntegrationKey::parse("int").unwrap(),
        connection_id: ConnectionId::parse("conn").unwrap(),
    };
    store.finish_flow(&id, &success, NOW + 5).await.unwrap();
    assert_eq!(store.flow_record(&id).await.unwrap(), record(Some(success.clone()), expires, Some(env.id)));
    // Only a pending flow changes.
    let error = FlowOutcome::Error(failure(ErrorCode::ProviderDenied, "denied"));
    store.finish_flow(&id, &error, NOW + 6).await.unwrap();
    assert_eq!(store.flow_record(&id).await.unwrap(), record(Some(success.clone()), expires, Some(env.id)));

    let failed = FlowId::parse("flow-outcome-000002").unwrap();
    store.insert_flow(&flow(&env, failed.as_str(), "state-o2", expires)).await.unwrap();
    store.finish_flow(&failed, &error, NOW + 5).await.unwrap();
    assert_eq!(store.flow_record(&failed).await.unwrap(), record(Some(error.clone()), expires, Some(env.id)));

    // A flow ended by the upsert of its connection: recorded in the same transaction, and
    // not at all when the upsert fails (here: its integration does not exist).
    let (owner, key) = with_connection(store, "env-outcome-upsert").await;
    let ended = FlowId::parse("flow-outcome-000004").unwrap();
    store.insert_flow(&flow(&owner, ended.as_str(), "state-o4", expires)).await.unwrap();
    let mut saved = upsert(&key, JsonMap::new(), b"sealed-again", NOW + 7);
    saved.finishes_flow = Some(ended.clone());
    store.upsert_connection(&saved).await.unwrap();
    assert_eq!(store.flow_record(&ended).await.unwrap(), record(Some(success), expires, Some(owner.id)));
    let unsaved = FlowId::parse("flow-outcome-000005").unwrap();
    store.insert_flow(&flow(&owner, unsaved.as_str(), "state-o5", expires)).await.unwrap();
    let mut orphan = upsert(&super::key(&owner, "no-such-int", "conn"), JsonMap::new(), b"s", NOW + 7);
    orphan.finishes_flow = Some(unsaved.clone());
    assert!(store.upsert_connection(&orphan).await.is_err());
    assert_eq!(store.flow_record(&unsaved).await.unwrap(), record(None, expires, Some(owner.id)));

    // Pre-flow errors: recorded once (the first wins), with or without an environment.
    let early = FlowId::parse("flow-outcome-000003").unwrap();
    let unknown = failure(ErrorCode::UnknownIntegration, "no such");
    store.record_flow_error(&early, None, &unknown, NOW, NOW + 60).await.unwrap();
    store
        .record_flow_error(&early, Some(env.id), &failure(ErrorCode::InvalidHmac, "later"), NOW, NOW + 99)
        .await
        .unwrap();
    assert_eq!(
        store.flow_record(&early).await.unwrap(),
        record(Some(FlowOutcome::Error(unknown)), NOW + 60, None)
    );
    // Its id is taken for a real flow now; it has no state to consume.
    assert!(matches!(
        store.insert_flow(&flow(&env, early.as_str(), "state-o3", expires)).await,
        Err(StoreError::Conflict)
    ));

    // Purge removes records whose expiry passed `older_than`, nothing else.
    let purged = store.purge_flows(NOW + 61).await.unwrap();
    assert!(purged >= 1);
    assert!(store.flow_record(&early).await.unwrap().is_none());
    assert!(store.flow_record(&id).await.unwrap().is_some());
}

/// A flow for a WebSocket has no origin; a store with a notice channel delivers what any
/// replica announces (a store without one must say so, never drop announcements silently).
pub(super) async fn flow_notices(store: &dyn Store, expect_channel: bool) {
    let env = new_environment(store, "env-notices").await;
    let mut socket_flow = flow(&env, "flow-socket-0000001", "state-socket", NOW + 600);
    socket_flow.origin = None;
    store.insert_flow(&socket_flow).await.unwrap();
    assert_eq!(store.consume_flow("state-socket", NOW).await.unwrap().unwrap().origin, None);

    let notices = store.flow_end_notices().await.unwrap();
    assert_eq!(notices.is_some(), expect_channel);
    let Some(mut notices) = notices else { return };
    let id = FlowId::parse(format!("flow-notice-{:010}", std::process::id())).unwrap();
    store.announce_flow_end(&id).await.unwrap();
    // Other suites share the database's channel: wait for this id among theirs.
    let received = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(got) = notices.recv().await {
            if got == id {
                return true;
            }
        }
        false
    });
    assert!(received.await.unwrap(), "the announced flow id never arrived");
}
