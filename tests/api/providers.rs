//! `GET /providers` and `GET /providers/{provider}` (SPEC §9): the catalog in Nango's shape,
//! read with the secret key or a connect session token (SPEC §7).

use nango_tests::{ResponseExt, TestApp};
use serde_json::{json, Value};

const LISTED: &str = r#"
fake-listed:
    display_name: Fake Listed Shop
    auth_mode: OAUTH2
    categories: [e-commerce]
    logo_url: https://logos.example.com/shop.svg
    authorization_url: https://${connectionConfig.handle}.shop.example.com/admin/
    authorization_url_fragment: /oauth/authorize
    authorization_url_replacements:
        client_id=: appKey=
    token_url: https://${connectionConfig.handle}.shop.example.com/token
    docs: https://docs.example.com/shop
    connection_config:
        handle:
            type: string
            title: Store handle
            description: The handle of your store
            example: open001
            pattern: '^[a-z0-9-]+$'
            suffix: .shop.example.com
"#;

fn names(list: &Value) -> Vec<String> {
    let items = list["data"].as_array().unwrap_or_else(|| panic!("{list}"));
    items.iter().map(|item| item["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn providers_are_listed_and_read_in_nangos_shape() {
    let app = TestApp::builder().providers(LISTED).spawn().await;
    let list = app.get("/providers").await.assert_success().await;
    let all = names(&list);
    for name in ["fake-oauth", "fake-apikey", "fake-listed", "github", "zendesk", "demo"] {
        assert!(all.contains(&name.to_string()), "{name} missing from {all:?}");
    }
    let one = app.get("/providers/fake-listed").await.assert_success().await;
    let expected = json!({
        "name": "fake-listed",
        "display_name": "Fake Listed Shop",
        "auth_mode": "OAUTH2",
        "categories": ["e-commerce"],
        "logo_url": "https://logos.example.com/shop.svg",
        "docs": "https://docs.example.com/shop",
        "authorization_url": "https://${connectionConfig.handle}.shop.example.com/admin/",
        "authorization_url_fragment": "/oauth/authorize",
        "authorization_url_replacements": {"client_id=": "appKey="},
        "token_url": "https://${connectionConfig.handle}.shop.example.com/token",
        "refresh_url": "https://${connectionConfig.handle}.shop.example.com/token",
        "scope_separator": " ",
        "disable_pkce": false,
        "authorization_method": "body",
        "body_format": "form",
        "connection_config": {"handle": {
            "type": "string", "title": "Store handle", "description": "The handle of your store",
            "example": "open001", "pattern": "^[a-z0-9-]+$", "suffix": ".shop.example.com"}},
    });
    assert_eq!(one["data"], expected, "{one}");
    // The list carries the same entry.
    let listed = list["data"].as_array().unwrap().iter().find(|item| item["name"] == "fake-listed").unwrap();
    assert_eq!(listed, &expected);

    let oauth = app.get("/providers/fake-oauth").await.assert_success().await["data"].clone();
    assert_eq!(
        (oauth["scope_separator"].as_str(), oauth["default_scopes"].clone()),
        (Some(","), json!(["default.read"]))
    );
    assert_eq!(oauth["authorization_params"], json!({"prompt": "login", "access_type": "offline"}));
    assert_eq!(oauth["token_params"], json!({"audience": "fake-api"}));
    assert!(oauth["proxy"]["base_url"].as_str().unwrap().ends_with("/api"), "{oauth}");
    let keyed = app.get("/providers/fake-apikey").await.assert_success().await["data"].clone();
    assert_eq!(keyed["auth_mode"], "API_KEY");
    assert!(keyed.get("token_url").is_none() && keyed.get("authorization_url").is_none(), "{keyed}");
    assert_eq!(keyed["proxy"]["headers"]["authorization"], "Bearer ${apiKey}");
    let instance = app.get("/providers/fake-instance").await.assert_success().await["data"].clone();
    assert_eq!(instance["token_response_metadata"], json!(["instance_url"]));
    // The catalog holds no secrets, and nothing that looks like one is answered.
    assert!(!list.to_string().contains("client_secret"), "a secret field in the list");
}

#[tokio::test]
async fn search_keeps_names_and_display_names_containing_the_text() {
    let app = TestApp::builder().providers(LISTED).spawn().await;
    let shared = &app;
    let search = |text: &str| {
        let path = format!("/providers?search={text}");
        async move { names(&shared.get(&path).await.assert_success().await) }
    };
    let mut fakes = search("fake-").await;
    fakes.sort();
    assert!(fakes.iter().all(|name| name.starts_with("fake-")) && fakes.len() >= 9, "{fakes:?}");
    // By display name, ignoring case.
    assert_eq!(search("zendesk-STYLE").await, ["fake-subdomain"]);
    assert_eq!(search("listed%20shop").await, ["fake-listed"]);
    assert!(search("no-such-provider-anywhere").await.is_empty());
    let long = "x".repeat(256);
    let code = app.get(&format!("/providers?search={long}")).await.assert_error(400).await;
    assert_eq!(code, "invalid_query_params");
}

#[tokio::test]
async fn unknown_providers_and_queries_are_refused() {
    let app = TestApp::spawn().await;
    let response = app.get("/providers/no-such-provider").await.assert_status(404).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().unwrap().contains("no-such-provider"), "{body}");
    let body = app.get("/providers?page=2").await.assert_status(400).await.json::<Value>().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_query_params");
    assert_eq!(body["error"]["errors"][0]["path"], json!(["page"]), "{body}");
    assert_eq!(app.get("/providers/github?x=1").await.assert_error(400).await, "invalid_query_params");
    let url = format!("{}/providers", app.url);
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "missing_auth_header");
    let response = app.client.get(&url).bearer_auth("wrong-secret-key-0000000000").send().await.unwrap();
    assert_eq!(response.assert_error(401).await, "unknown_account");
}

#[tokio::test]
async fn a_connect_session_reads_any_provider() {
    let app = TestApp::spawn().await;
    app.integration("one", "fake-oauth").await;
    let body = json!({"end_user": {"id": "u-1"}, "allowed_integrations": ["one"]});
    let session = app.post_json("/connect/sessions", &body).await.assert_success().await;
    let token = session["data"]["token"].as_str().unwrap();
    let read = |path: &str| app.client.get(format!("{}{path}", app.url)).bearer_auth(token).send();
    let list: Value = read("/providers?search=fake").await.unwrap().assert_success().await;
    assert!(names(&list).contains(&"fake-basic".to_string()), "{list}");
    // Not only the providers of the session's integrations.
    let github: Value = read("/providers/github").await.unwrap().assert_success().await;
    assert_eq!(github["data"]["name"], "github");
    assert_eq!(read("/providers/nope").await.unwrap().assert_error(404).await, "not_found");
    // A deleted session reads nothing.
    app.client.delete(format!("{}/connect/session", app.url)).bearer_auth(token).send().await.unwrap();
    assert_eq!(read("/providers").await.unwrap().assert_error(401).await, "unknown_connect_session_token");
    let malformed =
        app.client.get(format!("{}/providers", app.url)).bearer_auth("nango_connect_session_zz").send();
    assert_eq!(malformed.await.unwrap().assert_error(401).await, "invalid_connect_session_token_format");
}

/// An OAuth2 entry whose connections start on the provider's side (Nango's
/// `installation: outbound`, no `authorization_url`) is listed; a flow on it says why it fails.
#[tokio::test]
async fn an_entry_without_an_authorization_url_is_listed_and_refuses_flows_clearly() {
    let installed = "
fake-installed:
    display_name: Fake app installation
    auth_mode: OAUTH2
    installation: outbound
    token_url: http://127.0.0.1:PORT/token
";
    let app = TestApp::builder().providers(installed).spawn().await;
    let read = app.get("/providers/fake-installed").await.assert_success().await;
    assert!(read["data"].get("authorization_url").is_none(), "{read}");
    assert!(read["data"]["token_url"].as_str().is_some_and(|url| url.ends_with("/token")), "{read}");
    app.integration("installed", "fake-installed").await;
    let run = app.connect("installed", "user-1").run().await;
    assert_eq!(run.error_code(), "invalid_connection_config");
    let message = run.status["error"]["message"].as_str().unwrap();
    assert!(message.contains("no authorization_url") && message.contains("provider's side"), "{message}");
    assert!(app.provider.authorize_requests().is_empty());
}
