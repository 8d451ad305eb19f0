//! The admin console's sign-in (SPEC §14) over HTTP: the secret key for a session cookie
//! (flags, expiry, revocation by sign-out), the CSRF defence of cookie-authenticated state
//! changes, rate-limited wrong keys, the console's files and headers, the keys reveal and the
//! callback URL self-test.

use nango_tests::{Redirector, ResponseExt, TestApp, PUBLIC_KEY, SECRET_KEY};
use reqwest::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, SET_COOKIE};
use reqwest::{Method, Response};
use serde_json::{json, Value};

/// A signed-in console: the cookie's `name=value` and the CSRF token.
struct Console {
    cookie: String,
    csrf: String,
    set_cookie: String,
}

async fn sign_in(app: &TestApp, key: &str) -> Response {
    app.client
        .post(format!("{}/admin/session", app.url))
        .json(&json!({ "secret_key": key }))
        .send()
        .await
        .unwrap()
}

async fn console(app: &TestApp) -> Console {
    let response = sign_in(app, SECRET_KEY).await.assert_status(200).await;
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    Console { cookie, csrf: body["csrf_token"].as_str().unwrap().to_string(), set_cookie }
}

fn with_cookie(app: &TestApp, console: &Console, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client.request(method, format!("{}{path}", app.url)).header("Cookie", &console.cookie)
}

#[tokio::test]
async fn the_secret_key_becomes_an_http_only_strict_cookie() {
    let app = TestApp::spawn().await;
    let console = console(&app).await;
    let flags = &console.set_cookie;
    assert!(console.cookie.starts_with("nango_admin_session=nango_admin_"), "{flags}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(flags.contains(flag), "`{flag}` in {flags}");
    }
    assert!(!flags.contains("Secure"), "plain http: no Secure flag ({flags})");
    assert!(!flags.contains(SECRET_KEY), "the key is not the cookie");
    let session = with_cookie(&app, &console, Method::GET, "/admin/session").send().await.unwrap();
    let session = session.assert_success().await;
    assert_eq!(session["csrf_token"], console.csrf.as_str(), "a reload gets the same CSRF token");
    // The cookie reads the REST API like the secret key does.
    let listed = with_cookie(&app, &console, Method::GET, "/integrations").send().await.unwrap();
    assert!(listed.assert_success().await["data"].is_array());
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_rate_limited() {
    let app = TestApp::builder().var("NANGO_RATE_LIMIT_WRONG_SECRET_KEYS_PER_MINUTE", "2").spawn().await;
    for _ in 0..2 {
        let response = sign_in(&app, "not-the-key").await;
        assert!(response.headers().get(SET_COOKIE).is_none(), "no cookie for a wrong key");
        assert_eq!(response.assert_error(401).await, "unknown_account");
    }
    let limited = sign_in(&app, "not-the-key").await;
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(limited.assert_error(429).await, "rate_limited");
    assert_eq!(
        sign_in(&app, PUBLIC_KEY).await.assert_error(429).await,
        "rate_limited",
        "blocked, even a right-looking key"
    );
}

#[tokio::test]
async fn state_changes_by_cookie_need_the_csrf_token_and_the_same_origin() {
    let app = TestApp::spawn().await;
    let console = console(&app).await;
    let body = json!({ "unique_key": "csrf-test", "provider": "fake-oauth" });
    let post = || with_cookie(&app, &console, Method::POST, "/integrations").json(&body);

    let missing = post().send().await.unwrap();
    assert_eq!(missing.assert_error(403).await, "invalid_csrf_token");
    let wrong = post().header("X-Nango-Csrf", "0".repeat(64)).send().await.unwrap();
    assert_eq!(wrong.assert_error(403).await, "invalid_csrf_token");
    let cross_site = post()
        .header("X-Nango-Csrf", &console.csrf)
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.assert_error(403).await, "invalid_csrf_token");
    app.get("/integrations/csrf-test").await.assert_error(404).await;

    let same_origin = post()
        .header("X-Nango-Csrf", &console.csrf)
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();
    same_origin.assert_success().await;
    // Bearer requests are unchanged: no CSRF token needed.
    app.patch_json("/integrations/csrf-test", &json!({ "display_name": "Bearer" }))
        .await
        .assert_success()
        .await;
}

#[tokio::test]
async fn sign_out_revokes_the_session() {
    let app = TestApp::spawn().await;
    let console = console(&app).await;
    let without_csrf = with_cookie(&app, &console, Method::DELETE, "/admin/session").send().await.unwrap();
    assert_eq!(without_csrf.assert_error(403).await, "invalid_csrf_token", "sign-out is a state change too");
    let out = with_cookie(&app, &console, Method::DELETE, "/admin/session")
        .header("X-Nango-Csrf", &console.csrf)
        .send()
        .await
        .unwrap()
        .assert_status(204)
        .await;
    assert!(out.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"), "the cookie is cleared");
    let after = with_cookie(&app, &console, Method::GET, "/integrations").send().await.unwrap();
    assert_eq!(after.assert_error(401).await, "unknown_account", "the old cookie is useless");
}

#[tokio::test]
async fn the_console_page_has_a_strict_csp_and_embedded_assets() {
    let app = TestApp::spawn().await;
    let redirect =
        app.client.get(format!("{}/admin", app.url)).send().await.unwrap().assert_status(308).await;
    assert_eq!(redirect.headers()["location"], "/admin/");
    let page = app.client.get(format!("{}/admin/", app.url)).send().await.unwrap().assert_status(200).await;
    let csp = page.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    for directive in
        ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"]
    {
        assert!(csp.contains(directive), "`{directive}` in {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(page.headers()[REFERRER_POLICY], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("/admin/assets/app.js") && !html.contains("<script>"), "no inline script");
    for file in [
        "app.js",
        "api.js",
        "ui.js",
        "integrations.js",
        "connections.js",
        "connection.js",
        "environment.js",
        "webhooks.js",
        "admin.css",
    ] {
        let asset = app.client.get(format!("{}/admin/assets/{file}", app.url)).send().await.unwrap();
        let asset = asset.assert_status(200).await;
        assert_eq!(asset.headers()["x-content-type-options"], "nosniff");
        assert!(!asset.text().await.unwrap().is_empty(), "{file}");
    }
    let missing = app.client.get(format!("{}/admin/assets/nope.js", app.url)).send().await.unwrap();
    assert_eq!(missing.assert_error(404).await, "not_found");
}

#[tokio::test]
async fn the_keys_can_be_revealed_with_the_secret_key_or_the_session() {
    let app = TestApp::spawn().await;
    let keys = app.get("/environment/keys").await;
    assert_eq!(keys.headers()["cache-control"], "no-store");
    let keys = keys.assert_success().await;
    assert_eq!(keys, json!({ "secret_key": SECRET_KEY, "public_key": PUBLIC_KEY }));
    let console = console(&app).await;
    let by_cookie = with_cookie(&app, &console, Method::GET, "/environment/keys").send().await.unwrap();
    assert_eq!(by_cookie.assert_success().await["secret_key"], SECRET_KEY);
}

#[tokio::test]
async fn the_callback_self_test_follows_the_configured_url() {
    let app = TestApp::spawn().await;
    let check =
        || async { app.post_json("/environment/callback-check", &json!({})).await.assert_success().await };
    let default = check().await;
    assert_eq!(default["ok"], true, "{default}");

    let good = Redirector::spawn(app.callback_url()).await;
    app.patch_environment(&json!({ "callback_url": good.url() })).await.assert_success().await;
    let passed = check().await;
    assert_eq!(passed["ok"], true, "{passed}");
    assert!(passed["detail"].as_str().unwrap().contains("redirects to /oauth/callback"), "{passed}");

    let elsewhere = Redirector::spawn(format!("{}/somewhere-else", app.url)).await;
    app.patch_environment(&json!({ "callback_url": elsewhere.url() })).await.assert_success().await;
    let failed = check().await;
    assert_eq!(failed["ok"], false, "{failed}");
    assert!(failed["fix"].as_str().unwrap().contains("/oauth/callback"), "{failed}");

    // The outbound policy applies: without NANGO_OUTBOUND_ALLOW a loopback URL is refused.
    let strict = TestApp::builder().var("NANGO_OUTBOUND_ALLOW", "").spawn().await;
    strict.patch_environment(&json!({ "callback_url": good.url() })).await.assert_success().await;
    let refused = strict.post_json("/environment/callback-check", &json!({})).await.assert_success().await;
    assert_eq!(refused["ok"], false, "{refused}");
}
