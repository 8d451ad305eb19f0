//! Item 6: a custom callback URL (SPEC §5) is the `redirect_uri` sent to providers, and our
//! `/oauth/callback` still finishes the flow behind the app's 308 redirect.

use nango_tests::{Redirector, ResponseExt, TestApp};
use serde_json::json;

#[tokio::test]
async fn custom_callback_url_is_used_at_authorize_and_token_and_completes() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let redirector = Redirector::spawn(app.callback_url()).await;
    let environment =
        app.patch_environment(&json!({ "callback_url": redirector.url() })).await.assert_success().await;
    assert_eq!(environment["callback_url"], redirector.url());
    let run = app.connect("fake", "user-1").run().await;
    run.assert_success();
    let authorize = &app.provider.authorize_requests()[0];
    assert_eq!(authorize.query["redirect_uri"], redirector.url());
    let token = &app.provider.token_requests()[0];
    assert_eq!(token.params["redirect_uri"], redirector.url());
    assert_eq!(token.rejection, None, "{token:?}");
    // The browser went provider → custom URL (308) → /oauth/callback.
    let custom = run.hops.iter().position(|(_, url)| url.as_str().starts_with(&redirector.url())).unwrap();
    assert_eq!(run.hops[custom].0, 308);
    assert_eq!(run.hops[custom + 1].1.path(), "/oauth/callback");
    app.get_connection("fake", "user-1", "").await.assert_success().await;
}

#[tokio::test]
async fn clearing_the_custom_callback_url_restores_the_default() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let redirector = Redirector::spawn(app.callback_url()).await;
    app.patch_environment(&json!({ "callback_url": redirector.url() })).await.assert_success().await;
    app.patch_environment(&json!({ "callback_url": null })).await.assert_success().await;
    app.connect_ok("fake", "user-1").await;
    assert_eq!(app.provider.authorize_requests()[0].query["redirect_uri"], app.callback_url());
}

#[tokio::test]
async fn callback_url_must_be_absolute_http() {
    let app = TestApp::spawn().await;
    for bad in [json!("ftp://example.test/cb"), json!("/oauth/callback"), json!("not a url"), json!(42)] {
        let code = app.patch_environment(&json!({ "callback_url": bad })).await.assert_error(400).await;
        assert_eq!(code, "invalid_settings", "{bad}");
    }
    let environment = app.get("/environment").await.assert_success().await;
    assert!(environment["callback_url"].is_null(), "{environment}");
}
