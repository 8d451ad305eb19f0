//! SPEC §14 "the reveal is logged" and §13 "Logs": the real binary at `RUST_LOG=trace`, used
//! as the console uses it (sign-in, the keys revealed, a connection's credentials read,
//! sign-out), logs each of these, and none of the key, the session token, the CSRF token or
//! the connection's token.

use nango_tests::server_process::ServerProcess;
use nango_tests::{random_id, ResponseExt};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn console_reads_of_secrets_are_logged_without_the_secrets() {
    let secret_key = format!("admin-log-secret-{}", random_id(24));
    let access_token = format!("admin-log-access-{}", random_id(24));
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&[
        ("NANGO_DATA_DIR", dir.path().join("data").display().to_string()),
        ("NANGO_SECRET_KEY", secret_key.clone()),
        // Both keys given: none is generated, so none is printed at start.
        ("NANGO_PUBLIC_KEY", format!("admin-log-public-{}", random_id(12))),
        ("NANGO_DEMO", "true".into()),
        ("RUST_LOG", "trace".into()),
    ]);
    let client = nango_tests::app::client();
    let url = |path: &str| format!("{}{path}", server.url);
    let import = json!({ "provider_config_key": "demo", "connection_id": "logged-1",
        "credentials": { "type": "OAUTH2", "access_token": access_token } });
    client
        .post(url("/connection"))
        .bearer_auth(&secret_key)
        .json(&import)
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;

    let signed_in =
        client.post(url("/admin/session")).json(&json!({ "secret_key": secret_key })).send().await.unwrap();
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let session: Value = signed_in.json().await.unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_string();
    let with_cookie =
        |method: Method, path: &str| client.request(method, url(path)).header("Cookie", &cookie);
    let keys = with_cookie(Method::GET, "/environment/keys").send().await.unwrap().assert_success().await;
    assert_eq!(keys["secret_key"], secret_key.as_str());
    let read =
        with_cookie(Method::GET, "/connection/logged-1?provider_config_key=demo").send().await.unwrap();
    assert_eq!(read.assert_success().await["credentials"]["access_token"], access_token.as_str());
    with_cookie(Method::DELETE, "/admin/session")
        .header("X-Nango-Csrf", &csrf)
        .send()
        .await
        .unwrap()
        .assert_status(204)
        .await;

    let log = server.stop();
    for line in [
        "admin console: signed in",
        "the secret key was revealed",
        "admin console: read a connection's credentials integration=demo connection_id=logged-1",
        "admin console: signed out",
    ] {
        assert!(log.contains(line), "`{line}` is not in the log:\n{log}");
    }
    let token = cookie.split_once('=').unwrap().1;
    for (name, value) in [
        ("secret key", secret_key.as_str()),
        ("session token", token),
        ("CSRF token", &csrf),
        ("access token", &access_token),
    ] {
        assert!(!log.contains(value), "the {name} is in the log:\n{log}");
    }
}
