//! Item 8: the OAuth `state` is single-use, expires, and cannot be forged; provider refusals
//! and token endpoint failures end the flow with a clear code and store nothing.

use nango_backend::ids::{ConnectionId, FlowId, IntegrationKey};
use nango_backend::store::NewFlow;
use nango_tests::{ResponseExt, TestApp};
use serde_json::json;

/// Without a known state there is no opener origin to post to: the callback answers a plain
/// 400 page for the user (the SDK learns `state_invalid` from the flow record).
async fn assert_state_rejected(app: &TestApp, url: String) {
    let response = app.client.get(url).send().await.unwrap();
    assert!(response.headers().get("location").is_none());
    let page = response.assert_status(400).await.text().await.unwrap();
    assert!(!page.contains("\"success\":true"), "{page}");
}

#[tokio::test]
async fn replayed_state_is_rejected() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let run = app.connect_ok("fake", "user-1").await;
    let (_, callback) = run.hops.iter().find(|(_, url)| url.path() == "/oauth/callback").unwrap();
    assert_state_rejected(&app, callback.to_string()).await;
    // The first outcome stands; only one code exchange happened.
    assert_eq!(app.flow_status(&run.flow).await["status"], "success");
    assert_eq!(app.provider.token_requests().len(), 1);
}

#[tokio::test]
async fn forged_state_is_rejected_without_a_token_request() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let url = format!("{}/oauth/callback?code=stolen-code&state=forged-state-value-1234567890", app.url);
    assert_state_rejected(&app, url).await;
    assert_state_rejected(&app, format!("{}/oauth/callback?code=stolen-code", app.url)).await;
    assert!(app.provider.token_requests().is_empty());
    app.get_connection("fake", "user-1", "").await.assert_error(404).await;
}

/// An expired flow is put in the store directly (expiry in the past), so no test sleeps.
#[tokio::test]
async fn expired_state_is_rejected() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let store = &app.state().store;
    let environment = store.default_environment().await.unwrap().unwrap();
    let now = nango_backend::time::now();
    let flow_id = format!("flow{}", nango_tests::random_id(16));
    let state = nango_tests::random_id(32);
    store
        .insert_flow(&NewFlow {
            flow_id: FlowId::parse(flow_id.clone()).unwrap(),
            state_hash: nango_backend::flows::state_hash(&state),
            environment_id: environment.id,
            integration_key: IntegrationKey::parse("fake").unwrap(),
            connection_id: ConnectionId::parse("user-1").unwrap(),
            sealed_pkce_verifier: None,
            params: Default::default(),
            authorization_params: Default::default(),
            origin: Some(nango_tests::flow::ORIGIN.into()),
            return_to: None,
            redirect_uri: app.callback_url(),
            end_user: None,
            tags: None,
            webhook_url_override: None,
            created_at: now - 1200,
            started_at_ms: (now - 1200) * 1000,
            expires_at: now - 600,
        })
        .await
        .unwrap();
    // Past its expiry a pending flow reports `state_invalid` on the second channel.
    let status = app.flow_status(&flow_id).await;
    assert_eq!(status["status"], "error", "{status}");
    assert_eq!(status["error"]["code"], "state_invalid");
    assert_state_rejected(&app, format!("{}/oauth/callback?code=some-code&state={state}", app.url)).await;
    assert!(app.provider.token_requests().is_empty());
    app.get_connection("fake", "user-1", "").await.assert_error(404).await;
}

#[tokio::test]
async fn unknown_flow_id_is_404() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/oauth/flows/flow{}", app.url, nango_tests::random_id(16)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.assert_error(404).await, "unknown_flow");
}

#[tokio::test]
async fn provider_denial_becomes_provider_denied() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.provider.settings().deny = Some(("access_denied".into(), "The user said no".into()));
    let run = app.connect("fake", "user-1").run().await;
    assert_eq!(run.error_code(), "provider_denied");
    let message = run.status["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("The user said no"), "provider's description: {}", run.status);
    assert!(app.provider.token_requests().is_empty());
    app.get_connection("fake", "user-1", "").await.assert_error(404).await;
}

#[tokio::test]
async fn token_endpoint_failure_stores_nothing() {
    for (status, body) in [
        (500, json!({ "message": "upstream exploded" })),
        (400, json!({ "error": "invalid_grant", "error_description": "code expired" })),
        (200, json!({ "no_access_token": true })),
    ] {
        let app = TestApp::spawn().await;
        app.integration("fake", "fake-oauth").await;
        app.provider.settings().token_failure = Some((status, body.clone()));
        let run = app.connect("fake", "user-1").run().await;
        assert_eq!(run.error_code(), "token_exchange_failed", "{status} {body}");
        assert_eq!(app.provider.token_requests().len(), 1);
        let code = app.get_connection("fake", "user-1", "").await.assert_error(404).await;
        assert_eq!(code, "not_found");
    }
}
