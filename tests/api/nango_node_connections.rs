//! `@nangohq/node` (pinned, from npm) through every connection, metadata and token method,
//! after real flows, on SQLite and on Postgres: the results Nango's documentation promises
//! (lists and their filters, `credentials.raw`, tokens, metadata, `patchConnection`,
//! `waitForConnection`, deletes), and both of its webhook checks on what our server sent.

use nango_tests::nango_clients::run_node;
use nango_tests::{ResponseExt, TestApp, WebhookReceiver, SECRET_KEY};
use serde_json::{json, Value};
use std::time::Duration;

/// The body of an answer that must have `status`.
trait AssertJson {
    async fn assert_json(self, status: u16) -> Value;
}

impl AssertJson for reqwest::Response {
    async fn assert_json(self, status: u16) -> Value {
        self.assert_status(status).await.json().await.unwrap_or_default()
    }
}

/// Run `calls` (`[method, [args...]]`) in one Node process; one result per call.
async fn calls(app: &TestApp, calls: &[(&str, Value)]) -> Vec<Value> {
    let list: Vec<Value> = calls.iter().map(|(method, args)| json!([method, args])).collect();
    let text = Value::Array(list).to_string();
    let answer = run_node("calls.mjs", &app.url, SECRET_KEY, &[("CALLS", &text)]).await;
    let results = answer.as_array().cloned().unwrap_or_else(|| panic!("not a list: {answer}"));
    assert_eq!(results.len(), calls.len(), "{answer}");
    results
}

/// The value of a call that must not throw.
fn value(results: &[Value], index: usize) -> &Value {
    assert_eq!(results[index]["ok"], true, "call {index} threw: {}", results[index]);
    &results[index]["value"]
}

/// The connection ids of a `listConnections` answer, in order.
fn ids(answer: &Value) -> Vec<String> {
    let list = answer["connections"].as_array().unwrap_or_else(|| panic!("no connections: {answer}"));
    list.iter()
        .map(|connection| connection["connection_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A connection made through a connect session for Alice (with organization and tags), and
/// one made by a plain popup flow (`bob-conn`, no end user); returns Alice's connection id.
async fn two_connections(app: &TestApp) -> String {
    app.integration("github", "fake-oauth").await;
    let session = json!({
        "end_user": {"id": "u-alice", "email": "alice@example.com", "display_name": "Alice Liddell"},
        "organization": {"id": "org-1", "display_name": "Wonderland"},
        "tags": {"plan": "pro"},
    });
    let answer = app.post_json("/connect/sessions", &session).await.assert_success().await;
    let token = answer["data"]["token"].as_str().unwrap_or_else(|| panic!("{answer}")).to_string();
    let run = app.connect("github", "ignored").session_token(&token).run().await;
    run.assert_success();
    let alice = run.status["connectionId"].as_str().unwrap_or_else(|| panic!("{:?}", run.status)).to_string();
    app.connect_ok("github", "bob-conn").await;
    alice
}

async fn every_connection_method(app: TestApp) {
    let receiver = WebhookReceiver::spawn().await;
    app.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    let alice = two_connections(&app).await;

    let results = calls(
        &app,
        &[
            ("listConnections", json!([])),
            ("listConnections", json!([{"connectionId": "bob-conn"}])),
            ("listConnections", json!([{"connectionId": "bob"}])),
            ("listConnections", json!([null, "LIDDELL"])),
            ("listConnections", json!([{"userId": "u-alice"}])),
            ("listConnections", json!([null, null, {"endUserOrganizationId": "org-1"}])),
            ("listConnections", json!([{"integrationId": "github"}])),
            ("listConnections", json!([{"tags": {"plan": "pro"}}])),
            ("listConnections", json!([{"tags": {"email": "alice@example.com"}}])),
            ("listConnections", json!([{"limit": 1, "page": 1}])),
            ("listConnections", json!([{"integrationId": "other"}])),
        ],
    )
    .await;
    let both = vec!["bob-conn".to_string(), alice.clone()];
    assert_eq!(ids(value(&results, 0)), both, "newest first");
    assert_eq!(ids(value(&results, 1)), ["bob-conn"]);
    assert!(ids(value(&results, 2)).is_empty(), "the connection id filter matches exactly");
    assert_eq!(ids(value(&results, 3)), [alice.as_str()], "search by display name");
    assert_eq!(ids(value(&results, 4)), [alice.as_str()]);
    assert_eq!(ids(value(&results, 5)), [alice.as_str()]);
    assert_eq!(ids(value(&results, 6)), both);
    assert_eq!(ids(value(&results, 7)), [alice.as_str()]);
    assert_eq!(ids(value(&results, 8)), [alice.as_str()], "the client maps `email` to end_user_email");
    assert_eq!(ids(value(&results, 9)), [alice.as_str()], "page 1 of size 1");
    assert!(ids(value(&results, 10)).is_empty());
    let item = &value(&results, 4)["connections"][0];
    assert_eq!(item["end_user"]["id"], "u-alice", "{item}");
    assert_eq!(item["end_user"]["organization"]["id"], "org-1", "{item}");
    assert_eq!(item["tags"]["plan"], "pro", "{item}");
    assert_eq!(item["tags"]["end_user_email"], "alice@example.com", "{item}");
    assert_eq!(item["errors"], json!([]), "{item}");
    assert!(item.get("credentials").is_none(), "a list item has no credentials: {item}");

    let results = calls(
        &app,
        &[
            ("getConnection", json!(["github", "bob-conn"])),
            ("getConnection", json!(["github", "bob-conn", false, true])),
            ("getToken", json!(["github", "bob-conn"])),
            ("getRawTokenResponse", json!(["github", "bob-conn"])),
            ("getMetadata", json!(["github", "bob-conn"])),
            ("setMetadata", json!(["github", "bob-conn", {"a": 1, "nested": {"x": true}}])),
            ("updateMetadata", json!(["github", "bob-conn", {"b": 2}])),
            ("getMetadata", json!(["github", "bob-conn"])),
            ("setMetadata", json!(["github", ["bob-conn", alice.as_str()], {"shared": "yes"}])),
            ("getMetadata", json!(["github", alice.as_str()])),
            ("getConnection", json!(["github", "nobody"])),
        ],
    )
    .await;
    let token = app.provider.access_token();
    let plain = value(&results, 0);
    assert_eq!(plain["credentials"]["type"], "OAUTH2", "{plain}");
    assert_eq!(plain["credentials"]["access_token"], token.as_str(), "{plain}");
    assert_eq!(plain["credentials"]["raw"]["access_token"], token.as_str(), "raw is always there: {plain}");
    assert!(plain["credentials"].get("refresh_token").is_none(), "{plain}");
    assert!(
        plain["credentials"]["raw"].get("refresh_token").is_none(),
        "no refresh token unless asked: {plain}"
    );
    let with_refresh = value(&results, 1);
    assert_eq!(with_refresh["credentials"]["refresh_token"], app.provider.refresh_token().as_str());
    assert_eq!(with_refresh["credentials"]["raw"]["refresh_token"], app.provider.refresh_token().as_str());
    assert_eq!(value(&results, 2), &json!(token));
    assert_eq!(value(&results, 3)["access_token"], token.as_str(), "getRawTokenResponse");
    assert_eq!(value(&results, 4), &json!({}));
    assert_eq!(value(&results, 5)["status"], 201, "setMetadata: {}", results[5]);
    assert_eq!(value(&results, 6)["status"], 200, "updateMetadata: {}", results[6]);
    assert_eq!(value(&results, 7), &json!({"a": 1, "nested": {"x": true}, "b": 2}));
    assert_eq!(value(&results, 8)["status"], 201);
    assert_eq!(value(&results, 9), &json!({"shared": "yes"}));
    assert_eq!(results[10]["status"], 404, "{}", results[10]);
    assert_eq!(results[10]["body"]["error"]["code"], "not_found", "{}", results[10]);

    let target = json!({"connectionId": "bob-conn", "provider_config_key": "github"});
    let results = calls(
        &app,
        &[
            ("patchConnection", json!([target, {"end_user": {"id": "u-bob", "email": "bob@example.com"}, "tags": {"Team": "core"}}])),
            ("listConnections", json!([{"userId": "u-bob"}])),
            ("getConnection", json!(["github", "bob-conn"])),
            ("waitForConnection", json!(["github", "u-bob"])),
            ("patchConnection", json!([target, {"end_user": {"id": ""}}])),
            ("patchConnection", json!([{"connectionId": "nobody", "provider_config_key": "github"}, {"tags": {}}])),
        ],
    )
    .await;
    assert_eq!(value(&results, 0), &json!({"success": true}));
    assert_eq!(ids(value(&results, 1)), ["bob-conn"]);
    let patched = value(&results, 2);
    assert_eq!(patched["end_user"]["id"], "u-bob", "{patched}");
    assert_eq!(
        patched["tags"],
        json!({"end_user_id": "u-bob", "end_user_email": "bob@example.com", "team": "core"})
    );
    assert_eq!(value(&results, 3)["connection_id"], "bob-conn", "waitForConnection: {}", results[3]);
    assert_eq!(results[4]["status"], 400, "{}", results[4]);
    assert_eq!(results[4]["body"]["error"]["code"], "invalid_body");
    assert_eq!(results[4]["body"]["error"]["errors"][0]["path"], json!(["end_user", "id"]));
    assert_eq!(results[5]["status"], 404, "{}", results[5]);

    // Both webhook checks of the client accept what our server sent (Alice's creation).
    let mut delivery = receiver.next(Duration::from_secs(20)).await;
    while !delivery.body.contains(&alice) {
        delivery = receiver.next(Duration::from_secs(20)).await;
    }
    let body: Value = serde_json::from_str(&delivery.body).unwrap_or_default();
    assert_eq!(body["authMode"], "OAUTH2", "{body}");
    assert_eq!(body["endUser"]["id"], "u-alice", "{body}");
    assert_eq!(body["tags"]["plan"], "pro", "{body}");
    let headers = serde_json::to_string(&delivery.headers).unwrap_or_default();
    let vars = [("WEBHOOK_BODY", delivery.body.as_str()), ("WEBHOOK_HEADERS", headers.as_str())];
    let verified = run_node("verify-webhook.mjs", &app.url, SECRET_KEY, &vars).await;
    assert_eq!(verified, json!({"incoming": true, "legacy": true}), "{:?}", delivery.headers);
    let tampered = delivery.body.replace("u-alice", "u-mallory");
    let vars = [("WEBHOOK_BODY", tampered.as_str()), ("WEBHOOK_HEADERS", headers.as_str())];
    let verified = run_node("verify-webhook.mjs", &app.url, SECRET_KEY, &vars).await;
    assert_eq!(verified, json!({"incoming": false, "legacy": false}));

    let results = calls(
        &app,
        &[
            ("deleteConnection", json!(["github", "bob-conn"])),
            ("getConnection", json!(["github", "bob-conn"])),
        ],
    )
    .await;
    assert_eq!(value(&results, 0), &json!({"status": 200, "data": {"success": true}}));
    assert_eq!(results[1]["status"], 404);
}

#[tokio::test]
async fn every_connection_method_of_the_node_client_on_sqlite() {
    every_connection_method(TestApp::spawn().await).await;
}

#[tokio::test]
async fn every_connection_method_of_the_node_client_on_postgres() {
    every_connection_method(TestApp::with_postgres().await).await;
}

#[tokio::test]
async fn the_node_client_sees_nangos_codes_for_a_wrong_key_and_unknown_query_keys() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    let answer =
        run_node("calls.mjs", &app.url, "not-the-key", &[("CALLS", r#"[["listConnections", []]]"#)]).await;
    assert_eq!(answer[0]["status"], 401, "{answer}");
    assert_eq!(answer[0]["body"]["error"]["code"], "unknown_account", "{answer}");

    // Syncs, actions, records and functions are not served here: Nango's 404 `not_found`.
    let out_of_scope = [
        ("getProviderTemplates", json!([{"provider": "fake-oauth"}])),
        ("listRecords", json!([{"providerConfigKey": "github", "connectionId": "c", "model": "Issue"}])),
        ("triggerAction", json!(["github", "c", "create-issue", {}])),
        ("triggerSync", json!(["github", ["issues"], "c"])),
        ("listFunctions", json!([{"uniqueKey": "github"}])),
    ];
    for (index, result) in calls(&app, &out_of_scope).await.iter().enumerate() {
        assert_eq!(result["status"], 404, "{}: {result}", out_of_scope[index].0);
        assert_eq!(result["body"]["error"]["code"], "not_found", "{}: {result}", out_of_scope[index].0);
    }

    let body = app.get("/connections?connectionId=a&nope=1&also=2").await.assert_json(400).await;
    assert_eq!(body["error"]["code"], "invalid_query_params", "{body}");
    let paths: Vec<&Value> =
        body["error"]["errors"].as_array().into_iter().flatten().map(|e| &e["path"]).collect();
    assert_eq!(paths, [&json!(["nope"]), &json!(["also"])], "{body}");
    let response = app.get("/connections/x?provider_config_key=github&force_refresh=true&extra=1").await;
    assert_eq!(response.assert_json(400).await["error"]["errors"][0]["path"], json!(["extra"]));
    let response = app.get("/connections?page=1&cursor=abc").await;
    assert_eq!(response.assert_json(400).await["error"]["code"], "invalid_query_params");
    let response = app.get("/connections?tags[bad key]=x").await;
    assert_eq!(response.assert_json(400).await["error"]["errors"][0]["path"], json!(["tags[bad key]"]));
}
