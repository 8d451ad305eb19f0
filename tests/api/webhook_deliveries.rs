//! SPEC §12 routes: `GET /webhooks/deliveries` (each event with its attempts, filtered and
//! paged), `POST /webhooks/deliveries/{id}/replay` (the same event again), `POST /webhooks/test`
//! (a test event now, answering what the receiver said).

use nango_tests::webhook_outbox::{
    attempt_statuses, deliveries, import_connection, outbox_app, wait_for_status,
};
use nango_tests::{Answer, ResponseExt, ScriptedReceiver, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn the_list_shows_each_event_with_its_attempts_filtered_and_paged() {
    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    receiver.then([Answer::status(500)]);
    let app = outbox_app(&receiver.url()).await;
    for id in ["list-1", "list-2", "list-3"] {
        import_connection(&app, id).await;
        wait_for_status(&app, id, "delivered").await;
    }

    let all = deliveries(&app, "").await;
    let ids: Vec<&str> = all.iter().filter_map(|event| event["connection_id"].as_str()).collect();
    assert_eq!(ids, ["list-3", "list-2", "list-1"], "newest first");
    let first = &all[2];
    assert_eq!(attempt_statuses(first), [json!(500), json!(200)]);
    assert_eq!((first["type"].as_str(), first["status"].as_str()), (Some("auth"), Some("delivered")));
    assert_eq!(first["provider_config_key"], "fake");
    assert_eq!(first["host"], "127.0.0.1");
    assert_eq!(first["body"]["connectionId"], "list-1");
    assert!(
        first["attempts"][0]["attempted_at"].is_string() && first["attempts"][0]["latency_ms"].is_number()
    );
    assert!(!Value::Array(all.clone()).to_string().contains("path-token"), "hosts only");

    assert_eq!(deliveries(&app, "connection_id=list-2").await.len(), 1);
    assert_eq!(deliveries(&app, "status=delivered&provider_config_key=fake").await.len(), 3);
    assert!(deliveries(&app, "status=failed").await.is_empty());
    let page = app.get("/webhooks/deliveries?limit=2").await.assert_success().await;
    assert_eq!(page["deliveries"].as_array().map(Vec::len), Some(2));
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let rest = app.get(&format!("/webhooks/deliveries?limit=2&cursor={cursor}")).await.assert_success().await;
    assert_eq!(rest["deliveries"][0]["connection_id"], "list-1");
    assert_eq!(rest["next_cursor"], Value::Null);

    let code = app.get("/webhooks/deliveries?status=lost").await.assert_error(400).await;
    assert_eq!(code, "invalid_query_params");
    let code = app.get("/webhooks/deliveries?colour=red").await.assert_error(400).await;
    assert_eq!(code, "invalid_query_params");
    let anonymous = app.client.get(format!("{}/webhooks/deliveries", app.url)).send().await.unwrap();
    assert_eq!(anonymous.assert_error(401).await, "missing_auth_header");
}

#[tokio::test]
async fn a_replay_sends_the_same_event_again() {
    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    receiver.then([Answer::status(410)]);
    let app = outbox_app(&receiver.url()).await;
    import_connection(&app, "replayed").await;
    let failed = wait_for_status(&app, "replayed", "failed").await;
    let id = failed["id"].as_str().unwrap().to_owned();

    let replay = app.api(Method::POST, &format!("/webhooks/deliveries/{id}/replay")).send().await.unwrap();
    let replayed = replay.assert_status(202).await.json::<Value>().await.unwrap();
    assert_eq!((replayed["id"].as_str(), replayed["status"].as_str()), (Some(id.as_str()), Some("pending")));
    let delivered = wait_for_status(&app, "replayed", "delivered").await;
    assert_eq!(delivered["id"], id.as_str());
    assert_eq!(attempt_statuses(&delivered), [json!(410), json!(200)]);
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!((received[1].event_id(), received[1].body.as_str()), (id.as_str(), received[0].body.as_str()));

    // A delivered event can be replayed too: receivers dedupe by `Nango-Webhook-Id`.
    let replay = app.api(Method::POST, &format!("/webhooks/deliveries/{id}/replay")).send().await.unwrap();
    replay.assert_status(202).await;
    receiver.wait_for("the second replay", |received| received.len() == 3).await;
    assert_eq!(receiver.accepted()[&id], 2);

    for unknown in ["9b2f0c4e-5d1a-4c3b-8e7f-0a1b2c3d4e5f", "not-a-uuid"] {
        let response = app.api(Method::POST, &format!("/webhooks/deliveries/{unknown}/replay")).send().await;
        assert_eq!(response.unwrap().assert_error(404).await, "unknown_webhook_event");
    }
}

#[tokio::test]
async fn the_test_webhook_answers_what_the_receiver_said() {
    let app = TestApp::spawn().await;
    let response = app.api(Method::POST, "/webhooks/test").send().await.unwrap();
    assert_eq!(response.assert_error(400).await, "webhook_url_missing");

    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    receiver.then([Answer::status(503)]);
    app.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    let answer = |app: &TestApp| {
        let request = app.api(Method::POST, "/webhooks/test");
        async move { request.send().await.unwrap().assert_success().await }
    };
    let unavailable = answer(&app).await;
    assert_eq!(unavailable["delivered"], false);
    assert_eq!(unavailable["status_code"], 503);
    let ok = answer(&app).await;
    assert_eq!((ok["delivered"].as_bool(), ok["status_code"].as_u64()), (Some(true), Some(200)));
    assert!(ok["latency_ms"].is_number() && ok["host"] == "127.0.0.1", "{ok}");
    let received = receiver.received();
    assert_eq!(received.len(), 2, "sent once each, never retried");
    let body: Value = serde_json::from_str(&received[1].body).unwrap();
    assert_eq!((body["from"].as_str(), body["type"].as_str()), (Some("nango"), Some("test")));
    assert_eq!(received[1].event_id(), ok["id"]);
    assert!(received[1].headers.contains_key("nango-webhook-signature"));

    // Both are in the list: test events, no connection, one attempt each.
    let tests = deliveries(&app, "").await;
    assert_eq!(tests.len(), 2);
    assert_eq!((tests[0]["type"].as_str(), tests[0]["status"].as_str()), (Some("test"), Some("delivered")));
    assert_eq!(
        (tests[1]["status"].as_str(), tests[1]["connection_id"].clone()),
        (Some("failed"), Value::Null)
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    app.patch_environment(&json!({ "webhook_url": closed })).await.assert_success().await;
    let unreachable = answer(&app).await;
    assert_eq!(
        (unreachable["delivered"].as_bool(), unreachable["status_code"].clone()),
        (Some(false), Value::Null)
    );
    assert!(unreachable["error"].as_str().is_some_and(|error| error.contains("connect")), "{unreachable}");
}

/// `nango-server webhook-test`: the same test event from the command line, against the data
/// of a running app; it fails unless the receiver accepted it.
#[tokio::test]
async fn the_cli_sends_a_test_webhook() {
    let app = TestApp::spawn().await;
    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    receiver.then([Answer::status(500)]);
    app.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    let data_dir = app.data_dir.clone();
    let run = move || {
        std::process::Command::new(nango_tests::cli::server_binary())
            .arg("webhook-test")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUST_LOG", "error")
            .env("NANGO_DATA_DIR", &data_dir)
            .env("NANGO_SECRET_KEY", nango_tests::SECRET_KEY)
            .env("NANGO_PUBLIC_KEY", nango_tests::PUBLIC_KEY)
            .env("NANGO_OUTBOUND_ALLOW", "127.0.0.0/8")
            .output()
            .unwrap()
    };
    let refused = tokio::task::spawn_blocking(run.clone()).await.unwrap();
    assert!(!refused.status.success(), "a 500 is no success");
    let answer: Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!((answer["delivered"].as_bool(), answer["status_code"].as_u64()), (Some(false), Some(500)));
    let accepted = tokio::task::spawn_blocking(run).await.unwrap();
    assert!(accepted.status.success(), "{}", String::from_utf8_lossy(&accepted.stderr));
    let answer: Value = serde_json::from_slice(&accepted.stdout).unwrap();
    assert_eq!(answer["delivered"], true);
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].event_id(), answer["id"]);
    assert_eq!(deliveries(&app, "").await.len(), 2, "the app lists the CLI's test events");
}
