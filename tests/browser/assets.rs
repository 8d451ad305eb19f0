//! The static files and the demo page's routes over plain HTTP (no browser): content types,
//! CORS on `/sdk/`, the hint when the package is not built, and no secret in what the demo
//! routes answer.

use crate::support::sdk_dir;
use nango_tests::{ResponseExt, TestApp, PUBLIC_KEY, SECRET_KEY};
use reqwest::Response;
use serde_json::Value;

fn header(response: &Response, name: &str) -> String {
    let value = response.headers().get(name).map(|v| v.to_str().unwrap_or_default());
    value.unwrap_or_default().to_string()
}

async fn get(app: &TestApp, path: &str) -> Response {
    app.client.get(format!("{}{path}", app.url)).send().await.expect("GET")
}

#[tokio::test]
async fn demo_page_and_package_are_served_with_their_content_types() {
    let app = TestApp::builder().var("NANGO_SDK_DIR", &sdk_dir().display().to_string()).spawn().await;

    let page = get(&app, "/").await.assert_status(200).await;
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert!(page.text().await.unwrap().contains("/demo.js"));
    let script = get(&app, "/demo.js").await.assert_status(200).await;
    assert_eq!(header(&script, "content-type"), "text/javascript; charset=utf-8");
    assert!(script.text().await.unwrap().contains("/sdk/nango.js"));
    let css = get(&app, "/demo.css").await.assert_status(200).await;
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");

    let wasm = get(&app, "/sdk/nango_bg.wasm").await.assert_status(200).await;
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    assert_eq!(header(&wasm, "access-control-allow-origin"), "*");
    let glue = get(&app, "/sdk/nango.js").await.assert_status(200).await;
    assert_eq!(header(&glue, "content-type"), "text/javascript");
    assert_eq!(header(&glue, "access-control-allow-origin"), "*");

    let code = get(&app, "/sdk/missing.js").await.assert_error(404).await;
    assert_eq!(code, "not_found");
}

#[tokio::test]
async fn missing_package_answers_how_to_build_it() {
    let missing = tempfile::tempdir().unwrap();
    let dir = missing.path().join("pkg");
    let app = TestApp::builder().var("NANGO_SDK_DIR", &dir.display().to_string()).spawn().await;

    let response = get(&app, "/sdk/nango.js").await.assert_status(404).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("cargo xtask build-sdk"), "{message}");
    // The page itself does not depend on the package being there.
    get(&app, "/").await.assert_status(200).await;
}

#[tokio::test]
async fn demo_config_has_the_public_key_and_never_the_secret_key() {
    let app = TestApp::builder().demo().spawn().await;
    app.integration("fake", "fake-oauth").await;
    let response = get(&app, "/demo/config").await.assert_status(200).await;
    let text = response.text().await.unwrap();
    assert!(!text.contains(SECRET_KEY), "the secret key reached the browser: {text}");
    let config: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(config["publicKey"], PUBLIC_KEY);
    assert_eq!(config["host"], app.url.as_str());
    assert_eq!(config["defaultIntegration"], "demo");
    // Only the demo integration: the route takes no key (SPEC §13 "Demo").
    let keys: Vec<&str> = config["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|integration| integration["unique_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["demo"], "{config}");
}

#[tokio::test]
async fn the_demo_page_sends_a_csp_that_forbids_framing() {
    let app = TestApp::spawn().await;
    let response = get(&app, "/").await.assert_status(200).await;
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
}

/// SPEC §1: every `type` an `AuthError` can have is in the typings' union: the backend's codes
/// (`ErrorCode::ALL`) and the SDK's own (its `ErrorKind` table and the package entry's).
#[test]
fn the_typings_list_every_error_type() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    let typings = read("pkg-template/index.d.ts");
    let union = &typings[typings.find("export type AuthErrorType").unwrap()..];
    let union = &union[..union.find(';').unwrap()];
    let mut types: Vec<String> =
        nango_backend::error_code::ErrorCode::ALL.iter().map(|code| code.as_str().to_string()).collect();
    for (file, marker) in
        [("sdk-wasm/src/errors.rs", "=> (\""), ("sdk-wasm/js/package_entry.js", "AuthError(\"")]
    {
        let source = read(file);
        let found: Vec<String> =
            source.split(marker).skip(1).map(|rest| rest[..rest.find('"').unwrap()].to_string()).collect();
        assert!(!found.is_empty(), "no error types found in {file}");
        types.extend(found);
    }
    for error_type in &types {
        assert!(union.contains(&format!("\"{error_type}\"")), "`{error_type}` is not in AuthErrorType");
    }
    assert!(!union.contains("string &"), "the union is closed: every type is listed");
}
