//! Nango's own frontend SDK, `@nangohq/frontend` (pinned, from npm), unchanged in headless
//! Chromium against the real broker (SPEC §8): its popup learns the outcome over the broker's
//! WebSocket result channel, in both auth models, with Nango's `error_type` names; its
//! credential POSTs resolve without a popup.

use crate::support::FLOW_TIMEOUT;
use nango_tests::browser::Browser;
use nango_tests::nango_clients::FrontendPage;
use nango_tests::{ResponseExt, TestApp, PUBLIC_KEY};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PAGE: &str = include_str!("fixtures/nango-frontend.html");

/// One broker, the app page with `@nangohq/frontend` loaded, and one headless Chromium on it.
struct Frontend {
    app: TestApp,
    browser: Browser,
    _page: FrontendPage,
    main: String,
}

impl Frontend {
    async fn start() -> Self {
        let app = TestApp::spawn().await;
        app.integration("fake", "fake-oauth").await;
        let page = FrontendPage::spawn(PAGE).await;
        let browser = Browser::start().await;
        browser.goto(&page.url(&app.url)).await;
        let what = "@nangohq/frontend to load";
        let ready = browser.wait_for(what, "return window.__ready || null;", json!([]), FLOW_TIMEOUT).await;
        assert_eq!(ready, "ok", "the app page could not load @nangohq/frontend");
        let main = browser.window().await;
        Self { app, browser, _page: page, main }
    }

    /// `new Nango({host, ...config})` in the page.
    async fn use_nango(&self, config: Value) {
        self.browser.switch_to(&self.main).await;
        self.browser.execute("window.useNango(arguments[0]);", json!([config])).await;
    }

    /// Start `nango[method](...args)` under `name`.
    async fn run(&self, name: &str, method: &str, args: Value) {
        self.browser.switch_to(&self.main).await;
        let script = "window.run(arguments[0], arguments[1], arguments[2]);";
        self.browser.execute(script, json!([name, method, args])).await;
    }

    /// The settled outcome of `name`: `{ok: true, value}` or `{ok: false, type, message}`.
    /// A call that does not settle fails with what its WebSocket result channel saw.
    async fn outcome(&self, name: &str) -> Value {
        self.browser.switch_to(&self.main).await;
        let deadline = Instant::now() + FLOW_TIMEOUT;
        loop {
            let script = "return window.__results[arguments[0]] || null;";
            let outcome = self.browser.execute(script, json!([name])).await;
            if !outcome.is_null() {
                return outcome;
            }
            if Instant::now() > deadline {
                let sockets = self.browser.execute("return window.__sockets;", json!([])).await;
                panic!("`{name}` did not settle within {FLOW_TIMEOUT:?}; its WebSockets saw {sockets}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `nango[method](...args)` must resolve; returns what it resolved with.
    async fn resolves(&self, name: &str, method: &str, args: Value) -> Value {
        self.run(name, method, args).await;
        let outcome = self.outcome(name).await;
        assert_eq!(outcome["ok"], true, "`{name}` rejected: {outcome}");
        outcome["value"].clone()
    }

    /// A connect session token for `body` (`POST /connect/sessions`, or `/reconnect`).
    async fn session_token(&self, path: &str, body: Value) -> String {
        let created = self.app.post_json(path, &body).await.assert_status(201).await;
        let created: Value = created.json().await.expect("session JSON");
        created["data"]["token"].as_str().unwrap_or_else(|| panic!("no token: {created}")).to_string()
    }

    async fn stored(&self, integration: &str, connection_id: &str) -> Value {
        self.app.get_connection(integration, connection_id, "").await.assert_success().await
    }
}

fn assert_connected(value: &Value, integration: &str, connection_id: &str) {
    assert_eq!(value["providerConfigKey"], integration, "{value}");
    assert_eq!(value["connectionId"], connection_id, "{value}");
}

#[tokio::test]
async fn credential_posts_resolve_with_a_public_key_and_a_session_token() {
    let nango = Frontend::start().await;
    for (key, provider) in [("keyed", "fake-apikey"), ("basic", "fake-basic")] {
        let body = json!({ "unique_key": key, "provider": provider });
        nango.app.post_json("/integrations", &body).await.assert_success().await;
    }
    nango.use_nango(json!({ "publicKey": PUBLIC_KEY })).await;
    let api_key = json!({ "credentials": { "apiKey": "k-1" } });
    let value = nango.resolves("public key", "auth", json!(["keyed", "user-k", api_key])).await;
    assert_connected(&value, "keyed", "user-k");
    assert_eq!(nango.stored("keyed", "user-k").await["credentials"]["apiKey"], "k-1");

    let token = nango.session_token("/connect/sessions", json!({ "end_user": { "id": "u-1" } })).await;
    nango.use_nango(json!({ "connectSessionToken": token })).await;
    let api_key = json!({ "credentials": { "apiKey": "k-2" } });
    let value = nango.resolves("session key", "auth", json!(["keyed", api_key])).await;
    let id = value["connectionId"].as_str().unwrap_or_else(|| panic!("{value}")).to_string();
    assert_eq!(nango.stored("keyed", &id).await["credentials"]["apiKey"], "k-2");
    let basic = json!({ "credentials": { "username": "ada", "password": "s3cret" } });
    let value = nango.resolves("session basic", "auth", json!(["basic", basic])).await;
    let id = value["connectionId"].as_str().unwrap_or_else(|| panic!("{value}")).to_string();
    let credentials = &nango.stored("basic", &id).await["credentials"];
    assert_eq!((&credentials["username"], &credentials["password"]), (&json!("ada"), &json!("s3cret")));
}
