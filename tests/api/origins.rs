//! SPEC §13 "Origins" (hostile review finding 2): with `allowed_origins` set, a flow from any
//! other origin is refused with `invalid_origin` and its result page posts nothing; the flow
//! routes answer CORS only for listed origins.

use nango_tests::{ResponseExt, TestApp};
use reqwest::Method;
use serde_json::json;

const APP: &str = "https://app.example";
const EVIL: &str = "http://evil.example";

#[tokio::test]
async fn connect_refuses_an_origin_that_is_not_allowed() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.patch_environment(&json!({ "allowed_origins": [APP] })).await.assert_success().await;

    let evil = app.connect("fake", "user-1").origin(EVIL);
    let flow = evil.flow.clone();
    let response = evil.start().await;
    assert_eq!(response.status(), 403, "no redirect to the provider");
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(!page.contains("postMessage") && !page.contains(EVIL), "the page posts nothing: {page}");
    assert!(app.provider.authorize_requests().is_empty());
    let status = app.flow_status(&flow).await;
    assert_eq!(status["error"]["code"], "invalid_origin", "{status}");

    // The allowed origin works, and its page posts to it only.
    let run = app.connect("fake", "user-1").origin(APP).run().await;
    run.assert_success();
    assert!(run.page.contains(&format!("o=\"{APP}\"")), "{}", run.page);
}

#[tokio::test]
async fn flow_routes_answer_cors_only_for_allowed_origins() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.patch_environment(&json!({ "allowed_origins": [APP] })).await.assert_success().await;
    let run = app.connect("fake", "user-1").origin(APP).run().await;
    run.assert_success();
    let url = format!("{}/oauth/flows/{}", app.url, run.flow);
    for path in [url.clone(), format!("{url}/events")] {
        let allowed = app.client.get(&path).header("Origin", APP).send().await.unwrap();
        assert_eq!(allowed.headers()["access-control-allow-origin"], APP, "{path}");
        let refused = app.client.get(&path).header("Origin", EVIL).send().await.unwrap();
        assert!(refused.headers().get("access-control-allow-origin").is_none(), "{path} mirrors {EVIL}");
    }
    // Without a list, any origin (SPEC §2).
    app.patch_environment(&json!({ "allowed_origins": [] })).await.assert_success().await;
    let open = app.client.get(&url).header("Origin", EVIL).send().await.unwrap();
    assert_eq!(open.headers()["access-control-allow-origin"], EVIL);
    let preflight = app
        .client
        .request(Method::OPTIONS, &url)
        .header("Origin", EVIL)
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
}

#[tokio::test]
async fn an_event_stream_for_an_unknown_flow_ends_at_once() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/oauth/flows/flow-unknown-0123456789/events", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["error"]["code"], "unknown_flow");
}
