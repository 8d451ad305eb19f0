//! SPEC §13 "Logs": no secret reaches a log line at any level. The real `nango-server` binary
//! runs with `RUST_LOG=trace` through a whole OAuth flow (and a failed callback, a forced
//! refresh and a proxied call); its captured stdout and stderr must show the requests (by
//! path) but none of the flow's secrets, the keys, or a query string.

use nango_tests::flow::Connect;
use nango_tests::server_process::ServerProcess;
use nango_tests::{random_id, FakeProvider, ResponseExt};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn trace_logs_of_a_whole_flow_hold_no_secret() {
    let provider = FakeProvider::spawn().await;
    let access_token = format!("logtest-access-{}", random_id(24));
    let refresh_token = format!("logtest-refresh-{}", random_id(24));
    let refreshed_token = format!("logtest-refreshed-{}", random_id(24));
    let client_secret = format!("logtest-client-secret-{}", random_id(24));
    let secret_key = format!("logtest-secret-key-{}", random_id(24));
    let public_key = format!("logtest-public-key-{}", random_id(24));
    let bogus_code = format!("logtest-bogus-code-{}", random_id(24));
    let bogus_state = format!("logtest-bogus-state-{}", random_id(24));
    {
        let mut settings = provider.settings();
        settings.client_secret = client_secret.clone();
        settings.token_response =
            json!({ "access_token": access_token, "refresh_token": refresh_token, "expires_in": 3600 });
        settings.refresh_response = json!({ "access_token": refreshed_token, "expires_in": 3600 });
    }
    let dir = tempfile::tempdir().unwrap();
    let providers_file = dir.path().join("providers.yaml");
    std::fs::write(&providers_file, nango_tests::catalog::providers_yaml(&provider, "")).unwrap();
    let server = ServerProcess::start(&[
        ("NANGO_DATA_DIR", dir.path().join("data").display().to_string()),
        ("NANGO_SECRET_KEY", secret_key.clone()),
        ("NANGO_PUBLIC_KEY", public_key.clone()),
        ("NANGO_PROVIDERS_FILE", providers_file.display().to_string()),
        ("RUST_LOG", "trace".into()),
    ]);
    let client = nango_tests::app::client();
    let api = |method: Method, path: &str| {
        client.request(method, format!("{}{path}", server.url)).bearer_auth(&secret_key)
    };

    // An integration with a client secret, then a whole flow through the fake provider.
    let integration = json!({ "unique_key": "fake", "provider": "fake-oauth", "credentials": {
        "type": "OAUTH2", "client_id": nango_tests::provider::CLIENT_ID, "client_secret": client_secret,
        "scopes": "read" } });
    api(Method::POST, "/integrations").json(&integration).send().await.unwrap().assert_success().await;
    let run = Connect::new(&server.url, &client, "fake", "user-1").public_key(Some(&public_key)).run().await;
    run.assert_success();
    let state =
        run.authorize_url.as_ref().unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let (_, callback) = run.hops.iter().find(|(_, url)| url.path() == "/oauth/callback").unwrap();
    let code = callback.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let tokens = provider.token_requests();
    assert_eq!(tokens[0].rejection, None, "{tokens:?}");
    let verifier = tokens[0].params["code_verifier"].clone();
    let connection = api(Method::GET, "/connection/user-1?provider_config_key=fake&refresh_token=true")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(connection["credentials"]["access_token"], access_token);
    assert_eq!(connection["credentials"]["refresh_token"], refresh_token);

    // A callback with a state nobody issued.
    let forged = format!("{}/oauth/callback?code={bogus_code}&state={bogus_state}", server.url);
    client.get(forged).send().await.unwrap().assert_status(400).await;
    // A forced refresh, and a call through the proxy with the refreshed token.
    let refreshed = api(Method::GET, "/connection/user-1?provider_config_key=fake&force_refresh=true")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(refreshed["credentials"]["access_token"], refreshed_token);
    api(Method::GET, "/proxy/users/me?page=1")
        .header("Connection-Id", "user-1")
        .header("Provider-Config-Key", "fake")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;

    let log = server.stop();
    // The operator's flow lines are part of what is checked below.
    for line in ["flow started", "flow ended"] {
        assert!(
            log.contains(&format!("{line} integration=fake connection_id=user-1 flow_id={}", run.flow)),
            "{log}"
        );
    }
    // The key the server generated for encrypting credentials at rest.
    let encryption_key = std::fs::read_to_string(dir.path().join("data/encryption.key")).unwrap();
    let encryption_key = encryption_key.trim();
    assert!(encryption_key.len() >= 32, "{encryption_key}");
    // Logging was on, at trace level, and shows the requests (by path).
    assert!(log.contains("TRACE"), "no trace-level line in:\n{log}");
    for query in ["?code=", "&code=", "?state=", "&state=", "public_key="] {
        assert!(!log.contains(query), "a query string (`{query}`) in the log:\n{log}");
    }
    for path in
        ["/integrations", "/oauth/connect/fake", "/oauth/callback", "/connection/user-1", "/proxy/users/me"]
    {
        assert!(log.contains(path), "the log does not show `{path}`:\n{log}");
    }
    let secrets = [
        ("authorization code", code.as_str()),
        ("state", &state),
        ("PKCE verifier", &verifier),
        ("access token", &access_token),
        ("refresh token", &refresh_token),
        ("refreshed access token", &refreshed_token),
        ("client secret", &client_secret),
        ("secret key", &secret_key),
        ("public key", &public_key),
        ("encryption key", encryption_key),
        ("forged code", &bogus_code),
        ("forged state", &bogus_state),
    ];
    let leaks: Vec<String> = secrets
        .iter()
        .filter(|(_, value)| log.contains(*value))
        .map(|(name, value)| {
            let lines: Vec<&str> = log.lines().filter(|line| line.contains(*value)).take(3).collect();
            format!("{name} `{value}` in:\n  {}", lines.join("\n  "))
        })
        .collect();
    assert!(leaks.is_empty(), "secrets in the trace log:\n{}", leaks.join("\n"));
}

/// SPEC §13: while HMAC is off (and no connect session is in use) the server warns at start;
/// once HMAC is on, it does not.
#[tokio::test]
async fn the_server_warns_at_start_while_hmac_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        ("NANGO_DATA_DIR", dir.path().join("data").display().to_string()),
        ("NANGO_SECRET_KEY", nango_tests::SECRET_KEY.to_string()),
        ("NANGO_PUBLIC_KEY", nango_tests::PUBLIC_KEY.to_string()),
        ("RUST_LOG", "warn".to_string()),
    ];
    let server = ServerProcess::start(&vars);
    let client = nango_tests::app::client();
    let enable = json!({ "hmac_enabled": true, "hmac_key": "hmac-key-0123456789abcdef" });
    client
        .patch(format!("{}/environment", server.url))
        .bearer_auth(nango_tests::SECRET_KEY)
        .json(&enable)
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    let first = server.stop();
    assert!(first.contains("HMAC is off"), "no warning while HMAC was off: {first}");
    let second = ServerProcess::start(&vars).stop();
    assert!(!second.contains("HMAC is off"), "a warning although HMAC is on: {second}");
}

/// SPEC §7: a connect session token never reaches a log line (trace level), neither when it
/// is minted nor when a flow and a credential POST use it.
#[tokio::test]
async fn trace_logs_never_hold_a_connect_session_token() {
    let provider = FakeProvider::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let providers_file = dir.path().join("providers.yaml");
    std::fs::write(&providers_file, nango_tests::catalog::providers_yaml(&provider, "")).unwrap();
    let server = ServerProcess::start(&[
        ("NANGO_DATA_DIR", dir.path().join("data").display().to_string()),
        ("NANGO_SECRET_KEY", nango_tests::SECRET_KEY.to_string()),
        ("NANGO_PUBLIC_KEY", nango_tests::PUBLIC_KEY.to_string()),
        ("NANGO_PROVIDERS_FILE", providers_file.display().to_string()),
        ("RUST_LOG", "trace".into()),
    ]);
    let client = nango_tests::app::client();
    let api = |method: Method, path: &str| {
        client.request(method, format!("{}{path}", server.url)).bearer_auth(nango_tests::SECRET_KEY)
    };
    let integration = json!({ "unique_key": "fake", "provider": "fake-oauth", "credentials": {
        "type": "OAUTH2", "client_id": nango_tests::provider::CLIENT_ID,
        "client_secret": nango_tests::provider::CLIENT_SECRET, "scopes": "read" } });
    api(Method::POST, "/integrations").json(&integration).send().await.unwrap().assert_success().await;
    api(Method::POST, "/integrations")
        .json(&json!({"unique_key": "keyed", "provider": "fake-apikey"}))
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    let created = api(Method::POST, "/connect/sessions")
        .json(&json!({"end_user": {"id": "u-1"}}))
        .send()
        .await
        .unwrap();
    let created: serde_json::Value = created.assert_status(201).await.json().await.unwrap();
    let token = created["data"]["token"].as_str().unwrap().to_string();
    Connect::new(&server.url, &client, "fake", "x").session_token(&token).run().await.assert_success();
    let post = format!("{}/api-auth/api-key/keyed?connect_session_token={token}", server.url);
    client.post(post).json(&json!({"apiKey": "k"})).send().await.unwrap().assert_success().await;
    client
        .get(format!("{}/connect/session", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    let output = server.stop();
    assert!(output.contains("TRACE") && output.contains("/connect/sessions"), "logging was on: {output}");
    let hex = token.strip_prefix("nango_connect_session_").unwrap();
    assert!(!output.contains(hex), "a connect session token reached the log");
}
