//! The hostile-input suite (SPEC §13 "Input", hostile review finding 5): every public route
//! with control characters, malformed JSON, wrong types, huge bodies, traversal and
//! duplicated parameters, on SQLite and on Postgres. Each answer is a 4xx with our JSON error
//! (or the popup page for the popup routes), never a 5xx, and the stored data is
//! byte-identical before and after.

use nango_tests::{ResponseExt, TestApp, PUBLIC_KEY};
use reqwest::Method;
use serde_json::{json, Value};

/// One hostile request: method, path with query, optional raw body.
struct Case {
    method: Method,
    path: String,
    body: Option<String>,
    /// The popup routes answer an HTML page; the rest JSON.
    page: bool,
}

fn case(method: Method, path: &str, body: Option<&str>) -> Case {
    let page = path.starts_with("/oauth/connect/") || path.starts_with("/oauth/callback");
    Case { method, path: path.into(), body: body.map(str::to_owned), page }
}

fn cases() -> Vec<Case> {
    let pk = PUBLIC_KEY;
    let huge = format!("{{\"metadata\":\"{}\"}}", "x".repeat(300 * 1024));
    let long_query = format!("/connection/u1?provider_config_key={}", "k".repeat(9000));
    vec![
        // NUL and other control characters, in the path, the query and JSON, with and without a key.
        case(Method::GET, "/oauth/callback?state=%00&code=x", None),
        case(Method::GET, &format!("/oauth/connect/fake?connection_id=u1&public_key={pk}%00"), None),
        case(Method::GET, "/oauth/connect/fake?connection_id=u1&public_key=%00", None),
        case(Method::GET, "/oauth/connect/fa%00ke?connection_id=u1", None),
        case(Method::GET, "/oauth/connect/%FF", None),
        case(Method::GET, "/oauth/flows/%00", None),
        case(Method::POST, &format!("/api-auth/api-key/fake?connection_id=u%01&public_key={pk}"), Some(r#"{"apiKey":"k"}"#)),
        case(Method::POST, &format!("/api-auth/api-key/fake?connection_id=u1&public_key={pk}"), Some("{\"apiKey\":\"k\\u0000\"}")),
        case(Method::PATCH, "/environment", Some("{\"callback_url\":\"https://x.example/\\u0000\"}")),
        case(Method::PATCH, "/environment", Some("{\"webhook_url\":\"https://x.example/\\u0000\"}")),
        case(Method::PATCH, "/environment", Some("{\"hmac_key\":\"k\\u0000\"}")),
        case(Method::POST, "/integrations", Some("{\"unique_key\":\"x\",\"provider\":\"fake-oauth\",\"credentials\":{\"type\":\"OAUTH2\",\"client_id\":\"a\\u0000\",\"client_secret\":\"b\",\"scopes\":\"\"}}")),
        case(Method::PATCH, "/connection/u1/metadata?provider_config_key=fake", Some("{\"a\\u0000\":1}")),
        case(Method::GET, "/connection/u1?provider_config_key=fa%00ke", None),
        case(Method::GET, "/connection?connection_id=%1b", None),
        // Malformed JSON and wrong types.
        case(Method::POST, "/integrations", Some("{\"unique_key\":")),
        case(Method::POST, "/integrations", Some(r#"{"unique_key": 5, "provider": []}"#)),
        case(Method::PATCH, "/environment", Some(r#"{"hmac_enabled": "yes"}"#)),
        case(Method::POST, "/connection/u1/metadata?provider_config_key=fake", Some("[1,2]")),
        case(Method::PATCH, "/connection/u1/connection-config?provider_config_key=fake", Some("\"text\"")),
        // Huge bodies and long queries.
        case(Method::POST, "/connection/u1/metadata?provider_config_key=fake", Some(&huge)),
        case(Method::GET, &long_query, None),
        // Traversal and odd ids.
        case(Method::GET, "/connection/..%2F..%2Fetc?provider_config_key=fake", None),
        case(Method::GET, "/integrations/..%2Fintegrations", None),
        case(Method::GET, "/oauth/connect/..%2F..?connection_id=u1", None),
        // The other routes: compat aliases, HMAC digest, deletes, proxy, credential POSTs.
        case(Method::GET, "/connections/u1?provider_config_key=fake%00", None),
        case(Method::DELETE, "/connection/u%00?provider_config_key=fake", None),
        case(Method::DELETE, "/integrations/fa%01ke", None),
        case(Method::PATCH, "/integrations/fake", Some(r#"{"credentials": "nope"}"#)),
        case(Method::POST, "/connections/metadata", Some("{\"connection_id\":\"u1\",\"provider_config_key\":\"fake\",\"metadata\":{\"k\":\"\\u0000\"}}")),
        case(Method::PATCH, "/connections/metadata", Some(r#"{"connection_id": 5, "metadata": []}"#)),
        case(Method::GET, "/environment/hmac?provider_config_key=fake&connection_id=%00", None),
        case(Method::GET, "/proxy/anything%00", None),
        case(Method::POST, &format!("/api-auth/basic/fake?connection_id=u1&public_key={pk}"), Some(r#"{"username": 1}"#)),
        case(Method::GET, "/oauth/flows/flow%00/events", None),
        // Duplicated parameters, one of them bad.
        case(Method::GET, "/connection/u1?provider_config_key=bad%20key&provider_config_key=fake", None),
        case(Method::GET, "/connection/u1?provider_config_key=fake&force_refresh=maybe", None),
    ]
}

async fn send(app: &TestApp, case: &Case) -> reqwest::Response {
    let mut request = app.api(case.method.clone(), &case.path);
    if let Some(body) = &case.body {
        request = request.header("content-type", "application/json").body(body.clone());
    }
    request.send().await.unwrap_or_else(|error| panic!("{} {}: {error}", case.method, case.path))
}

/// Everything an app can read back: integrations with secrets, connections with credentials,
/// metadata and configuration, and the environment.
async fn snapshot(app: &TestApp) -> Value {
    let integrations = app.get("/integrations/fake?include_creds=true").await.assert_success().await;
    let connection = app.get_connection("fake", "u1", "&refresh_token=true").await.assert_success().await;
    let environment = app.get("/environment").await.assert_success().await;
    let mut connection = connection;
    // Reading the connection records the read; that is not a change made by the hostile input.
    connection["last_fetched_at"] = Value::Null;
    json!({ "integration": integrations, "connection": connection, "environment": environment })
}

async fn run_suite(app: TestApp) {
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "u1").await;
    app.post_json("/connection/u1/metadata?provider_config_key=fake", &json!({"plan": "pro"}))
        .await
        .assert_success()
        .await;
    let before = snapshot(&app).await;
    for case in cases() {
        let response = send(&app, &case).await;
        let status = response.status().as_u16();
        let content_type =
            response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string());
        let text = response.text().await.unwrap_or_default();
        let what = format!(
            "{} {} → {status}: {}",
            case.method,
            &case.path[..case.path.len().min(120)],
            &text[..text.len().min(300)]
        );
        assert!((400..500).contains(&status), "not a 4xx: {what}");
        if case.page {
            assert!(
                content_type.as_deref().is_some_and(|t| t.starts_with("text/html")),
                "not the popup page: {what}"
            );
        } else {
            let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {what}"));
            assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{what}");
        }
    }
    assert_eq!(snapshot(&app).await, before, "hostile input changed stored data");
}

#[tokio::test]
async fn hostile_input_on_sqlite_is_refused_and_changes_nothing() {
    run_suite(TestApp::builder().sqlite().spawn().await).await;
}

#[tokio::test]
async fn hostile_input_on_postgres_is_refused_and_changes_nothing() {
    run_suite(TestApp::with_postgres().await).await;
}

/// The refusal names the field, so an app developer sees what to fix.
#[tokio::test]
async fn a_control_character_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let body = app
        .api(Method::PATCH, "/environment")
        .header("content-type", "application/json")
        .body("{\"callback_url\":\"https://x.example/\\u0000\"}")
        .send()
        .await
        .unwrap()
        .assert_status(400)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(body["error"]["code"], "invalid_body");
    assert!(body["error"]["message"].as_str().unwrap().contains("callback_url"), "{body}");
    let callback = app.client.get(format!("{}/oauth/callback?state=%00", app.url)).send().await.unwrap();
    assert_eq!(callback.status(), 400);
    assert!(callback.text().await.unwrap().contains("`state` contains a control character"));
}
