//! The conformance walk of the webhook outbox (`/webhooks/...`): a real receiver on loopback
//! set as the environment's `webhook_url`, an auth event made by a real flow, the deliveries
//! list with its filters and pages, a replay, and test events the receiver accepts and ones
//! that reach nobody. It runs last: the flow adds a connection the other steps do not expect.

use super::checker::Checker;
use super::walk_api::OAUTH;
use nango_tests::webhook_outbox::wait_for_status;
use nango_tests::{Answer, ScriptedReceiver, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const LIST: &str = "/webhooks/deliveries";
const REPLAY: &str = "/webhooks/deliveries/{id}/replay";
const TEST: &str = "/webhooks/test";

pub async fn webhooks(app: &TestApp, check: &mut Checker) {
    // The environment walk cleared `webhook_url`.
    let missing = check.send(TEST, app.api(Method::POST, TEST)).await;
    assert_eq!(missing.json["error"]["code"], "webhook_url_missing", "{}", missing.text);

    // The receiver refuses the first event for good (410), then accepts every one.
    let receiver = ScriptedReceiver::spawn(Answer::status(200)).await;
    receiver.then([Answer::status(410)]);
    set_webhook_url(app, check, &receiver.url()).await;
    app.connect_ok(OAUTH, "w1").await;
    let id = wait_for_status(app, "w1", "failed").await["id"].as_str().unwrap().to_owned();

    let failed =
        app.api(Method::GET, &format!("{LIST}?status=failed&connection_id=w1&provider_config_key={OAUTH}"));
    let failed = check.send(LIST, failed).await;
    let event = &failed.json["deliveries"][0];
    assert_eq!(
        (event["id"].as_str(), event["type"].as_str()),
        (Some(id.as_str()), Some("auth")),
        "{}",
        failed.text
    );
    assert_eq!(event["attempts"][0]["status_code"], 410, "{}", failed.text);
    assert_eq!(event["body"]["operation"], "creation", "{}", failed.text);

    let replayed =
        check.send(REPLAY, app.api(Method::POST, &format!("/webhooks/deliveries/{id}/replay"))).await;
    assert_eq!(
        (replayed.status, replayed.json["status"].as_str()),
        (202, Some("pending")),
        "{}",
        replayed.text
    );
    assert_eq!(replayed.json["attempts"].as_array().map(Vec::len), Some(1), "{}", replayed.text);
    wait_for_status(app, "w1", "delivered").await;
    for unknown in ["9b2f0c4e-5d1a-4c3b-8e7f-0a1b2c3d4e5f", "not-a-uuid"] {
        let request = app.api(Method::POST, &format!("/webhooks/deliveries/{unknown}/replay"));
        let refused = check.send(REPLAY, request).await;
        assert_eq!(refused.json["error"]["code"], "unknown_webhook_event", "{}", refused.text);
    }

    // Test events: one the receiver accepts, one to a port nobody listens on.
    let delivered = check.send(TEST, app.api(Method::POST, TEST)).await;
    assert_eq!(
        (delivered.json["delivered"].as_bool(), delivered.json["status_code"].as_u64()),
        (Some(true), Some(200)),
        "{}",
        delivered.text
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    set_webhook_url(app, check, &format!("http://{closed}/hook")).await;
    let unreachable = check.send(TEST, app.api(Method::POST, TEST)).await;
    assert_eq!(unreachable.json["delivered"], false, "{}", unreachable.text);
    assert!(
        unreachable.json["status_code"].is_null() && unreachable.json["error"].is_string(),
        "{}",
        unreachable.text
    );

    list(app, check, &id).await;
}

/// The whole list (auth and test events, delivered and failed), its pages, and bad queries.
async fn list(app: &TestApp, check: &mut Checker, auth_event: &str) {
    let all = check.send(LIST, app.api(Method::GET, LIST)).await;
    let deliveries = all.json["deliveries"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<(&str, &str)> = deliveries
        .iter()
        .filter_map(|event| Some((event["type"].as_str()?, event["status"].as_str()?)))
        .collect();
    for kind in [("auth", "delivered"), ("test", "delivered"), ("test", "failed")] {
        assert!(kinds.contains(&kind), "no {kind:?} event: {}", all.text);
    }
    let auth = deliveries.iter().find(|event| event["id"] == auth_event).unwrap();
    assert_eq!(auth["attempts"].as_array().map(Vec::len), Some(2), "{auth}");
    let aliases = format!("{LIST}?connectionId=w1&providerConfigKey={OAUTH}&status=delivered&limit=5");
    let aliases = check.send(LIST, app.api(Method::GET, &aliases)).await;
    assert_eq!(aliases.json["deliveries"][0]["id"], auth_event, "{}", aliases.text);

    let first = check.send(LIST, app.api(Method::GET, &format!("{LIST}?limit=1"))).await;
    let cursor = first.json["next_cursor"].as_str().unwrap_or_else(|| panic!("{}", first.text)).to_owned();
    let next = check.send(LIST, app.api(Method::GET, &format!("{LIST}?limit=1&cursor={cursor}"))).await;
    assert_ne!(next.json["deliveries"][0]["id"], first.json["deliveries"][0]["id"], "{}", next.text);
    let last = check.send(LIST, app.api(Method::GET, &format!("{LIST}?limit=1000"))).await;
    assert_eq!(last.json["next_cursor"], Value::Null, "{}", last.text);

    for (query, code) in [
        ("status=lost", "invalid_query_params"),
        ("colour=red", "invalid_query_params"),
        ("cursor=!!", "invalid_query_params"),
        ("limit=0", "invalid_query_params"),
        ("connection_id=a%20b", "invalid_connection_id"),
        ("provider_config_key=a%20b", "invalid_request"),
    ] {
        let refused = check.send(LIST, app.api(Method::GET, &format!("{LIST}?{query}"))).await;
        assert_eq!(refused.json["error"]["code"], code, "{query}: {}", refused.text);
    }
    let anonymous = check.send(LIST, app.client.get(format!("{}{LIST}", app.url))).await;
    assert_eq!(anonymous.json["error"]["code"], "missing_auth_header", "{}", anonymous.text);
}

async fn set_webhook_url(app: &TestApp, check: &mut Checker, url: &str) {
    let path = "/environment";
    let changed = check.send(path, app.api(Method::PATCH, path).json(&json!({ "webhook_url": url }))).await;
    assert_eq!(changed.json["webhook_url"], url, "{}", changed.text);
}
