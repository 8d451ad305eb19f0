//! SPEC §13 "Outbound requests": without `NANGO_OUTBOUND_ALLOW`, a catalog entry whose token
//! endpoint is on loopback, the cloud metadata address or IPv6 loopback is refused before any
//! byte is sent; with the allowance the same flow works.

use nango_tests::{ResponseExt, TestApp};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A TCP listener that only counts the connections it gets.
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((_stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, count)
}

fn entry(name: &str, token_url: &str) -> String {
    format!(
        "{name}:\n    display_name: {name}\n    auth_mode: OAUTH2\n    authorization_url: http://127.0.0.1:PORT/authorize\n    token_url: {token_url}\n"
    )
}

#[tokio::test]
async fn private_token_endpoints_are_refused_without_an_allowance() {
    let (port, connections) = counting_listener().await;
    let entries = [
        ("to-loopback", format!("http://127.0.0.1:{port}/token")),
        ("to-metadata", "http://169.254.169.254/latest/token".to_string()),
        ("to-ipv6-loopback", format!("http://[::1]:{port}/token")),
        ("to-localhost-name", format!("http://localhost:{port}/token")),
    ];
    let yaml: String = entries.iter().map(|(name, url)| entry(name, url)).collect();
    // An empty allowance: the test default allows loopback, this app allows nothing.
    let app = TestApp::builder().var("NANGO_OUTBOUND_ALLOW", "").providers(&yaml).spawn().await;
    for (name, _) in &entries {
        app.integration(name, name).await;
        let run = app.connect(name, "u1").run().await;
        assert_eq!(run.error_code(), "token_exchange_failed", "{name}: {:?}", run.status);
        let message = run.status["error"]["message"].as_str().unwrap_or_default().to_string();
        assert!(message.contains("outbound policy"), "{name}: {message}");
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0, "no connection reached the private endpoint");
}

#[tokio::test]
async fn an_allowed_range_reaches_the_provider() {
    // The default test app allows loopback: the fake provider's flow works.
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "u1").await;
    app.get_connection("fake", "u1", "").await.assert_success().await;
}

/// Finding 9: an operator entry whose authorize host comes from the caller's params is an
/// open redirect; the outbound policy applies to that host too, so a private address is
/// refused before the browser is sent anywhere.
#[tokio::test]
async fn a_caller_chosen_authorize_host_is_checked_by_the_policy() {
    let yaml = "open-host:\n    display_name: Open host\n    auth_mode: OAUTH2\n    authorization_url: https://${connectionConfig.host}/authorize\n    token_url: http://127.0.0.1:PORT/token\n    connection_config:\n        host:\n            type: string\n";
    let app = TestApp::builder().providers(yaml).spawn().await;
    app.integration("open", "open-host").await;
    for host in ["10.0.0.1", "169.254.169.254"] {
        let response = app.connect("open", "u1").param("host", host).start().await;
        assert_eq!(response.status(), 400, "{host}");
        assert!(response.headers().get("location").is_none(), "{host}: no redirect");
        assert!(response.text().await.unwrap().contains("outbound policy"), "{host}");
    }
    let public = app.connect("open", "u1").param("host", "idp.example.com").start().await;
    assert_eq!(public.status(), 302);
}
