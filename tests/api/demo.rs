//! The built-in demo provider and integration (SPEC §6): a real flow offline, approve and deny,
//! with its consent page, result page, both result channels and working tokens.

use nango_tests::flow::ORIGIN;
use nango_tests::{ResponseExt, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The demo integration's key, found through the API (it is created at first start).
async fn demo_integration(app: &TestApp) -> String {
    let list = app.get("/integrations").await.assert_success().await;
    let items = list["data"].as_array().unwrap_or_else(|| panic!("{list}"));
    items
        .iter()
        .filter_map(|item| item["unique_key"].as_str())
        .find(|key| key.contains("demo"))
        .unwrap_or_else(|| panic!("no demo integration in {list}"))
        .to_string()
}

fn query_of(url: &url::Url) -> BTreeMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// `GET /demo/api/me` with `token` (or none): status and body.
async fn me(app: &TestApp, token: Option<&str>) -> (u16, Value) {
    let mut request = app.client.get(format!("{}/demo/api/me", app.url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn demo_flow_approve_creates_a_connection() {
    let app = TestApp::builder().demo().spawn().await;
    let demo = demo_integration(&app).await;
    let consent = app
        .connect(&demo, "user-42")
        .param("subdomain", "acme")
        .authorization_param("prompt", "consent")
        .consent()
        .await;

    // Connect: a 302 to our own demo consent page with every standard parameter.
    let authorize = consent.authorize_url();
    assert!(authorize.as_str().starts_with(&format!("{}/demo/oauth/authorize?", app.url)), "{authorize}");
    let query = query_of(&authorize);
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "demo-client");
    assert_eq!(query["redirect_uri"], app.callback_url());
    assert_eq!(query["scope"], "profile email");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["prompt"], "consent");
    assert!(query["state"].len() >= 43, "{}", query["state"]);
    let html = consent.html();
    assert!(html.contains("Approve") && html.contains("Deny") && html.contains("profile"), "{html}");
    let pending = app.flow_status(consent.flow()).await;
    assert_eq!(pending["status"], "pending", "{pending}");
    assert!(pending["expires_in"].as_i64().is_some_and(|left| left > 0 && left <= 600), "{pending}");

    // Approve: back to our callback with a code and the same state; the result page.
    let run = consent.decide(true).await;
    run.assert_success();
    assert!(run.hops.iter().all(|(_, url)| url.as_str().starts_with(&app.url)), "offline: {:?}", run.hops);
    let (_, callback) = run.hops.iter().find(|(_, url)| url.path() == "/oauth/callback").unwrap();
    assert_eq!(query_of(callback)["state"], query["state"]);
    assert!(query_of(callback).contains_key("code"), "{callback}");
    assert_eq!(run.page_status, 200);
    assert_eq!(run.page_headers["cache-control"], "no-store");
    let csp = run.page_headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'nonce-"), "{csp}");
    for part in ["postMessage(m,o)", &format!("o=\"{ORIGIN}\""), r#""type":"nango_oauth_result""#] {
        assert!(run.page.contains(part), "no `{part}` in {}", run.page);
    }
    assert!(run.page.contains(r#""success":true"#) && run.page.contains(r#""connectionId":"user-42""#));
    assert!(!run.page.contains("demo_at."), "no token in the page: {}", run.page);
    let expected = json!({ "status": "success", "providerConfigKey": demo, "connectionId": "user-42" });
    assert_eq!(run.status, expected);

    // The stored connection: the call's params, working credentials that expire and refresh.
    let connection = app.get_connection(&demo, "user-42", "&refresh_token=true").await.assert_success().await;
    assert_eq!(connection["connection_config"]["subdomain"], "acme");
    let credentials = &connection["credentials"];
    assert!(
        credentials["expires_at"].is_string() && credentials["refresh_token"].is_string(),
        "{connection}"
    );
    let access = credentials["access_token"].as_str().unwrap().to_string();
    assert!(!run.page.contains(&access), "no token in the page");
    let (status, body) = me(&app, Some(&access)).await;
    assert_eq!((status, &body["name"]), (200, &json!("Demo User")), "{body}");
    assert_eq!(me(&app, None).await.0, 401);
    let refreshed = app.get_connection(&demo, "user-42", "&force_refresh=true").await.assert_success().await;
    let renewed = refreshed["credentials"]["access_token"].as_str().unwrap();
    assert_ne!(renewed, access, "a forced refresh against the demo token endpoint gives a new token");
    assert_eq!(me(&app, Some(renewed)).await.0, 200);

    // The demo page's own route shows the connection, never a token.
    let shown = app
        .client
        .get(format!("{}/demo/connection/user-42?integration={demo}", app.url))
        .send()
        .await
        .unwrap();
    let text = shown.assert_status(200).await.text().await.unwrap();
    assert!(!text.contains(&access) && !text.contains(renewed), "a token reached the demo route: {text}");
    let shown: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((&shown["connection_id"], &shown["provider_config_key"]), (&json!("user-42"), &json!(demo)));
    assert_eq!(shown["connection_config"]["subdomain"], "acme");
    assert_eq!(shown["credentials"]["has_access_token"], true);
    assert!(shown["credentials"]["expires_at"].is_string(), "{shown}");

    // The event stream emits the final status; the flow route answers CORS for the opener.
    let events = app.client.get(format!("{}/oauth/flows/{}/events", app.url, run.flow)).send().await.unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let text = events.text().await.unwrap();
    assert!(text.contains("event: result") && text.contains(r#""status":"success""#), "{text}");
    let flow_url = format!("{}/oauth/flows/{}", app.url, run.flow);
    let cors = app.client.get(&flow_url).header("Origin", ORIGIN).send().await.unwrap();
    assert_eq!(cors.headers()["access-control-allow-origin"], ORIGIN);
    let preflight = app
        .client
        .request(Method::OPTIONS, &flow_url)
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], ORIGIN);

    // A state is single use.
    let replay = app.client.get(callback.clone()).send().await.unwrap().assert_status(400).await;
    let text = replay.text().await.unwrap();
    assert!(text.contains("already used"), "{text}");
}

#[tokio::test]
async fn demo_flow_deny_is_provider_denied_on_both_channels() {
    let app = TestApp::builder().demo().spawn().await;
    let demo = demo_integration(&app).await;
    let consent = app.connect(&demo, "demo-user").consent().await;
    // An event stream opened while the flow is pending (its headers are in) gets the outcome
    // when it comes.
    // Two of them (a reconnecting EventSource opens a second): each gets it.
    let events_url = format!("{}/oauth/flows/{}/events", app.url, consent.flow());
    let events = app.client.get(&events_url).send().await.unwrap().assert_status(200).await;
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let second = app.client.get(&events_url).send().await.unwrap().assert_status(200).await;
    assert_eq!(app.flow_status(consent.flow()).await["status"], "pending");
    let run = consent.decide(false).await;
    let (_, callback) = run.hops.iter().find(|(_, url)| url.path() == "/oauth/callback").unwrap();
    assert_eq!(query_of(callback).get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(run.error_code(), "provider_denied");
    assert!(run.page.contains(r#""code":"provider_denied""#), "{}", run.page);
    for events in [events, second] {
        let events = events.text().await.unwrap();
        assert!(events.contains(r#""code":"provider_denied""#), "{events}");
    }
    app.get_connection(&demo, "demo-user", "").await.assert_error(404).await;
}

/// SPEC §13 "Demo" (hostile review finding 1): without `NANGO_DEMO=true` there is no demo
/// provider, no `/demo/*` route and no demo integration.
#[tokio::test]
async fn without_nango_demo_there_is_no_demo() {
    let app = TestApp::spawn().await;
    for path in
        ["/demo/config", "/demo/connection/u1?integration=demo", "/demo/oauth/authorize", "/demo/api/me"]
    {
        let response = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    let list = app.get("/integrations").await.assert_success().await;
    assert_eq!(list["data"], json!([]), "no demo integration: {list}");
}

/// Finding 1: the key-less demo routes read the demo integration only. A connection of
/// another integration, with secrets in its metadata, is not readable and its existence is
/// not revealed (the same 404 as for an id that does not exist).
#[tokio::test]
async fn demo_routes_never_read_another_integration() {
    let app = TestApp::builder().demo().spawn().await;
    app.integration("crm", "fake-oauth").await;
    app.connect_ok("crm", "user-1").await;
    let secrets = json!({"ssn": "078-05-1120", "crm_api_key": "sk_live_abcdef"});
    app.post_json("/connection/user-1/metadata?provider_config_key=crm", &secrets)
        .await
        .assert_success()
        .await;

    let read = |id: &'static str, integration: &'static str| {
        let url = format!("{}/demo/connection/{id}?integration={integration}", app.url);
        let client = app.client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (existing, body) = read("user-1", "crm").await;
    assert!(!body.contains("078-05-1120") && !body.contains("sk_live"), "{body}");
    let (missing, missing_body) = read("nobody", "crm").await;
    assert_eq!((existing, missing), (404, 404));
    assert_eq!(body, missing_body, "the answer must not tell which ids exist");
    let config = app.client.get(format!("{}/demo/config", app.url)).send().await.unwrap();
    let config: Value = config.json().await.unwrap();
    let integrations: Vec<(Value, Value)> = config["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|integration| (integration["unique_key"].clone(), integration["provider"].clone()))
        .collect();
    assert_eq!(integrations, [(json!("demo"), json!("demo"))], "{config}");
}

/// Finding 9: the demo consent page accepts only its registered redirect URI (the server's
/// callback or the environment's custom one): a cross-site approve cannot send a code away.
#[tokio::test]
async fn demo_consent_refuses_an_unregistered_redirect_uri() {
    let app = TestApp::builder().demo().spawn().await;
    let base = format!("{}/demo/oauth/authorize", app.url);
    let form = |redirect_uri: &str| {
        vec![
            ("response_type", "code".to_string()),
            ("client_id", "demo-client".to_string()),
            ("redirect_uri", redirect_uri.to_string()),
            ("state", "s".to_string()),
            ("decision", "approve".to_string()),
        ]
    };
    let evil = app.client.post(&base).form(&form("https://evil.example/steal")).send().await.unwrap();
    assert_eq!(evil.status(), 400);
    assert!(evil.headers().get("location").is_none());
    let query =
        [("response_type", "code"), ("client_id", "demo-client"), ("redirect_uri", "https://evil.example/")];
    let page = app.client.get(&base).query(&query).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("not registered"));

    let ours = app.client.post(&base).form(&form(&app.callback_url())).send().await.unwrap();
    assert_eq!(ours.status(), 302);
    let location = ours.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(&app.callback_url()), "{location}");
}

/// The demo page's "connect session" mode: the server mints a session for the demo integration
/// (the secret key stays on the server), and the token runs a flow with a server-chosen id.
#[tokio::test]
async fn demo_connect_session_is_minted_for_the_demo_integration_only() {
    let app = TestApp::builder().demo().spawn().await;
    app.integration("other", "fake-oauth").await;
    let url = format!("{}/demo/connect-session", app.url);
    let response = app.client.post(&url).send().await.unwrap().assert_status(200).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    assert!(!text.contains(nango_tests::SECRET_KEY), "the secret key reached the browser: {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let token = body["token"].as_str().unwrap_or_else(|| panic!("{body}"));
    assert!(token.starts_with("nango_connect_session_"), "{body}");
    assert!(body["expires_at"].as_str().is_some_and(|at| at.ends_with('Z')), "{body}");

    let session = app.client.get(format!("{}/connect/session", app.url)).bearer_auth(token).send().await;
    let session: Value = session.unwrap().assert_success().await;
    assert_eq!(session["data"]["allowed_integrations"], json!(["demo"]), "{session}");
    assert_eq!(session["data"]["end_user"]["id"], "demo-user", "{session}");

    let run = app.connect("demo", "x").session_token(token).run_with_consent(true).await;
    run.assert_success();
    let connection_id = run.status["connectionId"].as_str().unwrap();
    assert!(nango_tests::is_uuid_v4(connection_id), "a server-chosen UUID: {connection_id}");
    app.get_connection("demo", connection_id, "").await.assert_success().await;
    let outside = app.connect("other", "x").session_token(token).run().await;
    assert_eq!(outside.error_code(), "integration_not_allowed");
    // Demo only: a GET or a body choosing anything is not a way in.
    app.client.get(&url).send().await.unwrap().assert_status(405).await;
}

/// Started where the default `sdk-wasm/pkg` is not (or with `NANGO_SDK_DIR` pointing at no
/// package), the server says so at start, naming the setting and the directory it looked at.
#[tokio::test]
async fn a_missing_sdk_package_is_a_start_up_warning() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("no-sdk-here");
    std::fs::create_dir(&empty).unwrap();
    let server = nango_tests::server_process::ServerProcess::start(&[
        ("NANGO_DATA_DIR", dir.path().join("data").display().to_string()),
        ("NANGO_DEMO", "true".into()),
        ("NANGO_SDK_DIR", empty.display().to_string()),
    ]);
    let output = server.stop();
    let warning = output.lines().find(|line| line.contains("WARN") && line.contains("NANGO_SDK_DIR"));
    let warning = warning.unwrap_or_else(|| panic!("no warning about NANGO_SDK_DIR:\n{output}"));
    assert!(warning.contains(&empty.display().to_string()), "{warning}");
    assert!(warning.contains("cargo xtask build-sdk"), "{warning}");
}
