//! `POST /connections` (Nango's import): a connection made from credentials the app already
//! holds, checked against the integration's provider, then served like any other connection
//! (refreshed when it expires, its metadata and tags kept, the auth webhook sent).

use nango_tests::{ResponseExt, TestApp, WebhookReceiver};
use serde_json::{json, Value};
use std::time::Duration;

async fn import(app: &TestApp, body: &Value) -> reqwest::Response {
    app.post_json("/connections", body).await
}

/// The `error` of a refused import.
async fn refused(app: &TestApp, body: &Value, status: u16) -> Value {
    let response = import(app, body).await.assert_status(status).await;
    let answer: Value = response.json().await.unwrap_or_default();
    answer["error"].clone()
}

#[tokio::test]
async fn an_imported_oauth2_connection_is_refreshed_with_its_refresh_token_when_it_expires() {
    let app = TestApp::spawn().await;
    let receiver = WebhookReceiver::spawn().await;
    app.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    app.integration("github", "fake-oauth").await;
    // A refresh token the provider issued (to a flow the app made before it moved here).
    app.connect_ok("github", "elsewhere").await;
    let _ = receiver.next(Duration::from_secs(20)).await;
    let refresh_token = app.provider.refresh_token();

    let body = json!({
        "provider_config_key": "github",
        "connection_id": "imported-1",
        "credentials": {
            "type": "OAUTH2",
            "access_token": "old-access-token",
            "refresh_token": refresh_token,
            "expires_at": "2020-01-01T00:00:00Z",
        },
        "metadata": {"source": "migration"},
        "end_user": {"id": "u-9", "email": "nine@example.com"},
        "tags": {"Plan": "pro"},
    });
    let response = import(&app, &body).await.assert_status(201).await;
    let created: Value = response.json().await.unwrap_or_default();
    assert_eq!(created["connection_id"], "imported-1", "{created}");
    assert_eq!(created["credentials"]["access_token"], "old-access-token", "{created}");
    assert_eq!(created["credentials"]["refresh_token"], refresh_token.as_str(), "{created}");
    assert_eq!(created["credentials"]["expires_at"], "2020-01-01T00:00:00Z", "{created}");
    assert_eq!(created["metadata"], json!({"source": "migration"}));
    assert_eq!(
        created["tags"],
        json!({"end_user_id": "u-9", "end_user_email": "nine@example.com", "plan": "pro"})
    );
    let webhook: Value =
        serde_json::from_str(&receiver.next(Duration::from_secs(20)).await.body).unwrap_or_default();
    assert_eq!(
        (webhook["operation"].as_str(), webhook["connectionId"].as_str()),
        (Some("creation"), Some("imported-1"))
    );

    // Expired: the first read refreshes it at the provider with the imported refresh token.
    let read = app.get_connection("github", "imported-1", "").await.assert_success().await;
    let fresh = read["credentials"]["access_token"].as_str().unwrap_or_default();
    assert!(fresh.starts_with("fake-refreshed-"), "refreshed with the imported token: {read}");
    assert_eq!(read["metadata"], json!({"source": "migration"}));

    // Importing again for the same id overrides the credentials and keeps the id.
    let again = json!({
        "provider_config_key": "github",
        "connection_id": "imported-1",
        "credentials": {"type": "OAUTH2", "access_token": "newer", "expires_at": 4102444800000_i64},
    });
    let replaced: Value =
        import(&app, &again).await.assert_status(201).await.json().await.unwrap_or_default();
    assert_eq!(replaced["credentials"]["access_token"], "newer", "{replaced}");
    assert_eq!(replaced["credentials"]["expires_at"], "2100-01-01T00:00:00Z", "milliseconds since 1970");
    assert_eq!(replaced["metadata"], json!({"source": "migration"}), "metadata kept when not given");
}

#[tokio::test]
async fn api_key_and_basic_connections_are_imported_with_the_provider_s_declared_config() {
    let app = TestApp::spawn().await;
    for (key, provider) in [("keys", "fake-apikey"), ("basic", "fake-basic")] {
        app.post_json("/integrations", &json!({"unique_key": key, "provider": provider}))
            .await
            .assert_success()
            .await;
    }
    let body = json!({"provider_config_key": "keys", "credentials": {"type": "API_KEY", "apiKey": "k-123"}});
    let created: Value = import(&app, &body).await.assert_status(201).await.json().await.unwrap_or_default();
    let id = created["connection_id"].as_str().unwrap_or_default().to_string();
    assert!(nango_tests::is_uuid_v4(&id), "a generated id: {created}");
    let read = app.get_connection("keys", &id, "").await.assert_success().await;
    assert_eq!(read["credentials"], json!({"type": "API_KEY", "apiKey": "k-123"}));

    let body = json!({
        "provider_config_key": "basic",
        "connection_id": "b-1",
        "credentials": {"type": "BASIC", "username": "ann", "password": "s3cret"},
    });
    import(&app, &body).await.assert_status(201).await;
    let read = app.get_connection("basic", "b-1", "").await.assert_success().await;
    assert_eq!(read["credentials"], json!({"type": "BASIC", "username": "ann", "password": "s3cret"}));
}

#[tokio::test]
async fn bad_imports_are_refused_with_nangos_codes_and_store_nothing() {
    let app = TestApp::spawn().await;
    app.integration("github", "fake-oauth").await;
    app.integration("acme", "fake-subdomain").await;
    let oauth = json!({"type": "OAUTH2", "access_token": "t"});

    let error = refused(&app, &json!({"provider_config_key": "nope", "credentials": oauth}), 404).await;
    assert_eq!(error["code"], "not_found", "{error}");
    let api_key = json!({"provider_config_key": "github", "credentials": {"type": "API_KEY", "apiKey": "k"}});
    let error = refused(&app, &api_key, 400).await;
    assert_eq!(error["code"], "invalid_body", "{error}");
    assert!(error["message"].as_str().unwrap_or_default().contains("OAUTH2"), "{error}");
    // The provider declares a `subdomain` the token URL needs.
    let error = refused(&app, &json!({"provider_config_key": "acme", "credentials": oauth}), 400).await;
    assert_eq!(error["code"], "invalid_connection_config", "{error}");

    let body = json!({
        "provider_config_key": "github",
        "credentials": {"type": "OAUTH2", "access_token": "", "expires_at": "soon", "config_override": {}},
        "metadata": [],
        "extra": 1,
    });
    let error = refused(&app, &body, 400).await;
    assert_eq!(error["code"], "invalid_body");
    let mut paths: Vec<String> = error["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            entry["path"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    paths.sort();
    let expected = [
        "credentials.access_token",
        "credentials.config_override",
        "credentials.expires_at",
        "extra",
        "metadata",
    ];
    assert_eq!(paths, expected, "{error}");
    let error =
        refused(&app, &json!({"provider_config_key": "github", "credentials": {"type": "OAUTH1"}}), 400)
            .await;
    assert_eq!(error["errors"][0]["path"], json!(["credentials", "type"]), "{error}");

    let list = app.get("/connections").await.assert_success().await;
    assert_eq!(list["connections"], json!([]), "nothing was stored: {list}");
}
