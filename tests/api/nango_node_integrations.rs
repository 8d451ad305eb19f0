//! Nango's own Node client, `@nangohq/node` (pinned, from npm), on integrations and providers:
//! `tests/nango-clients/integrations.mjs` runs its `listIntegrations`, `getIntegration`,
//! `createIntegration`, `updateIntegration`, `deleteIntegration`, `createQuickstartIntegration`,
//! `listProviders` and `getProvider` against the real server and prints what each returned, or
//! the HTTP error answer it threw.

use nango_tests::nango_clients::run_node;
use nango_tests::provider::{CLIENT_ID, CLIENT_SECRET};
use nango_tests::{ResponseExt, TestApp, SECRET_KEY};
use serde_json::{json, Value};

/// Run `calls` (`[[method, ...args], ...]`) through one client whose key is `key`.
async fn run(app: &TestApp, key: &str, calls: Value) -> Vec<Value> {
    let text = calls.to_string();
    let answer = run_node("integrations.mjs", &app.url, key, &[("CALLS", &text)]).await;
    let results = answer.as_array().unwrap_or_else(|| panic!("not one result per call: {answer}")).clone();
    assert_eq!(results.len(), calls.as_array().unwrap().len(), "{answer}");
    results
}

fn value(result: &Value) -> &Value {
    assert_eq!(result["ok"], true, "the call threw: {result}");
    &result["value"]
}

/// The error of a call that threw with `status`.
fn thrown(result: &Value, status: u16) -> &Value {
    assert_eq!(
        (result["ok"].as_bool(), result["status"].as_u64()),
        (Some(false), Some(u64::from(status))),
        "{result}"
    );
    &result["body"]["error"]
}

fn first_path(error: &Value) -> Value {
    error["errors"][0]["path"].clone()
}

#[tokio::test]
async fn the_node_client_manages_integrations() {
    the_node_client_manages_integrations_on(TestApp::spawn().await).await;
}

#[tokio::test]
async fn the_node_client_manages_integrations_on_postgres() {
    the_node_client_manages_integrations_on(TestApp::with_postgres().await).await;
}

async fn the_node_client_manages_integrations_on(app: TestApp) {
    let credentials = json!({"type": "OAUTH2", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": "read,write"});
    let crm = json!({"unique_key": "crm", "provider": "fake-oauth", "display_name": "CRM", "credentials": credentials});
    let results = run(
        &app,
        SECRET_KEY,
        json!([
            ["createIntegration", crm],
            ["createIntegration", {"unique_key": "bare", "provider": "fake-oauth"}],
            ["listIntegrations"],
            ["getIntegration", {"uniqueKey": "crm"}],
            ["getIntegration", {"uniqueKey": "crm"}, {"include": ["webhook", "credentials"]}],
            ["getIntegration", {"uniqueKey": "crm"}, {"include": ["webhook"]}],
            ["updateIntegration", {"uniqueKey": "crm"}, {"unique_key": "crm2", "display_name": "CRM 2"}],
            ["updateIntegration", {"uniqueKey": "nope"}, {"display_name": "x"}],
            ["createIntegration", {"unique_key": "bare", "provider": "fake-oauth"}],
            ["createIntegration", {"unique_key": "x", "provider": "no-such-provider"}],
            ["createIntegration", {"unique_key": "x", "provider": "fake-oauth", "forward_webhooks": false}],
            ["createQuickstartIntegration", {"unique_key": "q", "provider": "fake-oauth"}],
            ["deleteIntegration", "crm2"],
            ["deleteIntegration", "crm2"],
            ["getIntegration", {"uniqueKey": "crm2"}],
            ["listIntegrations"],
        ]),
    )
    .await;

    let created = &value(&results[0])["data"];
    assert_eq!(
        (created["unique_key"].as_str(), created["display_name"].as_str()),
        (Some("crm"), Some("CRM")),
        "{created}"
    );
    assert!(created.get("credentials").is_none(), "{created}");
    // Without client credentials: allowed, the provider's display name shown.
    assert_eq!(value(&results[1])["data"]["display_name"], "Fake OAuth");
    // The client turns `{data}` into its legacy `{configs}`.
    let configs = value(&results[2])["configs"].as_array().unwrap_or_else(|| panic!("{}", results[2]));
    let keys: Vec<&str> = configs.iter().map(|config| config["unique_key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["bare", "crm"]);
    let read = &value(&results[3])["data"];
    assert_eq!((read["provider"].as_str(), read.get("credentials")), (Some("fake-oauth"), None), "{read}");
    let with_credentials = &value(&results[4])["data"]["credentials"];
    assert_eq!(with_credentials["client_secret"], CLIENT_SECRET, "{}", results[4]);
    assert_eq!(with_credentials["scopes"], "read,write", "{}", results[4]);
    assert_eq!(value(&results[5])["data"]["webhook_url"], Value::Null, "{}", results[5]);
    let updated = &value(&results[6])["data"];
    assert_eq!(
        (updated["unique_key"].as_str(), updated["display_name"].as_str()),
        (Some("crm2"), Some("CRM 2"))
    );
    assert_eq!(thrown(&results[7], 404)["code"], "not_found");
    let duplicate = thrown(&results[8], 400);
    assert_eq!(
        (duplicate["code"].as_str(), first_path(duplicate)),
        (Some("invalid_body"), json!(["unique_key"]))
    );
    let unknown = thrown(&results[9], 400);
    assert_eq!((unknown["code"].as_str(), first_path(unknown)), (Some("invalid_body"), json!(["provider"])));
    let unsupported = thrown(&results[10], 400);
    assert_eq!(
        (unsupported["code"].as_str(), first_path(unsupported)),
        (Some("invalid_body"), json!(["forward_webhooks"]))
    );
    let quickstart = thrown(&results[11], 404);
    assert_eq!(quickstart["code"], "not_found");
    assert!(quickstart["message"].as_str().unwrap().contains("own OAuth app"), "{quickstart}");
    assert_eq!(value(&results[12]), &json!({"status": 200, "data": {"success": true}}));
    assert_eq!(thrown(&results[13], 404)["code"], "not_found");
    assert_eq!(thrown(&results[14], 404)["code"], "not_found");
    let configs = value(&results[15])["configs"].as_array().unwrap().clone();
    assert_eq!(
        configs.iter().map(|config| config["unique_key"].clone()).collect::<Vec<_>>(),
        [json!("bare")]
    );
}

#[tokio::test]
async fn the_node_client_reads_providers_with_a_secret_key_or_a_session_token() {
    the_node_client_reads_providers_with_a_secret_key_or_a_session_token_on(TestApp::spawn().await).await;
}

#[tokio::test]
async fn the_node_client_reads_providers_with_a_secret_key_or_a_session_token_on_postgres() {
    the_node_client_reads_providers_with_a_secret_key_or_a_session_token_on(TestApp::with_postgres().await)
        .await;
}

async fn the_node_client_reads_providers_with_a_secret_key_or_a_session_token_on(app: TestApp) {
    app.integration("one", "fake-oauth").await;
    let calls = json!([
        ["listProviders"],
        ["listProviders", {"search": "Zendesk-style"}],
        ["getProvider", {"provider": "fake-subdomain"}],
        ["getProvider", {"provider": "no-such-provider"}],
        ["listIntegrations"],
    ]);
    let body = json!({"end_user": {"id": "u-1"}, "allowed_integrations": ["one"]});
    let session = app.post_json("/connect/sessions", &body).await.assert_success().await;
    let token = session["data"]["token"].as_str().unwrap().to_string();
    for key in [SECRET_KEY, token.as_str()] {
        let results = run(&app, key, calls.clone()).await;
        let all = value(&results[0])["data"].as_array().unwrap_or_else(|| panic!("{}", results[0]));
        assert!(all.iter().any(|provider| provider["name"] == "github"), "{}", results[0]);
        let found = &value(&results[1])["data"];
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
        assert_eq!(found[0]["name"], "fake-subdomain");
        let provider = &value(&results[2])["data"];
        assert_eq!(
            (provider["auth_mode"].as_str(), provider["display_name"].as_str()),
            (Some("OAUTH2"), Some("Fake Zendesk-style"))
        );
        assert_eq!(provider["connection_config"]["subdomain"]["title"], "Subdomain", "{provider}");
        assert_eq!(thrown(&results[3], 404)["code"], "not_found");
        let configs = value(&results[4])["configs"].as_array().unwrap().clone();
        assert_eq!(configs.len(), 1, "{}", results[4]);
        assert_eq!(configs[0]["unique_key"], "one");
    }
}
