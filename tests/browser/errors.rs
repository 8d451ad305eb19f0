//! Rejections: every failure reaches the page as an `AuthError` with the exact `type`, and
//! none leaves the promise hanging. A denial at the provider runs in Chromium and in Firefox.

use crate::support::Session;
use nango_tests::browser::Engine;
use nango_tests::{random_id, ResponseExt};
use serde_json::json;

nango_tests::in_each_browser!(user_denies_at_the_provider);

async fn user_denies_at_the_provider(engine: Engine) {
    let session = Session::start_in(engine).await;
    session.integration("fake", "fake-oauth").await;
    session.app.provider.settings().deny = Some(("access_denied".into(), "The user said no".into()));

    session.auth("a", "fake", "user-1", json!({})).await;
    let message = session.expect_error("a", "provider_denied").await;
    assert!(message.contains("The user said no"), "{message}");
    session.wait_popup_closed().await;
}

#[tokio::test]
async fn unsafe_or_missing_params_are_rejected() {
    let session = Session::start().await;
    session.integration("desk", "fake-subdomain").await;

    session.auth("unsafe", "desk", "user-1", json!({ "params": { "subdomain": "evil.com/x" } })).await;
    session.expect_error("unsafe", "invalid_connection_config").await;
    session.wait_popup_closed().await;

    session.auth("missing", "desk", "user-1", json!({})).await;
    session.expect_error("missing", "invalid_connection_config").await;
    session.wait_popup_closed().await;
    assert!(session.app.provider.authorize_requests().is_empty(), "no request reached the provider");
}

#[tokio::test]
async fn unknown_integration_is_rejected() {
    let session = Session::start().await;
    session.auth("a", "no-such-integration", "user-1", json!({})).await;
    session.expect_error("a", "unknown_integration").await;
}

#[tokio::test]
async fn wrong_or_missing_hmac_is_rejected_when_enabled() {
    let session = Session::start().await;
    session.integration("fake", "fake-oauth").await;
    let settings = json!({ "hmac_enabled": true, "hmac_key": format!("hmac-key-{}", random_id(16)) });
    session.app.patch_environment(&settings).await.assert_success().await;

    session.auth("wrong", "fake", "user-1", json!({ "hmac": "00".repeat(32) })).await;
    session.expect_error("wrong", "invalid_hmac").await;
    session.wait_popup_closed().await;

    session.auth("missing", "fake", "user-1", json!({})).await;
    session.expect_error("missing", "missing_hmac").await;
}

#[tokio::test]
async fn sdk_checks_its_own_arguments() {
    let session = Session::start().await;
    session.auth("a", "fake", "", json!({})).await;
    session.expect_error("a", "missing_connection_id").await;
    assert_eq!(session.browser.windows().await.len(), 1, "no popup for a call without connection id");
}
