//! `/proxy` with `Retries` (SPEC §9): 429, 5xx, the statuses of `Retry-On` and network errors
//! are tried again, after the provider's `Retry-After` or with back-off; anything else, or the
//! last failure, is passed back as the provider sent it. Against a real local upstream that
//! counts what it gets.

use nango_tests::upstream::{connected_app, proxy, Canned, Upstream};
use nango_tests::{ResponseExt, TestApp};
use reqwest::Method;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

async fn setup() -> (TestApp, Upstream) {
    let upstream = Upstream::spawn().await;
    let app = connected_app(TestApp::builder(), &format!("{}/v1", upstream.url)).await;
    (app, upstream)
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let (app, upstream) = setup().await;
    upstream.push(Canned::status(429).header("retry-after", "1").body("slow down"));
    let echo = proxy(&app, Method::GET, "/items?page=2")
        .header("Retries", "3")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(echo["ok"], true, "the 200 of the retry is passed back: {echo}");
    let seen = upstream.requests();
    assert_eq!(seen.len(), 2, "one try, one retry: {seen:?}");
    for request in &seen {
        assert_eq!(request.path, "/v1/items");
        assert_eq!(request.query.as_deref(), Some("page=2"));
        assert_eq!(request.header("x-api-key"), Some(nango_tests::upstream::API_KEY));
    }
}

#[tokio::test]
async fn server_errors_are_retried_until_one_succeeds() {
    let (app, upstream) = setup().await;
    upstream.push(Canned::status(503));
    upstream.push(Canned::status(502).body("bad gateway"));
    let echo = proxy(&app, Method::GET, "/items")
        .header("Retries", "3")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(echo["ok"], true, "{echo}");
    assert_eq!(upstream.count(), 3, "503, 502, then the 200");
}

#[tokio::test]
async fn without_retries_the_503_is_passed_through() {
    let (app, upstream) = setup().await;
    for retries in [Some("0"), None] {
        upstream.push(Canned::status(503).header("x-request-id", "abc").body("down for maintenance"));
        let mut request = proxy(&app, Method::GET, "/items");
        if let Some(retries) = retries {
            request = request.header("Retries", retries);
        }
        let response = request.send().await.unwrap().assert_status(503).await;
        assert_eq!(response.headers()["x-request-id"], "abc");
        assert_eq!(response.text().await.unwrap(), "down for maintenance");
    }
    assert_eq!(upstream.count(), 2, "one attempt each");
}

#[tokio::test]
async fn client_errors_are_not_retried_unless_retry_on_names_them() {
    let (app, upstream) = setup().await;
    upstream.push(Canned::status(400).body(r#"{"message":"bad field"}"#));
    let response = proxy(&app, Method::GET, "/items")
        .header("Retries", "3")
        .send()
        .await
        .unwrap()
        .assert_status(400)
        .await;
    assert_eq!(response.text().await.unwrap(), r#"{"message":"bad field"}"#);
    assert_eq!(upstream.count(), 1, "a 400 is not retried");

    upstream.push(Canned::status(409));
    proxy(&app, Method::GET, "/items")
        .header("Retries", "2")
        .header("Retry-On", "409,423")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(upstream.count(), 3, "the 409 of Retry-On was retried once");
}

#[tokio::test]
async fn the_last_failure_is_passed_back_when_retries_run_out() {
    let (app, upstream) = setup().await;
    for n in 0..3 {
        upstream.push(Canned::status(500).body(format!("failure {n}")));
    }
    let response = proxy(&app, Method::GET, "/items")
        .header("Retries", "2")
        .send()
        .await
        .unwrap()
        .assert_status(500)
        .await;
    assert_eq!(response.text().await.unwrap(), "failure 2");
    assert_eq!(upstream.count(), 3);
}

/// A provider that asks for an hour is not waited for: its answer (and `Retry-After`) come back.
#[tokio::test]
async fn a_long_retry_after_is_passed_back_at_once() {
    let (app, upstream) = setup().await;
    upstream.push(Canned::status(429).header("retry-after", "3600"));
    let response = proxy(&app, Method::GET, "/items")
        .header("Retries", "5")
        .send()
        .await
        .unwrap()
        .assert_status(429)
        .await;
    assert_eq!(response.headers()["retry-after"], "3600");
    assert_eq!(upstream.count(), 1);
}

#[tokio::test]
async fn a_retried_request_sends_its_body_and_headers_again() {
    let (app, upstream) = setup().await;
    upstream.push(Canned::status(503));
    let body = json!({ "name": "new contact" });
    proxy(&app, Method::POST, "/contacts")
        .header("Retries", "1")
        .header("Nango-Proxy-Idempotency-Key", "k-1")
        .json(&body)
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    let seen = upstream.requests();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(request.method, "POST");
        assert_eq!(request.body, body.to_string().as_bytes());
        assert_eq!(request.header("idempotency-key"), Some("k-1"));
        assert!(request.header("content-type").is_some_and(|t| t.starts_with("application/json")));
    }
}

/// A listener that accepts connections and closes them at once, counting them.
async fn dropping_listener() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, count)
}

#[tokio::test]
async fn network_errors_are_retried_then_answered_as_our_json_error() {
    let (app, upstream) = setup().await;
    let (dropping, connections) = dropping_listener().await;
    let response = proxy(&app, Method::GET, "/items")
        .header("Retries", "2")
        .header("Base-Url-Override", &dropping)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "proxy_failed", "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("after 2 retries"), "{error}");
    assert_eq!(connections.load(Ordering::SeqCst), 3, "one try and two retries");
    assert_eq!(upstream.count(), 0);
}

#[tokio::test]
async fn unreadable_proxy_headers_and_unknown_connections_are_our_errors() {
    let (app, upstream) = setup().await;
    for (name, value) in [
        ("Retries", "many"),
        ("Retry-On", "429,soon"),
        ("Decompress", "maybe"),
        ("Base-Url-Override", "api.example.com/v1"),
        ("Base-Url-Override", "ftp://api.example.com"),
    ] {
        let response = proxy(&app, Method::GET, "/items").header(name, value).send().await.unwrap();
        assert_eq!(response.assert_error(400).await, "invalid_request", "{name}: {value}");
    }
    let response = app
        .api(Method::GET, "/proxy/items")
        .header("Connection-Id", "nobody")
        .header("Provider-Config-Key", nango_tests::upstream::INTEGRATION)
        .send()
        .await
        .unwrap();
    let code = response.assert_error(404).await;
    assert!(["unknown_connection", "not_found"].contains(&code.as_str()), "{code}");
    assert_eq!(upstream.count(), 0, "no request reached the provider");
}
