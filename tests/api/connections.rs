//! Connections over the REST API (SPEC §5): the GET shape, hidden refresh token, list with
//! filter and pagination, delete.

use nango_tests::{ResponseExt, TestApp};
use serde_json::Value;

#[tokio::test]
async fn get_connection_shape_hides_the_refresh_token_unless_asked() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    let connection = app.get_connection("fake", "user-1", "").await.assert_success().await;
    for field in [
        "id",
        "connection_id",
        "provider_config_key",
        "provider",
        "connection_config",
        "metadata",
        "credentials",
        "created_at",
        "updated_at",
        "last_fetched_at",
    ] {
        assert!(connection.get(field).is_some(), "missing `{field}` in {connection}");
    }
    assert!(connection["last_fetched_at"].is_string(), "a read sets last_fetched_at: {connection}");
    let credentials = &connection["credentials"];
    assert_eq!(credentials["type"], "OAUTH2");
    assert_eq!(credentials["access_token"], app.provider.access_token());
    assert!(credentials["expires_at"].is_string(), "expires_in 3600 gives an expiry: {credentials}");
    assert!(!connection.to_string().contains(&app.provider.refresh_token()), "{connection}");

    let with_refresh =
        app.get_connection("fake", "user-1", "&refresh_token=true").await.assert_success().await;
    assert_eq!(with_refresh["credentials"]["refresh_token"], app.provider.refresh_token());
    // Reading never went to the provider again (token still fresh).
    assert_eq!(app.provider.token_requests().len(), 1);
}

#[tokio::test]
async fn get_connection_errors() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let code = app.get_connection("fake", "nobody", "").await.assert_error(404).await;
    assert_eq!(code, "not_found");
    let code = app.get("/connection/user-1").await.assert_error(400).await;
    assert_eq!(code, "invalid_request", "provider_config_key is required");
    let code = app.get_connection("nope", "user-1", "").await.assert_error(404).await;
    assert_eq!(code, "not_found", "an unknown integration too, with a message saying which");
    let url = format!("{}/connection/user-1?provider_config_key=fake", app.url);
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "missing_auth_header");
}

fn ids(list: &Value) -> Vec<String> {
    let items = list["connections"].as_array().unwrap_or_else(|| panic!("{list}"));
    items.iter().map(|item| item["connection_id"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn list_filters_by_integration_and_paginates() {
    let app = TestApp::spawn().await;
    app.integration("a", "fake-oauth").await;
    app.integration("b", "fake-oauth").await;
    for id in ["a-1", "a-2", "a-3"] {
        app.connect_ok("a", id).await;
    }
    app.connect_ok("b", "b-1").await;

    let all = app.get("/connection").await.assert_success().await;
    let mut every = ids(&all);
    every.sort();
    assert_eq!(every, ["a-1", "a-2", "a-3", "b-1"]);
    // No credentials in a list.
    assert!(!all.to_string().contains(&app.provider.access_token()), "{all}");

    let only_b = app.get("/connection?integration_id=b").await.assert_success().await;
    assert_eq!(ids(&only_b), ["b-1"]);
    let only_a = app.get("/connection?provider_config_key=a").await.assert_success().await;
    assert_eq!(ids(&only_a).len(), 3);

    // Pages of two, following the cursor, cover every connection once.
    let mut seen = Vec::new();
    let mut path = "/connection?limit=2".to_string();
    for _ in 0..5 {
        let page = app.get(&path).await.assert_success().await;
        let page_ids = ids(&page);
        assert!(page_ids.len() <= 2, "{page}");
        seen.extend(page_ids);
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/connection?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["a-1", "a-2", "a-3", "b-1"]);
    app.get("/connection?limit=0").await.assert_error(400).await;
    app.get("/connection?cursor=garbage!").await.assert_error(400).await;
}

#[tokio::test]
async fn delete_connection() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    app.connect_ok("fake", "user-2").await;
    let response = app.delete("/connection/user-1?provider_config_key=fake").await;
    assert!(response.status().is_success(), "{}", response.status());
    let code = app.get_connection("fake", "user-1", "").await.assert_error(404).await;
    assert_eq!(code, "not_found");
    app.get_connection("fake", "user-2", "").await.assert_success().await;
    let code = app.delete("/connection/user-1?provider_config_key=fake").await.assert_error(404).await;
    assert_eq!(code, "not_found");
}
