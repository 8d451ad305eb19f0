//! SPEC §13 key rotation: servers run with the new key plus `NANGO_ENCRYPTION_KEY_PREVIOUS`
//! and keep serving reads while `nango-server rotate-key` re-seals everything; the rotation
//! is killed in the middle, run again, and finishes; then the old key is not needed.

use nango_tests::{ResponseExt, TestApp, PUBLIC_KEY};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const OLD_KEY: &str = "b2xkLWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLi4uLi4=";
const NEW_KEY: &str = "bmV3LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLi4uLi4=";
const CONNECTIONS: usize = 3000;

fn rotate_key(data_dir: &std::path::Path) -> std::process::Child {
    Command::new(nango_tests::cli::server_binary())
        .arg("rotate-key")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "error")
        .env("NANGO_DATA_DIR", data_dir)
        .env("NANGO_SECRET_KEY", nango_tests::SECRET_KEY)
        .env("NANGO_PUBLIC_KEY", PUBLIC_KEY)
        .env("NANGO_ENCRYPTION_KEY", NEW_KEY)
        .env("NANGO_ENCRYPTION_KEY_PREVIOUS", OLD_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nango-server rotate-key")
}

#[tokio::test]
async fn rotation_survives_a_kill_and_never_stops_reads() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data").display().to_string();
    let build = |key: &str, previous: Option<&str>| {
        let mut builder = TestApp::builder()
            .sqlite()
            .var("NANGO_DATA_DIR", &data_dir)
            .var("NANGO_ENCRYPTION_KEY", key)
            .var("NANGO_RATE_LIMIT_BROWSER_PER_MINUTE", "1000000");
        if let Some(previous) = previous {
            builder = builder.var("NANGO_ENCRYPTION_KEY_PREVIOUS", previous);
        }
        builder.spawn()
    };

    // Under the old key: connections, an integration secret, an HMAC key.
    let mut app = build(OLD_KEY, None).await;
    app.post_json("/integrations", &json!({ "unique_key": "keyed", "provider": "fake-apikey" }))
        .await
        .assert_success()
        .await;
    app.patch_environment(&json!({ "hmac_key": "rotation-hmac-key" })).await.assert_success().await;
    for n in 0..CONNECTIONS {
        let url =
            format!("{}/api-auth/api-key/keyed?connection_id=user-{n}&public_key={PUBLIC_KEY}", app.url);
        app.client
            .post(url)
            .json(&json!({ "apiKey": format!("key-{n}") }))
            .send()
            .await
            .unwrap()
            .assert_success()
            .await;
    }
    app.stop().await;

    // The new key as current, the old one as previous: reads keep working.
    let mut app = build(NEW_KEY, Some(OLD_KEY)).await;
    let mut first = rotate_key(dir.path().join("data").as_path());
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let progress = lines.next().expect("a progress line").unwrap();
    first.kill().unwrap();
    let _ = first.wait();
    assert!(progress.starts_with("resealed "), "{progress}");
    let read = app.get_connection("keyed", "user-2999", "").await.assert_success().await;
    assert_eq!(read["credentials"]["apiKey"], "key-2999", "reads go on during a rotation");

    // Run again: it picks up where the killed run stopped.
    let second = rotate_key(dir.path().join("data").as_path()).wait_with_output().unwrap();
    let output = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(second.status.success(), "{output}{}", String::from_utf8_lossy(&second.stderr));
    let done = output.lines().last().unwrap_or_default().to_string();
    let n: usize = done
        .strip_prefix("rotation done: ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 0 && n < CONNECTIONS + 4, "the second run finished the rest only: {done}");
    app.stop().await;

    // The old key is no longer needed: everything opens with the new one alone.
    let app = build(NEW_KEY, None).await;
    for n in [0, 1500, 2999] {
        let connection = app.get_connection("keyed", &format!("user-{n}"), "").await.assert_success().await;
        assert_eq!(connection["credentials"]["apiKey"], format!("key-{n}"));
    }
    let environment = app.get("/environment").await.assert_success().await;
    assert_eq!(environment["hmac_key"], "rotation-hmac-key");
}
