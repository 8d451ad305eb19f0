//! End-to-end check of the browser flow against the built-in demo provider: the real `App` on
//! 127.0.0.1, driven with reqwest (redirects followed by hand, as a browser would).

use nango_backend::app::App;
use nango_backend::config::Config;
use nango_backend::credentials::Credentials;
use nango_backend::ids::{ConnectionId, IntegrationKey};
use nango_backend::state::AppState;
use nango_backend::store::{ConnectionKey, IntegrationInput};
use reqwest::header::{HeaderValue, LOCATION};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use url::Url;

const PUBLIC_KEY: &str = "pk-test-0123456789";
const SECRET_KEY: &str = "sk-test-0123456789abcdef";
const OPENER: &str = "http://localhost:8080";

struct TestServer {
    base: String,
    state: AppState,
    http: Client,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn spawn() -> TestServer {
    // `server_url` must be known before binding: learn a free port first.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let vars: Vec<(String, String)> = [
        ("NANGO_PORT", port.to_string()),
        ("NANGO_HOST", "127.0.0.1".to_string()),
        ("NANGO_DATA_DIR", dir.path().display().to_string()),
        ("NANGO_SERVER_URL", base.clone()),
        ("NANGO_SECRET_KEY", SECRET_KEY.to_string()),
        ("NANGO_PUBLIC_KEY", PUBLIC_KEY.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = Config::from_sources(None, &vars).unwrap();
    let app = App::build(config).await.unwrap();
    let state = app.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestServer { base, state, http, _stop: stop, _dir: dir }
}

fn location(response: &reqwest::Response) -> Url {
    assert_eq!(response.status(), StatusCode::FOUND, "expected a redirect");
    Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap()
}

fn param(url: &Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

impl TestServer {
    async fn connect(&self, flow: &str, connection_id: &str) -> Url {
        let mut url = Url::parse(&format!("{}/oauth/connect/demo", self.base)).unwrap();
        url.query_pairs_mut()
            .append_pair("connection_id", connection_id)
            .append_pair("public_key", PUBLIC_KEY)
            .append_pair("params[subdomain]", "acme")
            .append_pair("authorization_params[prompt]", "consent")
            .append_pair("flow", flow)
            .append_pair("origin", OPENER);
        location(&self.http.get(url).send().await.unwrap())
    }

    /// Show the consent page, then submit the decision; returns the provider's redirect.
    async fn decide(&self, authorize: &Url, decision: &str) -> Url {
        let page = self.http.get(authorize.clone()).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("Approve") && html.contains("Deny") && html.contains("profile"));
        let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
        form.push(("decision".into(), decision.into()));
        let response =
            self.http.post(format!("{}/demo/oauth/authorize", self.base)).form(&form).send().await.unwrap();
        location(&response)
    }

    async fn flow(&self, flow: &str) -> (StatusCode, Value) {
        let response = self.http.get(format!("{}/oauth/flows/{flow}", self.base)).send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }
}

#[tokio::test]
async fn demo_flow_end_to_end() {
    let server = spawn().await;
    let flow = "flow-demo-0123456789";

    // Connect: a 302 to the demo consent page with every standard parameter.
    let authorize = server.connect(flow, "user-42").await;
    assert_eq!(authorize.path(), "/demo/oauth/authorize");
    assert_eq!(param(&authorize, "response_type").as_deref(), Some("code"));
    assert_eq!(param(&authorize, "client_id").as_deref(), Some("demo-client"));
    let redirect_uri = format!("{}/oauth/callback", server.base);
    assert_eq!(param(&authorize, "redirect_uri"), Some(redirect_uri.clone()));
    assert_eq!(param(&authorize, "scope").as_deref(), Some("profile email"));
    assert_eq!(param(&authorize, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param(&authorize, "prompt").as_deref(), Some("consent"));
    assert!(param(&authorize, "state").unwrap().len() >= 43);
    let (status, body) = server.flow(flow).await;
    assert_eq!((status, &body["status"]), (StatusCode::OK, &json!("pending")));
    assert!(body["expires_in"].as_i64().is_some_and(|left| left > 0 && left <= 600));

    // Approve: back to our callback with a code and the state.
    let callback = server.decide(&authorize, "approve").await;
    assert_eq!(callback.as_str().split('?').next(), Some(redirect_uri.as_str()));
    assert_eq!(param(&callback, "state"), param(&authorize, "state"));
    let page = server.http.get(callback.clone()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'nonce-"));
    let html = page.text().await.unwrap();
    assert!(html.contains("postMessage(m,o)"));
    assert!(html.contains(&format!("o=\"{OPENER}\"")));
    assert!(html.contains(r#""type":"nango_oauth_result""#));
    assert!(html.contains(r#""success":true"#));
    assert!(html.contains(r#""connectionId":"user-42""#));
    assert!(!html.contains("demo_at."), "no token in the page");

    // Second channel.
    let (status, body) = server.flow(flow).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "success", "providerConfigKey": "demo", "connectionId": "user-42"}));

    // The stored connection holds working, encrypted credentials and the call's params.
    let environment = server.state.store.default_environment().await.unwrap().unwrap();
    let key = ConnectionKey {
        environment_id: environment.id,
        integration_key: IntegrationKey::parse("demo").unwrap(),
        connection_id: ConnectionId::parse("user-42").unwrap(),
    };
    let connection = server.state.store.get_connection(&key).await.unwrap().unwrap();
    assert_eq!(connection.connection_config["subdomain"], "acme");
    let credentials =
        Credentials::open(&server.state.cipher, &connection.sealed_credentials, &key.aad()).unwrap();
    let Credentials::OAuth2 { access_token, refresh_token, expires_at, .. } = &credentials else {
        panic!("expected OAuth2 credentials");
    };
    assert!(expires_at.is_some() && refresh_token.is_some());
    let me = server
        .http
        .get(format!("{}/demo/api/me", server.base))
        .bearer_auth(access_token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<Value>().await.unwrap()["name"], "Demo User");
    let anonymous = server.http.get(format!("{}/demo/api/me", server.base)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // The refresh request works against the demo token endpoint.
    let integration =
        server.state.store.get_integration(environment.id, &key.integration_key).await.unwrap().unwrap();
    let provider = server.state.catalog.get("demo").unwrap();
    let refreshed = nango_backend::connections::token::refresh(
        &server.state.http,
        provider,
        &integration,
        &connection.connection_config,
        refresh_token.as_ref().unwrap(),
        nango_backend::time::now(),
    )
    .await
    .unwrap();
    assert_ne!(refreshed.access_token.expose(), access_token.expose());

    // The event stream emits the final status; the flow route answers CORS for any origin.
    let events = server.http.get(format!("{}/oauth/flows/{flow}/events", server.base)).send().await.unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let text = events.text().await.unwrap();
    assert!(text.contains("event: result") && text.contains(r#""status":"success""#), "{text}");
    let cors = server
        .http
        .get(format!("{}/oauth/flows/{flow}", server.base))
        .header("Origin", OPENER)
        .send()
        .await
        .unwrap();
    assert_eq!(cors.headers()["access-control-allow-origin"], HeaderValue::from_static(OPENER));
    let preflight = server
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/oauth/flows/{flow}", server.base))
        .header("Origin", OPENER)
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], HeaderValue::from_static(OPENER));

    // A state is single use.
    let replay = server.http.get(callback).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(replay.text().await.unwrap().contains("already used"));

    // Deny: provider_denied on the page and on the flow record.
    let denied_flow = "flow-deny-0123456789";
    let authorize = server.connect(denied_flow, "user-43").await;
    // An event stream opened while the flow is pending gets the outcome when it comes.
    let events =
        tokio::spawn(server.http.get(format!("{}/oauth/flows/{denied_flow}/events", server.base)).send());
    let callback = server.decide(&authorize, "deny").await;
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    let html = server.http.get(callback).send().await.unwrap().text().await.unwrap();
    let events = events.await.unwrap().unwrap().text().await.unwrap();
    assert!(events.contains(r#""code":"provider_denied""#), "{events}");
    assert!(html.contains(r#""code":"provider_denied""#));
    let (_, body) = server.flow(denied_flow).await;
    assert_eq!(body["status"], "error");
    assert_eq!(body["error"]["code"], "provider_denied");

    // Pre-flow errors reach both channels too.
    let bad_key_flow = "flow-badkey-0123456789";
    let url = format!(
        "{}/oauth/connect/demo?connection_id=u1&public_key=wrong&flow={bad_key_flow}&origin={OPENER}",
        server.base
    );
    let page = server.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
    assert!(page.text().await.unwrap().contains(r#""code":"invalid_public_key""#));
    assert_eq!(server.flow(bad_key_flow).await.1["error"]["code"], "invalid_public_key");
    let reserved = format!(
        "{}/oauth/connect/demo?connection_id=u1&public_key={PUBLIC_KEY}&flow=flow-reserved-0123456789\
         &origin={OPENER}&authorization_params[state]=x",
        server.base
    );
    let page = server.http.get(reserved).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("invalid_authorization_params"));
    let (status, body) = server.flow("flow-unknown-0123456789").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "unknown_flow");
}

#[tokio::test]
async fn api_key_post_with_cors() {
    let server = spawn().await;
    let environment = server.state.store.default_environment().await.unwrap().unwrap();
    let input = IntegrationInput {
        unique_key: IntegrationKey::parse("llm").unwrap(),
        provider: "openai".into(),
        client_id: None,
        client_secret: None,
        scopes: vec![],
    };
    server.state.store.create_integration(environment.id, &input, 0).await.unwrap();
    let url = format!("{}/api-auth/api-key/llm?connection_id=user-1&public_key={PUBLIC_KEY}", server.base);

    let preflight = server
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", OPENER)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], HeaderValue::from_static(OPENER));

    let response = server
        .http
        .post(&url)
        .header("Origin", OPENER)
        .json(&json!({"apiKey": "sk-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], HeaderValue::from_static(OPENER));
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"providerConfigKey": "llm", "connectionId": "user-1"})
    );

    // The OAuth route refuses an API key integration, and vice versa.
    let wrong_mode = server
        .http
        .post(format!("{}/api-auth/basic/llm?connection_id=user-1&public_key={PUBLIC_KEY}", server.base))
        .json(&json!({"username": "u", "password": "p"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_mode.status(), StatusCode::BAD_REQUEST);
    assert_eq!(wrong_mode.json::<Value>().await.unwrap()["error"]["code"], "unsupported_auth_mode");
    let missing_key = server
        .http
        .post(format!("{}/api-auth/api-key/llm?connection_id=u", server.base))
        .json(&json!({"apiKey": "k"}));
    let missing_key = missing_key.send().await.unwrap();
    assert_eq!(missing_key.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing_key.json::<Value>().await.unwrap()["error"]["code"], "missing_public_key");
}

#[tokio::test]
async fn hmac_and_webhook() {
    use axum::routing::post;
    let server = spawn().await;

    // A local webhook receiver.
    let (sent, mut received) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    let receiver = axum::Router::new().route(
        "/hook",
        post(move |headers: axum::http::HeaderMap, body: String| async move {
            let signature = headers["x-nango-hmac-sha256"].to_str().unwrap().to_string();
            sent.send((signature, body)).unwrap();
            axum::http::StatusCode::OK
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    let environment = server.state.store.default_environment().await.unwrap().unwrap();
    let mut settings = environment.settings.clone();
    settings.hmac_enabled = true;
    settings.hmac_key = Some(nango_backend::secret::Secret::new("hmac-key".to_string()));
    settings.webhook_url = Some(hook);
    server.state.store.update_environment_settings(environment.id, &settings, 0).await.unwrap();

    let connect = |hmac: Option<String>, flow: &str| {
        let mut url = Url::parse(&format!("{}/oauth/connect/demo", server.base)).unwrap();
        url.query_pairs_mut()
            .append_pair("connection_id", "user-7")
            .append_pair("public_key", PUBLIC_KEY)
            .append_pair("flow", flow)
            .append_pair("origin", OPENER);
        if let Some(hmac) = hmac {
            url.query_pairs_mut().append_pair("hmac", &hmac);
        }
        server.http.get(url).send()
    };
    let missing = connect(None, "flow-hmac-missing-0001").await.unwrap();
    assert!(missing.text().await.unwrap().contains(r#""code":"missing_hmac""#));
    let wrong = connect(Some("00".repeat(32)), "flow-hmac-wrong-00001").await.unwrap();
    assert!(wrong.text().await.unwrap().contains(r#""code":"invalid_hmac""#));
    assert_eq!(server.flow("flow-hmac-wrong-00001").await.1["error"]["code"], "invalid_hmac");

    let key = nango_backend::secret::Secret::new("hmac-key".to_string());
    let digest = nango_backend::crypto::hmac::connect_digest(&key, "demo", "user-7");
    let authorize = location(&connect(Some(digest), "flow-hmac-good-000001").await.unwrap());
    let callback = server.decide(&authorize, "approve").await;
    assert_eq!(server.http.get(callback).send().await.unwrap().status(), StatusCode::OK);

    let (signature, body) =
        tokio::time::timeout(std::time::Duration::from_secs(10), received.recv()).await.unwrap().unwrap();
    let secret = nango_backend::secret::Secret::new(SECRET_KEY.to_string());
    assert_eq!(signature, nango_backend::crypto::hmac::webhook_signature(&secret, body.as_bytes()));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["type"], "auth");
    assert_eq!(body["operation"], "creation");
    assert_eq!(body["success"], true);
    assert_eq!(body["connectionId"], "user-7");
    assert_eq!(body["providerConfigKey"], "demo");
    assert_eq!(body["provider"], "demo");
}
