//! `GET /oauth/connect/:integration` (SPEC §2 step 1-3): the authorize URL it builds, and the
//! checks that stop a flow before any redirect.

use nango_tests::{ResponseExt, TestApp};
use std::collections::BTreeMap;

fn query_of(url: &url::Url) -> BTreeMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// SPEC §2 step 3: every standard parameter lands on the provider's authorize URL.
#[tokio::test]
async fn authorize_url_carries_the_standard_parameters() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let response = app.connect("fake", "user-1").start().await.assert_status(302).await;
    let location = response.headers()["location"].to_str().unwrap();
    let url = url::Url::parse(location).unwrap();
    assert_eq!(url.host_str(), Some("127.0.0.1"));
    assert_eq!(url.port(), Some(app.provider.port()));
    assert_eq!(url.path(), "/authorize");
    let query = query_of(&url);
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], nango_tests::provider::CLIENT_ID);
    assert_eq!(query["redirect_uri"], app.callback_url());
    // The integration's scopes joined with the provider's separator (`,`).
    let scopes: Vec<&str> = query["scope"].split(',').collect();
    assert!(scopes.contains(&"read") && scopes.contains(&"write"), "scope: {}", query["scope"]);
    assert!(query["state"].len() >= 22, "state too short for 128 bits: {}", query["state"]);
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43, "S256 challenge is 43 base64url chars");
    // The provider's default authorization_params.
    assert_eq!(query["prompt"], "login");
    assert_eq!(query["access_type"], "offline");
    // Two flows never share a state.
    let second = app.connect("fake", "user-1").start().await.assert_status(302).await;
    let second = url::Url::parse(second.headers()["location"].to_str().unwrap()).unwrap();
    assert_ne!(query_of(&second)["state"], query["state"]);
}

#[tokio::test]
async fn disabled_pkce_sends_no_challenge_and_the_flow_completes() {
    let app = TestApp::spawn().await;
    app.integration("nopkce", "fake-nopkce").await;
    app.provider.settings().require_pkce = false;
    let run = app.connect_ok("nopkce", "user-1").await;
    let query = query_of(run.authorize_url.as_ref().unwrap());
    assert!(!query.contains_key("code_challenge"), "{query:?}");
    assert!(!query.contains_key("code_challenge_method"), "{query:?}");
    let token = &app.provider.token_requests()[0];
    assert!(!token.params.contains_key("code_verifier"), "{token:?}");
}

/// Item 1: a Zendesk-style `subdomain` lands in the authorize host and the token URL path.
#[tokio::test]
async fn subdomain_param_lands_in_authorize_and_token_urls() {
    let app = TestApp::spawn().await;
    app.integration("zd", "fake-subdomain").await;
    let run = app.connect("zd", "user-1").param("subdomain", "acme").run().await;
    run.assert_success();
    let authorize = run.authorize_url.as_ref().unwrap();
    assert_eq!(authorize.host_str(), Some("acme.localhost"));
    assert_eq!(authorize.path(), "/authorize");
    let seen = app.provider.authorize_requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].host, format!("acme.localhost:{}", app.provider.port()));
    let tokens = app.provider.token_requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].path, "/acme/token");
    assert_eq!(tokens[0].rejection, None);
    // The param is kept as connection configuration.
    let connection = app.get_connection("zd", "user-1", "").await.assert_success().await;
    assert_eq!(connection["connection_config"]["subdomain"], "acme");
}

/// Item 1: unsafe or missing values are refused before any redirect to the provider.
#[tokio::test]
async fn unsafe_or_missing_subdomain_is_rejected_before_redirect() {
    let app = TestApp::spawn().await;
    app.integration("zd", "fake-subdomain").await;
    for bad in [Some("evil.com/x"), Some("a@b"), Some("x#"), Some(".."), Some("a:1"), Some(""), None] {
        let mut connect = app.connect("zd", "user-1");
        if let Some(value) = bad {
            connect = connect.param("subdomain", value);
        }
        let flow = connect.flow.clone();
        let response = connect.start().await;
        assert!(!response.status().is_redirection(), "{bad:?}: redirected ({})", response.status());
        assert!(response.headers().get("location").is_none(), "{bad:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains("invalid_connection_config"), "{bad:?}: {page}");
        let status = app.flow_status(&flow).await;
        assert_eq!(status["status"], "error", "{bad:?}: {status}");
        assert_eq!(status["error"]["code"], "invalid_connection_config", "{bad:?}");
    }
    assert!(app.provider.authorize_requests().is_empty());
    assert!(app.provider.token_requests().is_empty());
}

/// Item 4: call-time authorization_params reach the URL and may override a provider default.
#[tokio::test]
async fn authorization_params_reach_the_url_and_override_defaults() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let response = app
        .connect("fake", "user-1")
        .authorization_param("prompt", "consent")
        .authorization_param("login_hint", "a b&c=d@example.com")
        .start()
        .await
        .assert_status(302)
        .await;
    let url = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let query = query_of(&url);
    assert_eq!(query["prompt"], "consent");
    assert_eq!(query["login_hint"], "a b&c=d@example.com");
    assert_eq!(query["access_type"], "offline", "other defaults stay");
    let prompts = url.query_pairs().filter(|(key, _)| key == "prompt").count();
    assert_eq!(prompts, 1, "one prompt, not the default and the override: {url}");
}

/// Item 4: the protocol parameters cannot be overridden from the browser.
#[tokio::test]
async fn authorization_params_cannot_override_protocol_fields() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let forged = [
        ("state", "attacker-state"),
        ("redirect_uri", "http://127.0.0.1:1/steal"),
        ("client_id", "attacker-client"),
        ("response_type", "token"),
        ("code_challenge", "attacker-challenge"),
        ("code_challenge_method", "plain"),
    ];
    for (key, value) in forged {
        let response = app.connect("fake", "user-1").authorization_param(key, value).start().await;
        if !response.status().is_redirection() {
            // Refused outright: fine, as long as nothing reached the provider.
            let page = response.text().await.unwrap();
            assert!(page.contains("invalid_authorization_params"), "{key}: {page}");
            continue;
        }
        let url = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        let values: Vec<String> =
            url.query_pairs().filter(|(k, _)| k == key).map(|(_, v)| v.into_owned()).collect();
        assert_eq!(values.len(), 1, "{key} appears once: {url}");
        assert_ne!(values[0], value, "{key} was overridden: {url}");
    }
    // And a flow started with such params still completes with the real values.
    let run = app
        .connect("fake", "user-2")
        .authorization_param("state", "attacker-state")
        .authorization_param("redirect_uri", "http://127.0.0.1:1/steal")
        .run()
        .await;
    if run.authorize_url.is_some() {
        run.assert_success();
    }
}

/// `state` in particular is refused outright, on both channels.
#[tokio::test]
async fn authorization_param_state_is_refused() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let connect = app.connect("fake", "user-1").authorization_param("state", "x");
    let flow = connect.flow.clone();
    let response = connect.start().await;
    assert!(response.headers().get("location").is_none(), "redirected");
    let page = response.text().await.unwrap();
    assert!(page.contains("invalid_authorization_params"), "{page}");
    assert_eq!(app.flow_status(&flow).await["error"]["code"], "invalid_authorization_params");
    assert!(app.provider.authorize_requests().is_empty());
}

#[tokio::test]
async fn bad_public_key_connection_id_or_integration_are_reported_on_both_channels() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    let cases = [
        (app.connect("fake", "user-1").public_key(Some("wrong-public-key")), "invalid_public_key"),
        (app.connect("fake", "user-1").public_key(None), "missing_public_key"),
        (app.connect("fake", "bad id with spaces"), "invalid_connection_id"),
        (app.connect("fake", "user-1").without_connection_id(), "missing_connection_id"),
        (app.connect("nope", "user-1"), "unknown_integration"),
    ];
    for (connect, code) in cases {
        let flow = connect.flow.clone();
        let response = connect.start().await;
        assert!(response.headers().get("location").is_none(), "{code}: redirected");
        if code == "invalid_public_key" {
            assert_eq!(response.status(), 401);
        }
        let page = response.text().await.unwrap();
        assert!(page.contains(code), "{code}: {page}");
        let status = app.flow_status(&flow).await;
        assert_eq!(status["error"]["code"], code, "{status}");
    }
    assert!(app.provider.authorize_requests().is_empty());
}
