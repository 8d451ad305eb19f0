//! `GET /metrics` (OpenMetrics text, as Prometheus scrapes it) and `/health/ready`: after real
//! requests, flows, a refresh and a webhook, the counters are there under route templates and
//! outcome codes, and no connection id, key, token or path a client sent appears anywhere.
//! The registry is per process, shared by the tests running beside these: counts are compared
//! before and after, never to a fixed number.

use nango_tests::{ResponseExt, TestApp, WebhookReceiver, PUBLIC_KEY, SECRET_KEY};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The samples of an exposition, by series (`name{labels}`); panics on a line that is not
/// OpenMetrics text (`# HELP|TYPE|UNIT`, samples `name{k="v",...} value`, a final `# EOF`).
fn parse(text: &str) -> BTreeMap<String, f64> {
    let mut samples = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "the exposition ends with `# EOF`:\n{text}");
    for line in &lines[..lines.len() - 1] {
        if let Some(comment) = line.strip_prefix("# ") {
            let kind = comment.split(' ').next().unwrap_or_default();
            assert!(["HELP", "TYPE", "UNIT"].contains(&kind), "unexpected comment: {line}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("not a number: {line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name: {line}"
        );
        if name_end < series.len() {
            let labels = series[name_end..].strip_prefix('{').and_then(|rest| rest.strip_suffix('}'));
            let labels = labels.unwrap_or_else(|| panic!("bad label set: {line}"));
            for pair in labels.split("\",") {
                let (key, quoted) = pair.split_once("=\"").unwrap_or_else(|| panic!("bad label: {line}"));
                assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "bad label: {line}");
                assert!(!quoted.trim_end_matches('"').contains('"'), "unescaped quote: {line}");
            }
        }
        samples.insert(series.to_string(), value);
    }
    samples
}

async fn scrape(app: &TestApp) -> (String, BTreeMap<String, f64>) {
    let response = app.client.get(format!("{}/metrics", app.url)).send().await.unwrap();
    let response = response.assert_status(200).await;
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    let text = response.text().await.unwrap();
    let samples = parse(&text);
    (text, samples)
}

fn value(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_routes_and_outcomes_without_any_identifier() {
    let app = TestApp::spawn().await;
    let (_, before) = scrape(&app).await;
    let connection_id = format!("metrics-connection-{}", nango_tests::random_id(8));
    let access = format!("metrics-access-token-{}", nango_tests::random_id(8));
    let refresh = format!("metrics-refresh-token-{}", nango_tests::random_id(8));
    let receiver = WebhookReceiver::spawn().await;
    app.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    app.integration("fake", "fake-oauth").await;
    app.provider.settings().token_response =
        json!({ "access_token": access, "refresh_token": refresh, "expires_in": 3600 });
    let run = app.connect_ok("fake", &connection_id).await;
    receiver.next(Duration::from_secs(20)).await;
    let failed = app.connect("no-such-integration", &connection_id).run().await;
    let failed_code = failed.error_code();
    app.get_connection("fake", &connection_id, "").await.assert_success().await;
    let got = app.get_connection("fake", &connection_id, "&force_refresh=true").await.assert_success().await;
    let refreshed = got["credentials"]["access_token"].as_str().unwrap().to_string();
    assert_ne!(refreshed, access, "the refresh gave a new access token");
    app.get(&format!("/no/such/route/{connection_id}?key={SECRET_KEY}")).await.assert_error(404).await;
    // A store write whose value must not surface either.
    let variable = json!([{"name": "METRICS_SECRET", "value": VARIABLE_VALUE}]);
    app.api(reqwest::Method::PUT, "/environment-variables")
        .json(&variable)
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;

    // The webhook counter moves just after the receiver answered: wait for it, as a scraper would.
    let delivered = "nango_webhook_deliveries_total{outcome=\"delivered\"}";
    let deadline = Instant::now() + Duration::from_secs(20);
    let (text, after) = loop {
        let (text, after) = scrape(&app).await;
        if value(&after, delivered) > value(&before, delivered) || Instant::now() > deadline {
            break (text, after);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let grew = |series: &str| {
        assert!(value(&after, series) > value(&before, series), "{series} did not grow:\n{text}");
    };
    grew(delivered);
    grew("nango_http_requests_total{method=\"GET\",route=\"/connection/{connection_id}\",status=\"200\"}");
    grew("nango_http_requests_total{method=\"GET\",route=\"/oauth/callback\",status=\"200\"}");
    grew("nango_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}");
    grew("nango_http_request_duration_seconds_count{method=\"GET\",route=\"/connection/{connection_id}\"}");
    grew("nango_flows_total{outcome=\"success\"}");
    grew(&format!("nango_flows_total{{outcome=\"{failed_code}\"}}"));
    grew("nango_token_refreshes_total{outcome=\"success\"}");
    grew("nango_store_operation_duration_seconds_count{operation=\"get_connection\"}");
    grew("nango_store_operation_duration_seconds_count{operation=\"replace_environment_variables\"}");

    for (what, secret) in [
        ("connection id", connection_id.as_str()),
        ("secret key", SECRET_KEY),
        ("public key", PUBLIC_KEY),
        ("access token", access.as_str()),
        ("refreshed token", refreshed.as_str()),
        ("refresh token", refresh.as_str()),
        ("flow id", run.flow.as_str()),
        ("variable value", VARIABLE_VALUE),
        ("unmatched path", "/no/such/route"),
    ] {
        assert!(!text.contains(secret), "the {what} appears in /metrics:\n{text}");
    }
}

const VARIABLE_VALUE: &str = "metrics-variable-value-5b7e";

#[tokio::test]
async fn metrics_access_follows_the_setting() {
    let app = TestApp::builder().var("NANGO_METRICS", "secret").spawn().await;
    let url = format!("{}/metrics", app.url);
    let anonymous = app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.assert_error(401).await, "missing_auth_header");
    let wrong = app.client.get(&url).bearer_auth("wrong-secret-key-0123456789").send().await.unwrap();
    assert_eq!(wrong.assert_error(401).await, "unknown_account");
    let response = app.get("/metrics").await.assert_status(200).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    parse(&text);
    assert!(text.contains("# TYPE nango_http_requests counter"), "{text}");

    let off = TestApp::builder().var("NANGO_METRICS", "off").spawn().await;
    assert_eq!(off.get("/metrics").await.assert_error(404).await, "not_found");
}

/// `/health/ready` asks the database: gone, it answers 503 with our JSON error while
/// `/health` (liveness) still answers 200.
#[tokio::test]
async fn readiness_is_503_when_the_database_is_gone() {
    let app = TestApp::with_postgres().await;
    let ready = app.client.get(format!("{}/health/ready", app.url)).send().await.unwrap();
    assert_eq!(ready.assert_success().await, json!({"result": "ok"}));

    let url = app.state().config.database_url.as_ref().unwrap().expose().clone();
    let name = url::Url::parse(&url).unwrap().path().trim_start_matches('/').to_string();
    let admin = std::env::var("DATABASE_URL").unwrap_or_else(|_| nango_tests::postgres::DEFAULT_URL.into());
    let admin = sqlx::PgPool::connect(&admin).await.unwrap();
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&admin).await.unwrap();
    admin.close().await;

    let live = app.client.get(format!("{}/health", app.url)).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = app.client.get(format!("{}/health/ready", app.url)).send().await.unwrap();
    let body: Value = ready.assert_status(503).await.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("database"), "{body}");
}
