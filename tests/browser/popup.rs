//! Successful connects through the SDK: the popup flow with and without params, and the
//! API-key mode without a popup; the app's backend then reads what was stored. The plain popup
//! flow runs in Chromium and in Firefox.

use crate::support::Session;
use nango_tests::browser::Engine;
use nango_tests::random_id;
use serde_json::json;

nango_tests::in_each_browser!(popup_flow_resolves_and_stores_the_connection);

async fn popup_flow_resolves_and_stores_the_connection(engine: Engine) {
    let session = Session::start_in(engine).await;
    session.integration("fake", "fake-oauth").await;
    let connection_id = format!("user-{}", random_id(6));

    session.auth("a", "fake", &connection_id, json!({})).await;
    session.expect_success("a", "fake", &connection_id).await;
    session.wait_popup_closed().await;

    let stored = session.stored_connection("fake", &connection_id).await;
    assert_eq!(stored["connection_id"], connection_id.as_str());
    assert_eq!(stored["provider_config_key"], "fake");
    assert_eq!(stored["credentials"]["type"], "OAUTH2");
    assert_eq!(stored["credentials"]["access_token"], session.app.provider.access_token().as_str());
}

#[tokio::test]
async fn popup_flow_with_params_stores_them_as_connection_config() {
    let session = Session::start().await;
    session.integration("desk", "fake-subdomain").await;
    let connection_id = format!("user-{}", random_id(6));

    let options = json!({ "params": { "subdomain": "acme" } });
    session.auth("a", "desk", &connection_id, options).await;
    session.expect_success("a", "desk", &connection_id).await;

    let stored = session.stored_connection("desk", &connection_id).await;
    assert_eq!(stored["connection_config"]["subdomain"], "acme");
    // The authorize request went to the subdomain the params named.
    let authorize = session.app.provider.authorize_requests();
    assert!(authorize.iter().any(|request| request.host.starts_with("acme.localhost")), "{authorize:?}");
}

#[tokio::test]
async fn api_key_credentials_resolve_without_a_popup() {
    let session = Session::start().await;
    let body = json!({ "unique_key": "keyed", "provider": "fake-apikey" });
    nango_tests::ResponseExt::assert_success(session.app.post_json("/integrations", &body).await).await;
    let connection_id = format!("user-{}", random_id(6));

    let options = json!({ "credentials": { "apiKey": "sk-test-123" }, "params": { "region": "eu" } });
    session.auth("a", "keyed", &connection_id, options).await;
    session.expect_success("a", "keyed", &connection_id).await;
    assert_eq!(session.browser.windows().await.len(), 1, "no popup for API keys");

    let stored = session.stored_connection("keyed", &connection_id).await;
    assert_eq!(stored["credentials"]["type"], "API_KEY");
    assert_eq!(stored["credentials"]["apiKey"], "sk-test-123");
    assert_eq!(stored["connection_config"]["region"], "eu");
}
