//! The hosted connect page (`GET /connect`, SPEC §10) as a connect link: opened in a tab of its
//! own (no opener, no app page), at phone width, it lists the session's integrations, checks
//! the declared fields before any redirect, goes to the provider and back (redirect mode), and
//! the flow is visible to the app through the auth webhook and the stored connection; with
//! six integrations or more it has a search box, and it takes API keys and passwords too.

use crate::connect_support::{
    assert_fits, broker, field_error, mint, page_state, phone_size, screenshot, wait_view,
};
use crate::support::FLOW_TIMEOUT;
use nango_tests::browser::Browser;
use nango_tests::{is_uuid_v4, ResponseExt, WebhookReceiver};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn a_connect_link_connects_in_a_tab_of_its_own() {
    let app = broker().await;
    let receiver = WebhookReceiver::spawn().await;
    app.patch_environment(&json!({ "webhook_url": receiver.url() })).await.assert_success().await;
    let body = json!({ "end_user": { "id": "eu-link" }, "allowed_integrations": ["fake", "tenant", "keys"] });
    let (token, link) = mint(&app, body).await;
    assert_eq!(link, format!("{}/connect?session_token={token}", app.url));

    let browser = Browser::start().await;
    phone_size(&browser).await;
    browser.goto(&link).await;
    wait_view(&browser, "list").await;
    assert_fits(&browser).await;
    screenshot(&browser, "list").await;
    let names = browser
        .execute(
            "return [...document.querySelectorAll('.integration .name')].map((e) => e.textContent).sort();",
            json!([]),
        )
        .await;
    assert_eq!(names, json!(["Fake API key", "Fake OAuth", "Fake Tenant"]));
    let opener = browser.execute("return window.opener === null;", json!([])).await;
    assert_eq!(opener, true, "a connect link has no opener");

    browser.click(&browser.find(".integration[data-key=tenant]", FLOW_TIMEOUT).await).await;
    wait_view(&browser, "form").await;
    screenshot(&browser, "form").await;
    let subdomain = browser.find("#field-params-subdomain", FLOW_TIMEOUT).await;
    browser.fill(&subdomain, "not a subdomain!").await;
    browser.click(&browser.find("#submit", FLOW_TIMEOUT).await).await;
    let error = field_error(&browser, "subdomain").await;
    assert!(error.starts_with("Subdomain is not valid"), "{error}");
    assert!(error.contains("acme"), "the error shows the example: {error}");
    screenshot(&browser, "form-invalid").await;
    assert_eq!(page_state(&browser).await["view"], "form");
    assert!(app.provider.authorize_requests().is_empty(), "an invalid field started a flow");

    browser.fill(&subdomain, "acme").await;
    browser.click(&browser.find("#submit", FLOW_TIMEOUT).await).await;
    wait_view(&browser, "success").await;
    assert_fits(&browser).await;
    screenshot(&browser, "success").await;
    let text = browser.text(&browser.find("#success-text", FLOW_TIMEOUT).await).await;
    assert!(text.starts_with("Fake Tenant is connected."), "{text}");
    // Redirect mode brought the page back: the result is read and gone from the address bar.
    let url = browser.current_url().await;
    assert!(url.starts_with(&format!("{}/connect?session_token=", app.url)), "{url}");
    assert!(!url.contains("success=") && !url.contains("connection_id="), "{url}");
    let authorize = app.provider.authorize_requests();
    assert_eq!(authorize.len(), 1, "{authorize:?}");

    // The app learns it from the auth webhook, and reads the connection with the end user.
    let hook: Value = serde_json::from_str(&receiver.next(Duration::from_secs(10)).await.body).unwrap();
    assert_eq!(hook["success"], true, "{hook}");
    assert_eq!(hook["providerConfigKey"], "tenant", "{hook}");
    assert_eq!(hook["endUser"]["id"], "eu-link", "{hook}");
    let connection_id = hook["connectionId"].as_str().expect("a connection id").to_string();
    assert!(is_uuid_v4(&connection_id), "{connection_id}");
    let stored = app.get_connection("tenant", &connection_id, "").await.assert_success().await;
    assert_eq!(stored["end_user"]["id"], "eu-link", "{stored}");
    assert_eq!(stored["connection_config"]["subdomain"], "acme", "{stored}");
    // The session is still readable by its bearer (the page used it, did not end it).
    let session = app
        .client
        .get(format!("{}/connect/session", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET /connect/session");
    assert_eq!(session.status(), 200);
}

#[tokio::test]
async fn the_page_stores_api_key_credentials_and_shows_a_denial_with_retry() {
    let app = broker().await;
    let (_, link) = mint(&app, json!({ "end_user": { "id": "eu-keys" } })).await;
    let browser = Browser::start().await;
    browser.goto(&link).await;
    wait_view(&browser, "list").await;
    browser.click(&browser.find(".integration[data-key=keys]", FLOW_TIMEOUT).await).await;
    wait_view(&browser, "form").await;
    browser.click(&browser.find("#submit", FLOW_TIMEOUT).await).await;
    let script = "const e = document.getElementById('field-credentials-apiKey-error'); \
                  return e && !e.hidden ? e.textContent : null;";
    let error = browser.wait_for("the API key error", script, json!([]), FLOW_TIMEOUT).await;
    assert_eq!(error, "API key is required.");
    browser.fill(&browser.find("#field-credentials-apiKey", FLOW_TIMEOUT).await, "sk-test-123").await;
    browser.click(&browser.find("#submit", FLOW_TIMEOUT).await).await;
    wait_view(&browser, "success").await;
    let listed = app.get("/connections?endUserId=eu-keys").await.assert_success().await;
    let connection_id = listed["connections"][0]["connection_id"].as_str().expect("listed").to_string();
    let stored = app.get_connection("keys", &connection_id, "").await.assert_success().await;
    assert_eq!(stored["credentials"]["type"], "API_KEY", "{stored}");
    assert_eq!(stored["credentials"]["apiKey"], "sk-test-123", "{stored}");

    // The provider says no: the page shows why, and "Try again" leads back to the form.
    app.provider.settings().deny = Some(("access_denied".into(), "The user said no".into()));
    browser.goto(&link).await;
    wait_view(&browser, "list").await;
    browser.click(&browser.find(".integration[data-key=fake]", FLOW_TIMEOUT).await).await;
    wait_view(&browser, "form").await;
    browser.click(&browser.find("#submit", FLOW_TIMEOUT).await).await;
    wait_view(&browser, "error").await;
    screenshot(&browser, "error").await;
    let state = page_state(&browser).await;
    assert_eq!(state["type"], "provider_denied", "{state}");
    assert!(state["message"].as_str().unwrap_or_default().contains("The user said no"), "{state}");
    browser.click(&browser.find("#retry", FLOW_TIMEOUT).await).await;
    wait_view(&browser, "form").await;
}

#[tokio::test]
async fn a_link_with_an_unknown_or_no_session_says_what_to_do() {
    let app = broker().await;
    let browser = Browser::start().await;
    let unknown = format!("{}/connect?session_token=nango_connect_session_{}", app.url, "0".repeat(64));
    browser.goto(&unknown).await;
    wait_view(&browser, "error").await;
    let state = page_state(&browser).await;
    assert_eq!(state["type"], "unknown_connect_session_token", "{state}");
    assert!(state["message"].as_str().unwrap_or_default().contains("Ask the app for a new one"), "{state}");
    screenshot(&browser, "error-session").await;
    // `?theme=dark` (Connect UI's `themeOverride`) wins over the browser's light preference.
    browser.goto(&format!("{unknown}&theme=dark")).await;
    wait_view(&browser, "error").await;
    let background =
        browser.execute("return getComputedStyle(document.body).backgroundColor;", json!([])).await;
    assert_eq!(background, "rgb(15, 17, 21)", "the dark theme's background");
    screenshot(&browser, "error-dark").await;

    browser.goto(&format!("{}/connect", app.url)).await;
    wait_view(&browser, "error").await;
    assert_eq!(page_state(&browser).await["type"], "missing_connect_session_token");
}

#[tokio::test]
async fn many_integrations_are_searched_and_a_password_form_stores_basic_credentials() {
    let app = broker().await;
    for (key, provider) in [("basic", "fake-basic"), ("extra-1", "fake-apikey"), ("extra-2", "fake-apikey")] {
        let body = json!({ "unique_key": key, "provider": provider });
        app.post_json("/integrations", &body).await.assert_success().await;
    }
    let (_, link) = mint(&app, json!({ "end_user": { "id": "eu-basic" } })).await;
    let browser = Browser::start().await;
    browser.goto(&link).await;
    wait_view(&browser, "list").await;
    let visible =
        "return [...document.querySelectorAll('.integration')].filter((e) => !e.parentElement.hidden) \
                   .map((e) => e.dataset.key).sort();";
    let all = browser.execute(visible, json!([])).await;
    assert_eq!(all, json!(["basic", "extra-1", "extra-2", "fake", "keys", "tenant"]));
    // From six integrations on, the list has a search box, and the keyboard focus starts there.
    let search = browser.find("#search", FLOW_TIMEOUT).await;
    assert_eq!(browser.execute("return document.activeElement.id;", json!([])).await, "search");
    browser.fill(&search, "Username").await;
    assert_eq!(browser.execute(visible, json!([])).await, json!(["basic"]), "the search filters by name");
    screenshot(&browser, "search").await;

    browser.click(&browser.find(".integration[data-key=basic]", FLOW_TIMEOUT).await).await;
    wait_view(&browser, "form").await;
    let password_type = "return document.getElementById('field-credentials-password').type;";
    assert_eq!(browser.execute(password_type, json!([])).await, "password", "the password is masked");
    browser.fill(&browser.find("#field-credentials-username", FLOW_TIMEOUT).await, "ada").await;
    browser.fill(&browser.find("#field-credentials-password", FLOW_TIMEOUT).await, "s3cret").await;
    browser.click(&browser.find("#submit", FLOW_TIMEOUT).await).await;
    wait_view(&browser, "success").await;
    let listed = app.get("/connections?endUserId=eu-basic").await.assert_success().await;
    let connection_id = listed["connections"][0]["connection_id"].as_str().expect("listed").to_string();
    let stored = app.get_connection("basic", &connection_id, "").await.assert_success().await;
    assert_eq!(stored["credentials"]["type"], "BASIC", "{stored}");
    assert_eq!(stored["credentials"]["username"], "ada", "{stored}");
    assert_eq!(stored["credentials"]["password"], "s3cret", "{stored}");
}
