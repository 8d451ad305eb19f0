//! `/proxy/*path` (SPEC §5): forwards to the provider's `proxy.base_url` with the connection's
//! access token, passes `Nango-Proxy-*` headers on, and refreshes and retries once on a 401.

use nango_tests::{ResponseExt, TestApp, SECRET_KEY};
use reqwest::Method;
use serde_json::json;

async fn connected(app: &TestApp) {
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
}

fn proxy(app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.api(method, &format!("/proxy{path}"))
        .header("Connection-Id", "user-1")
        .header("Provider-Config-Key", "fake")
}

#[tokio::test]
async fn proxy_forwards_with_the_access_token_and_custom_headers() {
    let app = TestApp::spawn().await;
    connected(&app).await;
    let response = proxy(&app, Method::GET, "/users/me?x=1&q=a%20b")
        .header("Nango-Proxy-X-Custom", "hello")
        .send()
        .await
        .unwrap()
        .assert_status(200)
        .await;
    assert_eq!(response.headers()["x-fake-api"], "yes", "the provider's headers come back");
    let echo: serde_json::Value = response.json().await.unwrap();
    assert_eq!(echo["path"], "/api/users/me");
    assert_eq!(echo["query"], "x=1&q=a%20b", "the query travels as the client encoded it");
    let calls = app.provider.api_requests();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.headers["authorization"], format!("Bearer {}", app.provider.access_token()));
    assert_eq!(call.headers["x-custom"], "hello");
    assert!(!call.headers.contains_key("connection-id"), "{call:?}");
    assert!(!call.headers.contains_key("provider-config-key"), "{call:?}");
    assert!(!format!("{call:?}").contains(SECRET_KEY), "our secret key reached the provider");

    // A body and its content type travel too.
    let body = json!({ "name": "new contact" });
    let echo =
        proxy(&app, Method::POST, "/contacts").json(&body).send().await.unwrap().assert_success().await;
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], body.to_string());
    let call = &app.provider.api_requests()[1];
    assert!(call.headers["content-type"].starts_with("application/json"), "{call:?}");
    // No refresh was needed for any of it.
    assert_eq!(app.provider.token_requests().len(), 1);
}

/// A token that looks valid (not expiring) but that the provider rejects: refresh once, retry.
#[tokio::test]
async fn proxy_refreshes_once_and_retries_on_401() {
    let app = TestApp::spawn().await;
    connected(&app).await;
    let refreshed = app.provider.settings().refresh_response["access_token"].as_str().unwrap().to_string();
    app.provider.revoke_access_tokens();
    let echo = proxy(&app, Method::GET, "/users/me?x=1")
        .header("Nango-Proxy-X-Custom", "hello")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(echo["ok"], true, "{echo}");
    let calls = app.provider.api_requests();
    assert_eq!(calls.len(), 2, "one try, one retry: {calls:?}");
    assert!(!calls[0].accepted);
    assert!(calls[1].accepted);
    assert_eq!(calls[1].headers["authorization"], format!("Bearer {refreshed}"));
    assert_eq!(calls[1].headers["x-custom"], "hello", "the retry carries the custom header too");
    let tokens = app.provider.token_requests();
    let refreshes: Vec<_> = tokens.iter().filter(|t| t.params["grant_type"] == "refresh_token").collect();
    assert_eq!(refreshes.len(), 1, "{tokens:?}");
    assert_eq!(refreshes[0].rejection, None);
    // The refreshed token is stored.
    let connection = app.get_connection("fake", "user-1", "").await.assert_success().await;
    assert_eq!(connection["credentials"]["access_token"], refreshed);
}

#[tokio::test]
async fn proxy_needs_the_connection_id_header() {
    let app = TestApp::spawn().await;
    connected(&app).await;
    let response =
        app.api(Method::GET, "/proxy/users/me").header("Provider-Config-Key", "fake").send().await.unwrap();
    assert_eq!(response.assert_error(400).await, "missing_connection_id");
    assert!(app.provider.api_requests().is_empty());
}

/// Hostile review finding 4: a provider's answer is streamed through, never read whole first
/// (a 200 MiB answer used to cost 200 MiB). The first chunk reaches the client while the
/// provider has not sent the rest yet.
#[tokio::test]
async fn proxy_answers_are_streamed_through() {
    let app = TestApp::spawn().await;
    connected(&app).await;
    let mut response = proxy(&app, Method::GET, "/stream").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), response.chunk())
        .await
        .expect("the first chunk arrives before the provider finishes")
        .unwrap()
        .unwrap();
    assert_eq!(&first[..], b"first-chunk\n");
    app.provider.finish_streams();
    let rest = response.bytes().await.unwrap();
    assert_eq!(&rest[..], b"last-chunk\n");
}
