//! The webhook outbox part of the conformance suite: claims lease events to one worker and keep
//! a connection's order, attempts are recorded under the lease only, lists filter and page,
//! replays and purges; concurrent claims never hand out an event twice; an event written in a
//! transaction commits or rolls back with it.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::ids::ConnectionId;
use uuid::Uuid;

/// Implemented for each backend by `webhook_store!`: `write_webhook_event` in a write
/// transaction that commits or rolls back.
#[async_trait]
pub(crate) trait InTransaction {
    async fn write_webhook_event_in_transaction(
        &self,
        event: &NewWebhookEvent,
        commit: bool,
    ) -> StoreResult<()>;
}

fn event(env: &Environment, connection: Option<&str>, created_at: i64) -> NewWebhookEvent {
    NewWebhookEvent {
        id: Uuid::new_v4(),
        environment_id: env.id,
        connection: connection
            .map(|id| (IntegrationKey::parse("int").unwrap(), ConnectionId::parse(id).unwrap())),
        url: "https://hooks.example/in".into(),
        body: format!("{{\"n\":{created_at}}}"),
        created_at,
        next_attempt_at: created_at,
        retry_until: created_at + 100_000,
        lease: None,
    }
}

fn attempt(at: i64, status: Option<u16>, error: Option<&str>) -> WebhookAttempt {
    WebhookAttempt { attempted_at: at, status_code: status, latency_ms: 12, error: error.map(str::to_owned) }
}

fn ids(events: &[WebhookEvent]) -> Vec<Uuid> {
    events.iter().map(|event| event.id).collect()
}

pub(super) async fn webhooks_outbox(store: &dyn Store) {
    const T: i64 = NOW * 1000;
    let env = new_environment(store, "env-webhooks").await;
    let (a1, a2, b1, test) = (
        event(&env, Some("a"), T),
        event(&env, Some("a"), T + 1),
        event(&env, Some("b"), T + 2),
        event(&env, None, T + 3),
    );
    let mut later = event(&env, Some("c"), T + 4);
    later.next_attempt_at = T + 60_000;
    for new in [&a1, &a2, &b1, &test, &later] {
        store.insert_webhook_event(new).await.unwrap();
    }
    assert!(matches!(store.insert_webhook_event(&a1).await, Err(StoreError::Conflict)));

    // The oldest pending event of each connection, if due; test events have no connection.
    let claimed = store.claim_webhook_events("w1", T + 10, T + 1_000, 10).await.unwrap();
    assert_eq!(ids(&claimed), vec![a1.id, b1.id, test.id]);
    assert_eq!(claimed[0].body, a1.body);
    assert_eq!(claimed[0].connection, a1.connection);
    assert_eq!(claimed[2].connection, None);
    assert!(store.claim_webhook_events("w2", T + 10, T + 1_000, 10).await.unwrap().is_empty(), "leased");

    // Only the holder records; the lease is freed then.
    let failed = attempt(T + 20, Some(503), None);
    assert!(!store
        .record_webhook_attempt(&a1.id, "w2", &failed, WebhookNext::RetryAt(T + 500))
        .await
        .unwrap());
    assert!(store
        .record_webhook_attempt(&a1.id, "w1", &failed, WebhookNext::RetryAt(T + 500))
        .await
        .unwrap());
    assert!(
        !store.record_webhook_attempt(&a1.id, "w1", &failed, WebhookNext::Delivered).await.unwrap(),
        "lease gone"
    );
    let ok = attempt(T + 30, Some(200), None);
    assert!(store.record_webhook_attempt(&b1.id, "w1", &ok, WebhookNext::Delivered).await.unwrap());
    // `a1` waits for its retry and `a2` behind it; `b1` is done.
    assert!(store.claim_webhook_events("w2", T + 100, T + 1_000, 10).await.unwrap().is_empty());
    let claimed = store.claim_webhook_events("w2", T + 500, T + 1_500, 10).await.unwrap();
    assert_eq!(ids(&claimed), vec![a1.id]);
    assert_eq!(claimed[0].attempts, 1);
    assert!(store.record_webhook_attempt(&a1.id, "w2", &ok, WebhookNext::Delivered).await.unwrap());
    // A lease that ran out is claimed again (the worker holding it died).
    assert_eq!(ids(&store.claim_webhook_events("w3", T + 600, T + 700, 10).await.unwrap()), vec![a2.id]);
    assert_eq!(ids(&store.claim_webhook_events("w4", T + 700, T + 800, 1).await.unwrap()), vec![a2.id]);
    let refused = attempt(T + 710, Some(400), None);
    assert!(store.record_webhook_attempt(&a2.id, "w4", &refused, WebhookNext::Failed).await.unwrap());
    let network = attempt(T + 720, None, Some("could not connect"));
    assert!(store.record_webhook_attempt(&test.id, "w1", &network, WebhookNext::Failed).await.unwrap());

    // One event, with its attempts.
    let got = store.webhook_event(env.id, &a1.id).await.unwrap().unwrap();
    assert_eq!(got.status, WebhookStatus::Delivered);
    assert_eq!((got.attempts, got.finished_at, got.last_error.as_deref()), (2, Some(T + 30), None));
    assert_eq!(got.attempt_log, vec![failed.clone(), ok.clone()]);
    let got = store.webhook_event(env.id, &a2.id).await.unwrap().unwrap();
    assert_eq!((got.status, got.last_error.as_deref()), (WebhookStatus::Failed, Some("HTTP 400")));
    let got = store.webhook_event(env.id, &test.id).await.unwrap().unwrap();
    assert_eq!(got.last_error.as_deref(), Some("could not connect"));
    let other = new_environment(store, "env-webhooks-other").await;
    assert!(store.webhook_event(other.id, &a1.id).await.unwrap().is_none());

    webhooks_lists(store, &env, [&a1, &a2, &b1, &test, &later]).await;

    // A replay makes a finished event pending and due again, its attempts kept.
    let replayed = store.replay_webhook_event(env.id, &a2.id, T + 800, T + 9_000).await.unwrap().unwrap();
    assert_eq!(
        (replayed.status, replayed.attempts_before_replay, replayed.finished_at),
        (WebhookStatus::Pending, 1, None)
    );
    assert_eq!(
        (replayed.next_attempt_at, replayed.retry_until, replayed.attempt_log.len()),
        (T + 800, T + 9_000, 1)
    );
    assert!(store.replay_webhook_event(other.id, &a2.id, T, T).await.unwrap().is_none());
    assert_eq!(ids(&store.claim_webhook_events("w5", T + 800, T + 900, 10).await.unwrap()), vec![a2.id]);
    assert!(store
        .record_webhook_attempt(&a2.id, "w5", &attempt(T + 850, Some(204), None), WebhookNext::Delivered)
        .await
        .unwrap());
    let got = store.webhook_event(env.id, &a2.id).await.unwrap().unwrap();
    assert_eq!((got.status, got.attempts, got.attempt_log.len()), (WebhookStatus::Delivered, 2, 2));

    // Finished events go (with their attempts), pending ones stay.
    assert_eq!(store.purge_webhook_events(T + 1_000).await.unwrap(), 4);
    assert!(store.webhook_event(env.id, &a1.id).await.unwrap().is_none());
    assert!(store.webhook_event(env.id, &later.id).await.unwrap().is_some());
    concurrent_claims(store, &other).await;
}

async fn webhooks_lists(
    store: &dyn Store,
    env: &Environment,
    [a1, a2, b1, test, later]: [&NewWebhookEvent; 5],
) {
    let list = |filter: WebhookEventFilter| async move {
        ids(&store.list_webhook_events(env.id, &WebhookEventFilter { limit: 100, ..filter }).await.unwrap())
    };
    assert_eq!(list(WebhookEventFilter::default()).await, vec![later.id, test.id, b1.id, a2.id, a1.id]);
    let failed = WebhookEventFilter { status: Some(WebhookStatus::Failed), ..Default::default() };
    assert_eq!(list(failed).await, vec![test.id, a2.id]);
    let of_a =
        WebhookEventFilter { connection_id: Some(ConnectionId::parse("a").unwrap()), ..Default::default() };
    assert_eq!(list(of_a).await, vec![a2.id, a1.id]);
    let of_int = WebhookEventFilter {
        integration_key: Some(IntegrationKey::parse("int").unwrap()),
        ..Default::default()
    };
    assert_eq!(list(of_int).await.len(), 4, "the test event has no integration");
    let page = store
        .list_webhook_events(env.id, &WebhookEventFilter { limit: 2, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(ids(&page), vec![later.id, test.id]);
    let next = WebhookEventFilter { before_seq: Some(page[1].seq), limit: 2, ..Default::default() };
    let next = store.list_webhook_events(env.id, &next).await.unwrap();
    assert_eq!(ids(&next), vec![b1.id, a2.id]);
    assert_eq!(next[1].attempt_log.len(), 1, "a2 was attempted once");
    assert_eq!(next[1].attempt_log[0].status_code, Some(400));
}

/// Workers claiming at once (on Postgres: separate connections) never get the same event.
async fn concurrent_claims(store: &dyn Store, env: &Environment) {
    const T: i64 = NOW * 1000 + 10_000;
    let connections: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
    for id in &connections {
        store.insert_webhook_event(&event(env, Some(id), T)).await.unwrap();
    }
    let claims = (0..8).map(|worker| async move {
        store.claim_webhook_events(&format!("worker-{worker}"), T, T + 1_000, 6).await.unwrap()
    });
    let mut claimed: Vec<Uuid> =
        futures_util::future::join_all(claims).await.iter().flat_map(|events| ids(events)).collect();
    // Claims skipping each other's rows may leave some: a last one takes the rest.
    claimed.extend(ids(&store.claim_webhook_events("worker-last", T, T + 1_000, 100).await.unwrap()));
    let n_claimed = claimed.len();
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), n_claimed, "an event was claimed twice");
    assert_eq!(n_claimed, 40);
}

/// An event written in a transaction exists only if it commits.
pub(crate) async fn webhooks_in_transaction(store: &(impl Store + InTransaction)) {
    let env = new_environment(store, "env-webhooks-tx").await;
    let rolled_back = event(&env, Some("tx"), NOW * 1000);
    store.write_webhook_event_in_transaction(&rolled_back, false).await.unwrap();
    assert!(store.webhook_event(env.id, &rolled_back.id).await.unwrap().is_none());
    let committed = event(&env, Some("tx"), NOW * 1000);
    store.write_webhook_event_in_transaction(&committed, true).await.unwrap();
    assert!(store.webhook_event(env.id, &committed.id).await.unwrap().is_some());
}

/// The outbox row an upsert reports is written in the upsert's transaction, with what the
/// event builder was shown (the connection as stored and whether it was new).
pub(super) async fn upsert_writes_its_webhook(store: &dyn Store) {
    let (env, key) = with_connection(store, "env-upsert-webhook").await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let id = Uuid::new_v4();
    let (seen_by_report, env_of_report) = (seen.clone(), env.clone());
    let report: crate::store::UpsertEvent =
        std::sync::Arc::new(move |connection: &Connection, outcome: UpsertOutcome| {
            seen_by_report.lock().unwrap().push((connection.sealed_credentials.clone(), outcome));
            Some(NewWebhookEvent { id, ..event(&env_of_report, Some("conn"), NOW * 1000) })
        });
    let again = upsert(&key, JsonMap::new(), b"again", NOW + 5);
    let (stored, outcome) = store.upsert_connection_reporting(&again, report.clone()).await.unwrap();
    assert_eq!((stored.sealed_credentials.as_slice(), outcome), (&b"again"[..], UpsertOutcome::Overridden));
    assert_eq!(*seen.lock().unwrap(), [(b"again".to_vec(), UpsertOutcome::Overridden)]);
    let written = store.webhook_event(env.id, &id).await.unwrap().unwrap();
    assert_eq!(
        (written.connection, written.url.as_str(), written.status),
        (
            Some((IntegrationKey::parse("int").unwrap(), ConnectionId::parse("conn").unwrap())),
            "https://hooks.example/in",
            WebhookStatus::Pending
        )
    );
    // The same event id again: the upsert fails as a whole and the connection keeps its
    // credentials.
    let third = upsert(&key, JsonMap::new(), b"third", NOW + 6);
    assert!(store.upsert_connection_reporting(&third, report).await.is_err());
    assert_eq!(store.get_connection(&key).await.unwrap().unwrap().sealed_credentials, b"again");
}
