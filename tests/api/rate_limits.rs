//! SPEC §13 "Limits" (hostile review finding 6): wrong secret keys and the unauthenticated
//! browser routes are rate-limited per IP (429 with `Retry-After`), and an environment's
//! unfinished flows are capped, so flow rows cannot pile up.

use nango_tests::{ResponseExt, TestApp, SECRET_KEY};
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn wrong_secret_keys_are_limited_and_then_no_key_is_checked() {
    let app = TestApp::builder().var("NANGO_RATE_LIMIT_WRONG_SECRET_KEYS_PER_MINUTE", "5").spawn().await;
    let url = format!("{}/integrations", app.url);
    for _ in 0..5 {
        let response = app.client.get(&url).bearer_auth("wrong-key-0123456789").send().await.unwrap();
        assert_eq!(response.status(), 401);
    }
    let limited = app.client.get(&url).bearer_auth("wrong-key-0123456789").send().await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1, "{retry}");
    assert_eq!(limited.json::<Value>().await.unwrap()["error"]["code"], "rate_limited");
    // While blocked, even the right key is not looked at: guessing learns nothing.
    let right = app.client.get(&url).bearer_auth(SECRET_KEY).send().await.unwrap();
    assert_eq!(right.status(), 429);
}

#[tokio::test]
async fn right_keys_are_not_limited() {
    let app = TestApp::builder().var("NANGO_RATE_LIMIT_WRONG_SECRET_KEYS_PER_MINUTE", "2").spawn().await;
    for _ in 0..20 {
        app.get("/integrations").await.assert_success().await;
    }
}

#[tokio::test]
async fn browser_routes_are_limited_per_ip() {
    let app = TestApp::builder().var("NANGO_RATE_LIMIT_BROWSER_PER_MINUTE", "3").spawn().await;
    let flow = format!("{}/oauth/flows/flow-unknown-0123456789", app.url);
    for _ in 0..3 {
        assert_eq!(app.client.get(&flow).send().await.unwrap().status(), 404);
    }
    let limited = app.client.get(&flow).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(limited.json::<Value>().await.unwrap()["error"]["code"], "rate_limited");
    // The popup route answers its page; the secret-key API is not limited by this budget.
    let connect =
        app.client.get(format!("{}/oauth/connect/fake?connection_id=u1", app.url)).send().await.unwrap();
    assert_eq!(connect.status(), 429);
    assert!(connect.text().await.unwrap().contains("too many requests"));
    app.api(Method::GET, "/integrations").send().await.unwrap().assert_success().await;
}

#[tokio::test]
async fn unfinished_flows_per_environment_are_capped() {
    let app = TestApp::builder().var("NANGO_MAX_PENDING_FLOWS", "2").spawn().await;
    app.integration("fake", "fake-oauth").await;
    for id in ["u1", "u2"] {
        assert_eq!(app.connect("fake", id).start().await.status(), 302);
    }
    let third = app.connect("fake", "u3");
    let response = third.start().await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("location").is_none());
    assert_eq!(app.flow_status(&third.flow).await["error"]["code"], "too_many_pending_flows");
}
