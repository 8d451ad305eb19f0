//! Browser SDK of the OAuth connection broker (SPEC §1): `new Nango({host, publicKey})` or
//! `new Nango({host, connectSessionToken})`, and `nango.auth(integrationId, connectionId?,
//! options)`, which opens the provider's consent page in a popup and resolves with
//! `{providerConfigKey, connectionId}`, or posts API-key / basic credentials without a popup.
//! Every rejection is an `AuthError` with a stable `type`. The package's entry
//! (`js/package_entry.js`) wraps this class so it works before the wasm module is loaded, and
//! adds `reconnect()`.
//!
//! This file reads the options and orchestrates; the modules do one thing each:
//! `popup` (open centred, closed state), `url` (popup URL and encoding), `messages` (which
//! `postMessage` counts), `outcome` (flow-record answers, the closed-popup rule and the time-out,
//! documented there), `mode` (popup flow, credentials POST or done, and how events move it),
//! `flow` (one running call's effects and cleanup), `errors` (`AuthError`), `js` (imports).
//!
//! The closed-popup rule (`outcome` has it in full): `popup.closed === true` is only a hint,
//! because Cross-Origin-Opener-Policy on a provider page makes it read `true` while the user is
//! still consenting. The backend's flow record and the opener's focus decide: a recorded outcome
//! always wins; `window_closed` once the popup reads closed and the app's page has had the focus
//! for 2.5 s (the user is back, not in a severed popup), or the backend never saw the popup arrive.
//!
//! Size matters more than anywhere else in the project (SPEC "Budgets", sdk-size.md): on wasm32
//! the crate is `no_std` with a tiny allocator, reads options with `Reflect.get` (no serde), and
//! formats nothing (`format!` alone costs ~2 KB gzipped).

#![cfg_attr(all(target_arch = "wasm32", not(test)), no_std)]

extern crate alloc;

mod errors;
mod flow;
mod js;
mod messages;
mod mode;
mod outcome;
mod popup;
mod url;

#[cfg(test)]
mod tests;

use alloc::string::String;
use core::cell::RefCell;
use wasm_bindgen::prelude::*;

use crate::errors::ErrorKind;
use crate::flow::{Settle, SharedFlow};
use crate::popup::Popup;
use crate::url::UrlBuilder;

/// The SDK's core: `new Nango({host, publicKey | connectSessionToken, width?, height?})`. The
/// package exports a JS class of the same name around it (`js/package_entry.js`), which loads
/// the wasm module on first use.
#[wasm_bindgen]
pub struct Nango {
    host: String,
    host_origin: String,
    /// `key` is a connect session token (sent as `connect_session_token`), not a public key.
    session: bool,
    /// The public key or the token; empty when neither or both were given
    /// (`missing_auth_token` at `auth()`).
    key: String,
    /// The constructor's options, for the popup's `width` and `height` (`js/browser.js`).
    options: JsValue,
    /// The last flow started; a new `auth()` waits for it (`flow_in_progress`).
    current: RefCell<Option<SharedFlow>>,
}

#[wasm_bindgen]
impl Nango {
    /// Throws `AuthError` `invalid_host_url`. A missing (or double) key is `missing_auth_token`
    /// at `auth()`, as `@nangohq/frontend` reports it.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Nango, JsValue> {
        let host = js::get_string(&options, "host")
            .and_then(|host| url::parse_host(&host))
            .ok_or_else(|| ErrorKind::InvalidHostUrl.to_js())?;
        let (session, key) = match (
            non_empty(js::get(&options, "publicKey")),
            non_empty(js::get(&options, "connectSessionToken")),
        ) {
            (Some(public_key), None) => (false, public_key),
            (None, Some(token)) => (true, token),
            _ => (false, String::new()),
        };
        Ok(Nango {
            host: host.base,
            host_origin: host.origin,
            session,
            key,
            options,
            current: RefCell::new(None),
        })
    }

    /// `auth(integrationId, connectionId?, options?)` or `auth(integrationId, options?)`; see the
    /// package README. With a public key the connection id is required; with a connect session
    /// the server picks it. Options: `params`, `authorization_params`, `hmac`, `credentials`
    /// (`{apiKey}` or `{username, password}`: no popup). `popup` is a window the package's
    /// `Nango` opened before the module was loaded (`undefined` otherwise).
    pub fn auth(
        &self,
        integration_id: JsValue,
        second: JsValue,
        options: JsValue,
        popup: JsValue,
    ) -> JsValue {
        // Dropping it (every early return) closes it.
        let opened = Popup::new(popup);
        let deferred = js::deferred();
        let promise = js::get(&deferred, "promise");
        let settle = Settle {
            resolve: js::get(&deferred, "resolve").unchecked_into(),
            reject: js::get(&deferred, "reject").unchecked_into(),
        };

        let Ok(mut current) = self.current.try_borrow_mut() else { return promise };
        if current.as_ref().is_some_and(|running| !flow::give_way(running)) {
            settle.reject(&ErrorKind::FlowInProgress.to_js());
            return promise;
        }
        if self.key.is_empty() {
            settle.reject(&ErrorKind::MissingAuthToken.to_js());
            return promise;
        }
        // An object as second argument is the options (SPEC §1, connect sessions).
        let (connection_id, options) =
            if second.is_object() { (None, second) } else { (non_empty(second), options) };
        let credentials = js::get(&options, "credentials");
        // Popup blockers only allow `window.open` in the click's task: open first, check after.
        let popup = if credentials.is_object() {
            None
        } else {
            match opened.or_else(|| Popup::open(&self.options)) {
                Some(popup) => Some(popup),
                None => {
                    settle.reject(&ErrorKind::BlockedByBrowser.to_js());
                    return promise;
                }
            }
        };
        let Some(integration_id) = non_empty(integration_id) else {
            settle.reject(&ErrorKind::MissingIntegrationId.to_js());
            return promise;
        };
        // With a connect session the server picks the id; one given anyway is sent, and the
        // server refuses it (`invalid_query_params`), as it does for `@nangohq/frontend`.
        if connection_id.is_none() && !self.session {
            settle.reject(&ErrorKind::MissingConnectionId.to_js());
            return promise;
        }

        let started = match popup {
            Some(popup) => {
                let flow_id = js::get_string(&deferred, "flow").unwrap_or_default();
                let mut url = self.connect_url("/oauth/connect/", &integration_id, connection_id, &options);
                url.pair("flow", &flow_id);
                url.pair("origin", &js::get_string(&deferred, "origin").unwrap_or_default());
                popup.navigate(&url.finish());
                let poll_url = UrlBuilder::new(&self.host, "/oauth/flows/", &flow_id).finish();
                flow::start_popup(settle, popup, flow_id, self.host_origin.clone(), poll_url)
            }
            None => {
                let path = if js::get(&credentials, "apiKey").is_string() {
                    "/api-auth/api-key/"
                } else {
                    "/api-auth/basic/"
                };
                let url = self.connect_url(path, &integration_id, connection_id, &options);
                flow::start_request(settle, &url.finish(), &credentials)
            }
        };
        *current = Some(started);
        promise
    }
}

impl Nango {
    /// `{host}{path}{integration}?connection_id=..&public_key=..&params[k]=v..&authorization_params[k]=v..&hmac=..`,
    /// with `connect_session_token=..` in place of `public_key` and `hmac` for a connect session.
    fn connect_url(
        &self,
        path: &str,
        integration_id: &str,
        connection_id: Option<String>,
        options: &JsValue,
    ) -> UrlBuilder {
        let mut url = UrlBuilder::new(&self.host, path, integration_id);
        if let Some(connection_id) = connection_id {
            url.pair("connection_id", &connection_id);
        }
        url.pair(if self.session { "connect_session_token" } else { "public_key" }, &self.key);
        for group in ["params", "authorization_params"] {
            js::for_each_entry(&js::get(options, group), |key, value| {
                if let Some(value) = param_value(value) {
                    url.group_pair(group, key, &value);
                }
            });
        }
        if let Some(hmac) = non_empty(js::get(options, "hmac")).filter(|_| !self.session) {
            url.pair("hmac", &hmac);
        }
        url
    }
}

/// A param value as a string: strings as they are, numbers as JSON writes them; anything else
/// (objects, booleans, null) is left out.
fn param_value(value: &JsValue) -> Option<String> {
    value.as_string().or_else(|| value.as_f64().map(|_| js::stringify(value)))
}

fn non_empty(value: JsValue) -> Option<String> {
    value.as_string().filter(|value| !value.is_empty())
}

#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// wasm32-unknown-unknown without the `atomics` feature runs on one thread, which is what
// `AssumeSingleThreaded` requires.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[global_allocator]
#[allow(unsafe_code)]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
