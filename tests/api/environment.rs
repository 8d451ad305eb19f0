//! Environment settings (SPEC §3, §5): `PATCH /environment` validates every field and
//! `GET /environment` answers what was stored.

use nango_tests::{ResponseExt, TestApp};
use serde_json::json;

#[tokio::test]
async fn invalid_settings_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let before = app.get("/environment").await.assert_success().await;
    let cases = [
        json!({ "hmac_enabled": true }),
        json!({ "allowed_origins": ["https://app.example.test/with/a/path"] }),
        json!({ "callback_url": "nope" }),
    ];
    for patch in cases {
        let code = app.patch_environment(&patch).await.assert_error(400).await;
        assert_eq!(code, "invalid_settings", "{patch}");
    }
    assert_eq!(app.get("/environment").await.assert_success().await, before);
    // No HMAC key, no digest.
    let path = "/environment/hmac?provider_config_key=fake&connection_id=user-1";
    app.get(path).await.assert_error(400).await;
}

#[tokio::test]
async fn settings_round_trip() {
    let app = TestApp::spawn().await;
    let patch = json!({
        "hmac_enabled": true,
        "hmac_key": "0123456789abcdef",
        "callback_url": "https://app.example.test/cb",
        "allowed_origins": ["https://app.example.test"],
        "webhook_url": null,
    });
    let answered = app.patch_environment(&patch).await.assert_success().await;
    let got = app.get("/environment").await.assert_success().await;
    assert_eq!(answered, got);
    assert_eq!(got["hmac_enabled"], true);
    assert_eq!(got["callback_url"], "https://app.example.test/cb");
    assert_eq!(got["allowed_origins"], json!(["https://app.example.test"]));
    assert!(got["webhook_url"].is_null(), "{got}");
}
