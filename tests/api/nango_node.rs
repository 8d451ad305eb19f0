//! Nango's own Node client, `@nangohq/node` (pinned, from npm), against the real server: the
//! scripts in `tests/nango-clients/` call its connect-session and connection methods and print
//! what the client returned, or the HTTP error answer it threw (axios keeps it in
//! `error.response`).

use nango_tests::nango_clients::run_node;
use nango_tests::{TestApp, SECRET_KEY};
use serde_json::{json, Value};

/// `createConnectSession(body)` (or `createReconnectSession`) through the Node client.
async fn session(app: &TestApp, method: &str, body: &Value) -> Value {
    let body = body.to_string();
    run_node("session.mjs", &app.url, SECRET_KEY, &[("SESSION_METHOD", method), ("SESSION_BODY", &body)])
        .await
}

/// The answer of a session call that must succeed: `{data: {token, connect_link, expires_at}}`.
async fn minted(app: &TestApp, method: &str, body: &Value) -> Value {
    let answer = session(app, method, body).await;
    assert_eq!(answer["ok"], true, "{method} threw: {answer}");
    answer["value"].clone()
}

fn token_of(answer: &Value) -> String {
    let token = answer["data"]["token"].as_str().unwrap_or_else(|| panic!("no data.token: {answer}"));
    let hex = token.strip_prefix("nango_connect_session_").unwrap_or_else(|| panic!("token {token}"));
    assert!(hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()), "token {token}");
    token.to_string()
}

/// `getConnection(integration, connection_id)` through the Node client.
async fn connection(app: &TestApp, integration: &str, connection_id: &str) -> Value {
    let vars = [("INTEGRATION", integration), ("CONNECTION_ID", connection_id)];
    let answer = run_node("get-connection.mjs", &app.url, SECRET_KEY, &vars).await;
    assert_eq!(answer["ok"], true, "getConnection threw: {answer}");
    answer["value"].clone()
}

/// The `error` of an HTTP error the client threw for `sent`: its status must be `status`.
fn thrown<'a>(answer: &'a Value, status: u16, sent: &Value) -> &'a Value {
    assert_eq!(answer["ok"], false, "{sent} succeeded, expected {status}: {answer}");
    assert_eq!(answer["status"], status, "{answer}");
    &answer["body"]["error"]
}

/// The `path`s of `errors[]`, each joined with dots.
fn paths(error: &Value) -> Vec<String> {
    let errors = error["errors"].as_array().unwrap_or_else(|| panic!("no errors[]: {error}"));
    errors
        .iter()
        .map(|entry| {
            let path = entry["path"].as_array().unwrap_or_else(|| panic!("no path: {entry}"));
            path.iter()
                .map(|part| part.as_str().map_or_else(|| part.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect()
}

#[tokio::test]
async fn a_session_from_the_node_client_carries_its_end_user_into_the_connection() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    let body = json!({
        "end_user": {"id": "user-7", "email": "seven@example.com", "display_name": "Seven"},
        "organization": {"id": "org-1", "display_name": "Org One"},
        "allowed_integrations": ["github"],
        "integrations_config_defaults": {"github": {"connection_config": {"region": "eu"}}},
        "tags": {"plan": "pro", "team": "core"},
    });
    let created = minted(&app, "createConnectSession", &body).await;
    let token = token_of(&created);
    let link = created["data"]["connect_link"].as_str().unwrap_or_else(|| panic!("{created}"));
    assert!(link.starts_with("http") && link.contains(&token), "connect_link {link}");
    let expires_at = created["data"]["expires_at"].as_str().unwrap_or_else(|| panic!("{created}"));
    assert!(expires_at.ends_with('Z') && expires_at.contains('T'), "expires_at {expires_at}");

    let run = app.connect("github", "ignored").session_token(&token).run().await;
    run.assert_success();
    let connection_id = run.status["connectionId"].as_str().unwrap().to_string();

    let read = connection(&app, "github", &connection_id).await;
    assert_eq!(read["connection_id"], connection_id.as_str(), "{read}");
    assert_eq!(read["provider_config_key"], "github");
    assert_eq!(read["end_user"]["id"], "user-7", "{read}");
    assert_eq!(read["end_user"]["email"], "seven@example.com", "{read}");
    assert_eq!(read["end_user"]["display_name"], "Seven", "{read}");
    assert_eq!(read["end_user"]["organization"]["id"], "org-1", "{read}");
    let tags = json!({
        "end_user_id": "user-7", "end_user_email": "seven@example.com", "end_user_display_name": "Seven",
        "organization_id": "org-1", "organization_display_name": "Org One", "plan": "pro", "team": "core",
    });
    assert_eq!(read["tags"], tags, "Nango's tags: the end user's fields, then the session's: {read}");
    assert_eq!(read["connection_config"]["region"], "eu", "the session's config defaults: {read}");
    assert_eq!(read["credentials"]["type"], "OAUTH2", "{read}");
    assert_eq!(read["credentials"]["access_token"], app.provider.access_token(), "{read}");
}

#[tokio::test]
async fn a_reconnect_session_from_the_node_client_keeps_the_connection_id() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    app.connect_ok("github", "user-1").await;
    let body = json!({
        "connection_id": "user-1",
        "integration_id": "github",
        "end_user": {"id": "u-1", "email": "one@example.com"},
        "tags": {"origin": "reconnect"},
    });
    let token = token_of(&minted(&app, "createReconnectSession", &body).await);
    let run = app.connect("github", "ignored").session_token(&token).run().await;
    run.assert_success();
    assert_eq!(run.status["connectionId"], "user-1");
    let read = connection(&app, "github", "user-1").await;
    assert_eq!(read["end_user"]["id"], "u-1", "{read}");
    assert_eq!(read["tags"]["origin"], "reconnect", "{read}");

    let unknown = json!({"connection_id": "nobody", "integration_id": "github"});
    let answer = session(&app, "createReconnectSession", &unknown).await;
    let error = thrown(&answer, 400, &unknown);
    assert_eq!(error["code"], "invalid_body", "{answer}");
    assert!(paths(error).contains(&"connection_id".to_string()), "{answer}");
}

#[tokio::test]
async fn bad_session_bodies_reach_the_node_client_as_400_with_paths() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    // A valid body with `key` set to `value`.
    let with = |key: &str, value: Value| {
        let mut body = json!({"end_user": {"id": "u"}});
        body[key] = value;
        body
    };
    let eleven: serde_json::Map<String, Value> = (0..11).map(|n| (format!("k{n}"), json!("v"))).collect();
    let cases = [
        (with("surprise", json!(true)), "surprise"),
        (with("allowed_integrations", json!(["github", "nope"])), "allowed_integrations.1"),
        (with("integrations_config_defaults", json!({"nope": {}})), "integrations_config_defaults.nope"),
        (with("tags", Value::Object(eleven)), "tags"),
        (with("tags", json!({"9lives": "x"})), "tags.9lives"),
        (with("end_user", json!({"id": "u", "surprise": 1})), "end_user.surprise"),
    ];
    for (body, path) in cases {
        let answer = session(&app, "createConnectSession", &body).await;
        let error = thrown(&answer, 400, &body);
        assert_eq!(error["code"], "invalid_body", "{body}: {answer}");
        assert!(paths(error).contains(&path.to_string()), "{body}: {answer}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{answer}");
        for entry in error["errors"].as_array().unwrap() {
            assert!(entry["code"].is_string() && entry["message"].is_string(), "{answer}");
        }
    }

    // A valid body, sent with a query string on the URL; without it, the body mints a session.
    let valid = json!({"end_user": {"id": "u"}});
    let text = valid.to_string();
    let answer = run_node("session-with-query.mjs", &app.url, SECRET_KEY, &[("SESSION_BODY", &text)]).await;
    let error = thrown(&answer, 400, &valid);
    assert_eq!(error["code"], "invalid_query_params", "{answer}");
    assert_eq!(paths(error), vec!["x".to_string()], "{answer}");
    token_of(&minted(&app, "createConnectSession", &valid).await);
}

#[tokio::test]
async fn the_node_client_sees_a_wrong_secret_key_and_an_unknown_connection_with_nangos_codes() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    let body = json!({"end_user": {"id": "u"}});
    let text = body.to_string();
    let answer = run_node("session.mjs", &app.url, "not-the-secret-key", &[("SESSION_BODY", &text)]).await;
    assert_eq!(thrown(&answer, 401, &body)["code"], "unknown_account", "{answer}");

    let vars = [("INTEGRATION", "github"), ("CONNECTION_ID", "nobody")];
    let answer = run_node("get-connection.mjs", &app.url, SECRET_KEY, &vars).await;
    assert_eq!(thrown(&answer, 404, &json!(vars))["code"], "not_found", "{answer}");
}
