//! The connection status machine (SPEC §11) over real HTTP with the fake provider: a refused
//! refresh token → `needs_reauth`; a provider outage → `refresh_failing` with back-off, then
//! `active` again when it recovers, or `needs_reauth` once it lasted longer than the grace;
//! a new flow for the same id → `active` with its metadata. Every transition is an auth
//! webhook and an entry of `GET /connection/{id}/events`.

use nango_tests::{ResponseExt, TestApp, WebhookReceiver};
use serde_json::{json, Value};
use std::time::Duration;

/// An app whose webhook goes to a receiver, with one connection `user-1` of `fake`.
async fn connected(builder: nango_tests::app::Builder) -> (TestApp, WebhookReceiver) {
    let app = builder.spawn().await;
    let receiver = WebhookReceiver::spawn().await;
    app.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    let creation: Value =
        serde_json::from_str(&receiver.next(Duration::from_secs(20)).await.body).unwrap_or_default();
    assert_eq!(creation["operation"], "creation");
    (app, receiver)
}

/// The next webhook's body.
async fn webhook(receiver: &WebhookReceiver) -> Value {
    serde_json::from_str(&receiver.next(Duration::from_secs(20)).await.body).unwrap_or_default()
}

async fn connection(app: &TestApp, query: &str) -> Value {
    app.get_connection("fake", "user-1", query).await.assert_success().await
}

async fn forced_refresh_error(app: &TestApp, status: u16) -> String {
    app.get_connection("fake", "user-1", "&force_refresh=true").await.assert_error(status).await
}

async fn steps(app: &TestApp) -> Vec<(String, String)> {
    let events = app.get("/connection/user-1/events?provider_config_key=fake").await.assert_success().await;
    let list = events["events"].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|e| (e["from"].as_str().unwrap_or("").to_owned(), e["to"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[tokio::test]
async fn a_refused_refresh_token_needs_reauth_and_a_new_flow_makes_it_active_with_its_metadata() {
    let (app, receiver) = connected(TestApp::builder()).await;
    app.post_json("/connection/user-1/metadata?provider_config_key=fake", &json!({"plan": "pro"}))
        .await
        .assert_success()
        .await;
    let stored_token = app.provider.access_token();
    app.provider.revoke_refresh_tokens();
    assert_eq!(forced_refresh_error(&app, 409).await, "connection_needs_reauth");

    let hook = webhook(&receiver).await;
    assert_eq!(
        (hook["operation"].as_str(), hook["success"].as_bool()),
        (Some("refresh"), Some(false)),
        "{hook}"
    );
    assert_eq!(hook["status"], "needs_reauth", "{hook}");
    assert_eq!(hook["error"]["type"], "connection_needs_reauth", "{hook}");
    // Reads say so, naming the way out, without calling the provider; `allow_stale` reads anyway.
    let response = app.get_connection("fake", "user-1", "").await.assert_status(409).await;
    let body: Value = response.json().await.unwrap_or_default();
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("/connect/sessions/reconnect") && message.contains("POST /connections"),
        "{message}"
    );
    let stale = connection(&app, "&allow_stale=true").await;
    assert_eq!(stale["credentials"]["access_token"], stored_token.as_str(), "{stale}");
    assert_eq!(stale["status"], "needs_reauth");
    assert!(stale["status_reason"].as_str().unwrap_or_default().contains("invalid_grant"), "{stale}");
    assert!(stale["last_refresh_error"].as_str().unwrap_or_default().starts_with("invalid_grant"), "{stale}");
    assert_eq!(stale["errors"][0]["type"], "auth", "Nango's errors array: {stale}");
    let listed = app.get("/connections?status=needs_reauth").await.assert_success().await;
    assert_eq!(listed["connections"].as_array().map(Vec::len), Some(1), "{listed}");
    assert!(app.get("/connections?status=active").await.assert_success().await["connections"][0].is_null());

    // A new flow for the same id: active again, same id, metadata kept, with its webhook.
    app.connect_ok("fake", "user-1").await;
    let renewed = connection(&app, "").await;
    assert_eq!(
        (renewed["status"].as_str(), renewed["metadata"]["plan"].as_str()),
        (Some("active"), Some("pro"))
    );
    assert_eq!(renewed["errors"], json!([]));
    assert_eq!(webhook(&receiver).await["operation"], "override");
    let expected = [("active", "needs_reauth"), ("needs_reauth", "active")];
    assert_eq!(steps(&app).await, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
}

#[tokio::test]
async fn a_provider_outage_is_refresh_failing_with_back_off_then_active_when_it_recovers() {
    let builder = TestApp::builder().var("NANGO_REFRESH_RETRY_BASE_SECONDS", "3600");
    let (app, receiver) = connected(builder).await;
    app.provider.settings().token_failure = Some((503, json!({"error": "temporarily_unavailable"})));
    assert_eq!(forced_refresh_error(&app, 502).await, "refresh_failed");
    let hook = webhook(&receiver).await;
    assert_eq!(
        (hook["status"].as_str(), hook["success"].as_bool()),
        (Some("refresh_failing"), Some(false)),
        "{hook}"
    );
    let read = connection(&app, "").await;
    assert_eq!(read["status"], "refresh_failing", "never needs_reauth at once: {read}");
    assert!(read["next_refresh_at"].is_string(), "a back-off: {read}");
    assert_eq!(read["last_refresh_error"], "temporarily_unavailable", "the provider's error code: {read}");
    // During the back-off a read of the still-valid token does not call the provider.
    let calls = app.provider.token_requests().len();
    let expiring = app.get("/connections?status=refresh_failing").await.assert_success().await;
    assert_eq!(expiring["connections"].as_array().map(Vec::len), Some(1));
    connection(&app, "").await;
    assert_eq!(app.provider.token_requests().len(), calls);

    app.provider.settings().token_failure = None;
    let fresh = connection(&app, "&force_refresh=true").await;
    assert_eq!(fresh["status"], "active", "{fresh}");
    assert_eq!(fresh["last_refresh_error"], Value::Null);
    let hook = webhook(&receiver).await;
    assert_eq!((hook["status"].as_str(), hook["success"].as_bool()), (Some("active"), Some(true)), "{hook}");
    let expected = [("active", "refresh_failing"), ("refresh_failing", "active")];
    assert_eq!(steps(&app).await, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
}

#[tokio::test]
async fn failing_for_longer_than_the_grace_needs_reauth() {
    let builder = TestApp::builder()
        .var("NANGO_REFRESH_GRACE_SECONDS", "1")
        .var("NANGO_REFRESH_RETRY_BASE_SECONDS", "1");
    let (app, receiver) = connected(builder).await;
    app.provider.settings().token_failure = Some((500, json!({"error": "server_error"})));
    assert_eq!(forced_refresh_error(&app, 502).await, "refresh_failed");
    assert_eq!(webhook(&receiver).await["status"], "refresh_failing");
    // The grace is one second; the next failure after it is the last.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(forced_refresh_error(&app, 409).await, "connection_needs_reauth");
    let hook = webhook(&receiver).await;
    assert_eq!(hook["status"], "needs_reauth", "{hook}");
    let read = connection(&app, "&allow_stale=true").await;
    assert!(read["status_reason"].as_str().unwrap_or_default().contains("grace"), "{read}");
}

/// Mark `user-1` as needing re-authorisation (its refresh token refused).
async fn revoked(app: &TestApp, receiver: &WebhookReceiver) {
    app.provider.revoke_refresh_tokens();
    assert_eq!(forced_refresh_error(app, 409).await, "connection_needs_reauth");
    assert_eq!(webhook(receiver).await["status"], "needs_reauth");
}

#[tokio::test]
async fn a_reconnect_session_and_an_import_make_a_connection_active_again_with_its_id_and_metadata() {
    let (app, receiver) = connected(TestApp::builder()).await;
    app.post_json("/connection/user-1/metadata?provider_config_key=fake", &json!({"seats": 3}))
        .await
        .assert_success()
        .await;

    revoked(&app, &receiver).await;
    let body = json!({"connection_id": "user-1", "integration_id": "fake"});
    let session = app.post_json("/connect/sessions/reconnect", &body).await.assert_success().await;
    let token = session["data"]["token"].as_str().unwrap_or_default().to_owned();
    let run = app.connect("fake", "ignored").session_token(&token).run().await;
    run.assert_success();
    assert_eq!(run.status["connectionId"], "user-1", "the reconnect session keeps the id");
    let read = connection(&app, "").await;
    assert_eq!(
        (read["status"].as_str(), read["metadata"]["seats"].as_i64()),
        (Some("active"), Some(3)),
        "{read}"
    );
    assert_eq!(webhook(&receiver).await["operation"], "override");

    revoked(&app, &receiver).await;
    let import = json!({
        "provider_config_key": "fake",
        "connection_id": "user-1",
        "credentials": {"type": "OAUTH2", "access_token": "imported-token", "expires_at": "2100-01-01T00:00:00Z"},
    });
    app.post_json("/connections", &import).await.assert_status(201).await;
    let read = connection(&app, "").await;
    assert_eq!(read["status"], "active", "{read}");
    assert_eq!(
        (read["credentials"]["access_token"].as_str(), read["metadata"]["seats"].as_i64()),
        (Some("imported-token"), Some(3))
    );
    let hook = webhook(&receiver).await;
    assert_eq!(
        (hook["operation"].as_str(), hook["success"].as_bool()),
        (Some("override"), Some(true)),
        "{hook}"
    );
    let to_states: Vec<String> = steps(&app).await.into_iter().map(|(_, to)| to).collect();
    assert_eq!(to_states, ["needs_reauth", "active", "needs_reauth", "active"]);
}
