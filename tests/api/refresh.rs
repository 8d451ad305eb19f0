//! Token refresh on read (SPEC §5) against the fake provider's `refresh_token` grant.

use nango_tests::{ResponseExt, TestApp};
use serde_json::json;

#[tokio::test]
async fn forced_refresh_uses_the_refresh_token_and_keeps_it() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    let refresh_token = app.provider.refresh_token();
    app.provider.settings().refresh_response =
        json!({ "access_token": "refreshed-access-token-42", "expires_in": 3600 });
    let connection = app
        .get_connection("fake", "user-1", "&force_refresh=true&refresh_token=true")
        .await
        .assert_success()
        .await;
    assert_eq!(connection["credentials"]["access_token"], "refreshed-access-token-42");
    // The provider sent no new refresh token: the old one is kept.
    assert_eq!(connection["credentials"]["refresh_token"], refresh_token);
    let tokens = app.provider.token_requests();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[1].params["grant_type"], "refresh_token");
    assert_eq!(tokens[1].params["refresh_token"], refresh_token);
    assert_eq!(tokens[1].rejection, None, "{:?}", tokens[1]);
    // A plain read afterwards answers the stored, refreshed token without asking again.
    let again = app.get_connection("fake", "user-1", "").await.assert_success().await;
    assert_eq!(again["credentials"]["access_token"], "refreshed-access-token-42");
    assert_eq!(app.provider.token_requests().len(), 2);
}

#[tokio::test]
async fn a_token_expiring_within_the_buffer_is_refreshed_on_read() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.provider.settings().token_response = json!({ "access_token": "short-lived-access-1234", "refresh_token": "rt-1234567890", "expires_in": 60 });
    app.connect_ok("fake", "user-1").await;
    app.provider.settings().refresh_response = json!({ "access_token": "renewed-access-1234", "refresh_token": "rt-new-1234567890", "expires_in": 3600 });
    let connection = app.get_connection("fake", "user-1", "&refresh_token=true").await.assert_success().await;
    assert_eq!(connection["credentials"]["access_token"], "renewed-access-1234");
    assert_eq!(connection["credentials"]["refresh_token"], "rt-new-1234567890");
}

#[tokio::test]
async fn invalid_grant_on_refresh_asks_for_reauthorisation() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    app.provider.settings().token_failure =
        Some((400, json!({ "error": "invalid_grant", "error_description": "revoked" })));
    let code = app.get_connection("fake", "user-1", "&force_refresh=true").await.assert_error_any().await;
    assert_eq!(code, "connection_needs_reauth");
    // A new authorisation clears it.
    app.provider.settings().token_failure = None;
    app.connect_ok("fake", "user-1").await;
    app.get_connection("fake", "user-1", "").await.assert_success().await;
}
