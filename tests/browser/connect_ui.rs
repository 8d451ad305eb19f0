//! Nango's `openConnectUI` (`@nangohq/frontend`, pinned, unchanged) against our hosted page
//! (SPEC §8 "Connect UI", §10): an app page on another origin opens the iframe, the page gets
//! the session token from its parent (`ready` → `session_token`), the user picks an
//! integration and fills its field, approves in a popup opened from the frame, and `onEvent`
//! receives `connect` with the server-generated id; closing emits `close`.

use crate::connect_support::{broker, field_error, mint, screenshot, wait_view};
use crate::support::FLOW_TIMEOUT;
use nango_tests::browser::Browser;
use nango_tests::nango_clients::FrontendPage;
use nango_tests::{is_uuid_v4, ResponseExt, TestApp};
use serde_json::{json, Value};

const PAGE: &str = include_str!("fixtures/connect-ui.html");

/// The broker, the app page (its origin the only allowed one) and Chromium on it, with Connect
/// UI opened for a session of end user `eu-ui`; the current context is the Connect UI frame.
struct Opened {
    app: TestApp,
    browser: Browser,
    _page: FrontendPage,
    main: String,
}

impl Opened {
    async fn start() -> Self {
        let app = broker().await;
        let page = FrontendPage::spawn(PAGE).await;
        let page_url = page.url(&app.url);
        let origin = url::Url::parse(&page_url).unwrap().origin().ascii_serialization();
        app.patch_environment(&json!({ "allowed_origins": [origin] })).await.assert_success().await;
        let body = json!({ "end_user": { "id": "eu-ui" }, "allowed_integrations": ["fake", "tenant"] });
        let (token, _) = mint(&app, body).await;
        let browser = Browser::start().await;
        browser.goto(&page_url).await;
        let ready = browser
            .wait_for("@nangohq/frontend", "return window.__ready || null;", json!([]), FLOW_TIMEOUT)
            .await;
        assert_eq!(ready, "ok");
        let main = browser.window().await;
        browser.execute("window.openUI(arguments[0]);", json!([token])).await;
        let opened = Self { app, browser, _page: page, main };
        opened.enter_frame().await;
        opened
    }

    /// Into the Connect UI iframe (the only frame of the app page).
    async fn enter_frame(&self) {
        self.browser.switch_to(&self.main).await;
        let script = "return document.getElementById('connect-ui') ? true : null;";
        self.browser.wait_for("the Connect UI iframe", script, json!([]), FLOW_TIMEOUT).await;
        self.browser.enter_first_frame().await;
    }

    /// The events `onEvent` received so far, once one of `kind` is among them.
    async fn events_with(&self, kind: &str) -> Vec<Value> {
        self.browser.switch_to(&self.main).await;
        let script = "return window.__events.some((e) => e.type === arguments[0]) ? window.__events : null;";
        let events =
            self.browser.wait_for(&format!("a `{kind}` event"), script, json!([kind]), FLOW_TIMEOUT).await;
        events.as_array().cloned().unwrap_or_default()
    }
}

#[tokio::test]
async fn open_connect_ui_connects_and_reports_the_connection() {
    let ui = Opened::start().await;
    let browser = &ui.browser;
    wait_view(browser, "list").await;
    screenshot(browser, "ui-list").await;
    browser.click(&browser.find(".integration[data-key=tenant]", FLOW_TIMEOUT).await).await;
    wait_view(browser, "form").await;
    browser.fill(&browser.find("#field-params-subdomain", FLOW_TIMEOUT).await, "acme").await;
    browser.click(&browser.find("#submit", FLOW_TIMEOUT).await).await;

    // The popup from the frame: the provider approves and the result page closes it.
    let events = ui.events_with("connect").await;
    assert_eq!(events[0], json!({ "type": "ready" }), "{events:?}");
    let connect = events.iter().find(|e| e["type"] == "connect").unwrap();
    assert_eq!(connect["payload"]["providerConfigKey"], "tenant", "{connect}");
    let connection_id = connect["payload"]["connectionId"].as_str().expect("a connection id").to_string();
    assert!(is_uuid_v4(&connection_id), "the server picked the id: {connect}");
    assert!(!events.iter().any(|e| e["type"] == "error"), "{events:?}");
    let stored = ui.app.get_connection("tenant", &connection_id, "").await.assert_success().await;
    assert_eq!(stored["end_user"]["id"], "eu-ui", "{stored}");
    assert_eq!(stored["connection_config"]["subdomain"], "acme", "{stored}");

    ui.enter_frame().await;
    wait_view(browser, "success").await;
    screenshot(browser, "ui-success").await;
    browser.click(&browser.find("#done", FLOW_TIMEOUT).await).await;
    let events = ui.events_with("close").await;
    assert_eq!(events.last().unwrap(), &json!({ "type": "close" }));
    let gone = browser.execute("return document.getElementById('connect-ui') === null;", json!([])).await;
    assert_eq!(gone, true, "Connect UI removed its iframe on close");
}

#[tokio::test]
async fn an_invalid_field_starts_no_flow_and_closing_emits_close() {
    let ui = Opened::start().await;
    let browser = &ui.browser;
    wait_view(browser, "list").await;
    browser.click(&browser.find(".integration[data-key=tenant]", FLOW_TIMEOUT).await).await;
    wait_view(browser, "form").await;
    browser.fill(&browser.find("#field-params-subdomain", FLOW_TIMEOUT).await, "Not/A Subdomain").await;
    browser.click(&browser.find("#submit", FLOW_TIMEOUT).await).await;
    let error = field_error(browser, "subdomain").await;
    assert!(error.starts_with("Subdomain is not valid"), "{error}");
    screenshot(browser, "ui-form-invalid").await;
    assert_eq!(browser.windows().await.len(), 1, "no popup opened");
    assert!(ui.app.provider.authorize_requests().is_empty(), "no flow started");

    browser.click(&browser.find("#close", FLOW_TIMEOUT).await).await;
    let events = ui.events_with("close").await;
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(kinds, ["ready", "close"], "{events:?}");
    let gone = browser.execute("return document.getElementById('connect-ui') === null;", json!([])).await;
    assert_eq!(gone, true);
}
