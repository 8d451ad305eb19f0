//! Compatibility with `@nangohq/node` (SPEC §5): its paths and shapes answer, extra headers
//! are ignored, and request bodies are checked (415, 413, 400 as JSON errors).

use nango_tests::{ResponseExt, TestApp};
use reqwest::Method;
use serde_json::json;

async fn connected(app: &TestApp) {
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    app.connect_ok("fake", "user-2").await;
}

#[tokio::test]
async fn node_client_connection_paths() {
    let app = TestApp::spawn().await;
    connected(&app).await;
    // GET /connections/:id with the node client's headers, and a JSON content type without body.
    let connection = app
        .api(
            Method::GET,
            "/connections/user-1?provider_config_key=fake&force_refresh=false&refresh_token=false",
        )
        .header("Content-Type", "application/json")
        .header("Nango-Is-Sync", "false")
        .header("Nango-Is-Dry-Run", "false")
        .header("Provider-Config-Key", "fake")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(connection["connection_id"], "user-1");
    assert_eq!(connection["credentials"]["access_token"], app.provider.access_token());

    let list = app
        .api(Method::GET, "/connections")
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(list["connections"].as_array().map(Vec::len), Some(2), "{list}");
    // The node client's camelCase filter; a list carries no credentials.
    app.integration("other", "fake-oauth").await;
    app.connect_ok("other", "user-3").await;
    let only_fake = app.get("/connections?integrationId=fake").await.assert_success().await;
    let items = only_fake["connections"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{only_fake}");
    assert!(items.iter().all(|item| item["provider_config_key"] == "fake"), "{only_fake}");
    assert!(items.iter().all(|item| item.get("credentials").is_none()), "{only_fake}");

    app.api(Method::DELETE, "/connections/user-2?provider_config_key=fake")
        .send()
        .await
        .unwrap()
        .assert_status(200)
        .await;
    app.get_connection("fake", "user-2", "").await.assert_error(404).await;
    let code = app.delete("/connection/user-2?provider_config_key=fake").await.assert_error(404).await;
    assert_eq!(code, "not_found");
}

#[tokio::test]
async fn node_client_metadata_paths() {
    let app = TestApp::spawn().await;
    connected(&app).await;
    let set = json!({ "connection_id": "user-1", "provider_config_key": "fake",
        "metadata": { "plan": "free", "seats": 3 } });
    app.post_json("/connections/metadata", &set).await.assert_success().await;
    let update = json!({ "connection_id": ["user-1", "user-2"], "provider_config_key": "fake",
        "metadata": { "plan": "pro" } });
    app.patch_json("/connections/metadata", &update).await.assert_success().await;
    let one = app.get_connection("fake", "user-1", "").await.assert_success().await;
    assert_eq!(one["metadata"], json!({ "plan": "pro", "seats": 3 }));
    let two = app.get_connection("fake", "user-2", "").await.assert_success().await;
    assert_eq!(two["metadata"], json!({ "plan": "pro" }));
    let unknown = json!({ "connection_id": "nobody", "provider_config_key": "fake", "metadata": {} });
    app.post_json("/connections/metadata", &unknown).await.assert_error(404).await;
    // A batch with one unknown id fails as a whole: nothing changes.
    let partly = json!({ "connection_id": ["user-2", "ghost"], "provider_config_key": "fake",
        "metadata": { "team": "y" } });
    app.post_json("/connections/metadata", &partly).await.assert_error(404).await;
    let two = app.get_connection("fake", "user-2", "").await.assert_success().await;
    assert_eq!(two["metadata"], json!({ "plan": "pro" }), "a failed batch changes nothing");
}

#[tokio::test]
async fn node_client_integration_shapes() {
    let app = TestApp::spawn().await;
    let created = app.create_integration("crm", "fake-oauth").await.assert_success().await;
    assert_eq!(created["data"]["unique_key"], "crm", "{created}");
    let list = app.get("/integrations").await.assert_success().await;
    assert!(list["data"].is_array(), "{list}");
    // With the node client's headers and a JSON content type on a GET without a body.
    let one = app
        .api(Method::GET, "/integrations/crm")
        .header("Content-Type", "application/json")
        .header("Nango-Is-Sync", "false")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(one["data"]["provider"], "fake-oauth", "{one}");
}

#[tokio::test]
async fn bodies_are_checked_with_json_errors() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    // Wrong content type.
    let response = app
        .api(Method::POST, "/integrations")
        .header("Content-Type", "text/plain")
        .body(r#"{"unique_key":"x","provider":"fake-oauth"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.assert_error(415).await, "unsupported_media_type");
    // No content type at all.
    let response = app.api(Method::POST, "/integrations").body("{}").send().await.unwrap();
    assert_eq!(response.assert_error(415).await, "unsupported_media_type");
    // Malformed JSON.
    let response = app
        .api(Method::POST, "/integrations")
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.assert_error(400).await, "invalid_body");
    // Too large.
    let huge = json!({ "blob": "x".repeat(1024 * 1024) });
    let response = app
        .api(Method::POST, "/connection/user-1/metadata?provider_config_key=fake")
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.assert_error(413).await, "payload_too_large");
    // Unknown route and wrong method answer JSON too.
    assert_eq!(app.get("/no-such-route").await.assert_error(404).await, "not_found");
    let response = app.api(Method::PUT, "/integrations").send().await.unwrap();
    assert_eq!(response.assert_error(405).await, "method_not_allowed");
}
