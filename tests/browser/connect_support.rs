//! What the connect-page suites share (`connect_page`, `connect_ui`, `redirect_mode`): a broker
//! serving the built SDK, with a provider that declares a patterned connection-config field,
//! and helpers to read the page's state (`body[data-view]`) and keep screenshots of it.

use crate::support::{sdk_dir, FLOW_TIMEOUT};
use nango_tests::browser::Browser;
use nango_tests::{ResponseExt, TestApp};
use serde_json::{json, Value};

/// The broker with three integrations: `fake` (OAuth), `tenant` (OAuth, asks for a subdomain)
/// and `keys` (API key).
pub async fn broker() -> TestApp {
    let builder = TestApp::builder().providers(nango_tests::catalog::TENANT_YAML);
    let app = builder.var("NANGO_SDK_DIR", &sdk_dir().display().to_string()).spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.integration("tenant", "fake-tenant").await;
    let keys = json!({ "unique_key": "keys", "provider": "fake-apikey" });
    app.post_json("/integrations", &keys).await.assert_success().await;
    app
}

/// `POST /connect/sessions` with `body`: the token and the connect link.
pub async fn mint(app: &TestApp, body: Value) -> (String, String) {
    let created = app.post_json("/connect/sessions", &body).await.assert_status(201).await;
    let created: Value = created.json().await.expect("session JSON");
    let data = &created["data"];
    let token = data["token"].as_str().expect("a token").to_string();
    let link = data["connect_link"].as_str().expect("a connect link").to_string();
    (token, link)
}

/// Wait until the page (in the current window or frame) shows `view`.
pub async fn wait_view(browser: &Browser, view: &str) {
    let script = "return document.body && document.body.dataset.view === arguments[0] ? true : null;";
    let what = format!("the connect page to show `{view}`");
    browser.wait_for(&what, script, json!([view]), FLOW_TIMEOUT).await;
}

/// The page's current view, with the error text when it shows one (for assertion messages).
pub async fn page_state(browser: &Browser) -> Value {
    let script = "return { view: document.body.dataset.view, \
                  type: document.getElementById('error-type').textContent, \
                  message: document.getElementById('error-message').textContent };";
    browser.execute(script, json!([])).await
}

/// To look at the page: `NANGO_TEST_SCREENSHOTS=/some/dir` keeps `connect-<name>.png`.
pub async fn screenshot(browser: &Browser, name: &str) {
    if let Some(dir) = std::env::var_os("NANGO_TEST_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        browser.screenshot(&std::path::Path::new(&dir).join(format!("connect-{name}.png"))).await;
    }
}

/// Phone size: the page must work at 390 px wide.
pub async fn phone_size(browser: &Browser) {
    browser.set_window_size(390, 844).await;
}

/// No horizontal scrolling at the current size.
pub async fn assert_fits(browser: &Browser) {
    let script = "return [document.documentElement.scrollWidth, window.innerWidth];";
    let sizes = browser.execute(script, json!([])).await;
    assert!(sizes[0].as_i64() <= sizes[1].as_i64(), "the page scrolls sideways: {sizes}");
}

/// The text of the field error under the input for `key`.
pub async fn field_error(browser: &Browser, key: &str) -> String {
    let script = "const e = document.getElementById(`field-params-${arguments[0]}-error`); \
                  return e && !e.hidden ? e.textContent : null;";
    let error = browser.wait_for("a field error", script, json!([key]), FLOW_TIMEOUT).await;
    error.as_str().unwrap_or_default().to_string()
}
