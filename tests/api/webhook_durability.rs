//! SPEC §12 "Events survive restarts" and "each event by one worker at a time": the real
//! binary killed with SIGKILL while 100 events wait delivers all of them after a restart, each
//! once; two replicas on one Postgres deliver each event exactly once.

use nango_tests::app::TEST_ENCRYPTION_KEY;
use nango_tests::server_process::ServerProcess;
use nango_tests::webhook_outbox::{deliveries, import_connection};
use nango_tests::{Answer, ResponseExt, ScriptedReceiver, TestApp, SECRET_KEY};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

const N_EVENTS: usize = 100;

#[tokio::test]
async fn undelivered_events_survive_a_sigkill_and_arrive_once_after_the_restart() {
    let receiver = ScriptedReceiver::spawn(Answer::status(503)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut vars: Vec<(&str, String)> = vec![
        ("NANGO_DATA_DIR", dir.path().join("data").display().to_string()),
        ("NANGO_SECRET_KEY", SECRET_KEY.to_owned()),
        ("NANGO_ENCRYPTION_KEY", TEST_ENCRYPTION_KEY.to_owned()),
        // Leases of a killed worker run out after the time-out plus 5 s: 7 s here.
        ("NANGO_WEBHOOK_TIMEOUT_SECONDS", "2".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    // Fast retries, at most a second apart: 100 events answered 503 stay a light load.
    vars.extend([
        ("NANGO_WEBHOOK_RETRY_BASE_MS", "20".to_owned()),
        ("NANGO_WEBHOOK_RETRY_MAX_MS", "1000".to_owned()),
    ]);
    let server = ServerProcess::start(&vars);
    let client = nango_tests::app::client();
    let api = |base: &str, method: Method, path: &str| {
        client.request(method, format!("{base}{path}")).bearer_auth(SECRET_KEY)
    };
    let environment = json!({ "webhook_url": receiver.url() });
    api(&server.url, Method::PATCH, "/environment")
        .json(&environment)
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    let integration = json!({ "unique_key": "github", "provider": "github", "credentials": {
        "type": "OAUTH2", "client_id": "client", "client_secret": "client-secret", "scopes": "repo" } });
    api(&server.url, Method::POST, "/integrations")
        .json(&integration)
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    for n in 0..N_EVENTS {
        let body = json!({ "provider_config_key": "github", "connection_id": format!("user-{n}"),
            "credentials": { "type": "OAUTH2", "access_token": format!("token-{n}") } });
        api(&server.url, Method::POST, "/connections")
            .json(&body)
            .send()
            .await
            .unwrap()
            .assert_status(201)
            .await;
    }
    // Every event is written and tried (answered 503) before the crash.
    let pending = |base: String| {
        let request = api(&base, Method::GET, "/webhooks/deliveries?status=pending&limit=1000");
        async move { request.send().await.unwrap().assert_success().await }
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while pending(server.url.clone()).await["deliveries"].as_array().map_or(0, Vec::len) < N_EVENTS {
        assert!(Instant::now() < deadline, "the events were not all written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    receiver.wait_for("an attempt at every event", |received| distinct_ids(received) == N_EVENTS).await;
    server.kill();
    assert!(receiver.accepted().is_empty(), "nothing was accepted before the crash");

    receiver.answer_by_default(Answer::status(200));
    let server = ServerProcess::start(&vars);
    receiver.wait_for("every event accepted", |_| receiver.accepted().len() == N_EVENTS).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let events = loop {
        let page = api(&server.url, Method::GET, "/webhooks/deliveries?limit=1000").send().await.unwrap();
        let events = page.assert_success().await["deliveries"].as_array().cloned().unwrap_or_default();
        if events.iter().all(|event| event["status"] == "delivered") {
            break events;
        }
        assert!(Instant::now() < deadline, "not all recorded as delivered: {events:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(events.len(), N_EVENTS);
    let accepted = receiver.accepted();
    assert!(accepted.values().all(|n| *n == 1), "an event was accepted twice: {accepted:?}");
    let ids: std::collections::BTreeSet<&str> =
        events.iter().filter_map(|event| event["id"].as_str()).collect();
    assert_eq!(
        ids,
        accepted.keys().map(String::as_str).collect(),
        "the events that arrived are the listed ones"
    );
    server.stop();
}

#[tokio::test]
async fn two_replicas_on_one_postgres_deliver_each_event_exactly_once() {
    // A slow receiver and two deliveries at a time per replica: a backlog both replicas claim from.
    let receiver = ScriptedReceiver::spawn(Answer::status(200).after(Duration::from_millis(50))).await;
    let primary = replica(TestApp::builder().postgres()).await;
    let secondary = replica(TestApp::builder().replica_of(&primary)).await;
    primary.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    primary.integration("fake", "fake-oauth").await;
    // Events written on both replicas, each waking its own worker.
    for n in 0..20 {
        let app = if n % 2 == 0 { &primary } else { &secondary };
        import_connection(app, &format!("both-{n}")).await;
    }
    receiver.wait_for("every event", |_| receiver.accepted().len() == 20).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let events = loop {
        let events = deliveries(&secondary, "limit=100").await;
        if events.len() == 20 && events.iter().all(|event| event["status"] == "delivered") {
            break events;
        }
        assert!(Instant::now() < deadline, "not all delivered: {events:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Each event was sent once, by one replica: one attempt, one request.
    assert!(events.iter().all(|event| event["attempts"].as_array().map(Vec::len) == Some(1)), "{events:#?}");
    assert_eq!(receiver.received().len(), 20);
    assert!(receiver.accepted().values().all(|n| *n == 1));
}

async fn replica(builder: nango_tests::app::Builder) -> TestApp {
    builder.var("NANGO_WEBHOOK_CONCURRENCY", "2").spawn().await
}

fn distinct_ids(received: &[nango_tests::webhook_script::Received]) -> usize {
    let ids: std::collections::BTreeSet<&str> = received.iter().map(|request| request.event_id()).collect();
    ids.len()
}
