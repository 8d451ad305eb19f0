//! Item 3: connection metadata: POST replaces, PATCH merges shallowly, re-authorising keeps it.

use nango_tests::{ResponseExt, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn connected(app: &TestApp) {
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
}

async fn metadata(app: &TestApp) -> Value {
    app.get_connection("fake", "user-1", "").await.assert_success().await["metadata"].clone()
}

#[tokio::test]
async fn post_replaces_and_patch_merges_shallowly() {
    let app = TestApp::spawn().await;
    connected(&app).await;
    assert_eq!(metadata(&app).await, json!({}));
    let first = json!({ "plan": "free", "nested": { "a": 1, "b": 2 }, "keep": true });
    app.api(Method::POST, "/connection/user-1/metadata?provider_config_key=fake")
        .json(&first)
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(metadata(&app).await, first);
    // PATCH with the integration in the header (SPEC §5 allows header or query).
    let patched = app
        .api(Method::PATCH, "/connection/user-1/metadata")
        .header("Provider-Config-Key", "fake")
        .json(&json!({ "plan": "pro", "nested": { "c": 3 } }))
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    // Shallow: `nested` is replaced as a whole, other keys stay; the answer shows the result.
    let merged = json!({ "plan": "pro", "nested": { "c": 3 }, "keep": true });
    assert_eq!(patched["metadata"], merged, "{patched}");
    assert_eq!(metadata(&app).await, merged);
    // POST replaces everything.
    app.api(Method::POST, "/connection/user-1/metadata")
        .header("Provider-Config-Key", "fake")
        .json(&json!({ "only": "this" }))
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(metadata(&app).await, json!({ "only": "this" }));
}

#[tokio::test]
async fn reauthorisation_keeps_metadata() {
    let app = TestApp::spawn().await;
    connected(&app).await;
    app.api(Method::POST, "/connection/user-1/metadata?provider_config_key=fake")
        .json(&json!({ "crm_id": 42 }))
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    app.connect_ok("fake", "user-1").await;
    assert_eq!(metadata(&app).await, json!({ "crm_id": 42 }));
}

#[tokio::test]
async fn metadata_errors() {
    let app = TestApp::spawn().await;
    connected(&app).await;
    let path = "/connection/user-1/metadata?provider_config_key=fake";
    // Metadata is a JSON object.
    let code = app.post_json(path, &json!(["not", "an", "object"])).await.assert_error(400).await;
    assert!(["invalid_body", "invalid_request"].contains(&code.as_str()), "{code}");
    let code = app.patch_json(path, &json!([1])).await.assert_error(400).await;
    assert!(["invalid_body", "invalid_request"].contains(&code.as_str()), "{code}");
    // Unknown connection.
    let missing = "/connection/nobody/metadata?provider_config_key=fake";
    let code = app.post_json(missing, &json!({ "a": 1 })).await.assert_error(404).await;
    assert_eq!(code, "not_found");
    // No integration named.
    let code =
        app.patch_json("/connection/user-1/metadata", &json!({ "a": 1 })).await.assert_error(400).await;
    assert_eq!(code, "invalid_request");
    // No secret key.
    let response = app.client.post(format!("{}{path}", app.url)).json(&json!({})).send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "missing_auth_header");
    assert_eq!(metadata(&app).await, json!({}));
}

#[tokio::test]
async fn connection_config_patch_merges() {
    let app = TestApp::spawn().await;
    app.integration("zd", "fake-subdomain").await;
    app.connect("zd", "user-1").param("subdomain", "acme").run().await.assert_success();
    let patched = app
        .patch_json("/connection/user-1/connection-config?provider_config_key=zd", &json!({ "region": "eu" }))
        .await
        .assert_success()
        .await;
    let merged = json!({ "subdomain": "acme", "region": "eu" });
    assert_eq!(patched["connection_config"], merged, "{patched}");
    let connection = app.get_connection("zd", "user-1", "").await.assert_success().await;
    assert_eq!(connection["connection_config"], merged);
}
