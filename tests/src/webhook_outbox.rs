//! Helpers for the webhook outbox suites: an app whose retries come within milliseconds,
//! connections imported to make auth events, and the deliveries list (`/webhooks/deliveries`).

use crate::response::ResponseExt;
use crate::TestApp;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The settings that make retries fast: back-off from 20 ms, at most 200 ms between attempts.
pub const FAST_RETRIES: [(&str, &str); 2] =
    [("NANGO_WEBHOOK_RETRY_BASE_MS", "20"), ("NANGO_WEBHOOK_RETRY_MAX_MS", "200")];

/// A `TestApp` with `FAST_RETRIES`, webhooks to `webhook_url`, and integration `fake`.
pub async fn outbox_app(webhook_url: &str) -> TestApp {
    let mut builder = TestApp::builder();
    for (key, value) in FAST_RETRIES {
        builder = builder.var(key, value);
    }
    let app = builder.spawn().await;
    app.patch_environment(&json!({ "webhook_url": webhook_url })).await.assert_success().await;
    app.integration("fake", "fake-oauth").await;
    app
}

/// Import connection `connection_id` of integration `fake` (an auth event: creation, or
/// override when it exists).
pub async fn import_connection(app: &TestApp, connection_id: &str) {
    let body = json!({
        "provider_config_key": "fake",
        "connection_id": connection_id,
        "credentials": { "type": "OAUTH2", "access_token": format!("token-{connection_id}") },
    });
    app.post_json("/connections", &body).await.assert_status(201).await;
}

/// `GET /webhooks/deliveries?<query>`'s `deliveries`.
pub async fn deliveries(app: &TestApp, query: &str) -> Vec<Value> {
    let page = app.get(&format!("/webhooks/deliveries?{query}")).await.assert_success().await;
    page["deliveries"].as_array().cloned().unwrap_or_default()
}

/// Poll the deliveries list until the newest event of `connection_id` has `status`; returns it.
pub async fn wait_for_status(app: &TestApp, connection_id: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let events = deliveries(app, &format!("connection_id={connection_id}")).await;
        if let Some(event) = events.first().filter(|event| event["status"] == status) {
            return event.clone();
        }
        assert!(Instant::now() < deadline, "no `{status}` event of {connection_id}: {events:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The statuses a delivery's attempts got, oldest first (`null` for no answer).
pub fn attempt_statuses(event: &Value) -> Vec<Value> {
    event["attempts"]
        .as_array()
        .map(|attempts| attempts.iter().map(|a| a["status_code"].clone()).collect())
        .unwrap_or_default()
}
