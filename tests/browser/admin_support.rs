//! `Console`: a broker (with the demo provider) and a headless Chromium signed in to its
//! admin console (`/admin/`), with helpers to wait for the views and write screenshots on
//! demand (`NANGO_TEST_SCREENSHOTS=/some/dir`).

use nango_tests::browser::Browser;
use nango_tests::{TestApp, SECRET_KEY};
use serde_json::{json, Value};
use std::time::Duration;

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Console {
    pub app: TestApp,
    pub browser: Browser,
}

impl Console {
    /// A demo-enabled broker and a browser on the console's sign-in page (not signed in).
    pub async fn start() -> Self {
        Self::start_with(TestApp::builder()).await
    }

    /// `start` on an app with more settings.
    pub async fn start_with(builder: nango_tests::app::Builder) -> Self {
        let app = builder.demo().spawn().await;
        let browser = Browser::start().await;
        browser.goto(&format!("{}/admin/", app.url)).await;
        let console = Self { app, browser };
        console
            .wait_for("the sign-in page", "return document.getElementById('secret-key') ? true : null;")
            .await;
        console
    }

    /// `start`, then sign in with the right key.
    pub async fn signed_in() -> Self {
        let console = Self::start().await;
        console.sign_in(SECRET_KEY).await;
        console
            .wait_for(
                "the console after sign-in",
                "return document.getElementById('top').hidden ? null : true;",
            )
            .await;
        console
    }

    pub async fn sign_in(&self, key: &str) {
        let input = self.browser.find("#secret-key", TIMEOUT).await;
        self.browser.fill(&input, key).await;
        self.browser.click(&self.browser.find("#sign-in", TIMEOUT).await).await;
    }

    /// Poll `script` (a function body) until it returns something other than null.
    pub async fn wait_for(&self, what: &str, script: &str) -> Value {
        self.browser.wait_for(what, script, json!([]), TIMEOUT).await
    }

    /// Wait until the element `selector` exists and its text contains `text`; returns the text.
    pub async fn wait_text(&self, selector: &str, text: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); \
                      return e && e.textContent.includes(arguments[1]) ? e.textContent : null;";
        let found = self
            .browser
            .wait_for(&format!("`{text}` in {selector}"), script, json!([selector, text]), TIMEOUT)
            .await;
        found.as_str().unwrap_or_default().to_string()
    }

    /// Open a view (`#/connections`, ...) afresh and wait until its heading is `heading`.
    /// Going to the URL the window already shows would only scroll to the fragment and keep
    /// the rendered page (with its notices), so the window leaves it first.
    pub async fn open(&self, hash: &str, heading: &str) {
        self.browser.goto("about:blank").await;
        self.browser.goto(&format!("{}/admin/{hash}", self.app.url)).await;
        self.wait_heading(heading).await;
    }

    pub async fn wait_heading(&self, heading: &str) {
        let script = "const h = document.querySelector('main h1'); \
                      return h && h.textContent.includes(arguments[0]) ? true : null;";
        self.browser.wait_for(&format!("the heading `{heading}`"), script, json!([heading]), TIMEOUT).await;
    }

    pub async fn click(&self, selector: &str) {
        self.browser.click(&self.browser.find(selector, TIMEOUT).await).await;
    }

    pub async fn fill(&self, selector: &str, text: &str) {
        self.browser.fill(&self.browser.find(selector, TIMEOUT).await, text).await;
    }

    /// A value set by script (textareas with JSON, checkboxes): `element.value = text`.
    pub async fn set_value(&self, selector: &str, text: &str) {
        self.browser.find(selector, TIMEOUT).await;
        self.browser
            .execute("document.querySelector(arguments[0]).value = arguments[1];", json!([selector, text]))
            .await;
    }

    /// With `NANGO_TEST_SCREENSHOTS=/dir`, a PNG of the current window as `admin-{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("NANGO_TEST_SCREENSHOTS") {
            let dir = std::path::Path::new(&dir);
            std::fs::create_dir_all(dir).expect("screenshot dir");
            self.browser.screenshot(&dir.join(format!("admin-{name}.png"))).await;
        }
    }

    /// Confirm the open `<dialog>` (delete confirmations); returns its text.
    pub async fn confirm(&self) -> String {
        let text = self
            .wait_for(
                "a confirmation dialog",
                "const d = document.querySelector('dialog[open]'); return d ? d.textContent : null;",
            )
            .await;
        self.click("#confirm-action").await;
        text.as_str().unwrap_or_default().to_string()
    }
}
