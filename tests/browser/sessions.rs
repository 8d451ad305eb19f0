//! Connect sessions through the SDK (SPEC §1, §7): `new Nango({host, connectSessionToken})`,
//! `auth(key, options?)` with a server-chosen id, `reconnect()`, the server's refusals as
//! `AuthError`s, the SDK's own `missing_auth_token` / `missing_connect_session_token`, and the
//! package used as `@nangohq/frontend` is: `import Nango from ...`, no `init()`.

use crate::support::{Session, FLOW_TIMEOUT};
use nango_tests::{is_uuid_v4, random_id, ResponseExt, PUBLIC_KEY};
use serde_json::{json, Value};

/// A session for end user `u-1` limited to `integrations` (all when empty).
async fn token(session: &Session, integrations: &[&str]) -> String {
    let body = json!({ "end_user": { "id": "u-1" }, "allowed_integrations": integrations });
    session.mint_session("/connect/sessions", body).await
}

/// The resolved value of call `name`, which must have succeeded for `integration`.
async fn resolved(session: &Session, name: &str, integration: &str) -> Value {
    let outcome = session.outcome(name).await;
    assert_eq!(outcome["ok"], true, "`{name}` failed: {outcome}");
    assert_eq!(outcome["value"]["providerConfigKey"], integration, "{outcome}");
    outcome["value"].clone()
}

#[tokio::test]
async fn a_session_token_auth_resolves_with_a_server_chosen_uuid() {
    let session = Session::start().await;
    session.integration("fake", "fake-oauth").await;
    session.new_nango(json!({ "connectSessionToken": token(&session, &["fake"]).await })).await;

    session.run("a", "auth", json!(["fake", {}])).await;
    let value = resolved(&session, "a", "fake").await;
    let connection_id = value["connectionId"].as_str().expect("a connection id").to_string();
    assert!(is_uuid_v4(&connection_id), "not a UUIDv4: {value}");
    assert_eq!(value.get("isPending"), None, "our server sends no isPending: {value}");
    session.wait_popup_closed().await;
    let opened = session.browser.execute("return window.__opened;", json!([])).await;

    let stored = session.stored_connection("fake", &connection_id).await;
    assert_eq!(stored["connection_id"], connection_id.as_str());
    assert_eq!(stored["credentials"]["access_token"], session.app.provider.access_token().as_str());
    assert_eq!(stored["end_user"]["id"], "u-1", "{stored}");
    assert_eq!(opened, json!([""]), "the popup opens empty, then is sent to the connect URL");
}

#[tokio::test]
async fn reconnect_keeps_the_connection_id() {
    let session = Session::start().await;
    session.integration("fake", "fake-oauth").await;
    let connection_id = format!("user-{}", random_id(6));
    session.app.connect_ok("fake", &connection_id).await;
    let body = json!({ "connection_id": connection_id, "integration_id": "fake" });
    let token = session.mint_session("/connect/sessions/reconnect", body).await;
    session.new_nango(json!({ "connectSessionToken": token })).await;

    session.run("again", "reconnect", json!(["fake"])).await;
    let value = resolved(&session, "again", "fake").await;
    assert_eq!(value["connectionId"], connection_id.as_str(), "{value}");
    let n_authorized = session.app.provider.authorize_requests().len();
    assert_eq!(n_authorized, 2, "the reconnect ran a second consent");
    let stored = session.stored_connection("fake", &connection_id).await;
    assert_eq!(stored["connection_id"], connection_id.as_str());
}

#[tokio::test]
async fn the_servers_session_refusals_reject_with_their_codes() {
    let session = Session::start().await;
    session.integration("fake", "fake-oauth").await;
    session.integration("other", "fake-oauth").await;
    let token = token(&session, &["fake"]).await;
    session.new_nango(json!({ "connectSessionToken": token })).await;

    // A connection id with a token is sent as given, and the server refuses it.
    session.auth("with-id", "fake", "chosen-by-the-page", json!({})).await;
    let message = session.expect_error("with-id", "invalid_query_params").await;
    assert!(message.contains("connection_id"), "{message}");
    session.wait_popup_closed().await;

    session.run("outside", "auth", json!(["other", {}])).await;
    session.expect_error("outside", "integration_not_allowed").await;
    session.wait_popup_closed().await;

    // Ended by the app's backend (`DELETE /connect/session` with the token), as when it expires.
    let url = format!("{}/connect/session", session.app.url);
    session.app.client.delete(url).bearer_auth(&token).send().await.unwrap().assert_status(204).await;
    session.run("ended", "auth", json!(["fake"])).await;
    session.expect_error("ended", "unknown_connect_session_token").await;
    session.wait_popup_closed().await;
    assert!(session.app.provider.authorize_requests().is_empty(), "no flow reached the provider");
}

#[tokio::test]
async fn api_key_credentials_with_a_session_token_resolve() {
    let session = Session::start().await;
    let body = json!({ "unique_key": "keyed", "provider": "fake-apikey" });
    session.app.post_json("/integrations", &body).await.assert_success().await;
    session.new_nango(json!({ "connectSessionToken": token(&session, &[]).await })).await;

    session.run("a", "auth", json!(["keyed", { "credentials": { "apiKey": "sk-session-1" } }])).await;
    let value = resolved(&session, "a", "keyed").await;
    assert_eq!(session.browser.windows().await.len(), 1, "no popup for API keys");
    let connection_id = value["connectionId"].as_str().expect("a connection id");
    assert!(is_uuid_v4(connection_id), "{value}");
    let stored = session.stored_connection("keyed", connection_id).await;
    assert_eq!(stored["credentials"]["apiKey"], "sk-session-1");
}

#[tokio::test]
async fn the_sdk_refuses_calls_without_the_key_they_need() {
    let session = Session::start().await;
    session.integration("fake", "fake-oauth").await;

    // The page's instance has a public key only.
    session.run("reconnect", "reconnect", json!(["fake"])).await;
    session.expect_error("reconnect", "missing_connect_session_token").await;
    assert_eq!(session.browser.windows().await.len(), 1, "no popup without a token");

    session.new_nango(json!({})).await;
    session.run("neither", "auth", json!(["fake", "user-1"])).await;
    session.expect_error("neither", "missing_auth_token").await;
    let token = token(&session, &[]).await;
    session.new_nango(json!({ "publicKey": PUBLIC_KEY, "connectSessionToken": token })).await;
    session.run("both", "auth", json!(["fake", {}])).await;
    session.expect_error("both", "missing_auth_token").await;
    assert_eq!(session.browser.windows().await.len(), 1, "no popup without a key");
    assert!(session.app.provider.authorize_requests().is_empty());
}

#[tokio::test]
async fn the_default_export_runs_a_popup_flow_without_init() {
    let session = Session::start().await;
    session.integration("fake", "fake-oauth").await;
    let connection_id = format!("user-{}", random_id(6));
    let browser = &session.browser;
    browser
        .goto(&session.page.default_import_url(&session.app.url, PUBLIC_KEY, "fake", &connection_id))
        .await;
    browser.wait_for("the page to load", "return window.__ready || null;", json!([]), FLOW_TIMEOUT).await;
    let fetched = browser.execute("return window.__wasmFetched();", json!([])).await;
    assert_eq!(fetched, false, "the wasm module is loaded on first use, not at import");

    // A real click: the popup must open inside its task although the wasm is not loaded yet.
    browser.click(&browser.find("#connect", FLOW_TIMEOUT).await).await;
    let script = "return window.__result;";
    let outcome = browser.wait_for("auth() to settle", script, json!([]), FLOW_TIMEOUT).await;
    assert_eq!(
        outcome,
        json!({ "ok": true, "value": { "providerConfigKey": "fake", "connectionId": connection_id } })
    );
    assert_eq!(browser.execute("return window.__wasmFetched();", json!([])).await, true);
    session.wait_popup_closed().await;
    let stored = session.stored_connection("fake", &connection_id).await;
    assert_eq!(stored["credentials"]["type"], "OAUTH2");
}
