//! The popup's channels: the flow-status fallback when COOP severs `window.opener`, a popup the
//! user closes, a second `auth()` during a flow, and forged messages that must be ignored. Each
//! runs in Chromium and in Firefox.

use crate::support::{Session, FLOW_TIMEOUT};
use nango_tests::browser::Engine;
use serde_json::json;
use std::time::Duration;

nango_tests::in_each_browser!(
    resolves_when_a_provider_page_sends_coop,
    closing_a_waiting_popup_rejects_with_window_closed,
    closing_the_popup_before_it_loads_rejects_with_window_closed,
    second_auth_during_a_flow_is_flow_in_progress,
    forged_messages_are_ignored,
);

async fn resolves_when_a_provider_page_sends_coop(engine: Engine) {
    let session = Session::start_in(engine).await;
    session.integration("fake", "fake-oauth").await;
    session.callback_url(&session.provider_pages.coop_url()).await;

    session.auth("a", "fake", "user-coop", json!({})).await;
    session.expect_success("a", "fake", "user-coop").await;
    session.stored_connection("fake", "user-coop").await;
}

async fn closing_a_waiting_popup_rejects_with_window_closed(engine: Engine) {
    let session = Session::start_in(engine).await;
    session.integration("fake", "fake-oauth").await;
    session.callback_url(&session.provider_pages.wait_url()).await;

    session.auth("a", "fake", "user-1", json!({})).await;
    session.popup().await;
    session.browser.find("#continue", FLOW_TIMEOUT).await;
    assert!(session.outcome_now("a").await.is_null(), "settled before the user did anything");
    session.popup().await;
    session.browser.close_window().await;

    // SPEC §1: `window_closed` once the popup is gone and the flow did not finish. The flow
    // record is pending here (the popup reached the provider's side). The SDK counts a popup
    // as gone when `closed` reads true and the opener has held the focus for its grace period
    // (headless Chromium reports every window as focused, so there that is the grace alone;
    // headless Firefox gives the popup the focus while it is open and the app page it back
    // once it closed, as a desktop does).
    session.expect_error("a", "window_closed").await;
}

async fn closing_the_popup_before_it_loads_rejects_with_window_closed(engine: Engine) {
    let session = Session::start_in(engine).await;
    session.integration("fake", "fake-oauth").await;

    // The user closes the popup at once, before it loaded anything from the broker. A real
    // window closed that early may still send its first request, so the page's `window.open`
    // hands the SDK a stand-in that reads closed and never navigates.
    session.browser.execute("window.__closePopupAtOnce = true;", json!([])).await;
    session.auth("a", "fake", "user-1", json!({})).await;

    session.expect_error("a", "window_closed").await;
    let flow = session.flow_id().await;
    assert_eq!(session.app.flow_status(&flow).await["error"]["code"], "unknown_flow");
}

async fn second_auth_during_a_flow_is_flow_in_progress(engine: Engine) {
    let session = Session::start_in(engine).await;
    session.integration("fake", "fake-oauth").await;
    session.callback_url(&session.provider_pages.wait_url()).await;

    session.auth("first", "fake", "user-1", json!({})).await;
    session.popup().await;
    let proceed = session.browser.find("#continue", FLOW_TIMEOUT).await;
    session.auth("second", "fake", "user-2", json!({})).await;
    session.expect_error("second", "flow_in_progress").await;

    // The first flow is unharmed and completes.
    session.popup().await;
    session.browser.click(&proceed).await;
    session.expect_success("first", "fake", "user-1").await;
}

async fn forged_messages_are_ignored(engine: Engine) {
    let session = Session::start_in(engine).await;
    session.integration("fake", "fake-oauth").await;
    session.callback_url(&session.provider_pages.wait_url()).await;

    session.auth("a", "fake", "user-real", json!({})).await;
    let flow = session.flow_id().await;
    // Count the forged messages the app page receives. Listeners run in the order they were
    // added, and this one comes after the SDK's (added when `auth()` started its flow): once it
    // has seen a message, the SDK has handled it, and a promise it settled has run its `then`.
    let count = "window.__forged = 0; window.addEventListener('message', (event) => { \
                 if (event.data && event.data.connectionId === 'user-forged') window.__forged += 1; });";
    session.browser.execute(count, json!([])).await;
    let forged = json!({
        "type": "nango_oauth_result", "flow": flow, "success": true,
        "providerConfigKey": "fake", "connectionId": "user-forged",
    });

    // From the popup window, but while it shows another origin (the provider's).
    let popup = session.popup().await;
    let proceed = session.browser.find("#continue", FLOW_TIMEOUT).await;
    session.browser.execute("window.opener.postMessage(arguments[0], '*');", json!([forged])).await;

    // From the app page itself (right origin for nothing, wrong window).
    session.browser.switch_to(&session.main).await;
    session.browser.execute("window.postMessage(arguments[0], '*');", json!([forged])).await;

    // From another window on the broker's origin (right origin, wrong window).
    let script = "window.__other = window.open(arguments[0] + '/health', 'other'); return true;";
    session.browser.execute(script, json!([session.app.url])).await;
    let other = wait_for_third_window(&session, &popup).await;
    session.browser.switch_to(&other).await;
    session.browser.execute("window.opener.postMessage(arguments[0], '*');", json!([forged])).await;
    session.browser.close_window().await;

    session.browser.switch_to(&session.main).await;
    let delivered = "return window.__forged >= 3 ? window.__forged : null;";
    session.browser.wait_for("the three forged messages to arrive", delivered, json!([]), FLOW_TIMEOUT).await;
    let now = session.outcome_now("a").await;
    assert!(now.is_null(), "a forged message settled the flow: {now}");

    // The real answer still arrives.
    session.browser.switch_to(&popup).await;
    session.browser.click(&proceed).await;
    session.expect_success("a", "fake", "user-real").await;
}

async fn wait_for_third_window(session: &Session, popup: &str) -> String {
    let deadline = std::time::Instant::now() + FLOW_TIMEOUT;
    loop {
        let windows = session.browser.windows().await;
        if let Some(other) = windows.into_iter().find(|h| h != &session.main && h != popup) {
            return other;
        }
        assert!(std::time::Instant::now() < deadline, "the other window did not open");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
