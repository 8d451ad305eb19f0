//! SPEC §12 delivery: retries on 429 (after its `Retry-After`), 5xx and network errors with
//! the same `Nango-Webhook-Id`; a final 4xx fails the event at once; a connection's events
//! arrive in order; every request is signed with Nango's headers and ours.

use hmac::{Hmac, Mac};
use nango_tests::nango_clients::run_node;
use nango_tests::webhook_outbox::{attempt_statuses, import_connection, outbox_app, wait_for_status};
use nango_tests::{Answer, ScriptedReceiver, SECRET_KEY};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

fn hmac_hex(message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET_KEY.as_bytes()).unwrap();
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_with_the_same_event_id() {
    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    receiver.then([Answer::status(429).retry_after("2")]);
    let app = outbox_app(&receiver.url()).await;
    import_connection(&app, "limited").await;

    let received = receiver.wait_for("a retry", |received| received.len() >= 2).await;
    assert_eq!((received[0].answered, received[1].answered), (429, 200));
    assert_eq!(received[0].event_id(), received[1].event_id(), "one event, one id");
    assert_eq!(received[0].body, received[1].body);
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_millis(1990), "Retry-After: 2 was not honoured: {waited:?}");

    let event = wait_for_status(&app, "limited", "delivered").await;
    assert_eq!(event["id"], received[0].event_id());
    assert_eq!(attempt_statuses(&event), [json!(429), json!(200)]);
    assert_eq!(event["attempts"][0]["error"], Value::Null);
    assert_eq!(event["attempt_count"], 2);
    assert_eq!(receiver.accepted().len(), 1, "delivered once");
}

#[tokio::test]
async fn five_server_errors_then_success_is_delivered() {
    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    receiver.then([500, 502, 503, 504, 500].map(Answer::status));
    let app = outbox_app(&receiver.url()).await;
    import_connection(&app, "flaky").await;

    let event = wait_for_status(&app, "flaky", "delivered").await;
    assert_eq!(attempt_statuses(&event), [500, 502, 503, 504, 500, 200].map(|status| json!(status)));
    assert_eq!(event["last_error"], Value::Null, "{event}");
    let received = receiver.received();
    assert_eq!(received.len(), 6);
    assert!(received.iter().all(|request| request.event_id() == received[0].event_id()));
    assert_eq!(receiver.accepted().values().collect::<Vec<_>>(), [&1]);
}

#[tokio::test]
async fn a_400_fails_the_event_without_retries() {
    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    receiver.then([Answer::status(400)]);
    let app = outbox_app(&receiver.url()).await;
    import_connection(&app, "refused").await;

    let event = wait_for_status(&app, "refused", "failed").await;
    assert_eq!(attempt_statuses(&event), [json!(400)]);
    assert_eq!(event["last_error"], "HTTP 400");
    assert_eq!(event["next_attempt_at"], Value::Null);
    assert!(event["finished_at"].is_string(), "{event}");
    // Failed is final: the next event (of another connection) is delivered, this one never again.
    import_connection(&app, "after").await;
    wait_for_status(&app, "after", "delivered").await;
    let received = receiver.received();
    assert_eq!(received.iter().filter(|r| r.event_id() == event["id"]).count(), 1, "{received:#?}");
}

#[tokio::test]
async fn network_errors_are_retried_and_recorded_without_the_url() {
    // Nothing listens on a port just freed: the first attempts cannot connect.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/hook/secret-path-token");
    let app = outbox_app(&url).await;
    import_connection(&app, "unreachable").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let event = loop {
        let events = nango_tests::webhook_outbox::deliveries(&app, "connection_id=unreachable").await;
        if let Some(event) =
            events.first().filter(|event| event["attempts"].as_array().is_some_and(|a| a.len() >= 2))
        {
            break event.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no retry: {events:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(event["status"], "pending", "retried, not failed: {event}");
    assert_eq!(event["host"], "127.0.0.1");
    assert_eq!(event["attempts"][0]["status_code"], Value::Null);
    let error = event["attempts"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("connect"), "{error}");
    assert!(!event.to_string().contains("secret-path-token"), "the URL's path is never shown: {event}");
}

/// SPEC §12 "Order per connection": the override waits until the creation is delivered.
#[tokio::test]
async fn a_connections_events_arrive_in_order() {
    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    receiver.then([Answer::status(503), Answer::status(503)]);
    let app = outbox_app(&receiver.url()).await;
    import_connection(&app, "ordered").await;
    import_connection(&app, "ordered").await;

    let received = receiver.wait_for("both events", |received| received.len() >= 4).await;
    let operations: Vec<(String, u16)> = received
        .iter()
        .map(|request| {
            let body: Value = serde_json::from_str(&request.body).unwrap();
            (body["operation"].as_str().unwrap_or_default().to_owned(), request.answered)
        })
        .collect();
    let expected = [("creation", 503), ("creation", 503), ("creation", 200), ("override", 200)];
    assert_eq!(operations, expected.map(|(operation, status)| (operation.to_owned(), status)));
}

#[tokio::test]
async fn deliveries_are_signed_with_nangos_headers_and_ours() {
    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    let app = outbox_app(&receiver.url()).await;
    import_connection(&app, "signed").await;
    let request = receiver.wait_for("a delivery", |received| !received.is_empty()).await.remove(0);
    let body = request.body.as_bytes();
    let headers = &request.headers;

    assert!(headers["content-type"].starts_with("application/json"));
    assert_eq!(headers["x-nango-hmac-sha256"], hmac_hex(body));
    let legacy = Sha256::new().chain_update(SECRET_KEY.as_bytes()).chain_update(body).finalize();
    assert_eq!(headers["x-nango-signature"], hex::encode(legacy));
    assert!(nango_tests::is_uuid_v4(request.event_id()), "{}", request.event_id());
    // Ours: `t=<unix seconds>,v1=<HMAC-SHA256(key, "<t>.<body>")>`.
    let signature = &headers["nango-webhook-signature"];
    let (t, v1) = signature.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(t.parse::<u64>().unwrap().abs_diff(now) < 300, "{signature}");
    assert_eq!(v1, hmac_hex(format!("{t}.{}", request.body).as_bytes()));
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!((body["type"].as_str(), body["connectionId"].as_str()), (Some("auth"), Some("signed")));

    // Nango's own client accepts both of its checks.
    let headers_json = serde_json::to_string(headers).unwrap();
    let vars = [("WEBHOOK_BODY", request.body.as_str()), ("WEBHOOK_HEADERS", headers_json.as_str())];
    let verified = run_node("verify-webhook.mjs", &app.url, SECRET_KEY, &vars).await;
    assert_eq!(verified, json!({"incoming": true, "legacy": true}), "{headers:?}");
    let tampered = request.body.replace("signed", "forged");
    let vars = [("WEBHOOK_BODY", tampered.as_str()), ("WEBHOOK_HEADERS", headers_json.as_str())];
    let verified = run_node("verify-webhook.mjs", &app.url, SECRET_KEY, &vars).await;
    assert_eq!(verified, json!({"incoming": false, "legacy": false}));
}
