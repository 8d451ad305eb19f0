//! `/environment-variables`: set, read, replace and delete an environment's variables with the
//! secret key; bad bodies name each problem's path and change nothing; values are sealed at
//! rest (SQLite file and Postgres row); Nango's own `getEnvironmentVariables()` reads them.

use nango_tests::nango_clients::run_node;
use nango_tests::{ResponseExt, TestApp, SECRET_KEY};
use reqwest::Method;
use serde_json::{json, Value};

async fn put(app: &TestApp, body: &Value) -> reqwest::Response {
    app.api(Method::PUT, "/environment-variables").json(body).send().await.expect("PUT")
}

async fn listed(app: &TestApp) -> Value {
    app.get("/environment-variables").await.assert_success().await
}

/// The `path`s of `error.errors[]`, each joined with dots.
fn paths(body: &Value) -> Vec<String> {
    let errors = body["error"]["errors"].as_array().unwrap_or_else(|| panic!("no errors[]: {body}"));
    errors
        .iter()
        .map(|entry| {
            let path = entry["path"].as_array().unwrap_or_else(|| panic!("no path: {entry}"));
            path.iter().map(|part| part.as_str().unwrap().to_string()).collect::<Vec<_>>().join(".")
        })
        .collect()
}

#[tokio::test]
async fn variables_are_set_read_replaced_and_deleted() {
    let app = TestApp::spawn().await;
    assert_eq!(listed(&app).await, json!([]));

    let first = json!([
        {"name": "STRIPE_KEY", "value": "sk_test_1"},
        {"name": "PEM", "value": "-----BEGIN-----\nabc\n-----END-----"},
        {"name": "EMPTY", "value": ""},
    ]);
    let answer = put(&app, &first).await;
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let sorted = json!([
        {"name": "EMPTY", "value": ""},
        {"name": "PEM", "value": "-----BEGIN-----\nabc\n-----END-----"},
        {"name": "STRIPE_KEY", "value": "sk_test_1"},
    ]);
    assert_eq!(answer.assert_success().await, sorted);
    let read = app.get("/environment-variables").await;
    assert_eq!(read.headers()["cache-control"], "no-store");
    assert_eq!(read.assert_success().await, sorted);

    // A replace is the whole list: changed, kept and new names; the rest are gone.
    let second = json!([{"name": "STRIPE_KEY", "value": "sk_test_2"}, {"name": "REGION", "value": "eu"}]);
    put(&app, &second).await.assert_success().await;
    let expected = json!([{"name": "REGION", "value": "eu"}, {"name": "STRIPE_KEY", "value": "sk_test_2"}]);
    assert_eq!(listed(&app).await, expected);

    let deleted = app.delete("/environment-variables/REGION").await.assert_success().await;
    assert_eq!(deleted, json!({"success": true}));
    assert_eq!(app.delete("/environment-variables/REGION").await.assert_error(404).await, "not_found");
    assert_eq!(listed(&app).await, json!([{"name": "STRIPE_KEY", "value": "sk_test_2"}]));

    assert_eq!(app.delete("/environment-variables").await.assert_success().await, json!({"success": true}));
    assert_eq!(listed(&app).await, json!([]));

    // The secret key is required.
    let anonymous = app.client.get(format!("{}/environment-variables", app.url)).send().await.unwrap();
    assert_eq!(anonymous.assert_error(401).await, "missing_auth_header");
}

#[tokio::test]
async fn bad_bodies_name_their_paths_and_change_nothing() {
    let app = TestApp::spawn().await;
    put(&app, &json!([{"name": "KEPT", "value": "v"}])).await.assert_success().await;
    let bad = json!([
        {"name": "OK", "value": "v"},
        {"name": "", "value": "v"},
        {"name": "9LIVES", "value": "v"},
        {"name": "OK", "value": "again"},
        {"name": "N".repeat(257), "value": "v"},
        {"name": "BIG", "value": "v".repeat(4097)},
        {"name": "NUM", "value": 5, "extra": 1},
        "not an object",
    ]);
    let response = put(&app, &bad).await.assert_status(400).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_body", "{body}");
    assert_eq!(
        paths(&body),
        ["1.name", "2.name", "3.name", "4.name", "5.value", "6.extra", "6.value", "7"],
        "{body}"
    );
    for entry in body["error"]["errors"].as_array().unwrap() {
        assert!(entry["code"].is_string() && entry["message"].is_string(), "{entry}");
    }
    // Too many, or not an array at all: the body's own path.
    let many: Vec<Value> = (0..101).map(|n| json!({"name": format!("V{n}"), "value": ""})).collect();
    let body: Value = put(&app, &Value::Array(many)).await.assert_status(400).await.json().await.unwrap();
    assert_eq!(paths(&body), [""], "{body}");
    let body: Value =
        put(&app, &json!({"variables": []})).await.assert_status(400).await.json().await.unwrap();
    assert_eq!((body["error"]["code"].as_str(), paths(&body)), (Some("invalid_body"), vec![String::new()]));
    // No JSON content type, malformed JSON, a control character in a value: refused before
    // the rules run.
    let untyped = app.api(Method::PUT, "/environment-variables").body("[]").send().await.unwrap();
    assert_eq!(untyped.assert_error(415).await, "unsupported_media_type");
    let malformed = app
        .api(Method::PUT, "/environment-variables")
        .header("content-type", "application/json")
        .body("[{")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.assert_error(400).await, "invalid_body");
    let control = json!([{"name": "NUL", "value": "a\u{0}b"}]);
    assert_eq!(put(&app, &control).await.assert_error(400).await, "invalid_body");

    assert_eq!(listed(&app).await, json!([{"name": "KEPT", "value": "v"}]), "nothing changed");
}

const VALUE: &str = "plaintext-variable-value-91c4d2";

/// All bytes of the SQLite database file and its WAL.
fn database_bytes(app: &TestApp) -> Vec<u8> {
    ["nango.db", "nango.db-wal"]
        .iter()
        .filter_map(|name| std::fs::read(app.data_dir.join(name)).ok())
        .flatten()
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn values_are_sealed_in_the_sqlite_file() {
    let mut app = TestApp::builder().sqlite().spawn().await;
    put(&app, &json!([{"name": "SEALED_NAME", "value": VALUE}])).await.assert_success().await;
    assert_eq!(listed(&app).await[0]["value"], VALUE);
    for moment in ["while running", "after shutdown"] {
        let bytes = database_bytes(&app);
        assert!(contains(&bytes, "SEALED_NAME"), "{moment}: the variable's row is in the files");
        assert!(!contains(&bytes, VALUE), "{moment}: the value is readable in the database");
        app.stop().await;
    }
}

#[tokio::test]
async fn values_are_sealed_in_postgres() {
    let app = TestApp::with_postgres().await;
    put(&app, &json!([{"name": "SEALED_NAME", "value": VALUE}])).await.assert_success().await;
    let url = app.state().config.database_url.as_ref().unwrap().expose().clone();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let (stored,): (String,) =
        sqlx::query_as("SELECT value FROM environment_variables WHERE name = 'SEALED_NAME'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(stored.starts_with("sealed:v1:") && !stored.contains(VALUE), "{stored}");
    pool.close().await;
    assert_eq!(listed(&app).await, json!([{"name": "SEALED_NAME", "value": VALUE}]));
}

/// Nango's own Node client reads what the API set.
#[tokio::test]
async fn the_nango_node_client_reads_the_variables() {
    the_nango_node_client_reads_the_variables_on(TestApp::spawn().await).await;
}

#[tokio::test]
async fn the_nango_node_client_reads_the_variables_on_postgres() {
    the_nango_node_client_reads_the_variables_on(TestApp::with_postgres().await).await;
}

async fn the_nango_node_client_reads_the_variables_on(app: TestApp) {
    let answer = run_node("environment-variables.mjs", &app.url, SECRET_KEY, &[]).await;
    assert_eq!(answer, json!({"ok": true, "value": []}));
    let variables = json!([{"name": "A_TOKEN", "value": "secret-a"}, {"name": "B", "value": "line\nbreak"}]);
    put(&app, &variables).await.assert_success().await;
    let answer = run_node("environment-variables.mjs", &app.url, SECRET_KEY, &[]).await;
    assert_eq!(answer, json!({"ok": true, "value": variables}));
    let wrong = run_node("environment-variables.mjs", &app.url, "wrong-secret-key-0123456789", &[]).await;
    assert_eq!((wrong["ok"].clone(), wrong["status"].clone()), (json!(false), json!(401)), "{wrong}");
}
