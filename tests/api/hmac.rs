//! Item 5: HMAC of `<integration>:<connection_id>` (SPEC §3): off by default, enforced once
//! enabled, and the CLI computes the same digest as the server.

use hmac::{Hmac, Mac};
use nango_tests::{ResponseExt, TestApp};
use serde_json::json;
use sha2::Sha256;

const HMAC_KEY: &str = "test-hmac-key-abcdefghijklmnop";

fn digest(integration: &str, connection_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(HMAC_KEY.as_bytes()).unwrap();
    mac.update(format!("{integration}:{connection_id}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn enable_hmac(app: &TestApp) {
    let settings = json!({ "hmac_enabled": true, "hmac_key": HMAC_KEY });
    let environment = app.patch_environment(&settings).await.assert_success().await;
    assert_eq!(environment["hmac_enabled"], true, "{environment}");
}

#[tokio::test]
async fn disabled_hmac_accepts_no_digest() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let environment = app.get("/environment").await.assert_success().await;
    assert_eq!(environment["hmac_enabled"], false);
    app.connect("fake", "user-1").start().await.assert_status(302).await;
}

#[tokio::test]
async fn enabled_hmac_rejects_missing_and_wrong_digests() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    enable_hmac(&app).await;
    let cases = [
        (None, "missing_hmac"),
        (Some("00".repeat(32)), "invalid_hmac"),
        (Some("not-hex".to_string()), "invalid_hmac"),
        // A digest for another connection id does not open this one.
        (Some(digest("fake", "user-2")), "invalid_hmac"),
    ];
    for (hmac, code) in cases {
        let mut connect = app.connect("fake", "user-1");
        if let Some(hmac) = &hmac {
            connect = connect.hmac(hmac);
        }
        let flow = connect.flow.clone();
        let response = connect.start().await;
        assert!(response.headers().get("location").is_none(), "{code}: redirected");
        let page = response.text().await.unwrap();
        assert!(page.contains(code), "{code}: {page}");
        assert_eq!(app.flow_status(&flow).await["error"]["code"], code);
    }
    assert!(app.provider.authorize_requests().is_empty());
}

#[tokio::test]
async fn enabled_hmac_accepts_the_right_digest_and_completes() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    enable_hmac(&app).await;
    let run = app.connect("fake", "user-1").hmac(&digest("fake", "user-1")).run().await;
    run.assert_success();
    // Upper-case hex is the same digest.
    let upper = digest("fake", "user-1").to_uppercase();
    app.connect("fake", "user-1").hmac(&upper).start().await.assert_status(302).await;
}

#[tokio::test]
async fn server_endpoint_and_cli_compute_the_same_digest() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    enable_hmac(&app).await;
    let body = app
        .get("/environment/hmac?provider_config_key=fake&connection_id=user-1")
        .await
        .assert_success()
        .await;
    let from_server = body["hmac"].as_str().unwrap_or_else(|| panic!("no `hmac` in {body}"));
    assert_eq!(from_server, digest("fake", "user-1"));
    let from_cli = app.run_cli(&["hmac", "fake", "user-1"]);
    assert_eq!(from_cli.trim(), from_server);
    // The server accepts what the CLI printed.
    app.connect("fake", "user-1").hmac(from_cli.trim()).start().await.assert_status(302).await;
}

#[tokio::test]
async fn hmac_endpoint_needs_the_secret_key() {
    let app = TestApp::spawn().await;
    enable_hmac(&app).await;
    let url = format!("{}/environment/hmac?provider_config_key=fake&connection_id=user-1", app.url);
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "missing_auth_header");
    let response = app.client.get(&url).bearer_auth(nango_tests::PUBLIC_KEY).send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "unknown_account");
}
