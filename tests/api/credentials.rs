//! Connections without a popup (SPEC §2): `POST /api-auth/api-key/:integration` and
//! `POST /api-auth/basic/:integration`, with the same public-key and HMAC checks as connect.

use hmac::{Hmac, Mac};
use nango_tests::{ResponseExt, TestApp, PUBLIC_KEY};
use serde_json::json;
use sha2::Sha256;

const API_KEY: &str = "sk-test-plaintext-api-key-9d8c7b6a";
const PASSWORD: &str = "plaintext-password-5e4f3a2b1c";

async fn integration_without_client_credentials(app: &TestApp, key: &str, provider: &str) {
    let body = json!({ "unique_key": key, "provider": provider });
    app.post_json("/integrations", &body).await.assert_success().await;
}

fn post(app: &TestApp, mode: &str, integration: &str, query: &str) -> reqwest::RequestBuilder {
    app.client.post(format!("{}/api-auth/{mode}/{integration}?{query}", app.url))
}

#[tokio::test]
async fn api_key_connection_is_stored_encrypted_and_readable_over_the_api() {
    let app = TestApp::builder().sqlite().spawn().await;
    integration_without_client_credentials(&app, "keyed", "fake-apikey").await;
    let query = format!("connection_id=user-1&public_key={PUBLIC_KEY}");
    let answer = post(&app, "api-key", "keyed", &query)
        .json(&json!({ "apiKey": API_KEY }))
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(answer, json!({ "providerConfigKey": "keyed", "connectionId": "user-1" }));
    let connection = app.get_connection("keyed", "user-1", "").await.assert_success().await;
    assert_eq!(connection["credentials"], json!({ "type": "API_KEY", "apiKey": API_KEY }));
    assert_eq!(connection["provider"], "fake-apikey");
    let mut bytes = std::fs::read(app.data_dir.join("nango.db")).unwrap_or_default();
    bytes.extend(std::fs::read(app.data_dir.join("nango.db-wal")).unwrap_or_default());
    assert!(!bytes.windows(API_KEY.len()).any(|w| w == API_KEY.as_bytes()), "API key in plain text");
}

#[tokio::test]
async fn basic_connection_round_trips() {
    let app = TestApp::spawn().await;
    integration_without_client_credentials(&app, "basic", "fake-basic").await;
    let query = format!("connection_id=user-1&public_key={PUBLIC_KEY}");
    post(&app, "basic", "basic", &query)
        .json(&json!({ "username": "alice", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    let connection = app.get_connection("basic", "user-1", "").await.assert_success().await;
    assert_eq!(
        connection["credentials"],
        json!({ "type": "BASIC", "username": "alice", "password": PASSWORD })
    );
}

#[tokio::test]
async fn credential_posts_check_public_key_hmac_and_mode() {
    let app = TestApp::spawn().await;
    integration_without_client_credentials(&app, "keyed", "fake-apikey").await;
    app.integration("oauth", "fake-oauth").await;
    let body = json!({ "apiKey": API_KEY });
    let send = |integration: &'static str, query: String| {
        let request = post(&app, "api-key", integration, &query).json(&body);
        async move { request.send().await.unwrap() }
    };
    let code = send("keyed", "connection_id=user-1&public_key=wrong".into()).await.assert_error_any().await;
    assert_eq!(code, "invalid_public_key");
    let code = send("keyed", "connection_id=user-1".into()).await.assert_error(401).await;
    assert_eq!(code, "missing_public_key");
    let code =
        send("nope", format!("connection_id=user-1&public_key={PUBLIC_KEY}")).await.assert_error_any().await;
    assert_eq!(code, "unknown_integration");
    // An OAuth2 integration does not take an API key.
    let code =
        send("oauth", format!("connection_id=user-1&public_key={PUBLIC_KEY}")).await.assert_error(400).await;
    assert_eq!(code, "unsupported_auth_mode");

    let hmac_key = "credentials-hmac-key-0123456789";
    let settings = json!({ "hmac_enabled": true, "hmac_key": hmac_key });
    app.patch_environment(&settings).await.assert_success().await;
    let code =
        send("keyed", format!("connection_id=user-1&public_key={PUBLIC_KEY}")).await.assert_error_any().await;
    assert_eq!(code, "missing_hmac");
    let wrong = "ab".repeat(32);
    let query = format!("connection_id=user-1&public_key={PUBLIC_KEY}&hmac={wrong}");
    assert_eq!(send("keyed", query).await.assert_error_any().await, "invalid_hmac");
    app.get_connection("keyed", "user-1", "").await.assert_error(404).await;

    let mut mac = Hmac::<Sha256>::new_from_slice(hmac_key.as_bytes()).unwrap();
    mac.update(b"keyed:user-1");
    let digest = hex::encode(mac.finalize().into_bytes());
    let query = format!("connection_id=user-1&public_key={PUBLIC_KEY}&hmac={digest}");
    send("keyed", query).await.assert_success().await;
    app.get_connection("keyed", "user-1", "").await.assert_success().await;
}

/// The SDK posts credentials from the app's page: preflight and answer carry CORS for it.
#[tokio::test]
async fn credential_posts_answer_cors_for_the_opener() {
    let app = TestApp::spawn().await;
    integration_without_client_credentials(&app, "keyed", "fake-apikey").await;
    let origin = nango_tests::flow::ORIGIN;
    let url = format!("{}/api-auth/api-key/keyed?connection_id=user-1&public_key={PUBLIC_KEY}", app.url);
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], origin);
    let response = app
        .client
        .post(&url)
        .header("Origin", origin)
        .json(&json!({ "apiKey": API_KEY }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], origin);
    let answer = response.assert_success().await;
    assert_eq!(answer, json!({ "providerConfigKey": "keyed", "connectionId": "user-1" }));
    // The BASIC route refuses an API key integration.
    let query = format!("connection_id=user-2&public_key={PUBLIC_KEY}");
    let response = post(&app, "basic", "keyed", &query)
        .json(&json!({ "username": "u", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.assert_error(400).await, "unsupported_auth_mode");
    app.get_connection("keyed", "user-2", "").await.assert_error(404).await;
}
