//! The demo page (`/`) clicked through as a person would, against the built-in demo provider.

use crate::support::{Session, FLOW_TIMEOUT};
use nango_tests::browser::Browser;
use serde_json::json;

/// Open the demo page, fill the connection id, click Connect; returns the page's window.
async fn click_connect(session: &Session, connection_id: &str) -> String {
    let browser = &session.browser;
    browser.goto(&format!("{}/", session.app.url)).await;
    let ready = "return document.getElementById('status').dataset.state === 'idle' || null;";
    browser.wait_for("the demo page to be ready", ready, json!([]), FLOW_TIMEOUT).await;
    let page = browser.window().await;
    let selected = browser.execute("return document.getElementById('integration').value;", json!([])).await;
    assert_eq!(selected, "demo", "the demo integration is preselected");
    let input = browser.find("#connection-id", FLOW_TIMEOUT).await;
    browser.fill(&input, connection_id).await;
    browser.click(&browser.find("#connect", FLOW_TIMEOUT).await).await;
    page
}

async fn switch_to_popup(browser: &Browser, page: &str) {
    let popup = browser.wait_for_popup(page, FLOW_TIMEOUT).await;
    browser.switch_to(&popup).await;
}

async fn wait_state(browser: &Browser, state: &str) {
    let script = "return document.getElementById('status').dataset.state === arguments[0] || null;";
    browser.wait_for(&format!("status `{state}`"), script, json!([state]), FLOW_TIMEOUT).await;
    // To look at the page: NANGO_TEST_SCREENSHOTS=/some/dir keeps a PNG per final state.
    if let Some(dir) = std::env::var_os("NANGO_TEST_SCREENSHOTS") {
        browser.screenshot(&std::path::Path::new(&dir).join(format!("demo-{state}.png"))).await;
    }
}

#[tokio::test]
async fn demo_page_connects_through_the_consent_page() {
    let session = Session::start().await;
    let browser = &session.browser;
    let page = click_connect(&session, "user-demo-1").await;
    let waiting = browser.execute("return document.getElementById('status').textContent;", json!([])).await;
    assert_eq!(waiting, "Waiting for the popup…");

    switch_to_popup(browser, &page).await;
    browser.click(&browser.find("#approve", FLOW_TIMEOUT).await).await;
    browser.switch_to(&page).await;
    wait_state(browser, "connected").await;

    let details = browser.text(&browser.find("#connection", FLOW_TIMEOUT).await).await;
    assert!(details.contains("user-demo-1"), "{details}");
    assert!(details.contains("OAUTH2"), "{details}");
    assert!(details.contains("stored (encrypted)"), "{details}");
    let html = browser.execute("return document.documentElement.outerHTML;", json!([])).await;
    let token = session.stored_connection("demo", "user-demo-1").await["credentials"]["access_token"].clone();
    let token = token.as_str().expect("an access token");
    assert!(!html.as_str().unwrap_or_default().contains(token), "the token reached the page");
}

#[tokio::test]
async fn demo_page_shows_a_denial() {
    let session = Session::start().await;
    let browser = &session.browser;
    let page = click_connect(&session, "user-demo-2").await;

    switch_to_popup(browser, &page).await;
    browser.click(&browser.find("#deny", FLOW_TIMEOUT).await).await;
    browser.switch_to(&page).await;
    wait_state(browser, "failed").await;

    let error_type = browser.text(&browser.find("#error-type", FLOW_TIMEOUT).await).await;
    assert_eq!(error_type, "provider_denied");
    let message = browser.text(&browser.find("#error-message", FLOW_TIMEOUT).await).await;
    assert!(!message.is_empty());
}

#[tokio::test]
async fn demo_page_connects_with_a_server_minted_connect_session() {
    let session = Session::start().await;
    let browser = &session.browser;
    browser.goto(&format!("{}/", session.app.url)).await;
    let ready = "return document.getElementById('status').dataset.state === 'idle' || null;";
    browser.wait_for("the demo page to be ready", ready, json!([]), FLOW_TIMEOUT).await;
    let page = browser.window().await;
    browser.click(&browser.find("#mode-session", FLOW_TIMEOUT).await).await;
    let minted = "return document.getElementById('status-text').textContent.includes('Connect session ready') || null;";
    browser.wait_for("the page to mint a connect session", minted, json!([]), FLOW_TIMEOUT).await;
    let disabled =
        browser.execute("return document.getElementById('connection-id').disabled;", json!([])).await;
    assert_eq!(disabled, true, "the server picks the connection id in session mode");
    browser.click(&browser.find("#connect", FLOW_TIMEOUT).await).await;

    switch_to_popup(browser, &page).await;
    browser.click(&browser.find("#approve", FLOW_TIMEOUT).await).await;
    browser.switch_to(&page).await;
    wait_state(browser, "connected").await;
    let status = browser.text(&browser.find("#status-text", FLOW_TIMEOUT).await).await;
    let connection_id = status.split('“').nth(1).and_then(|rest| rest.split('”').next()).unwrap_or_default();
    assert!(nango_tests::is_uuid_v4(connection_id), "a server-chosen UUID: {status}");
    let stored = session.stored_connection("demo", connection_id).await;
    assert_eq!(stored["end_user"]["id"], "demo-user", "{stored}");
}
