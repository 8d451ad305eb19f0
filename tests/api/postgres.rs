//! Key flows again on Postgres (SPEC §6 `DATABASE_URL`), each test in a fresh database.

use nango_tests::{ResponseExt, TestApp};
use serde_json::json;

#[tokio::test]
async fn postgres_full_flow_and_connection_config() {
    let app = TestApp::with_postgres().await;
    app.integration("zd", "fake-subdomain").await;
    app.connect("zd", "user-1").param("subdomain", "acme").run().await.assert_success();
    assert_eq!(app.provider.token_requests()[0].path, "/acme/token");
    let connection = app.get_connection("zd", "user-1", "&refresh_token=true").await.assert_success().await;
    assert_eq!(connection["connection_config"]["subdomain"], "acme");
    assert_eq!(connection["credentials"]["access_token"], app.provider.access_token());
    assert_eq!(connection["credentials"]["refresh_token"], app.provider.refresh_token());
}

#[tokio::test]
async fn postgres_metadata_replace_merge_and_reauth() {
    let app = TestApp::with_postgres().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    let path = "/connection/user-1/metadata?provider_config_key=fake";
    app.post_json(path, &json!({ "a": 1, "n": { "x": 1 } })).await.assert_success().await;
    app.patch_json(path, &json!({ "b": 2, "n": { "y": 2 } })).await.assert_success().await;
    app.connect_ok("fake", "user-1").await;
    let connection = app.get_connection("fake", "user-1", "").await.assert_success().await;
    assert_eq!(connection["metadata"], json!({ "a": 1, "b": 2, "n": { "y": 2 } }));
}

#[tokio::test]
async fn postgres_connections_list_and_state_replay() {
    let app = TestApp::with_postgres().await;
    app.integration("a", "fake-oauth").await;
    app.integration("b", "fake-oauth").await;
    app.connect_ok("a", "a-1").await;
    app.connect_ok("a", "a-2").await;
    let run = app.connect_ok("b", "b-1").await;
    let only_a = app.get("/connection?integration_id=a&limit=1").await.assert_success().await;
    assert_eq!(only_a["connections"].as_array().map(Vec::len), Some(1), "{only_a}");
    let cursor = only_a["next_cursor"].as_str().expect("a second page");
    let rest = app.get(&format!("/connection?integration_id=a&limit=1&cursor={cursor}")).await;
    let rest = rest.assert_success().await;
    assert_eq!(rest["connections"].as_array().map(Vec::len), Some(1), "{rest}");
    // Single-use state on Postgres too.
    let (_, callback) = run.hops.iter().find(|(_, url)| url.path() == "/oauth/callback").unwrap();
    let page = app.client.get(callback.clone()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("state_invalid"), "{page}");
}
