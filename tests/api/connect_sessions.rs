//! Connect sessions (SPEC §7): minted with the secret key, read and ended with the token,
//! Nango's body rules and error codes, and only a hash of the token at rest.

use nango_tests::{ResponseExt, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn create(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.post_json(path, body).await
}

async fn errors_of(response: reqwest::Response, status: u16) -> (String, Vec<String>) {
    let body: Value = response.assert_status(status).await.json().await.unwrap();
    let code = body["error"]["code"].as_str().unwrap_or_default().to_string();
    let paths = body["error"]["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    error["path"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap())
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .collect()
        })
        .unwrap_or_default();
    (code, paths)
}

/// `GET /connect/session` with `token`, which must answer 200.
async fn read_session(app: &TestApp, token: &str) -> Value {
    session(app, Method::GET, token).send().await.unwrap().assert_status(200).await.json().await.unwrap()
}

fn session(app: &TestApp, method: Method, token: &str) -> reqwest::RequestBuilder {
    app.client.request(method, format!("{}/connect/session", app.url)).bearer_auth(token)
}

#[tokio::test]
async fn a_session_is_minted_read_and_ended() {
    let mut app = TestApp::builder().sqlite().spawn().await;
    app.integration("github", "fake-oauth").await;
    let body = json!({
        "end_user": {"id": "user-7", "email": "seven@example.com", "display_name": "Seven"},
        "organization": {"id": "org-1", "display_name": "Org"},
        "tags": {"plan": "pro"},
        "allowed_integrations": ["github"],
        "integrations_config_defaults": {"github": {"user_scopes": "repo"}},
    });
    let created: Value =
        create(&app, "/connect/sessions", &body).await.assert_status(201).await.json().await.unwrap();
    let token = created["data"]["token"].as_str().unwrap().to_string();
    let hex = token.strip_prefix("nango_connect_session_").unwrap();
    assert!(hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()), "{token}");
    assert!(created["data"]["connect_link"].as_str().unwrap().contains(&token));
    assert!(created["data"]["expires_at"].as_str().unwrap().ends_with('Z'));

    let read: Value = read_session(&app, &token).await;
    assert_eq!(read["data"]["end_user"]["id"], "user-7");
    assert_eq!(read["data"]["organization"]["id"], "org-1");
    assert_eq!(read["data"]["allowed_integrations"], json!(["github"]));
    assert_eq!(read["data"]["integrations_config_defaults"]["github"]["user_scopes"], "repo");

    // Only the token's hash is stored.
    let mut bytes = std::fs::read(app.data_dir.join("nango.db")).unwrap_or_default();
    bytes.extend(std::fs::read(app.data_dir.join("nango.db-wal")).unwrap_or_default());
    assert!(
        !bytes.windows(hex.len()).any(|window| window == hex.as_bytes()),
        "the token is stored in plain text"
    );

    session(&app, Method::DELETE, &token).send().await.unwrap().assert_status(204).await;
    let (code, _) = errors_of(session(&app, Method::GET, &token).send().await.unwrap(), 401).await;
    assert_eq!(code, "unknown_connect_session_token");
    app.stop().await;
}

#[tokio::test]
async fn malformed_and_unknown_tokens_are_told_apart() {
    let app = TestApp::spawn().await;
    let (code, _) = errors_of(session(&app, Method::GET, "not-a-token").send().await.unwrap(), 401).await;
    assert_eq!(code, "invalid_connect_session_token_format");
    let unknown = format!("nango_connect_session_{}", "ab".repeat(32));
    let (code, _) = errors_of(session(&app, Method::GET, &unknown).send().await.unwrap(), 401).await;
    assert_eq!(code, "unknown_connect_session_token");
    // The secret key is not a session token.
    let (code, _) =
        errors_of(session(&app, Method::GET, nango_tests::SECRET_KEY).send().await.unwrap(), 401).await;
    assert_eq!(code, "invalid_connect_session_token_format");
}

#[tokio::test]
async fn bad_bodies_are_refused_with_their_paths() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    let eleven: serde_json::Map<String, Value> = (0..11).map(|n| (format!("k{n}"), json!("v"))).collect();
    let cases = [
        (json!({"end_user": {"id": "u"}, "surprise": true}), "surprise"),
        (json!({"end_user": {"id": "u"}, "allowed_integrations": ["nope"]}), "allowed_integrations.0"),
        (
            json!({"end_user": {"id": "u"}, "integrations_config_defaults": {"nope": {}}}),
            "integrations_config_defaults.nope",
        ),
        (json!({"end_user": {"id": "u"}, "tags": eleven}), "tags"),
        (json!({"end_user": {"id": "u"}, "tags": {"9lives": "x"}}), "tags.9lives"),
        (json!({"end_user": {"id": ""}}), "end_user.id"),
    ];
    for (body, path) in cases {
        let (code, paths) = errors_of(create(&app, "/connect/sessions", &body).await, 400).await;
        assert_eq!(code, "invalid_body", "{body}");
        assert!(paths.contains(&path.to_string()), "{body}: {paths:?}");
    }
    let response = app
        .api(Method::POST, "/connect/sessions?x=1")
        .json(&json!({"end_user": {"id": "u"}}))
        .send()
        .await
        .unwrap();
    let (code, paths) = errors_of(response, 400).await;
    assert_eq!((code.as_str(), paths), ("invalid_query_params", vec!["x".to_string()]));
    // Without the secret key there is no session.
    let anonymous = app
        .client
        .post(format!("{}/connect/sessions", app.url))
        .json(&json!({"end_user": {"id": "u"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_reconnect_session_is_bound_to_an_existing_connection() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    app.connect_ok("github", "user-1").await;
    let missing = json!({"connection_id": "nobody", "integration_id": "github"});
    let (code, paths) = errors_of(create(&app, "/connect/sessions/reconnect", &missing).await, 400).await;
    assert_eq!((code.as_str(), paths), ("invalid_body", vec!["connection_id".to_string()]));

    let body = json!({"connection_id": "user-1", "integration_id": "github", "end_user": {"id": "u-1"}});
    let token = token_from(&app, "/connect/sessions/reconnect", body).await;
    let read: Value = read_session(&app, &token).await;
    assert_eq!(read["data"]["connection_id"], "user-1");
    assert_eq!(read["data"]["allowed_integrations"], json!(["github"]));
}

/// A session token from a fresh session for `body`.
async fn token_for(app: &TestApp, body: Value) -> String {
    token_from(app, "/connect/sessions", body).await
}

/// A session token from `POST path` (`/connect/sessions` or its `/reconnect`).
async fn token_from(app: &TestApp, path: &str, body: Value) -> String {
    let created: Value = create(app, path, &body).await.assert_status(201).await.json().await.unwrap();
    created["data"]["token"].as_str().unwrap().to_string()
}

/// SPEC §7 browser side: the token replaces public key and HMAC; the server picks a UUIDv4
/// connection id, and the session's `integrations_config_defaults` win.
#[tokio::test]
async fn a_flow_with_a_session_token_gets_a_server_chosen_id_and_the_defaults() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    app.patch_environment(&json!({ "hmac_enabled": true, "hmac_key": "hmac-key-0123456789" }))
        .await
        .assert_success()
        .await;
    let token = token_for(
        &app,
        json!({
            "end_user": {"id": "u-1"},
            "allowed_integrations": ["github"],
            "integrations_config_defaults": {"github": {
                "authorization_params": {"prompt": "select_account"},
                "connection_config": {"region": "eu"},
            }},
        }),
    )
    .await;
    let run = app
        .connect("github", "ignored")
        .authorization_param("prompt", "login")
        .session_token(&token)
        .run()
        .await;
    run.assert_success();
    let connection_id = run.status["connectionId"].as_str().unwrap().to_string();
    let uuid = nango_tests::is_uuid_v4(&connection_id);
    assert!(uuid, "a UUIDv4 connection id: {connection_id}");
    let authorize = &app.provider.authorize_requests()[0];
    assert_eq!(
        authorize.query["prompt"], "select_account",
        "the session's authorization_params replace the request's"
    );
    let connection = app.get_connection("github", &connection_id, "").await.assert_success().await;
    assert_eq!(connection["connection_config"]["region"], "eu");
}

#[tokio::test]
async fn session_flows_refuse_what_the_session_does_not_allow() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    app.integration("other", "fake-oauth").await;
    let token = token_for(&app, json!({"end_user": {"id": "u-1"}, "allowed_integrations": ["github"]})).await;
    let outside = app.connect("other", "x").session_token(&token).run().await;
    assert_eq!(outside.error_code(), "integration_not_allowed");
    let mut with_id = app.connect("github", "x").session_token(&token);
    with_id = with_id.public_key(None);
    let url = format!("{}&connection_id=chosen-by-the-page", with_id.url());
    let page = app.client.get(url).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("drop `connection_id`"));
    let unknown = format!("nango_connect_session_{}", "cd".repeat(32));
    assert_eq!(
        app.connect("github", "x").session_token(&unknown).run().await.error_code(),
        "unknown_connect_session_token"
    );
    assert!(app.provider.authorize_requests().is_empty());
}

/// A pinned id and a reconnect session keep the connection id they name.
#[tokio::test]
async fn pinned_and_reconnect_sessions_keep_their_connection_id() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    let pinned = token_for(&app, json!({"end_user": {"id": "u-1"}, "connection_id": "pinned-42"})).await;
    let run = app.connect("github", "x").session_token(&pinned).run().await;
    run.assert_success();
    assert_eq!(run.status["connectionId"], "pinned-42");

    let body = json!({"connection_id": "pinned-42", "integration_id": "github"});
    let reconnect = token_from(&app, "/connect/sessions/reconnect", body).await;
    let again = app.connect("github", "x").session_token(&reconnect).run().await;
    again.assert_success();
    assert_eq!(again.status["connectionId"], "pinned-42");
}

/// The credential POSTs take the session token too.
#[tokio::test]
async fn credential_posts_accept_a_session_token() {
    let app = TestApp::spawn().await;
    app.post_json("/integrations", &json!({ "unique_key": "keyed", "provider": "fake-apikey" }))
        .await
        .assert_success()
        .await;
    let token = token_for(&app, json!({"end_user": {"id": "u-1"}})).await;
    let url = format!("{}/api-auth/api-key/keyed?connect_session_token={token}", app.url);
    let answer: Value =
        app.client.post(url).json(&json!({"apiKey": "k-1"})).send().await.unwrap().assert_success().await;
    let connection_id = answer["connectionId"].as_str().unwrap();
    assert!(nango_tests::is_uuid_v4(connection_id), "{answer}");
    let connection = app.get_connection("keyed", connection_id, "").await.assert_success().await;
    assert_eq!(connection["credentials"]["apiKey"], "k-1");
}

/// SPEC §7: the connection records the session's end user (with its organization) and tags,
/// and the auth webhook carries them; a later public-key flow keeps them.
#[tokio::test]
async fn the_connection_and_its_webhook_carry_the_end_user_and_tags() {
    let app = TestApp::spawn().await;
    let receiver = nango_tests::webhook::WebhookReceiver::spawn().await;
    app.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    app.integration("github", "fake-oauth").await;
    let token = token_for(
        &app,
        json!({
            "end_user": {"id": "u-7", "email": "seven@example.com"},
            "organization": {"id": "org-1"},
            "tags": {"plan": "pro"},
            "connection_id": "tagged-1",
        }),
    )
    .await;
    app.connect("github", "x").session_token(&token).run().await.assert_success();
    let connection = app.get_connection("github", "tagged-1", "").await.assert_success().await;
    assert_eq!(connection["end_user"]["id"], "u-7");
    assert_eq!(connection["end_user"]["organization"]["id"], "org-1");
    // Nango's connection tags: the end user's fields, then the session's tags.
    let tags = json!({"end_user_id": "u-7", "end_user_email": "seven@example.com", "organization_id": "org-1", "plan": "pro"});
    assert_eq!(connection["tags"], tags);
    let hook: Value =
        serde_json::from_str(&receiver.next(std::time::Duration::from_secs(10)).await.body).unwrap();
    assert_eq!(hook["endUser"]["id"], "u-7", "{hook}");
    assert_eq!(hook["tags"]["plan"], "pro");
    // A public-key re-authorisation keeps the end user.
    app.connect_ok("github", "tagged-1").await;
    let again = app.get_connection("github", "tagged-1", "").await.assert_success().await;
    assert_eq!(again["end_user"]["id"], "u-7");
}

/// SPEC §7 `webhook_url_override`: the auth webhooks of the session's flows (popup and
/// credential POST) go to the override instead of the environment's webhook URL.
#[tokio::test]
async fn a_sessions_webhook_url_override_receives_its_auth_webhooks() {
    let app = TestApp::spawn().await;
    let environment_hook = nango_tests::webhook::WebhookReceiver::spawn().await;
    let session_hook = nango_tests::webhook::WebhookReceiver::spawn().await;
    app.patch_environment(&json!({ "webhook_url": environment_hook.url() })).await.assert_success().await;
    app.integration("github", "fake-oauth").await;
    let body = json!({ "end_user": {"id": "u-hook"}, "webhook_url_override": session_hook.url(), "connection_id": "hooked" });
    let token = token_for(&app, body).await;
    app.connect("github", "x").session_token(&token).run().await.assert_success();
    let wait = std::time::Duration::from_secs(10);
    let hook: Value = serde_json::from_str(&session_hook.next(wait).await.body).unwrap();
    assert_eq!(
        (hook["connectionId"].as_str(), hook["endUser"]["id"].as_str()),
        (Some("hooked"), Some("u-hook"))
    );
    // The environment's receiver hears only the later flow without a session.
    app.connect_ok("github", "plain").await;
    let hook: Value = serde_json::from_str(&environment_hook.next(wait).await.body).unwrap();
    assert_eq!(hook["connectionId"], "plain", "the session's webhook also went to the environment: {hook}");
}
