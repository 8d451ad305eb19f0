//! Nango's own frontend SDK, `@nangohq/frontend` (pinned, from npm), unchanged in headless
//! Chromium against the real broker (SPEC §8): its popup learns the outcome over the broker's
//! WebSocket result channel, in both auth models, with Nango's `error_type` names; its
//! credential POSTs resolve without a popup.

use crate::pages::ProviderPages;
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

    /// What the last WebSocket saw, once it closed: its messages (parsed) and the close event.
    async fn last_socket(&self) -> (Vec<Value>, String) {
        self.browser.switch_to(&self.main).await;
        let script = "const log = window.__sockets[window.__sockets.length - 1]; \
                      return log && log.events.some((e) => e.startsWith('close ')) ? log : null;";
        let log = self.browser.wait_for("the WebSocket to close", script, json!([]), FLOW_TIMEOUT).await;
        let events: Vec<String> = serde_json::from_value(log["events"].clone()).expect("socket events");
        let messages = events.iter().filter_map(|event| serde_json::from_str(event).ok()).collect();
        (messages, events.last().cloned().unwrap_or_default())
    }

    /// `nango[method](...args)` must resolve; returns what it resolved with.
    async fn resolves(&self, name: &str, method: &str, args: Value) -> Value {
        self.run(name, method, args).await;
        let outcome = self.outcome(name).await;
        assert_eq!(outcome["ok"], true, "`{name}` rejected: {outcome}");
        outcome["value"].clone()
    }

    /// `nango.auth(...args)` must reject with an `AuthError` of `error_type`.
    async fn rejects(&self, name: &str, args: Value, error_type: &str) {
        self.run(name, "auth", args).await;
        let outcome = self.outcome(name).await;
        assert_eq!(outcome["ok"], false, "`{name}` resolved, expected `{error_type}`: {outcome}");
        assert_eq!(outcome["type"], error_type, "`{name}` rejected with the wrong error_type: {outcome}");
        assert_eq!(outcome["isAuthError"], true, "not an AuthError: {outcome}");
        assert!(outcome["message"].as_str().is_some_and(|m| !m.is_empty()), "no error_desc: {outcome}");
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

fn uuid_v4(id: &str) -> bool {
    let parts: Vec<usize> = id.split('-').map(str::len).collect();
    parts == [8, 4, 4, 4, 12]
        && id.as_bytes()[14] == b'4'
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

fn assert_connected(value: &Value, integration: &str, connection_id: &str) {
    assert_eq!(value["providerConfigKey"], integration, "{value}");
    assert_eq!(value["connectionId"], connection_id, "{value}");
}

#[tokio::test]
async fn auth_with_a_public_key_resolves_with_params_and_authorization_params() {
    let nango = Frontend::start().await;
    nango.app.integration("zd", "fake-subdomain").await;
    nango.use_nango(json!({ "publicKey": PUBLIC_KEY })).await;

    let value = nango.resolves("plain", "auth", json!(["fake", "user-1"])).await;
    assert_connected(&value, "fake", "user-1");
    assert_eq!(value["isPending"], false, "{value}");
    nango.stored("fake", "user-1").await;
    // SPEC §8: the ack with a UUIDv4 client id, exactly one result, then the socket is closed.
    let (messages, closed) = nango.last_socket().await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0]["message_type"], "connection_ack", "{messages:?}");
    let client_id = messages[0]["ws_client_id"].as_str().unwrap_or_default();
    assert!(uuid_v4(client_id), "ws_client_id {client_id}");
    let success = json!({
        "message_type": "success", "provider_config_key": "fake", "connection_id": "user-1", "is_pending": false,
    });
    assert_eq!(messages[1], success);
    assert!(closed.starts_with("close "), "{closed}");

    let options =
        json!({ "params": { "subdomain": "acme" }, "authorization_params": { "prompt": "consent" } });
    let value = nango.resolves("params", "auth", json!(["zd", "user-2", options])).await;
    assert_connected(&value, "zd", "user-2");
    let authorize = nango.app.provider.authorize_requests().pop().expect("an authorize request");
    assert_eq!(authorize.query["prompt"], "consent", "{authorize:?}");
    assert_eq!(nango.stored("zd", "user-2").await["connection_config"]["subdomain"], "acme");
}

#[tokio::test]
async fn auth_with_a_session_token_gets_a_server_id_and_reconnect_keeps_it() {
    let nango = Frontend::start().await;
    let token = nango.session_token("/connect/sessions", json!({ "end_user": { "id": "u-1" } })).await;
    nango.use_nango(json!({ "connectSessionToken": token })).await;
    let value = nango.resolves("session", "auth", json!(["fake"])).await;
    let connection_id = value["connectionId"].as_str().unwrap_or_else(|| panic!("{value}")).to_string();
    assert!(uuid_v4(&connection_id), "a UUIDv4 chosen by the server: {value}");
    assert_eq!(value["providerConfigKey"], "fake");
    assert_eq!(nango.stored("fake", &connection_id).await["end_user"]["id"], "u-1");

    let body = json!({ "connection_id": connection_id, "integration_id": "fake" });
    let reconnect = nango.session_token("/connect/sessions/reconnect", body).await;
    nango.use_nango(json!({ "connectSessionToken": reconnect })).await;
    let value = nango.resolves("reconnect", "reconnect", json!(["fake"])).await;
    assert_connected(&value, "fake", &connection_id);
}

#[tokio::test]
async fn failures_reject_with_nangos_error_types() {
    let nango = Frontend::start().await;
    nango.app.integration("zd", "fake-subdomain").await;
    nango.use_nango(json!({ "publicKey": PUBLIC_KEY })).await;

    nango.rejects("unknown", json!(["nope", "user-1"]), "provider_config_err").await;
    nango.rejects("missing param", json!(["zd", "user-1"]), "url_param_err").await;

    nango.app.provider.settings().deny = Some(("access_denied".into(), "The user said no".into()));
    nango.rejects("denied", json!(["fake", "user-1"]), "callback_err").await;
    nango.app.provider.settings().deny = None;

    let hmac = json!({ "hmac_enabled": true, "hmac_key": "hmac-key-0123456789" });
    nango.app.patch_environment(&hmac).await.assert_success().await;
    nango.rejects("missing hmac", json!(["fake", "user-1"]), "missing_hmac").await;
    nango.rejects("wrong hmac", json!(["fake", "user-1", { "hmac": "00ff" }]), "invalid_hmac").await;
    assert!(nango.app.get_connection("fake", "user-1", "").await.status().is_client_error());
}

#[tokio::test]
async fn a_popup_closed_by_the_user_is_window_closed() {
    let nango = Frontend::start().await;
    // A custom callback URL whose page waits for a click: the popup stays open mid-flow.
    let pages = ProviderPages::spawn(nango.app.callback_url()).await;
    let callback = json!({ "callback_url": pages.wait_url() });
    nango.app.patch_environment(&callback).await.assert_success().await;
    nango.use_nango(json!({ "publicKey": PUBLIC_KEY })).await;

    nango.run("closed", "auth", json!(["fake", "user-1", { "detectClosedAuthWindow": true }])).await;
    let popup = nango.browser.wait_for_popup(&nango.main, FLOW_TIMEOUT).await;
    nango.browser.switch_to(&popup).await;
    nango.browser.find("#continue", FLOW_TIMEOUT).await;
    nango.browser.close_window().await;
    let outcome = nango.outcome("closed").await;
    assert_eq!(outcome["ok"], false, "{outcome}");
    assert_eq!(outcome["type"], "window_closed", "{outcome}");
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
