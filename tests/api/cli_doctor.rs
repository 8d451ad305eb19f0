//! `nango-server doctor` on a healthy setup, a wrong encryption key, and custom callback URLs.

use nango_tests::{Redirector, ResponseExt, TestApp};
use serde_json::json;

const OTHER_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn line<'a>(stdout: &'a str, name: &str) -> &'a str {
    let found =
        stdout.lines().find(|line| line[line.find(' ').unwrap_or(0)..].trim_start().starts_with(name));
    found.unwrap_or_else(|| panic!("no `{name}` line in:\n{stdout}"))
}

#[tokio::test]
async fn doctor_passes_on_a_healthy_setup() {
    let app = TestApp::spawn().await;
    let run = app.run_cli_with(&["doctor"], &[]);
    assert!(run.success, "{}\n{}", run.stdout, run.stderr);
    for name in [
        "configuration",
        "database",
        "migrations",
        "encryption key",
        "callback URL",
        "catalog",
        "SDK package",
    ] {
        assert!(line(&run.stdout, name).starts_with("✓ "), "{name}:\n{}", run.stdout);
    }
    assert!(line(&run.stdout, "migrations").contains("applied"), "{}", run.stdout);
    assert!(line(&run.stdout, "catalog").contains("providers"), "{}", run.stdout);
}

#[tokio::test]
async fn doctor_fails_with_a_wrong_encryption_key() {
    let app = TestApp::spawn().await;
    let run = app.run_cli_with(&["doctor"], &[("NANGO_ENCRYPTION_KEY", OTHER_KEY)]);
    assert!(!run.success, "{}", run.stdout);
    let key = line(&run.stdout, "encryption key");
    assert!(key.starts_with("✗ ") && key.contains("NANGO_ENCRYPTION_KEY"), "{}", run.stdout);
    assert!(!run.stdout.contains(OTHER_KEY), "the key leaked: {}", run.stdout);
    assert!(line(&run.stdout, "configuration").starts_with("✓ "), "{}", run.stdout);
}

#[tokio::test]
async fn doctor_fails_with_an_unreachable_custom_callback_url() {
    let app = TestApp::spawn().await;
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/auth/callback", free.local_addr().unwrap());
    drop(free);
    app.patch_environment(&json!({ "callback_url": url })).await.assert_success().await;
    let run = app.run_cli_with(&["doctor"], &[]);
    assert!(!run.success, "{}", run.stdout);
    let callback = line(&run.stdout, "callback URL");
    assert!(
        callback.starts_with("✗ ") && callback.contains("not reachable (is the server running?)"),
        "{callback}"
    );
}

// Multi-threaded: the redirector must answer while this thread waits for the binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_accepts_a_custom_callback_that_redirects_keeping_the_query() {
    let app = TestApp::spawn().await;
    let redirector = Redirector::spawn(app.callback_url()).await;
    app.patch_environment(&json!({ "callback_url": redirector.url() })).await.assert_success().await;
    let run = app.run_cli_with(&["doctor"], &[]);
    assert!(run.success, "{}\n{}", run.stdout, run.stderr);
    assert!(line(&run.stdout, "callback URL").contains("redirects to /oauth/callback"), "{}", run.stdout);
}

#[tokio::test]
async fn doctor_passes_on_postgres() {
    let app = TestApp::with_postgres().await;
    let run = app.run_cli_with(&["doctor"], &[]);
    assert!(run.success, "{}\n{}", run.stdout, run.stderr);
    assert!(line(&run.stdout, "database").contains("Postgres at 127.0.0.1:5432"), "{}", run.stdout);
    assert!(line(&run.stdout, "encryption key").starts_with("✓ "), "{}", run.stdout);
}
