//! Auth webhooks (SPEC §5): a new connection POSTs Nango's auth event to the environment's
//! `webhook_url`, signed with `X-Nango-Hmac-Sha256` = HMAC-SHA256(secret key, body) in hex.

use hmac::{Hmac, Mac};
use nango_tests::{ResponseExt, TestApp, WebhookReceiver, SECRET_KEY};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;

#[tokio::test]
async fn a_new_connection_sends_a_signed_auth_webhook() {
    let app = TestApp::spawn().await;
    let receiver = WebhookReceiver::spawn().await;
    app.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-7").await;

    let delivery = receiver.next(Duration::from_secs(20)).await;
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET_KEY.as_bytes()).unwrap();
    mac.update(delivery.body.as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    assert_eq!(delivery.headers["x-nango-hmac-sha256"], expected);
    assert!(delivery.headers["content-type"].starts_with("application/json"));
    let body: Value = serde_json::from_str(&delivery.body).unwrap();
    assert_eq!(body["type"], "auth");
    assert_eq!(body["operation"], "creation");
    assert_eq!(body["success"], true);
    assert_eq!(body["connectionId"], "user-7");
    assert_eq!(body["providerConfigKey"], "fake");
    assert_eq!(body["provider"], "fake-oauth");
    assert!(!delivery.body.contains(&app.provider.access_token()), "no credentials in a webhook");
}
