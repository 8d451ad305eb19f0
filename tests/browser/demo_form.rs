//! The demo page for a newcomer: it says when the SDK is not built, the browser checks the
//! connection id and the provider's declared parameters before connecting, and a connection
//! ends with the `curl` the app's backend would run (never the secret key) and a link to the
//! connection in the admin console.

use crate::support::{Session, FLOW_TIMEOUT};
use nango_tests::browser::Browser;
use nango_tests::{TestApp, SECRET_KEY};
use serde_json::json;

/// The demo provider, declaring a required parameter with a pattern (the built-in entry's
/// only parameter is optional).
const DEMO_WITH_TEAM: &str = "
demo:
    display_name: Demo provider
    auth_mode: OAUTH2
    authorization_url: /demo/oauth/authorize
    token_url: /demo/oauth/token
    refresh_url: /demo/oauth/token
    default_scopes:
        - profile
        - email
    connection_config:
        team:
            type: string
            title: Team name
            description: Lowercase letters only
            pattern: ^[a-z]+$
            example: acme
";

async fn open_ready(session: &Session) -> String {
    let browser = &session.browser;
    browser.goto(&format!("{}/", session.app.url)).await;
    let ready = "return document.getElementById('status').dataset.state === 'idle' || null;";
    browser.wait_for("the demo page to be ready", ready, json!([]), FLOW_TIMEOUT).await;
    browser.window().await
}

/// Whether the browser accepts `value` in the input `#id` (its own constraint validation).
async fn accepts(browser: &Browser, id: &str, value: &str) -> bool {
    let script = "const el = document.getElementById(arguments[0]); el.value = arguments[1]; \
                  return el.checkValidity();";
    let valid = browser.execute(script, json!([id, value])).await;
    valid.as_bool().expect("checkValidity() answers a boolean")
}

async fn approve_in_popup(browser: &Browser, page: &str) {
    let popup = browser.wait_for_popup(page, FLOW_TIMEOUT).await;
    browser.switch_to(&popup).await;
    browser.click(&browser.find("#approve", FLOW_TIMEOUT).await).await;
    browser.switch_to(page).await;
    let connected = "return document.getElementById('status').dataset.state === 'connected' || null;";
    browser.wait_for("the page to show the connection", connected, json!([]), FLOW_TIMEOUT).await;
}

#[tokio::test]
async fn demo_page_says_how_to_build_a_missing_sdk() {
    let empty = tempfile::tempdir().unwrap();
    let app =
        TestApp::builder().demo().var("NANGO_SDK_DIR", &empty.path().display().to_string()).spawn().await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/", app.url)).await;

    let shown = "return !document.getElementById('sdk-missing').hidden || null;";
    browser.wait_for("the missing-SDK message", shown, json!([]), FLOW_TIMEOUT).await;
    let message = browser.text(&browser.find("#sdk-missing", FLOW_TIMEOUT).await).await;
    assert!(message.contains("cargo xtask build-sdk"), "{message}");
    assert!(message.contains("NANGO_SDK_DIR"), "{message}");
    // The server's own answer names the directory it looked in.
    assert!(message.contains(&empty.path().display().to_string()), "{message}");
    let state = browser.execute("return document.getElementById('status').dataset.state;", json!([])).await;
    assert_eq!(state, "failed", "the page does not stay at Loading…");
}

#[tokio::test]
async fn connection_id_pattern_compiles_and_the_browser_checks_it() {
    let session = Session::start().await;
    let browser = &session.browser;
    open_ready(&session).await;

    let script = "const el = document.getElementById('connection-id'); \
                  try { new RegExp(el.pattern, 'v'); return 'compiles'; } catch (e) { return String(e); }";
    assert_eq!(browser.execute(script, json!([])).await, "compiles");
    // The server's rule (1-255 of [A-Za-z0-9._@|:-]), checked by the browser.
    assert!(accepts(browser, "connection-id", "user.42@acme|eu:prod-1_x").await);
    assert!(!accepts(browser, "connection-id", "user 42").await);
    assert!(!accepts(browser, "connection-id", "user/42").await);
    assert!(!accepts(browser, "connection-id", "").await);
    let mismatch = "return document.getElementById('connection-id').validity.patternMismatch;";
    browser.execute("document.getElementById('connection-id').value = 'bad id!';", json!([])).await;
    assert_eq!(browser.execute(mismatch, json!([])).await, true);
}

#[tokio::test]
async fn declared_parameters_are_inputs_checked_and_sent_as_params() {
    let session = Session::start_with(TestApp::builder().providers(DEMO_WITH_TEAM)).await;
    let browser = &session.browser;
    let page = open_ready(&session).await;

    let label = browser.text(&browser.find("label[for=field-team]", FLOW_TIMEOUT).await).await;
    assert!(label.contains("Team name") && label.contains("required"), "{label}");
    let fields = browser.text(&browser.find("#fields", FLOW_TIMEOUT).await).await;
    assert!(fields.contains("Lowercase letters only"), "{fields}");
    let input = "const el = document.getElementById('field-team'); \
                 return [el.required, el.pattern, el.placeholder];";
    assert_eq!(browser.execute(input, json!([])).await, json!([true, "^[a-z]+$", "acme"]));
    assert!(!accepts(browser, "field-team", "").await, "required");
    assert!(!accepts(browser, "field-team", "Acme-1").await, "the catalog's pattern");
    let form_valid = "return document.getElementById('connect-form').checkValidity();";
    assert_eq!(browser.execute(form_valid, json!([])).await, false, "Connect is held back");

    browser.fill(&browser.find("#connection-id", FLOW_TIMEOUT).await, "user-team-1").await;
    browser.fill(&browser.find("#field-team", FLOW_TIMEOUT).await, "acme").await;
    browser.click(&browser.find("#connect", FLOW_TIMEOUT).await).await;
    approve_in_popup(browser, &page).await;

    let stored = session.stored_connection("demo", "user-team-1").await;
    assert_eq!(stored["connection_config"]["team"], "acme", "{stored}");
}

#[tokio::test]
async fn a_connection_ends_with_the_backends_curl_without_the_secret_key() {
    let session = Session::start().await;
    let browser = &session.browser;
    let page = open_ready(&session).await;
    browser.fill(&browser.find("#connection-id", FLOW_TIMEOUT).await, "user-curl-1").await;
    browser.click(&browser.find("#connect", FLOW_TIMEOUT).await).await;
    approve_in_popup(browser, &page).await;

    let curl = browser.text(&browser.find("#curl", FLOW_TIMEOUT).await).await;
    assert!(curl.starts_with("curl -H \"Authorization: Bearer $NANGO_SECRET_KEY\""), "{curl}");
    let url = format!("\"{}/connections/user-curl-1?provider_config_key=demo\"", session.app.url);
    assert!(curl.contains(&url), "{curl}");
    let html = browser.execute("return document.documentElement.outerHTML;", json!([])).await;
    assert!(!html.as_str().unwrap_or_default().contains(SECRET_KEY), "the secret key reached the page");
    let copy = browser.text(&browser.find("#copy-curl", FLOW_TIMEOUT).await).await;
    assert_eq!(copy, "Copy");
    // The connection's page in the admin console.
    let admin = browser.execute("return document.getElementById('admin-link').href;", json!([])).await;
    assert_eq!(admin, json!(format!("{}/admin/#/connections/demo/user-curl-1", session.app.url)));
}
