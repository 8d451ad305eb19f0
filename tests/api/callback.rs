//! `GET /oauth/callback` (SPEC §2): the token request it makes, what it stores, and the
//! result page it answers.

use nango_tests::provider::{CLIENT_ID, CLIENT_SECRET};
use nango_tests::{ClientAuth, ResponseExt, TestApp, TokenBody};
use serde_json::json;

/// SPEC §2 step 2: a form body with client credentials, the same redirect_uri as at
/// authorize, a PKCE verifier matching the challenge, and the provider's token_params.
#[tokio::test]
async fn code_exchange_sends_what_a_strict_provider_checks() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let run = app.connect_ok("fake", "user-1").await;
    let tokens = app.provider.token_requests();
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    // The fake provider itself checked code, redirect_uri, client auth and PKCE.
    assert_eq!(token.rejection, None, "{token:?}");
    assert!(token.content_type.starts_with("application/x-www-form-urlencoded"));
    assert_eq!(token.params["grant_type"], "authorization_code");
    assert_eq!(token.params["redirect_uri"], app.callback_url());
    assert_eq!(token.params["client_id"], CLIENT_ID);
    assert_eq!(token.params["audience"], "fake-api", "provider token_params");
    assert!(token.params.contains_key("code_verifier"));
    // The success message names the connection and carries no credentials.
    assert!(run.page.contains("user-1") && run.page.contains("fake"), "{}", run.page);
    assert!(!run.page.contains(&app.provider.access_token()), "token leaked into the page");
    assert!(!run.page.contains(&app.provider.refresh_token()), "token leaked into the page");
    assert_eq!(run.status["providerConfigKey"], "fake");
    assert_eq!(run.status["connectionId"], "user-1");
}

/// SPEC §2: client auth by HTTP Basic (`authorization_method: header`), JSON body.
#[tokio::test]
async fn basic_client_auth_and_json_body() {
    let app = TestApp::spawn().await;
    app.integration("bj", "fake-basic-json").await;
    {
        let mut settings = app.provider.settings();
        settings.client_auth = ClientAuth::Basic;
        settings.body = TokenBody::Json;
    }
    app.connect_ok("bj", "user-1").await;
    let token = &app.provider.token_requests()[0];
    assert_eq!(token.rejection, None, "{token:?}");
    assert!(token.content_type.starts_with("application/json"));
    assert!(token.authorization.as_deref().is_some_and(|h| h.starts_with("Basic ")));
    assert_ne!(token.params.get("client_secret").map(String::as_str), Some(CLIENT_SECRET));
}

/// The popup page posts to the opener's origin, never to `*`.
#[tokio::test]
async fn result_page_targets_the_opener_origin() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let run = app.connect_ok("fake", "user-1").await;
    assert!(run.page.contains(nango_tests::flow::ORIGIN), "{}", run.page);
    assert!(!run.page.contains("'*'") && !run.page.contains("\"*\""), "{}", run.page);
    assert!(run.page.contains(&run.flow), "the message names the flow: {}", run.page);
}

/// Item 2: Salesforce-style `instance_url` from the token response.
#[tokio::test]
async fn token_response_metadata_lands_in_connection_config() {
    let app = TestApp::spawn().await;
    app.integration("sf", "fake-instance").await;
    app.provider.settings().token_response = json!({
        "access_token": "sf-access-token-1234567890",
        "refresh_token": "sf-refresh-token-1234567890",
        "instance_url": "https://acme.my.example.test",
        "not_declared": "dropped",
    });
    app.connect_ok("sf", "user-1").await;
    let connection = app.get_connection("sf", "user-1", "").await.assert_success().await;
    assert_eq!(connection["connection_config"]["instance_url"], "https://acme.my.example.test");
    assert!(connection["connection_config"].get("not_declared").is_none(), "{connection}");
    assert_eq!(connection["credentials"]["access_token"], "sf-access-token-1234567890");
    assert_eq!(connection["provider"], "fake-instance");
    assert_eq!(connection["provider_config_key"], "sf");
    assert_eq!(connection["connection_id"], "user-1");
}

/// Item 2: QuickBooks-style `realmId` from the callback query.
#[tokio::test]
async fn redirect_uri_metadata_lands_in_connection_config() {
    let app = TestApp::spawn().await;
    app.integration("qb", "fake-realm").await;
    app.provider.settings().extra_callback_query =
        vec![("realmId".into(), "9341453474484455".into()), ("other".into(), "dropped".into())];
    let run = app.connect_ok("qb", "user-1").await;
    let callback = run.hops.iter().find(|(_, url)| url.path() == "/oauth/callback").unwrap();
    assert!(callback.1.query().unwrap_or_default().contains("realmId=9341453474484455"));
    let connection = app.get_connection("qb", "user-1", "").await.assert_success().await;
    assert_eq!(connection["connection_config"]["realmId"], "9341453474484455");
    assert!(connection["connection_config"].get("other").is_none(), "{connection}");
}

/// Re-running a flow for an existing connection replaces its credentials (an override).
#[tokio::test]
async fn reauthorisation_replaces_credentials() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    let first = app.get_connection("fake", "user-1", "").await.assert_success().await;
    app.provider.settings().token_response =
        json!({ "access_token": "second-access-token-123456", "refresh_token": "second-refresh-123456" });
    app.connect_ok("fake", "user-1").await;
    let second = app.get_connection("fake", "user-1", "").await.assert_success().await;
    assert_eq!(second["credentials"]["access_token"], "second-access-token-123456");
    assert_ne!(first["credentials"]["access_token"], second["credentials"]["access_token"]);
    assert_eq!(first["created_at"], second["created_at"]);
    let list = app.get("/connection?provider_config_key=fake").await.assert_success().await;
    assert_eq!(list["connections"].as_array().unwrap().len(), 1, "{list}");
}
