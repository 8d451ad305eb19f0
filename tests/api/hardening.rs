//! Smaller findings of the hostile review (SPEC §13), each reproduced: secrets are never
//! cached, readiness checks the database, an absurd `expires_in` is clamped to a date, and
//! an undecodable connect path still answers the popup page.

use nango_tests::{ResponseExt, TestApp};
use serde_json::{json, Value};

/// Finding 9: responses that carry secrets send `Cache-Control: no-store`.
#[tokio::test]
async fn responses_with_secrets_are_never_cached() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "u1").await;
    for path in [
        "/connection/u1?provider_config_key=fake",
        "/connection/u1?provider_config_key=fake&refresh_token=true",
        "/connections/u1?provider_config_key=fake",
        "/integrations/fake?include_creds=true",
        "/environment",
        "/connection/nobody?provider_config_key=fake",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
}

/// Finding 9: after the database loses its schema, `/health` (liveness) still answers but
/// `/health/ready` says the server cannot serve.
#[tokio::test]
async fn readiness_checks_the_database() {
    let app = TestApp::builder().sqlite().spawn().await;
    let ready = app.client.get(format!("{}/health/ready", app.url)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let url = format!("sqlite://{}", app.data_dir.join("nango.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    for table in ["connections", "integrations", "oauth_flows", "environments"] {
        sqlx::query(&format!("DROP TABLE IF EXISTS {table}")).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let live = app.client.get(format!("{}/health", app.url)).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = app.client.get(format!("{}/health/ready", app.url)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
}

/// Finding 9: `expires_in: 1e308` used to store `expires_at: ""`; it is clamped to a real date.
#[tokio::test]
async fn an_absurd_expires_in_is_clamped_to_a_date() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.provider.settings().token_response =
        json!({ "access_token": "at-huge", "refresh_token": "rt", "expires_in": 1e308 });
    app.connect_ok("fake", "u1").await;
    let connection = app.get_connection("fake", "u1", "").await.assert_success().await;
    let expires_at =
        connection["credentials"]["expires_at"].as_str().unwrap_or_else(|| panic!("{connection}"));
    assert!(expires_at.len() == 20 && expires_at.ends_with('Z'), "{expires_at}");
    assert_eq!(connection["credentials"]["access_token"], "at-huge");
}

/// Finding 9: `/oauth/connect/%FF` is a popup URL: it answers the readable result page.
#[tokio::test]
async fn an_undecodable_connect_path_answers_the_popup_page() {
    let app = TestApp::spawn().await;
    let response =
        app.client.get(format!("{}/oauth/connect/%FF?connection_id=u1", app.url)).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains("Connection failed"), "{page}");
}

/// Finding 4: a token answer over 1 MiB is refused (`token_exchange_failed`) and nothing of it
/// is stored.
#[tokio::test]
async fn a_token_answer_over_one_mebibyte_is_refused() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let huge = "a".repeat(2 * 1024 * 1024);
    app.provider.settings().token_response = json!({ "access_token": huge, "expires_in": 3600 });
    let run = app.connect("fake", "u1").run().await;
    assert_eq!(run.error_code(), "token_exchange_failed", "{:?}", run.status);
    app.get_connection("fake", "u1", "").await.assert_error(404).await;
}
