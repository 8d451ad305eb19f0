//! The conformance walk of the routes a browser calls: health and static files, the
//! WebSocket result channel, a real OAuth flow (connect, the fake provider, callback, flow
//! outcome, its event stream), the credential POSTs, and the demo provider's own flow.

use super::checker::Checker;
use super::walk_api::{API_KEY, BASIC, OAUTH};
use nango_tests::flow::ORIGIN;
use nango_tests::{ResultSocket, TestApp, PUBLIC_KEY};
use reqwest::Method;
use serde_json::json;
use url::Url;

pub async fn server(app: &TestApp, check: &mut Checker) {
    let pages = [
        "/health",
        "/health/ready",
        "/openapi.json",
        "/metrics",
        "/",
        "/index.html",
        "/demo.css",
        "/demo.js",
    ];
    for path in pages {
        let answer = check.send(path, app.client.get(format!("{}{path}", app.url))).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    }
    for (template, path) in [
        ("/connect", "/connect"),
        ("/connect/", "/connect/"),
        ("/connect/{file}", "/connect/page.js"),
        ("/connect/{file}", "/connect/page.css"),
    ] {
        let answer = check.send(template, app.client.get(format!("{}{path}", app.url))).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    }
    // The package is built by `cargo xtask build-sdk`; either answer is documented.
    let sdk = check.send("/sdk/{file}", app.client.get(format!("{}/sdk/nango.js", app.url))).await;
    assert!([200, 404].contains(&sdk.status), "{}", sdk.status);
    let socket = ResultSocket::open(&app.url, ORIGIN).await;
    assert!(!socket.ws_client_id.is_empty());
    check.record("get", "/", 101);
}

/// A real flow for connection `c1` of the OAuth integration, through the fake provider.
pub async fn oauth(app: &TestApp, check: &mut Checker) {
    let connect = app.connect(OAUTH, "c1");
    let flow = connect.flow.clone();
    let started = check.send("/oauth/connect/{integration}", app.client.get(connect.url())).await;
    assert_eq!(started.status, 302, "{}", started.text);
    let authorize = location(&started, &app.url);
    let provider = app.client.get(authorize).send().await.unwrap();
    assert!(provider.status().is_redirection(), "the fake provider redirects back");
    let callback = provider.headers()["location"].to_str().unwrap().to_string();
    let page = check.send("/oauth/callback", app.client.get(&callback)).await;
    assert_eq!(page.status, 200, "{}", page.text);

    let outcome =
        check.send("/oauth/flows/{flow}", app.client.get(format!("{}/oauth/flows/{flow}", app.url))).await;
    assert_eq!(outcome.json["status"], "success", "{}", outcome.text);
    let events = app.client.get(format!("{}/oauth/flows/{flow}/events", app.url));
    let events = check.send("/oauth/flows/{flow}/events", events).await;
    assert!(events.text.contains("event: result"), "{}", events.text);
    for path in ["/oauth/flows/{flow}", "/oauth/flows/{flow}/events"] {
        let url = format!("{}{}", app.url, path.replace("{flow}", &flow));
        let preflight = app.client.request(Method::OPTIONS, url).header("Origin", ORIGIN);
        assert_eq!(check.send(path, preflight).await.status, 204);
    }
    let unknown = app.client.get(format!("{}/oauth/flows/flowunknown0123456789", app.url));
    assert_eq!(check.send("/oauth/flows/{flow}", unknown).await.status, 404);
    let unknown = app.client.get(format!("{}/oauth/flows/flowunknown0123456789/events", app.url));
    assert_eq!(check.send("/oauth/flows/{flow}/events", unknown).await.status, 404);

    let refused =
        check.send("/oauth/connect/{integration}", app.client.get(app.connect("nope", "c2").url())).await;
    assert_eq!(refused.status, 404, "{}", refused.text);
    let stale = app.client.get(format!("{}/oauth/callback?state=unknown&code=x", app.url));
    assert_eq!(check.send("/oauth/callback", stale).await.status, 400);
}

/// API key connection `k1` and basic connection `b1`, as the SDK saves them.
pub async fn credentials(app: &TestApp, check: &mut Checker) {
    for (mode, integration, id, body) in [
        ("api-key", API_KEY, "k1", json!({ "apiKey": "sk-test-key" })),
        ("basic", BASIC, "b1", json!({ "username": "alice", "password": "secret" })),
    ] {
        let path = format!("/api-auth/{mode}/{{integration}}");
        let url =
            format!("{}/api-auth/{mode}/{integration}?connection_id={id}&public_key={PUBLIC_KEY}", app.url);
        let saved = check.send(&path, app.client.post(&url).header("Origin", ORIGIN).json(&body)).await;
        assert_eq!(
            saved.json,
            json!({ "providerConfigKey": integration, "connectionId": id }),
            "{}",
            saved.text
        );
        let preflight = app.client.request(Method::OPTIONS, &url).header("Origin", ORIGIN);
        assert_eq!(check.send(&path, preflight).await.status, 204);
        let no_key = format!("{}/api-auth/{mode}/{integration}?connection_id={id}", app.url);
        assert_eq!(check.send(&path, app.client.post(&no_key).json(&body)).await.status, 401);
    }
    let empty = format!("{}/api-auth/api-key/{API_KEY}?connection_id=k2&public_key={PUBLIC_KEY}", app.url);
    let refused = check
        .send("/api-auth/api-key/{integration}", app.client.post(empty).json(&json!({ "apiKey": "" })))
        .await;
    assert_eq!(refused.json["error"]["code"], "invalid_body", "{}", refused.text);
}

/// The demo provider's flow (consent page, decision, token endpoint, API) and the demo page's
/// routes, for connection `d1` of the demo integration.
pub async fn demo(app: &TestApp, check: &mut Checker) {
    let config = check.send("/demo/config", app.client.get(format!("{}/demo/config", app.url))).await;
    assert_eq!(config.json["defaultIntegration"], "demo", "{}", config.text);
    let session = check
        .send("/demo/connect-session", app.client.post(format!("{}/demo/connect-session", app.url)))
        .await;
    assert!(session.json["token"].is_string(), "{}", session.text);

    let connect = app.client.get(app.connect("demo", "d1").url());
    let authorize = location(&check.send("/oauth/connect/{integration}", connect).await, &app.url);
    let consent = check.send("/demo/oauth/authorize", app.client.get(authorize.clone())).await;
    assert_eq!(consent.status, 200, "the consent page: {}", consent.text);
    let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    form.push(("decision".into(), "approve".into()));
    let mut action = authorize;
    action.set_query(None);
    let decided = check.send("/demo/oauth/authorize", app.client.post(action).form(&form)).await;
    assert_eq!(decided.status, 302, "{}", decided.text);
    let page = check.send("/oauth/callback", app.client.get(location(&decided, &app.url))).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let bad = app.client.get(format!("{}/demo/oauth/authorize?client_id=nobody", app.url));
    assert_eq!(check.send("/demo/oauth/authorize", bad).await.status, 400);

    let shown = app.client.get(format!("{}/demo/connection/d1?integration=demo", app.url));
    assert_eq!(
        check.send("/demo/connection/{connection_id}", shown).await.json["credentials"]["has_access_token"],
        true
    );
    let other = app.client.get(format!("{}/demo/connection/d1?integration={OAUTH}", app.url));
    assert_eq!(check.send("/demo/connection/{connection_id}", other).await.status, 404);

    let connection = app
        .get_connection("demo", "d1", "&refresh_token=true")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let access_token = connection["credentials"]["access_token"].as_str().unwrap().to_string();
    let refresh_token = connection["credentials"]["refresh_token"].as_str().unwrap().to_string();
    let me = format!("{}/demo/api/me", app.url);
    assert_eq!(check.send("/demo/api/me", app.client.get(&me).bearer_auth(&access_token)).await.status, 200);
    assert_eq!(check.send("/demo/api/me", app.client.get(&me)).await.status, 401);

    let integration =
        app.get("/integrations/demo?include_creds=true").await.json::<serde_json::Value>().await.unwrap();
    let credentials = &integration["data"]["credentials"];
    let token_url = format!("{}/demo/oauth/token", app.url);
    let grant = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.as_str()),
        ("client_id", credentials["client_id"].as_str().unwrap()),
        ("client_secret", credentials["client_secret"].as_str().unwrap()),
    ];
    let refreshed = check.send("/demo/oauth/token", app.client.post(&token_url).form(&grant)).await;
    assert!(refreshed.json["access_token"].is_string(), "{}", refreshed.text);
    let wrong_client = [("grant_type", "refresh_token"), ("client_id", "nobody"), ("client_secret", "x")];
    assert_eq!(
        check.send("/demo/oauth/token", app.client.post(&token_url).form(&wrong_client)).await.status,
        401
    );
    let unsupported = [grant[2], grant[3], ("grant_type", "password")];
    assert_eq!(
        check.send("/demo/oauth/token", app.client.post(&token_url).form(&unsupported)).await.status,
        400
    );
}

/// The `Location` of a redirect, resolved against the server's URL.
fn location(answer: &super::checker::Answer, base: &str) -> Url {
    let location = answer.headers["location"].to_str().unwrap();
    Url::parse(base).unwrap().join(location).unwrap()
}
