//! Item 7: integrations over the REST API (SPEC §5), then used in a flow.

use nango_tests::provider::{CLIENT_ID, CLIENT_SECRET};
use nango_tests::{ResponseExt, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

fn keys(list: &Value) -> Vec<String> {
    let items = list["data"].as_array().or(list.as_array()).unwrap_or_else(|| panic!("{list}"));
    items.iter().map(|item| item["unique_key"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn create_list_update_delete_then_use() {
    let app = TestApp::spawn().await;
    let created = app.create_integration("crm", "fake-oauth").await.assert_success().await;
    let data = &created["data"];
    assert_eq!(data["unique_key"], "crm", "{created}");
    assert_eq!(data["provider"], "fake-oauth");
    // Secrets are not returned unless asked.
    assert!(!created.to_string().contains(CLIENT_SECRET), "{created}");

    let list = app.get("/integrations").await.assert_success().await;
    assert!(keys(&list).contains(&"crm".to_string()), "{list}");
    assert!(!list.to_string().contains(CLIENT_SECRET));

    let one = app.get("/integrations/crm").await.assert_success().await;
    assert_eq!(one["data"]["unique_key"], "crm");
    assert!(one["data"].get("credentials").is_none(), "{one}");
    assert!(!one.to_string().contains(CLIENT_SECRET));
    let with_creds = app.get("/integrations/crm?include_creds=true").await.assert_success().await;
    let credentials = &with_creds["data"]["credentials"];
    assert_eq!(credentials["client_id"], CLIENT_ID, "{with_creds}");
    assert_eq!(credentials["client_secret"], CLIENT_SECRET, "{with_creds}");
    assert_eq!(credentials["scopes"], "read,write", "{with_creds}");

    // Scopes alone, as a list.
    let patched = app.patch_json("/integrations/crm", &json!({ "scopes": ["repo"] })).await;
    assert_eq!(patched.assert_success().await["data"]["scopes"], json!(["repo"]));
    let code = app.patch_json("/integrations/nope", &json!({})).await.assert_error(404).await;
    assert_eq!(code, "not_found");

    // Update the scopes; the next authorize URL carries them.
    let patch = json!({ "credentials": { "type": "OAUTH2", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "scopes": "contacts,deals" } });
    app.patch_json("/integrations/crm", &patch).await.assert_success().await;
    let run = app.connect_ok("crm", "user-1").await;
    let scope = run.authorize_url.unwrap().query_pairs().find(|(k, _)| k == "scope").unwrap().1.into_owned();
    assert!(scope.contains("contacts") && scope.contains("deals"), "{scope}");
    app.get_connection("crm", "user-1", "").await.assert_success().await;

    // Delete: gone from the list, its connections too, and flows refuse it.
    app.delete("/integrations/crm").await.assert_status(204).await;
    let list = app.get("/integrations").await.assert_success().await;
    assert!(!keys(&list).contains(&"crm".to_string()), "{list}");
    assert_eq!(app.get("/integrations/crm").await.assert_error(404).await, "not_found");
    app.get_connection("crm", "user-1", "").await.assert_error(404).await;
    let page = app.connect("crm", "user-2").start().await.text().await.unwrap();
    assert!(page.contains("unknown_integration"), "{page}");
    let code = app.delete("/integrations/crm").await.assert_error(404).await;
    assert_eq!(code, "unknown_integration");
}

#[tokio::test]
async fn integration_errors() {
    let app = TestApp::spawn().await;
    let code = app.create_integration("x", "no-such-provider").await.assert_error(400).await;
    assert_eq!(code, "unknown_provider");
    app.integration("dup", "fake-oauth").await;
    let code = app.create_integration("dup", "fake-oauth").await.assert_error(409).await;
    assert_eq!(code, "duplicate_integration");
    let no_creds = json!({ "unique_key": "bare", "provider": "fake-oauth" });
    let code = app.post_json("/integrations", &no_creds).await.assert_error(400).await;
    assert_eq!(code, "missing_client_credentials");
    let no_secret = json!({ "unique_key": "bare", "provider": "fake-oauth",
        "credentials": { "type": "OAUTH2", "client_id": CLIENT_ID } });
    let code = app.post_json("/integrations", &no_secret).await.assert_error(400).await;
    assert_eq!(code, "missing_client_credentials");
    let bad_key = json!({ "unique_key": "has space", "provider": "fake-oauth",
        "credentials": { "type": "OAUTH2", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET } });
    app.post_json("/integrations", &bad_key).await.assert_error(400).await;
    // 401s: no header, wrong key, public key used as a secret key.
    let url = format!("{}/integrations", app.url);
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "missing_auth_header");
    let response = app.client.get(&url).bearer_auth("wrong-secret-key-0000000000").send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "unknown_account");
    let response =
        app.client.request(Method::GET, &url).bearer_auth(nango_tests::PUBLIC_KEY).send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "unknown_account");
    let list = app.get("/integrations").await.assert_success().await;
    assert_eq!(keys(&list).iter().filter(|key| *key == "dup").count(), 1);
    assert!(!keys(&list).contains(&"bare".to_string()));
}
