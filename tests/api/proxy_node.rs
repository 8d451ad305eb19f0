//! `@nangohq/node`'s `proxy()` (pinned, from npm) against the real server and a real local
//! upstream: its `retries`, `retryOn`, `baseUrlOverride`, `decompress`, `headers`, `params` and
//! `data` options arrive as the upstream should see them (SPEC §9).

use flate2::write::GzEncoder;
use flate2::Compression;
use nango_tests::nango_clients::run_node;
use nango_tests::upstream::{connected_app, Canned, Upstream, API_KEY, CONNECTION_ID, INTEGRATION};
use nango_tests::{TestApp, SECRET_KEY};
use serde_json::{json, Value};
use std::io::Write;

/// `proxy(config)` for each of `configs`, with the connection filled in; the results in order.
async fn proxy_calls(app: &TestApp, configs: Vec<Value>) -> Vec<Value> {
    let configs: Vec<Value> = configs
        .into_iter()
        .map(|mut config| {
            config["providerConfigKey"] = INTEGRATION.into();
            config["connectionId"] = CONNECTION_ID.into();
            config
        })
        .collect();
    let calls = Value::from(configs).to_string();
    let results = run_node("proxy.mjs", &app.url, SECRET_KEY, &[("PROXY_CALLS", &calls)]).await;
    results.as_array().unwrap_or_else(|| panic!("not an array: {results}")).clone()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn the_node_clients_proxy_options_are_honoured() {
    proxy_options(TestApp::builder()).await;
}

#[tokio::test]
async fn the_node_clients_proxy_options_are_honoured_on_postgres() {
    proxy_options(TestApp::builder().postgres()).await;
}

async fn proxy_options(builder: nango_tests::app::Builder) {
    let upstream = Upstream::spawn().await;
    let other = Upstream::spawn().await;
    let app = connected_app(builder, &format!("{}/v1", upstream.url)).await;
    let items = json!({ "items": [{ "id": 1 }, { "id": 2 }] });
    let compressed = || {
        Canned::status(200)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(gzip(items.to_string().as_bytes()))
    };
    upstream.push(Canned::status(503));
    upstream.push(Canned::echo());
    other.push(Canned::status(409));
    other.push(compressed());
    upstream.push(compressed());
    upstream.push(
        Canned::status(404).header("content-type", "application/json").body(r#"{"message":"no such item"}"#),
    );

    let results = proxy_calls(
        &app,
        vec![
            json!({
                "method": "POST", "endpoint": "/contacts", "retries": 2, "params": { "page": "2" },
                "headers": { "X-Custom": "hello", "Content-Type": "application/json" },
                "data": { "name": "new contact" },
            }),
            json!({
                "method": "GET", "endpoint": "items", "baseUrlOverride": other.url,
                "decompress": true, "retries": 1, "retryOn": [409],
            }),
            // Without `decompress` the gzip bytes pass through and the client decodes them.
            json!({ "method": "GET", "endpoint": "/items" }),
            json!({ "method": "GET", "endpoint": "/items/9" }),
        ],
    )
    .await;

    // 1. POST with retries: the 503 was retried, body and custom header sent both times.
    let post = &results[0];
    assert_eq!(post["ok"], true, "{post}");
    assert_eq!(post["data"]["method"], "POST");
    assert_eq!(post["data"]["path"], "/v1/contacts");
    assert_eq!(post["data"]["query"], "page=2");
    let seen = upstream.requests();
    for request in &seen[..2] {
        assert_eq!(request.path, "/v1/contacts");
        assert_eq!(request.header("x-custom"), Some("hello"));
        assert_eq!(request.header("x-api-key"), Some(API_KEY));
        assert_eq!(request.header("content-type"), Some("application/json"));
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body, json!({ "name": "new contact" }));
        assert!(request.header("retries").is_none() && request.header("connection-id").is_none());
    }

    // 2. baseUrlOverride + retryOn + decompress: the 409 retried on the other host, decoded.
    let decoded = &results[1];
    assert_eq!(decoded["ok"], true, "{decoded}");
    assert_eq!(decoded["data"], items);
    assert!(decoded["headers"].get("content-encoding").is_none(), "{decoded}");
    let other_seen = other.requests();
    assert_eq!(other_seen.len(), 2, "{other_seen:?}");
    assert!(other_seen.iter().all(|request| request.path == "/items"));

    // 3. Compressed bytes passed through: the client's own decoding gives the same data.
    assert_eq!(results[2]["ok"], true, "{}", results[2]);
    assert_eq!(results[2]["data"], items);

    // 4. The provider's error answer is the client's error, status and body as sent.
    assert_eq!(results[3]["ok"], false);
    assert_eq!(results[3]["status"], 404);
    assert_eq!(results[3]["data"], json!({ "message": "no such item" }));
    assert_eq!(upstream.count(), 4, "503 + 200 for the POST, one GET each after");
}
