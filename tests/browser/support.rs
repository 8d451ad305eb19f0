//! `Session`: one broker (`TestApp` serving the BUILT SDK package), one app page on its own
//! origin, provider-side pages, and one headless browser (Chromium unless a test picks Firefox) on
//! the app page with the SDK loaded.

use crate::pages::{AppPage, ProviderPages};
use nango_tests::browser::{Browser, Engine};
use nango_tests::{ResponseExt, TestApp, PUBLIC_KEY};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

/// How long a flow may take in a test before it counts as hanging.
pub const FLOW_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Session {
    pub app: TestApp,
    pub browser: Browser,
    /// Serves the app pages for as long as the session lives.
    pub page: AppPage,
    pub provider_pages: ProviderPages,
    /// The app page's window handle.
    pub main: String,
}

/// The built npm package (`cargo xtask build-sdk` writes it); the suite refuses to run without it.
pub fn sdk_dir() -> PathBuf {
    // `cargo test` sets the variable at run time: the checkout being tested, even when the
    // binary was built in another one sharing the target directory.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let dir = manifest_dir.join("../sdk-wasm/pkg");
    for file in ["nango.js", "nango_bg.wasm", "package.json"] {
        assert!(
            dir.join(file).is_file(),
            "the SDK package is not built ({} has no {file}): run `cargo xtask build-sdk` first",
            dir.display()
        );
    }
    dir
}

impl Session {
    pub async fn start() -> Self {
        Self::start_with(TestApp::builder()).await
    }

    /// Like `start`, in the browser `engine` (Chromium or Firefox).
    pub async fn start_in(engine: Engine) -> Self {
        Self::start_with_in(TestApp::builder(), engine).await
    }

    /// Like `start`, on an app with more settings or catalog entries (`.providers(..)`).
    pub async fn start_with(builder: nango_tests::app::Builder) -> Self {
        Self::start_with_in(builder, Engine::Chromium).await
    }

    pub async fn start_with_in(builder: nango_tests::app::Builder, engine: Engine) -> Self {
        let sdk_dir = sdk_dir();
        // The demo page and its provider are part of what the suite clicks through.
        let app = builder.demo().var("NANGO_SDK_DIR", &sdk_dir.display().to_string()).spawn().await;
        let page = AppPage::spawn().await;
        let provider_pages = ProviderPages::spawn(app.callback_url()).await;
        let browser = Browser::launch(engine).await;
        browser.goto(&page.url(&app.url, PUBLIC_KEY)).await;
        let ready = browser
            .wait_for("the SDK to load", "return window.__ready || null;", json!([]), FLOW_TIMEOUT)
            .await;
        assert_eq!(ready, "ok", "the app page could not load the SDK");
        let main = browser.window().await;
        Self { app, browser, page, provider_pages, main }
    }

    /// Create an OAuth integration `key` for a test provider (`fake-oauth`, `fake-subdomain`, ...).
    pub async fn integration(&self, key: &str, provider: &str) {
        self.app.integration(key, provider).await;
    }

    /// Use a custom callback URL (one of `provider_pages`) for the environment.
    pub async fn callback_url(&self, url: &str) {
        self.app.patch_environment(&json!({ "callback_url": url })).await.assert_success().await;
    }

    /// Start `nango.auth(integration, connection_id, options)` in the page under `name`.
    pub async fn auth(&self, name: &str, integration: &str, connection_id: &str, options: Value) {
        self.browser.switch_to(&self.main).await;
        self.browser
            .execute(
                "window.runAuth(arguments[0], arguments[1], arguments[2], arguments[3]);",
                json!([name, integration, connection_id, options]),
            )
            .await;
    }

    /// Replace the page's SDK instance with `new Nango({host, ...options})`
    /// (`{"connectSessionToken": ..}`, `{}`, ...).
    pub async fn new_nango(&self, options: Value) {
        self.browser.switch_to(&self.main).await;
        self.browser.execute("window.newNango(arguments[0]);", json!([options])).await;
    }

    /// Start `nango[method](...args)` in the page under `name` (`auth` with any arguments, or
    /// `reconnect`).
    pub async fn run(&self, name: &str, method: &str, args: Value) {
        self.browser.switch_to(&self.main).await;
        self.browser
            .execute("window.run(arguments[0], arguments[1], arguments[2]);", json!([name, method, args]))
            .await;
    }

    /// A connect session token from `POST {path}` (`/connect/sessions` or
    /// `/connect/sessions/reconnect`) with the secret key, as the app's backend mints it.
    pub async fn mint_session(&self, path: &str, body: Value) -> String {
        let response = self.app.post_json(path, &body).await.assert_status(201).await;
        let created: Value = response.json().await.expect("a JSON answer");
        created["data"]["token"].as_str().expect("a session token").to_string()
    }

    /// The settled outcome of the call `name`: `{ok: true, value}` or `{ok: false, type, message}`.
    pub async fn outcome(&self, name: &str) -> Value {
        self.browser.switch_to(&self.main).await;
        let what = format!("auth() call `{name}` to settle");
        let script = "return window.__results[arguments[0]] || null;";
        self.browser.wait_for(&what, script, json!([name]), FLOW_TIMEOUT).await
    }

    /// The outcome of `name` right now, without waiting (`null` while pending).
    pub async fn outcome_now(&self, name: &str) -> Value {
        self.browser.switch_to(&self.main).await;
        self.browser.execute("return window.__results[arguments[0]] || null;", json!([name])).await
    }

    /// Assert the call resolved with `{providerConfigKey, connectionId}`.
    pub async fn expect_success(&self, name: &str, integration: &str, connection_id: &str) {
        let outcome = self.outcome(name).await;
        assert_eq!(outcome["ok"], true, "auth() `{name}` failed: {outcome}");
        assert_eq!(
            outcome["value"],
            json!({ "providerConfigKey": integration, "connectionId": connection_id }),
            "auth() `{name}` resolved with the wrong value"
        );
    }

    /// Assert the call rejected with an `AuthError` of `error_type`; returns its message.
    pub async fn expect_error(&self, name: &str, error_type: &str) -> String {
        let outcome = self.outcome(name).await;
        assert_eq!(outcome["ok"], false, "auth() `{name}` resolved, expected `{error_type}`: {outcome}");
        assert_eq!(outcome["type"], error_type, "auth() `{name}` rejected with the wrong type: {outcome}");
        assert_eq!(outcome["isAuthError"], true, "not an AuthError: {outcome}");
        assert_eq!(outcome["isError"], true, "AuthError is not an Error: {outcome}");
        let message = outcome["message"].as_str().unwrap_or_default().to_string();
        assert!(!message.is_empty(), "AuthError `{error_type}` without a message");
        message
    }

    /// The id of the running flow, from the SDK's `GET {host}/oauth/flows/{flow}` polls.
    pub async fn flow_id(&self) -> String {
        self.browser.switch_to(&self.main).await;
        let script = "const url = window.__fetched.find((u) => u.includes('/oauth/flows/')); \
                      return url ? url.split('/oauth/flows/')[1].split(/[?#]/)[0] : null;";
        let flow = self.browser.wait_for("the SDK to poll its flow", script, json!([]), FLOW_TIMEOUT).await;
        flow.as_str().expect("flow id").to_string()
    }

    /// Switch to the popup window (waiting for it to open).
    pub async fn popup(&self) -> String {
        let popup = self.browser.wait_for_popup(&self.main, FLOW_TIMEOUT).await;
        self.browser.switch_to(&popup).await;
        popup
    }

    /// Wait until only the app page's window is left (the popup closed itself).
    pub async fn wait_popup_closed(&self) {
        let deadline = std::time::Instant::now() + FLOW_TIMEOUT;
        while self.browser.windows().await.len() > 1 {
            assert!(std::time::Instant::now() < deadline, "the popup did not close");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.browser.switch_to(&self.main).await;
    }

    /// `GET /connection/:id` with the secret key, as the app's backend would.
    pub async fn stored_connection(&self, integration: &str, connection_id: &str) -> Value {
        self.app.get_connection(integration, connection_id, "").await.assert_success().await
    }
}
