//! Where `/proxy` sends a request and with which headers (SPEC §9, §13): `Base-Url-Override`
//! replaces the catalog's base URL under the same outbound policy; every `Nango-Proxy-*` header
//! arrives without its prefix, every value; our own headers never do, and the credentials we
//! add win over a caller's.

use nango_tests::upstream::{connected_app, proxy, Upstream, API_KEY};
use nango_tests::{ResponseExt, TestApp, SECRET_KEY};
use reqwest::Method;

#[tokio::test]
async fn base_url_override_routes_to_another_host() {
    let catalog_upstream = Upstream::spawn().await;
    let other = Upstream::spawn().await;
    let app = connected_app(TestApp::builder(), &format!("{}/v1", catalog_upstream.url)).await;
    let echo = proxy(&app, Method::GET, "/users/me?fields=id")
        .header("Base-Url-Override", format!("{}/eu/v2/", other.url))
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(echo["path"], "/eu/v2/users/me", "{echo}");
    assert_eq!(echo["query"], "fields=id");
    assert_eq!(catalog_upstream.count(), 0);
    let seen = other.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("x-api-key"), Some(API_KEY), "the provider's credential headers still apply");
    // An empty override (what the Node client sends when none is set) is no override.
    proxy(&app, Method::GET, "/users/me")
        .header("Base-Url-Override", "")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(catalog_upstream.requests()[0].path, "/v1/users/me");
}

/// The override is the caller's input: a loopback or private target needs `NANGO_OUTBOUND_ALLOW`
/// like any other. Here only the catalog's host name is allowed.
#[tokio::test]
async fn base_url_override_is_under_the_outbound_policy() {
    let allowed = Upstream::spawn().await;
    let private = Upstream::spawn().await;
    let port = allowed.url.rsplit(':').next().unwrap().to_string();
    let builder = TestApp::builder().var("NANGO_OUTBOUND_ALLOW", "allowed.localhost");
    let app = connected_app(builder, &format!("http://allowed.localhost:{port}")).await;
    proxy(&app, Method::GET, "/ok").send().await.unwrap().assert_success().await;
    assert_eq!(allowed.count(), 1, "the catalog's allowed host is reached");
    let private_port = private.url.rsplit(':').next().unwrap();
    for target in [
        private.url.clone(),
        format!("http://localhost:{private_port}"),
        format!("http://[::ffff:127.0.0.1]:{private_port}"),
        "http://169.254.169.254/latest".to_string(),
    ] {
        let response =
            proxy(&app, Method::GET, "/secrets").header("Base-Url-Override", &target).send().await.unwrap();
        assert_eq!(response.status(), 502, "{target}");
        let error: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "proxy_failed", "{target}: {error}");
        assert!(error["error"]["message"].as_str().unwrap().contains("outbound policy"), "{error}");
    }
    assert_eq!(private.count(), 0, "no request reached the private address");
}

#[tokio::test]
async fn every_nango_proxy_header_arrives_and_ours_do_not() {
    let upstream = Upstream::spawn().await;
    let app = connected_app(TestApp::builder(), &upstream.url).await;
    proxy(&app, Method::GET, "/items")
        .header("Nango-Proxy-X-Api-Version", "2024-01")
        .header("Nango-Proxy-X-Tag", "a")
        .header("Nango-Proxy-X-Tag", "b")
        .header("Nango-Proxy-Accept", "application/vnd.api+json")
        .header("Accept", "*/*")
        .header("Nango-Proxy-X-Api-Key", "caller-chosen-key")
        .header("Nango-Proxy-Connection", "close")
        .header("Nango-Proxy-Host", "evil.example")
        .header("Nango-Activity-Log-Id", "")
        .header("Nango-Is-Sync", "false")
        .header("Retries", "0")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    let seen = upstream.requests().pop().unwrap();
    assert_eq!(seen.header("x-api-version"), Some("2024-01"));
    assert_eq!(seen.values("x-tag"), ["a", "b"], "every value travels");
    assert_eq!(
        seen.header("accept"),
        Some("application/vnd.api+json"),
        "the custom header replaces the plain one"
    );
    assert_eq!(seen.header("x-api-key"), Some(API_KEY), "our credential wins over the caller's header");
    assert_ne!(seen.header("host"), Some("evil.example"));
    for ours in [
        "authorization",
        "connection-id",
        "provider-config-key",
        "retries",
        "nango-activity-log-id",
        "nango-is-sync",
    ] {
        assert!(seen.values(ours).is_empty(), "{ours} reached the provider: {seen:?}");
    }
    assert!(seen.headers.iter().all(|(name, _)| !name.starts_with("nango-")), "{seen:?}");
    assert!(!format!("{seen:?}").contains(SECRET_KEY), "our secret key reached the provider");
}

/// On an OAuth2 connection our `Authorization: Bearer <token>` replaces a caller's.
#[tokio::test]
async fn our_authorization_wins_over_the_callers() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    let upstream = Upstream::spawn().await;
    app.api(Method::GET, "/proxy/me")
        .header("Connection-Id", "user-1")
        .header("Provider-Config-Key", "fake")
        .header("Base-Url-Override", &upstream.url)
        .header("Nango-Proxy-Authorization", "Bearer caller-token")
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    let seen = upstream.requests().pop().unwrap();
    assert_eq!(seen.values("authorization"), [format!("Bearer {}", app.provider.access_token())]);
}
