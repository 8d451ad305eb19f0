//! The built-in demo provider and integration (SPEC §6): a real flow offline, approve and deny.

use nango_tests::{ResponseExt, TestApp};

/// The demo integration's key, found through the API (it is created at first start).
async fn demo_integration(app: &TestApp) -> String {
    let list = app.get("/integrations").await.assert_success().await;
    let items = list["data"].as_array().unwrap_or_else(|| panic!("{list}"));
    items
        .iter()
        .filter_map(|item| item["unique_key"].as_str())
        .find(|key| key.contains("demo"))
        .unwrap_or_else(|| panic!("no demo integration in {list}"))
        .to_string()
}

#[tokio::test]
async fn demo_flow_approve_creates_a_connection() {
    let app = TestApp::spawn().await;
    let demo = demo_integration(&app).await;
    let run = app.connect(&demo, "demo-user").run_with_consent(true).await;
    run.assert_success();
    // The consent page was served by our own server (offline, no third party).
    assert!(run.hops.iter().all(|(_, url)| url.as_str().starts_with(&app.url)), "{:?}", run.hops);
    let connection =
        app.get_connection(&demo, "demo-user", "&refresh_token=true").await.assert_success().await;
    let access = connection["credentials"]["access_token"].as_str().unwrap_or_default();
    assert!(!access.is_empty(), "{connection}");
    // A forced refresh against the demo provider answers a working token too.
    let refreshed =
        app.get_connection(&demo, "demo-user", "&force_refresh=true").await.assert_success().await;
    assert!(refreshed["credentials"]["access_token"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn demo_flow_deny_is_provider_denied() {
    let app = TestApp::spawn().await;
    let demo = demo_integration(&app).await;
    let run = app.connect(&demo, "demo-user").run_with_consent(false).await;
    assert_eq!(run.error_code(), "provider_denied");
    app.get_connection(&demo, "demo-user", "").await.assert_error(404).await;
}
