//! Integrations over the REST API (SPEC §5, §9), answering as Nango does, then used in flows:
//! display names, integrations without client credentials, quickstart, allowed hosts.

use nango_tests::provider::{CLIENT_ID, CLIENT_SECRET};
use nango_tests::{ResponseExt, ResultSocket, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

fn keys(list: &Value) -> Vec<String> {
    let items = list["data"].as_array().unwrap_or_else(|| panic!("{list}"));
    items.iter().map(|item| item["unique_key"].as_str().unwrap_or_default().to_string()).collect()
}

/// The `path`s of an error's `errors[]`, joined with dots.
async fn problem_paths(response: reqwest::Response, code: &str) -> Vec<String> {
    let body = response.assert_status(400).await.json::<Value>().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|message| !message.is_empty()), "{body}");
    let errors = body["error"]["errors"].as_array().unwrap_or_else(|| panic!("no errors[]: {body}"));
    errors
        .iter()
        .map(|error| {
            assert!(error["code"].is_string() && error["message"].is_string(), "{body}");
            let path = error["path"].as_array().unwrap_or_else(|| panic!("{body}"));
            path.iter().map(|part| part.as_str().unwrap().to_string()).collect::<Vec<_>>().join(".")
        })
        .collect()
}

fn oauth_credentials(scopes: &str) -> Value {
    json!({ "type": "OAUTH2", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": scopes })
}

#[tokio::test]
async fn create_list_update_delete_then_use() {
    let app = TestApp::spawn().await;
    // Nango answers a create with 200 and `{data}`.
    let created = app.create_integration("crm", "fake-oauth").await.assert_status(200).await;
    let created: Value = created.json().await.unwrap();
    let data = &created["data"];
    assert_eq!((data["unique_key"].as_str(), data["provider"].as_str()), (Some("crm"), Some("fake-oauth")));
    assert_eq!(data["display_name"], "Fake OAuth", "the provider's name by default: {created}");
    assert_eq!((data["logo"].as_str(), data["allowed_hosts"].clone()), (Some(""), json!([])), "{created}");
    assert!(data["created_at"].as_str().is_some_and(|at| at.ends_with('Z')), "{created}");
    assert!(!created.to_string().contains(CLIENT_SECRET), "{created}");

    let list = app.get("/integrations").await.assert_success().await;
    assert_eq!(keys(&list), ["crm"]);
    assert!(!list.to_string().contains(CLIENT_SECRET));
    let one = app.get("/integrations/crm").await.assert_success().await;
    assert_eq!(one["data"]["unique_key"], "crm");
    assert!(one["data"].get("credentials").is_none() && one["data"].get("webhook_url").is_none(), "{one}");
    // Ours (`include_creds=true`) and Nango's (`include=credentials`, `include=webhook`).
    for query in ["include_creds=true", "include=credentials", "include=webhook&include=credentials"] {
        let with_creds = app.get(&format!("/integrations/crm?{query}")).await.assert_success().await;
        let credentials = &with_creds["data"]["credentials"];
        assert_eq!(
            credentials,
            &json!({"type": "OAUTH2", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "scopes": "read,write", "webhook_secret": null}),
            "{query}: {with_creds}"
        );
    }
    let webhook = app.get("/integrations/crm?include=webhook").await.assert_success().await;
    assert_eq!(webhook["data"]["webhook_url"], Value::Null, "{webhook}");
    assert!(webhook["data"].get("credentials").is_none(), "{webhook}");

    // Scopes alone, as a list; then full credentials with Nango's comma-separated scopes.
    let patched = app.patch_json("/integrations/crm", &json!({ "scopes": ["repo"] })).await;
    assert_eq!(
        patched.assert_status(200).await.json::<Value>().await.unwrap()["data"]["scopes"],
        json!(["repo"])
    );
    let patch = json!({ "credentials": oauth_credentials("contacts,deals") });
    app.patch_json("/integrations/crm", &patch).await.assert_success().await;
    let run = app.connect_ok("crm", "user-1").await;
    let scope = run.authorize_url.unwrap().query_pairs().find(|(k, _)| k == "scope").unwrap().1.into_owned();
    assert_eq!(scope, "contacts,deals");
    app.get_connection("crm", "user-1", "").await.assert_success().await;

    // Delete: Nango's `{success: true}`; gone from the list, its connections too.
    let deleted = app.delete("/integrations/crm").await.assert_status(200).await;
    assert_eq!(deleted.json::<Value>().await.unwrap(), json!({ "success": true }));
    assert!(keys(&app.get("/integrations").await.assert_success().await).is_empty());
    app.get_connection("crm", "user-1", "").await.assert_error(404).await;
    let page = app.connect("crm", "user-2").start().await.text().await.unwrap();
    assert!(page.contains("unknown_integration"), "{page}");
    // Unknown integrations: 404 `not_found` on every route.
    assert_eq!(app.get("/integrations/crm").await.assert_error(404).await, "not_found");
    assert_eq!(app.patch_json("/integrations/crm", &json!({})).await.assert_error(404).await, "not_found");
    assert_eq!(app.delete("/integrations/crm").await.assert_error(404).await, "not_found");
}

#[tokio::test]
async fn display_names_are_stored_and_default_to_the_providers() {
    let app = TestApp::spawn().await;
    let body = json!({ "unique_key": "gh", "provider": "fake-oauth", "display_name": "GitHub (work)",
        "credentials": oauth_credentials("") });
    let created = app.post_json("/integrations", &body).await.assert_success().await;
    assert_eq!(created["data"]["display_name"], "GitHub (work)");
    let list = app.get("/integrations").await.assert_success().await;
    assert_eq!(list["data"][0]["display_name"], "GitHub (work)");
    let renamed = app.patch_json("/integrations/gh", &json!({"display_name": "GitHub"})).await;
    assert_eq!(renamed.assert_success().await["data"]["display_name"], "GitHub");
    assert_eq!(app.get("/integrations/gh").await.assert_success().await["data"]["display_name"], "GitHub");
    // Credentials without scopes answer `scopes: null`, as Nango's.
    let read = app.get("/integrations/gh?include=credentials").await.assert_success().await;
    assert_eq!(read["data"]["credentials"]["scopes"], Value::Null, "{read}");
    let reset = app.patch_json("/integrations/gh", &json!({"display_name": null})).await;
    assert_eq!(reset.assert_success().await["data"]["display_name"], "Fake OAuth");
    for bad in [json!(""), json!("x".repeat(256)), json!(42)] {
        let response = app.patch_json("/integrations/gh", &json!({ "display_name": bad })).await;
        assert_eq!(problem_paths(response, "invalid_body").await, ["display_name"]);
    }
}

#[tokio::test]
async fn an_oauth2_integration_without_client_credentials_fails_its_flows_clearly() {
    let app = TestApp::spawn().await;
    let created =
        app.post_json("/integrations", &json!({"unique_key": "bare", "provider": "fake-oauth"})).await;
    created.assert_status(200).await;
    let read = app.get("/integrations/bare?include=credentials").await.assert_success().await;
    let credentials = &read["data"]["credentials"];
    assert_eq!(
        (credentials["client_id"].clone(), credentials["client_secret"].clone()),
        (Value::Null, Value::Null)
    );

    // The popup page and the flow record say what is missing; nothing reaches the provider.
    let run = app.connect("bare", "user-1").run().await;
    assert_eq!(run.error_code(), "missing_client_credentials");
    assert!(run.page.contains("client id and secret"), "{}", run.page);
    assert!(!run.reached(&app.provider.url()), "{run:#?}");
    // `@nangohq/frontend`'s socket hears Nango's name for it.
    let socket = ResultSocket::open(&app.url, nango_tests::flow::ORIGIN).await;
    app.connect("bare", "user-1").ws_client_id(&socket.ws_client_id).run().await;
    let result = socket.result().await;
    assert_eq!(
        (result["message_type"].as_str(), result["error_type"].as_str()),
        (Some("error"), Some("provider_config_err"))
    );
    assert!(
        result["error_desc"].as_str().is_some_and(|desc| desc.contains("client id and secret")),
        "{result}"
    );

    // Once the credentials are set, the same integration connects.
    let patch = json!({ "credentials": oauth_credentials("read") });
    app.patch_json("/integrations/bare", &patch).await.assert_success().await;
    app.connect_ok("bare", "user-1").await;
}

#[tokio::test]
async fn quickstart_is_not_offered() {
    let app = TestApp::spawn().await;
    let body = json!({"unique_key": "gh", "provider": "fake-oauth"});
    let response = app.post_json("/integrations/quickstart", &body).await.assert_status(404).await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "not_found", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("shared developer apps") && message.contains("client credentials"), "{message}");
    assert!(keys(&app.get("/integrations").await.assert_success().await).is_empty());
    // An integration may still be called `quickstart`.
    app.integration("quickstart", "fake-oauth").await;
    app.get("/integrations/quickstart").await.assert_success().await;
    let response = app.post_json("/integrations/other", &body).await;
    assert_eq!(response.assert_error(405).await, "method_not_allowed");
}

#[tokio::test]
async fn integration_errors() {
    let app = TestApp::spawn().await;
    let shared = &app;
    let create = |body: Value| async move { shared.post_json("/integrations", &body).await };
    let paths = problem_paths(app.create_integration("x", "no-such-provider").await, "invalid_body").await;
    assert_eq!(paths, ["provider"]);
    app.integration("dup", "fake-oauth").await;
    let paths = problem_paths(app.create_integration("dup", "fake-oauth").await, "invalid_body").await;
    assert_eq!(paths, ["unique_key"]);
    let paths = problem_paths(app.create_integration("has space", "fake-oauth").await, "invalid_body").await;
    assert_eq!(paths, ["unique_key"]);
    let paths = problem_paths(create(json!({})).await, "invalid_body").await;
    assert_eq!(paths, ["unique_key", "provider"]);
    // Unknown keys, incomplete or mistyped credentials.
    let body = json!({"unique_key": "a", "provider": "fake-oauth", "custom": {"x": "y"},
        "credentials": {"type": "OAUTH2", "client_id": CLIENT_ID}});
    let paths = problem_paths(create(body).await, "invalid_body").await;
    assert_eq!(paths, ["custom", "credentials.client_secret"]);
    let body = json!({"unique_key": "a", "provider": "fake-oauth",
        "credentials": {"type": "API_KEY", "client_id": "c", "client_secret": "s"}});
    assert_eq!(problem_paths(create(body).await, "invalid_body").await, ["credentials.type"]);
    let body = json!({"unique_key": "k", "provider": "fake-apikey", "credentials": oauth_credentials("")});
    assert_eq!(problem_paths(create(body).await, "invalid_body").await, ["credentials.type"]);
    let body = json!({"unique_key": "a", "provider": "fake-oauth", "allowed_hosts": ["*", "ok.example.com"]});
    assert_eq!(problem_paths(create(body).await, "invalid_body").await, ["allowed_hosts.0"]);
    let patch = app.patch_json("/integrations/dup", &json!({"provider": "fake-basic"})).await;
    assert_eq!(problem_paths(patch, "invalid_body").await, ["provider"]);
    // Queries are Nango's: none on most routes, `include` on a read.
    let response = app.get("/integrations?limit=5").await;
    assert_eq!(problem_paths(response, "invalid_query_params").await, ["limit"]);
    let response = app.get("/integrations/dup?expand=all").await;
    assert_eq!(problem_paths(response, "invalid_query_params").await, ["expand"]);
    assert_eq!(
        app.get("/integrations/dup?include=secrets").await.assert_error(400).await,
        "invalid_query_params"
    );
    // 401s: no header, wrong key, public key used as a secret key.
    let url = format!("{}/integrations", app.url);
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "missing_auth_header");
    let response = app.client.get(&url).bearer_auth("wrong-secret-key-0000000000").send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "unknown_account");
    let response =
        app.client.request(Method::GET, &url).bearer_auth(nango_tests::PUBLIC_KEY).send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "unknown_account");
    // Nothing was stored by the refused calls.
    assert_eq!(keys(&app.get("/integrations").await.assert_success().await), ["dup"]);
}

#[tokio::test]
async fn renames_follow_nangos_rules() {
    let app = TestApp::spawn().await;
    app.integration("one", "fake-oauth").await;
    app.integration("two", "fake-oauth").await;
    let onto_taken = app.patch_json("/integrations/one", &json!({"unique_key": "two"})).await;
    assert_eq!(problem_paths(onto_taken, "invalid_body").await, ["unique_key"]);
    let renamed = app.patch_json("/integrations/one", &json!({"unique_key": "uno"})).await;
    assert_eq!(renamed.assert_success().await["data"]["unique_key"], "uno");
    assert_eq!(app.get("/integrations/one").await.assert_error(404).await, "not_found");
    // With connections, a rename is refused (their credentials are bound to the key).
    app.connect_ok("uno", "user-1").await;
    let refused = app.patch_json("/integrations/uno", &json!({"unique_key": "eins"})).await;
    let message = refused.assert_status(400).await.json::<Value>().await.unwrap();
    assert_eq!(message["error"]["code"], "invalid_body", "{message}");
    assert!(message["error"]["message"].as_str().unwrap().contains("has connections"), "{message}");
    app.get_connection("uno", "user-1", "").await.assert_success().await;
}

/// An on-premise provider: the user's `hostname` (with a port) is the host of every URL, so
/// the token request carries the client secret wherever the user says.
const ON_PREMISE: &str = r#"
fake-on-premise:
    display_name: Fake on-premise server
    auth_mode: OAUTH2
    authorization_url: http://${connectionConfig.hostname}/authorize
    token_url: http://${connectionConfig.hostname}/token
    connection_config:
        hostname: {type: string, title: Server}
"#;

#[tokio::test]
async fn allowed_hosts_let_users_choose_the_host_of_credential_requests() {
    let app = TestApp::builder().providers(ON_PREMISE).spawn().await;
    let body =
        json!({"unique_key": "onprem", "provider": "fake-on-premise", "credentials": oauth_credentials("")});
    app.post_json("/integrations", &body).await.assert_success().await;
    let hostname = format!("127.0.0.1:{}", app.provider.port());

    // Refused by default, and the answer says exactly how to allow it.
    let run = app.connect("onprem", "user-1").param("hostname", &hostname).run().await;
    assert_eq!(run.error_code(), "invalid_connection_config");
    let message = run.status["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("`127.0.0.1`") && message.contains("PATCH /integrations/onprem"), "{message}");
    assert!(message.contains(r#"{"allowed_hosts": ["127.0.0.1"]}"#), "{message}");
    assert!(app.provider.token_requests().is_empty());

    // Allowed by the operator: the flow runs against that host.
    let patch = json!({"allowed_hosts": ["127.0.0.1", "*.idp.example.com"]});
    let patched = app.patch_json("/integrations/onprem", &patch).await.assert_success().await;
    assert_eq!(patched["data"]["allowed_hosts"], json!(["127.0.0.1", "*.idp.example.com"]));
    let run = app.connect("onprem", "user-1").param("hostname", &hostname).run().await;
    run.assert_success();
    assert_eq!(run.authorize_url.unwrap().host_str(), Some("127.0.0.1"));
    assert_eq!(app.provider.token_requests().len(), 1);
    let connection = app.get_connection("onprem", "user-1", "").await.assert_success().await;
    assert_eq!(connection["connection_config"]["hostname"], hostname.as_str());
    // Another host is still refused.
    let run = app.connect("onprem", "user-2").param("hostname", "evil.example.com").run().await;
    assert_eq!(run.error_code(), "invalid_connection_config");
    let read = app.get("/integrations/onprem").await.assert_success().await;
    assert_eq!(read["data"]["allowed_hosts"], patch["allowed_hosts"]);
}

#[tokio::test]
async fn a_connect_session_lists_its_allowed_integrations_without_secrets() {
    let app = TestApp::spawn().await;
    app.integration("one", "fake-oauth").await;
    app.integration("two", "fake-oauth").await;
    let body = json!({"end_user": {"id": "u-1"}, "allowed_integrations": ["two"]});
    let session = app.post_json("/connect/sessions", &body).await.assert_success().await;
    let token = session["data"]["token"].as_str().unwrap();
    let read = |path: &str| app.client.get(format!("{}{path}", app.url)).bearer_auth(token).send();
    let list: Value = read("/integrations").await.unwrap().assert_success().await;
    assert_eq!(keys(&list), ["two"]);
    assert_eq!(list["data"][0]["display_name"], "Fake OAuth");
    assert!(
        list["data"][0].get("allowed_hosts").is_none() && list["data"][0].get("scopes").is_none(),
        "{list}"
    );
    read("/integrations/two").await.unwrap().assert_success().await;
    assert_eq!(read("/integrations/one").await.unwrap().assert_error(404).await, "not_found");
    let code = read("/integrations/two?include=credentials").await.unwrap().assert_error(400).await;
    assert_eq!(code, "invalid_query_params");
    // A session token cannot change anything.
    let response = app.client.delete(format!("{}/integrations/two", app.url)).bearer_auth(token).send().await;
    assert_eq!(response.unwrap().assert_error(401).await, "unknown_account");
    let unknown = format!("nango_connect_session_{}", "0".repeat(64));
    let response = app.client.get(format!("{}/integrations", app.url)).bearer_auth(&unknown).send().await;
    assert_eq!(response.unwrap().assert_error(401).await, "unknown_connect_session_token");
}
