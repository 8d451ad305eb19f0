//! The environment page: keys revealed, the callback URL changed and self-tested against a
//! test redirect server (passing and failing), HMAC toggled, a test webhook sent to a test
//! receiver and found among the deliveries, then replayed.

use crate::admin_support::Console;
use nango_tests::{Redirector, ResponseExt, WebhookReceiver, SECRET_KEY};
use std::time::Duration;

#[tokio::test]
async fn the_callback_url_self_test_passes_and_fails() {
    let console = Console::signed_in().await;
    let good = Redirector::spawn(console.app.callback_url()).await;
    let bad = Redirector::spawn(format!("{}/not-the-callback", console.app.url)).await;
    console.open("#/environment", "Environment").await;

    console.click("#keys [data-reveal]").await;
    console.wait_text("#keys", SECRET_KEY).await;

    console.fill("#callback-url", &good.url()).await;
    console.click("#callback-form-save").await;
    console.wait_text("#callback-form .notice", "Saved.").await;
    let environment = console.app.get("/environment").await.assert_success().await;
    assert_eq!(environment["callback_url"], good.url());
    console.click("#callback-check").await;
    let passed = console.wait_text("#callback-check-result", "Passed").await;
    assert!(passed.contains("redirects to /oauth/callback"), "{passed}");
    console.screenshot("environment").await;

    console.fill("#callback-url", &bad.url()).await;
    console.click("#callback-form-save").await;
    console.wait_text("#callback-form .notice", "Saved.").await;
    console.click("#callback-check").await;
    let failed = console.wait_text("#callback-check-result", "Failed").await;
    assert!(failed.contains("not-the-callback"), "{failed}");
}

#[tokio::test]
async fn hmac_is_toggled() {
    let console = Console::signed_in().await;
    console.open("#/environment", "Environment").await;
    console.click("#hmac-enabled").await;
    console.fill("#hmac-key", "console-hmac-key-0123456789").await;
    console.click("#hmac-form-save").await;
    console.wait_text("#hmac-form .notice", "Saved.").await;
    let on = console.app.get("/environment").await.assert_success().await;
    assert_eq!(
        (on["hmac_enabled"].as_bool(), on["hmac_key"].as_str()),
        (Some(true), Some("console-hmac-key-0123456789"))
    );

    console.open("#/environment", "Environment").await;
    console.click("#hmac-enabled").await;
    console.click("#hmac-form-save").await;
    console.wait_text("#hmac-form .notice", "Saved.").await;
    let off = console.app.get("/environment").await.assert_success().await;
    assert_eq!(off["hmac_enabled"], false);
    // A key too short is the API's rule, shown as it says it.
    console.fill("#hmac-key", "short").await;
    console.click("#hmac-form-save").await;
    console.wait_text("#hmac-form .notice", "at least 16").await;
}

#[tokio::test]
async fn a_test_webhook_reaches_the_receiver_and_shows_in_the_deliveries() {
    let console = Console::signed_in().await;
    let receiver = WebhookReceiver::spawn().await;
    console.open("#/environment", "Environment").await;
    console.fill("#webhook-url", &receiver.url()).await;
    console.click("#webhook-form-save").await;
    console.wait_text("#webhook-form .notice", "Saved.").await;
    console.click("#send-test-webhook").await;
    console.wait_text("#webhook-test-result", "Delivered").await;
    let delivery = receiver.next(Duration::from_secs(10)).await;
    assert!(delivery.body.contains("\"type\":\"test\""), "{}", delivery.body);

    console.open("#/webhooks", "Webhook deliveries").await;
    let listed = console.wait_text("#deliveries", "test").await;
    assert!(listed.contains("delivered") && listed.contains("200"), "status and attempt shown: {listed}");
    console.screenshot("webhooks").await;
    console.click("#deliveries button[data-replay]").await;
    console.wait_text("main .notice", "pending again").await;
    let replayed = receiver.next(Duration::from_secs(10)).await;
    assert!(replayed.body.contains("\"type\":\"test\""), "{}", replayed.body);
}

#[tokio::test]
async fn allowed_origins_are_saved_and_bad_ones_explained() {
    let console = Console::signed_in().await;
    console.open("#/environment", "Environment").await;
    console.set_value("#allowed-origins", "https://app.example.com\nhttp://localhost:5173").await;
    console.click("#origins-form-save").await;
    console.wait_text("#origins-form .notice", "Saved.").await;
    let saved = console.app.get("/environment").await.assert_success().await;
    assert_eq!(
        saved["allowed_origins"],
        serde_json::json!(["https://app.example.com", "http://localhost:5173"])
    );
    console.set_value("#allowed-origins", "https://app.example.com/with/a/path").await;
    console.click("#origins-form-save").await;
    console.wait_text("#origins-form .notice", "is not an origin").await;
}
