//! In-process smoke test of the secret-key REST API, refresh-on-read and the proxy: the real
//! `App` on 127.0.0.1:0 with a temporary data dir, a fake provider on another loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use nango_backend::app::App;
use nango_backend::config::Config;
use nango_backend::credentials::Credentials;
use nango_backend::ids::{ConnectionId, IntegrationKey};
use nango_backend::secret::Secret;
use nango_backend::state::AppState;
use nango_backend::store::{ConnectionKey, UpsertConnection};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const SECRET: &str = "test-secret-key-0123456789";

struct TestServer {
    base: String,
    client: reqwest::Client,
    state: AppState,
    _dir: tempfile::TempDir,
}

impl TestServer {
    async fn spawn(providers_yaml: Option<String>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut vars = vec![
            ("NANGO_PORT".to_string(), "0".to_string()),
            ("NANGO_HOST".to_string(), "127.0.0.1".to_string()),
            ("NANGO_DATA_DIR".to_string(), dir.path().display().to_string()),
            ("NANGO_SECRET_KEY".to_string(), SECRET.to_string()),
            ("NANGO_PUBLIC_KEY".to_string(), "test-public-key".to_string()),
        ];
        if let Some(yaml) = providers_yaml {
            let path = dir.path().join("providers.yaml");
            std::fs::write(&path, yaml).unwrap();
            vars.push(("NANGO_PROVIDERS_FILE".to_string(), path.display().to_string()));
        }
        let config = Config::from_sources(None, &vars).unwrap();
        let app = App::build(config).await.unwrap();
        let base = format!("http://{}", app.local_addr().unwrap());
        let state = app.state().clone();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        Self { base, client: reqwest::Client::new(), state, _dir: dir }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base)).bearer_auth(SECRET)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn create_integration(&self, key: &str, provider: &str) {
        let body = json!({"unique_key": key, "provider": provider,
            "credentials": {"type": "OAUTH2", "client_id": "cid", "client_secret": "csecret", "scopes": "a,b"}});
        let (status, got) = self.call(reqwest::Method::POST, "/integrations", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{got}");
    }

    async fn seed_connection(
        &self,
        integration: &str,
        connection_id: &str,
        provider: &str,
        credentials: Credentials,
    ) {
        let environment = self.state.store.default_environment().await.unwrap().unwrap();
        let key = ConnectionKey {
            environment_id: environment.id,
            integration_key: IntegrationKey::parse(integration).unwrap(),
            connection_id: ConnectionId::parse(connection_id).unwrap(),
        };
        let sealed = credentials.seal(&self.state.cipher, &key.aad()).unwrap();
        let upsert = UpsertConnection {
            key,
            provider: provider.into(),
            connection_config: Map::new(),
            sealed_credentials: sealed,
            now: nango_backend::time::now(),
        };
        self.state.store.upsert_connection(&upsert).await.unwrap();
    }
}

fn oauth2(access_token: &str, refresh_token: Option<&str>, expires_at: Option<i64>) -> Credentials {
    Credentials::OAuth2 {
        access_token: Secret::new(access_token.into()),
        refresh_token: refresh_token.map(|token| Secret::new(token.to_string())),
        expires_at,
        raw: Secret::new(json!({})),
    }
}

#[tokio::test]
async fn integrations_auth_and_environment() {
    let server = TestServer::spawn(None).await;
    use reqwest::Method;

    // 401s.
    let response = server.client.get(format!("{}/integrations", server.base)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], "missing_auth_header");
    let response =
        server.client.get(format!("{}/integrations", server.base)).bearer_auth("nope").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], "invalid_secret_key");

    // Create, duplicate, unknown provider, missing client credentials, bad key.
    server.create_integration("gh", "github").await;
    let body = json!({"unique_key": "gh", "provider": "github", "credentials": {"client_id": "x", "client_secret": "y"}});
    let (status, got) = server.call(Method::POST, "/integrations", Some(body)).await;
    assert_eq!(
        (status, got["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("duplicate_integration"))
    );
    let body = json!({"unique_key": "zz", "provider": "no-such-provider"});
    let (status, got) = server.call(Method::POST, "/integrations", Some(body)).await;
    assert_eq!((status, got["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("unknown_provider")));
    let body = json!({"unique_key": "gh2", "provider": "github", "credentials": {"client_id": "x"}});
    let (status, got) = server.call(Method::POST, "/integrations", Some(body)).await;
    assert_eq!(got["error"]["code"], "missing_client_credentials", "{status}");
    let body = json!({"unique_key": "bad key", "provider": "github"});
    let (status, _) = server.call(Method::POST, "/integrations", Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let response = server.request(Method::POST, "/integrations").body("{}").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 415);

    // Read: list, one without and with credentials; a GET with a JSON content type and no body.
    let (status, list) = server.call(Method::GET, "/integrations", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list["data"].as_array().unwrap().iter().any(|item| item["unique_key"] == "gh"));
    let response = server
        .request(Method::GET, "/integrations/gh")
        .header("content-type", "application/json")
        .header("nango-is-sync", "false")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let got: Value = response.json().await.unwrap();
    assert!(got["data"].get("credentials").is_none());
    assert!(!got.to_string().contains("csecret"));
    let (_, got) = server.call(Method::GET, "/integrations/gh?include_creds=true", None).await;
    assert_eq!(got["data"]["credentials"]["client_secret"], "csecret");
    assert_eq!(got["data"]["credentials"]["scopes"], "a,b");

    // Patch, delete.
    let (status, got) =
        server.call(Method::PATCH, "/integrations/gh", Some(json!({"scopes": ["repo"]}))).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["data"]["scopes"], json!(["repo"]));
    let (status, _) = server.call(Method::PATCH, "/integrations/nope", Some(json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server.call(Method::DELETE, "/integrations/gh", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, got) = server.call(Method::GET, "/integrations/gh", None).await;
    assert_eq!((status, got["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_integration")));

    // Environment settings.
    let (status, got) =
        server.call(Method::PATCH, "/environment", Some(json!({"callback_url": "nope"}))).await;
    assert_eq!((status, got["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_settings")));
    let (status, _) = server.call(Method::PATCH, "/environment", Some(json!({"hmac_enabled": true}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = server
        .call(Method::PATCH, "/environment", Some(json!({"allowed_origins": ["https://a.io/x"]})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        server.call(Method::GET, "/environment/hmac?provider_config_key=gh&connection_id=u1", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let patch = json!({"hmac_enabled": true, "hmac_key": "0123456789abcdef", "callback_url": "https://app.io/cb",
        "allowed_origins": ["https://app.io"], "webhook_url": null});
    let (status, got) = server.call(Method::PATCH, "/environment", Some(patch)).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    let (_, got) = server.call(Method::GET, "/environment", None).await;
    assert_eq!(got["hmac_enabled"], true);
    assert_eq!(got["callback_url"], "https://app.io/cb");
    assert_eq!(got["allowed_origins"], json!(["https://app.io"]));
    let (status, got) =
        server.call(Method::GET, "/environment/hmac?provider_config_key=gh&connection_id=u1", None).await;
    assert_eq!(status, StatusCode::OK);
    let key = Secret::new("0123456789abcdef".to_string());
    assert_eq!(got["hmac"], nango_backend::crypto::hmac::connect_digest(&key, "gh", "u1"));
}

#[tokio::test]
async fn connections_metadata_and_compat_paths() {
    let server = TestServer::spawn(None).await;
    use reqwest::Method;
    server.create_integration("gh", "github").await;
    let far = nango_backend::time::now() + 86_400;
    server.seed_connection("gh", "user-1", "github", oauth2("at-1", Some("rt-1"), Some(far))).await;
    server.seed_connection("gh", "user-2", "github", oauth2("at-2", Some("rt-2"), Some(far))).await;

    let (status, got) = server.call(Method::GET, "/connection/user-1?provider_config_key=gh", None).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["credentials"]["access_token"], "at-1");
    assert!(got["credentials"].get("refresh_token").is_none());
    assert!(got["last_fetched_at"].is_string());
    let (_, got) =
        server.call(Method::GET, "/connection/user-1?provider_config_key=gh&refresh_token=true", None).await;
    assert_eq!(got["credentials"]["refresh_token"], "rt-1");
    let (status, _) = server.call(Method::GET, "/connection/user-1", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, got) = server.call(Method::GET, "/connection/nobody?provider_config_key=gh", None).await;
    assert_eq!((status, got["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_connection")));
    let (_, got) = server.call(Method::GET, "/connection/user-1?provider_config_key=nope", None).await;
    assert_eq!(got["error"]["code"], "unknown_integration");

    // Node client path, with its headers and a JSON content type on a GET.
    let response = server
        .request(
            Method::GET,
            "/connections/user-1?provider_config_key=gh&force_refresh=false&refresh_token=false",
        )
        .header("content-type", "application/json")
        .header("nango-is-sync", "false")
        .header("nango-is-dry-run", "false")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    // Metadata: replace, merge, non-object body, compat with an array of ids.
    let response = server
        .request(Method::POST, "/connection/user-1/metadata")
        .header("provider-config-key", "gh")
        .json(&json!({"plan": "free", "seats": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (status, got) = server
        .call(
            Method::PATCH,
            "/connection/user-1/metadata?provider_config_key=gh",
            Some(json!({"plan": "pro"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["metadata"], json!({"plan": "pro", "seats": 1}));
    let (status, _) = server
        .call(Method::PATCH, "/connection/user-1/metadata?provider_config_key=gh", Some(json!([1])))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body = json!({"connection_id": ["user-1", "user-2"], "provider_config_key": "gh", "metadata": {"team": "x"}});
    let (status, _) = server.call(Method::PATCH, "/connections/metadata", Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    let body =
        json!({"connection_id": ["user-2", "ghost"], "provider_config_key": "gh", "metadata": {"team": "y"}});
    let (status, _) = server.call(Method::POST, "/connections/metadata", Some(body)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, got) = server.call(Method::GET, "/connection/user-2?provider_config_key=gh", None).await;
    assert_eq!(got["metadata"], json!({"team": "x"}), "a failed batch changes nothing");

    // connection_config merge.
    let (status, got) = server
        .call(
            Method::PATCH,
            "/connection/user-1/connection-config?provider_config_key=gh",
            Some(json!({"k": "v"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["connection_config"]["k"], "v");

    // Lists and pagination.
    let (_, got) = server.call(Method::GET, "/connections?integrationId=gh", None).await;
    assert_eq!(got["connections"].as_array().unwrap().len(), 2);
    assert!(got["connections"][0].get("credentials").is_none());
    let (_, page1) = server.call(Method::GET, "/connection?limit=1", None).await;
    assert_eq!(page1["connections"].as_array().unwrap().len(), 1);
    let cursor = page1["next_cursor"].as_str().unwrap().to_string();
    let (_, page2) = server.call(Method::GET, &format!("/connection?limit=1&cursor={cursor}"), None).await;
    assert_eq!(page2["connections"].as_array().unwrap().len(), 1);
    assert_ne!(page1["connections"][0]["connection_id"], page2["connections"][0]["connection_id"]);
    assert!(page2["next_cursor"].is_null());

    // Delete.
    let (status, _) = server.call(Method::DELETE, "/connections/user-2?provider_config_key=gh", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::DELETE, "/connection/user-2?provider_config_key=gh", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A fake provider: a token endpoint that counts refreshes and an API that wants `at-new`.
#[derive(Clone, Default)]
struct Fake {
    refreshes: Arc<AtomicUsize>,
}

async fn fake_token(
    State(fake): State<Fake>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    fake.refreshes.fetch_add(1, Ordering::SeqCst);
    match form.get("refresh_token").map(String::as_str) {
        Some("rt-good") => (StatusCode::OK, Json(json!({"access_token": "at-new", "expires_in": 3600}))),
        _ => (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"}))),
    }
}

async fn fake_api(headers: HeaderMap) -> (StatusCode, Json<Value>) {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let custom = headers.get("x-custom").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if auth == "Bearer at-new" {
        (StatusCode::OK, Json(json!({"ok": true, "custom": custom})))
    } else {
        (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad token"})))
    }
}

async fn spawn_fake() -> (String, Fake) {
    let fake = Fake::default();
    let router = Router::new()
        .route("/token", post(fake_token))
        .route("/api/{*rest}", get(fake_api).post(fake_api))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, fake)
}

#[tokio::test]
async fn refresh_once_under_concurrency_reauth_and_proxy_retry() {
    let (fake_base, fake) = spawn_fake().await;
    let yaml = format!(
        "fake:\n  auth_mode: OAUTH2\n  authorization_url: {fake_base}/authorize\n  token_url: {fake_base}/token\n  proxy:\n    base_url: {fake_base}/api\n"
    );
    let server = TestServer::spawn(Some(yaml)).await;
    use reqwest::Method;
    server.create_integration("fk", "fake").await;
    let past = nango_backend::time::now() - 10;
    server.seed_connection("fk", "c1", "fake", oauth2("at-old", Some("rt-good"), Some(past))).await;

    // Eight concurrent reads of an expired token: one refresh, everyone gets the new token.
    let reads = (0..8)
        .map(|_| server.call(Method::GET, "/connection/c1?provider_config_key=fk&refresh_token=true", None));
    for (status, got) in futures_util::future::join_all(reads).await {
        assert_eq!(status, StatusCode::OK, "{got}");
        assert_eq!(got["credentials"]["access_token"], "at-new");
        assert_eq!(got["credentials"]["refresh_token"], "rt-good", "old refresh token kept");
    }
    assert_eq!(fake.refreshes.load(Ordering::SeqCst), 1);

    // invalid_grant marks the connection; the next read answers without calling the provider.
    server.seed_connection("fk", "c2", "fake", oauth2("at-old", Some("rt-revoked"), Some(past))).await;
    let (status, got) = server.call(Method::GET, "/connection/c2?provider_config_key=fk", None).await;
    assert_eq!(
        (status, got["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("connection_needs_reauth"))
    );
    let before = fake.refreshes.load(Ordering::SeqCst);
    let (_, got) = server.call(Method::GET, "/connection/c2?provider_config_key=fk", None).await;
    assert_eq!(got["error"]["code"], "connection_needs_reauth");
    assert_eq!(fake.refreshes.load(Ordering::SeqCst), before);

    // Proxy: a valid-looking token the provider rejects → refresh once and retry.
    let future = nango_backend::time::now() + 86_400;
    server.seed_connection("fk", "c3", "fake", oauth2("at-revoked", Some("rt-good"), Some(future))).await;
    let response = server
        .request(Method::GET, "/proxy/users/me?x=1")
        .header("connection-id", "c3")
        .header("provider-config-key", "fk")
        .header("nango-proxy-x-custom", "hello")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let got: Value = response.json().await.unwrap();
    assert_eq!(got, json!({"ok": true, "custom": "hello"}));
    let response = server
        .request(Method::GET, "/proxy/users/me")
        .header("provider-config-key", "fk")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
}
