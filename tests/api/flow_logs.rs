//! SPEC §13 "Logs": the operator's lines. The real `nango-server` binary, its output in a
//! pipe: one `flow started` and one `flow ended` line per flow at `info` (integration,
//! connection id, flow id, outcome, duration), no colour escapes, `NANGO_LOG_FORMAT=json`
//! for log pipelines, and an invalid format refused at start.

use nango_tests::flow::Connect;
use nango_tests::server_process::ServerProcess;
use nango_tests::{FakeProvider, ResponseExt, PUBLIC_KEY, SECRET_KEY};
use serde_json::{json, Value};

/// A server with the fake OAuth integration `fake` and the API-key integration `keyed`.
async fn server(provider: &FakeProvider, dir: &tempfile::TempDir, vars: &[(&str, &str)]) -> ServerProcess {
    let providers_file = dir.path().join("providers.yaml");
    std::fs::write(&providers_file, nango_tests::catalog::providers_yaml(provider, "")).unwrap();
    let mut all = vec![
        ("NANGO_DATA_DIR", dir.path().join("data").display().to_string()),
        ("NANGO_SECRET_KEY", SECRET_KEY.to_string()),
        ("NANGO_PUBLIC_KEY", PUBLIC_KEY.to_string()),
        ("NANGO_PROVIDERS_FILE", providers_file.display().to_string()),
    ];
    all.extend(vars.iter().map(|(key, value)| (*key, value.to_string())));
    let server = ServerProcess::start(&all);
    let client = nango_tests::app::client();
    for integration in [
        json!({ "unique_key": "fake", "provider": "fake-oauth", "credentials": { "type": "OAUTH2",
            "client_id": nango_tests::provider::CLIENT_ID,
            "client_secret": nango_tests::provider::CLIENT_SECRET, "scopes": "read" } }),
        json!({ "unique_key": "keyed", "provider": "fake-apikey" }),
    ] {
        let url = format!("{}/integrations", server.url);
        let sent = client.post(url).bearer_auth(SECRET_KEY).json(&integration).send().await.unwrap();
        sent.assert_success().await;
    }
    server
}

async fn connect(server: &ServerProcess, connection_id: &str) -> nango_tests::flow::FlowRun {
    let client = nango_tests::app::client();
    Connect::new(&server.url, &client, "fake", connection_id).public_key(Some(PUBLIC_KEY)).run().await
}

/// The one line holding every one of `parts`.
fn line_with<'a>(log: &'a str, parts: &[&str]) -> &'a str {
    let lines: Vec<&str> = log.lines().filter(|line| parts.iter().all(|part| line.contains(part))).collect();
    assert_eq!(lines.len(), 1, "not exactly one line with {parts:?} in:\n{log}");
    lines[0]
}

#[tokio::test]
async fn each_flow_logs_one_start_and_one_end_line_without_colour() {
    let provider = FakeProvider::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let server = server(&provider, &dir, &[]).await;
    let succeeded = connect(&server, "user-1").await;
    succeeded.assert_success();
    provider.settings().deny = Some(("access_denied".into(), "The user said no".into()));
    let denied = connect(&server, "user-2").await;
    assert_eq!(denied.error_code(), "provider_denied");
    let post = format!("{}/api-auth/api-key/keyed?public_key={PUBLIC_KEY}&connection_id=key-1", server.url);
    let client = nango_tests::app::client();
    client.post(post).json(&json!({"apiKey": "k"})).send().await.unwrap().assert_success().await;
    let log = server.stop();

    for (run, connection, outcome) in
        [(&succeeded, "user-1", "outcome=success"), (&denied, "user-2", "outcome=provider_denied")]
    {
        let flow = format!("flow_id={}", run.flow);
        let connection = format!("connection_id={connection}");
        let start = line_with(&log, &["flow started", &flow]);
        assert!(start.contains("INFO") && start.contains("integration=fake"), "{start}");
        assert!(start.contains(&connection), "{start}");
        let end = line_with(&log, &["flow ended", &flow]);
        assert!(
            end.contains("INFO") && end.contains("integration=fake") && end.contains(&connection),
            "{end}"
        );
        assert!(end.contains(outcome) && end.contains("duration_ms="), "{end}");
    }
    let post = line_with(&log, &["flow ended", "integration=keyed"]);
    assert!(post.contains("connection_id=key-1") && post.contains("outcome=success"), "{post}");
    assert!(post.contains("duration_ms=") && !post.contains("flow_id"), "{post}");
    assert!(!log.contains("\x1b["), "colour escapes in a pipe:\n{log:?}");
}

#[tokio::test]
async fn json_format_writes_one_object_per_line() {
    let provider = FakeProvider::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let server = server(&provider, &dir, &[("NANGO_LOG_FORMAT", "json")]).await;
    let run = connect(&server, "user-1").await;
    run.assert_success();
    let log = server.stop();

    // stdout's one line for scripts aside, every line is a JSON object.
    let events: Vec<Value> = log
        .lines()
        .filter(|line| !line.starts_with("nango-server listening on "))
        .map(|line| serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(events.iter().all(Value::is_object), "{log}");
    let ended: Vec<&Value> = events
        .iter()
        .filter(|event| event["message"] == "flow ended" && event["flow_id"] == run.flow)
        .collect();
    assert_eq!(ended.len(), 1, "{log}");
    let ended = ended[0];
    assert_eq!(
        (&ended["level"], &ended["integration"], &ended["connection_id"], &ended["outcome"]),
        (&json!("INFO"), &json!("fake"), &json!("user-1"), &json!("success")),
        "{ended}"
    );
    assert!(ended["duration_ms"].is_i64(), "{ended}");
}

#[test]
fn an_invalid_log_format_stops_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(nango_tests::cli::server_binary())
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NANGO_DATA_DIR", dir.path())
        .env("NANGO_PORT", "0")
        .env("NANGO_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "started with NANGO_LOG_FORMAT=xml: {stderr}");
    assert!(stderr.contains("NANGO_LOG_FORMAT") && stderr.contains("xml"), "{stderr}");
    assert!(!dir.path().join("data").exists(), "it got as far as creating the data directory");
}
