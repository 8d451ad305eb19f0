//! The hosted connect page over HTTP (SPEC §10, §13 "Responses"): the page (also at
//! `/connect/`, the URL `openConnectUI` frames) with its CSP, `frame-ancestors` from the
//! environment's allowed origins; its embedded assets; and `GET /connect/config`, what it shows
//! for a session: allowed integrations with names and declared fields, the embedding origin
//! checked.

use nango_tests::{ResponseExt, TestApp};
use serde_json::{json, Value};

const APP: &str = "https://app.example";

async fn token(app: &TestApp, body: Value) -> String {
    let created: Value =
        app.post_json("/connect/sessions", &body).await.assert_status(201).await.json().await.unwrap();
    created["data"]["token"].as_str().unwrap().to_string()
}

async fn config(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client.get(format!("{}/connect/config{query}", app.url)).bearer_auth(token).send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

#[tokio::test]
async fn the_page_may_be_framed_by_the_allowed_origins_only() {
    let app = TestApp::spawn().await;
    for path in ["/connect", "/connect/", "/connect?apiURL=x"] {
        let page = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&page, "referrer-policy"), "no-referrer");
        assert_eq!(header(&page, "cache-control"), "no-store");
        let csp = header(&page, "content-security-policy");
        assert!(csp.ends_with("frame-ancestors *"), "no list: any page may frame it: {csp}");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(page.text().await.unwrap().contains("/connect/page.js"));
    }
    app.patch_environment(&json!({ "allowed_origins": [APP, "http://localhost:5173/"] }))
        .await
        .assert_success()
        .await;
    let page = app.client.get(format!("{}/connect", app.url)).send().await.unwrap();
    let csp = header(&page, "content-security-policy");
    assert!(csp.ends_with("frame-ancestors https://app.example http://localhost:5173"), "{csp}");

    for (path, kind) in [("/connect/page.js", "text/javascript"), ("/connect/page.css", "text/css")] {
        let asset = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(asset.status(), 200, "{path}");
        assert!(header(&asset, "content-type").starts_with(kind), "{path}");
    }
}

#[tokio::test]
async fn config_lists_the_sessions_integrations_with_their_fields() {
    let app = TestApp::builder().providers(nango_tests::catalog::TENANT_YAML).spawn().await;
    app.integration("tenant", "fake-tenant").await;
    app.integration("fake", "fake-oauth").await;
    let keys = json!({ "unique_key": "keys", "provider": "fake-apikey" });
    app.post_json("/integrations", &keys).await.assert_success().await;
    let body = json!({
        "end_user": { "id": "eu-1" },
        "allowed_integrations": ["tenant", "keys"],
        "integrations_config_defaults": { "keys": { "connection_config": { "unused": "x" } } },
    });
    let session = token(&app, body).await;
    let response = config(&app, &session, "").await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["end_user"]["id"], "eu-1");
    assert_eq!(answer["reconnect"], false);
    let integrations = answer["integrations"].as_array().unwrap();
    let keys: Vec<&str> = integrations.iter().map(|i| i["unique_key"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), 2, "{answer}");
    assert!(keys.contains(&"tenant") && keys.contains(&"keys"), "{answer}");
    let tenant = integrations.iter().find(|i| i["unique_key"] == "tenant").unwrap();
    assert_eq!(tenant["display_name"], "Fake Tenant");
    assert_eq!(tenant["auth_mode"], "OAUTH2");
    // Declared fields a person types in: `order` first, automated ones left out.
    let fields: Vec<&str> =
        tenant["fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(fields, ["region", "subdomain"], "{tenant}");
    assert_eq!(tenant["fields"][1]["pattern"], "^[a-z0-9-]+$");
    assert_eq!(tenant["fields"][1]["title"], "Subdomain");
    let keys = integrations.iter().find(|i| i["unique_key"] == "keys").unwrap();
    assert_eq!(keys["auth_mode"], "API_KEY");

    // A field the session presets is not asked for.
    let body = json!({
        "end_user": { "id": "eu-1" },
        "integrations_config_defaults": { "tenant": { "connection_config": { "subdomain": "acme" } } },
    });
    let preset: Value = config(&app, &token(&app, body).await, "").await.json().await.unwrap();
    let tenant =
        preset["integrations"].as_array().unwrap().iter().find(|i| i["unique_key"] == "tenant").unwrap();
    let fields: Vec<&str> =
        tenant["fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(fields, ["region"], "{tenant}");
}

#[tokio::test]
async fn config_checks_the_embedding_origin_and_the_token() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let session = token(&app, json!({ "end_user": { "id": "eu-1" } })).await;
    // No list: any origin.
    assert_eq!(config(&app, &session, "?origin=http%3A%2F%2Fanything.example").await.status(), 200);
    app.patch_environment(&json!({ "allowed_origins": [APP] })).await.assert_success().await;
    assert_eq!(config(&app, &session, "?origin=https%3A%2F%2Fapp.example").await.status(), 200);
    let refused = config(&app, &session, "?origin=http%3A%2F%2Fevil.example").await;
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_origin", "{body}");
    let unknown = config(&app, &format!("nango_connect_session_{}", "0".repeat(64)), "").await;
    assert_eq!(unknown.status(), 401);
    let bare = app.client.get(format!("{}/connect/config", app.url)).send().await.unwrap();
    assert_eq!(bare.status(), 401);
    assert_eq!(config(&app, &session, "?other=1").await.status(), 400);
}
