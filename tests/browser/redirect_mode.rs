//! Redirect mode through our SDK (SPEC §10): `auth(key, id, {mode: "redirect"})` sends the app
//! page itself to the provider, and it comes back with the outcome in its query, which
//! `handleRedirect()` reads (typed result, or an `AuthError`) and removes from the address bar.
//! A `return_to` outside `allowed_origins`, or any with an empty list, is refused on a page
//! saying why.

use crate::support::{sdk_dir, FLOW_TIMEOUT};
use axum::response::Html;
use axum::routing::get;
use nango_tests::browser::Browser;
use nango_tests::{ResponseExt, TestApp, PUBLIC_KEY};
use serde_json::{json, Value};

const PAGE: &str = include_str!("fixtures/redirect.html");

struct Redirecting {
    app: TestApp,
    browser: Browser,
    page_url: String,
}

impl Redirecting {
    async fn start() -> Self {
        let app = TestApp::builder().var("NANGO_SDK_DIR", &sdk_dir().display().to_string()).spawn().await;
        app.integration("fake", "fake-oauth").await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the app page");
        let addr = listener.local_addr().expect("app page address");
        let router = axum::Router::new().route("/", get(|| async { Html(PAGE) }));
        tokio::spawn(async move { axum::serve(listener, router).await });
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("host", &app.url)
            .append_pair("key", PUBLIC_KEY)
            .finish();
        let page_url = format!("http://{addr}/?{query}");
        let browser = Browser::start().await;
        Self { app, browser, page_url }
    }

    fn origin(&self) -> String {
        url::Url::parse(&self.page_url).unwrap().origin().ascii_serialization()
    }

    async fn allow(&self, origins: Value) {
        self.app.patch_environment(&json!({ "allowed_origins": origins })).await.assert_success().await;
    }

    /// Load the app page; returns what `handleRedirect()` gave on this load.
    async fn load(&self) -> Value {
        self.browser.goto(&self.page_url).await;
        self.returned().await
    }

    async fn returned(&self) -> Value {
        let script = "return window.__ready ? [window.__ready, window.__returned] : null;";
        let loaded = self.browser.wait_for("the app page", script, json!([]), FLOW_TIMEOUT).await;
        assert_eq!(loaded[0], "ok", "{loaded}");
        loaded[1].clone()
    }

    async fn go(&self, connection_id: &str) {
        // The mark stays on this document only: `back` knows the page it reads is a new one.
        self.browser
            .execute("window.__left = true; window.go('fake', arguments[0], {});", json!([connection_id]))
            .await;
    }

    /// Wait until the browser is on a new page of the app again, then read `handleRedirect()`.
    async fn back(&self) -> Value {
        let script = "return location.href.startsWith(arguments[0]) && window.__left === undefined \
                      && window.__returned !== undefined \
                      && document.readyState === 'complete' && window.__search !== undefined ? true : null;";
        let origin = self.origin();
        self.browser.wait_for("the way back to the app", script, json!([origin]), FLOW_TIMEOUT).await;
        self.returned().await
    }
}

#[tokio::test]
async fn the_app_page_leaves_and_comes_back_with_the_result() {
    let page = Redirecting::start().await;
    page.allow(json!([page.origin()])).await;
    assert_eq!(page.load().await, json!({ "ok": true, "value": null }), "no result before any flow");
    page.go("user-redirect").await;
    let returned = page.back().await;
    let expected = json!({ "providerConfigKey": "fake", "connectionId": "user-redirect" });
    assert_eq!(returned, json!({ "ok": true, "value": expected }));
    // The result is gone from the address bar; the page's own query stays.
    let url = page.browser.current_url().await;
    assert!(url.starts_with(&page.page_url) && !url.contains("success"), "{url}");
    assert_eq!(page.browser.windows().await.len(), 1, "no popup");
    page.app.get_connection("fake", "user-redirect", "").await.assert_success().await;

    // A denial comes back as an AuthError.
    page.app.provider.settings().deny = Some(("access_denied".into(), "not today".into()));
    page.go("user-denied").await;
    let returned = page.back().await;
    assert_eq!(returned["ok"], false, "{returned}");
    assert_eq!(returned["type"], "provider_denied", "{returned}");
    assert_eq!(returned["isAuthError"], true, "{returned}");
    assert!(returned["message"].as_str().unwrap_or_default().contains("not today"), "{returned}");
}

#[tokio::test]
async fn a_return_to_outside_the_allowed_origins_is_refused_with_a_page_saying_why() {
    let page = Redirecting::start().await;
    for (origins, says) in [
        (json!(["https://elsewhere.example"]), "which is not in the environment's allowed origins"),
        (json!([]), "lists none"),
    ] {
        page.allow(origins).await;
        page.load().await;
        page.go("user-refused").await;
        let script = "return location.href.startsWith(arguments[0]) && document.body \
                      && document.body.textContent.includes('Connection failed') ? document.body.textContent : null;";
        let text =
            page.browser.wait_for("the refusal page", script, json!([page.app.url]), FLOW_TIMEOUT).await;
        let text = text.as_str().unwrap_or_default();
        assert!(text.contains(says), "{text}");
        assert!(text.contains("you stay here"), "{text}");
    }
    assert!(page.app.provider.authorize_requests().is_empty(), "a refused return_to started a flow");
}
