//! The exported class: option validation and `auth()` rejections that need no backend.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{js, Nango};

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let options = js::object();
    for (key, value) in pairs {
        js::set(&options, key, &JsValue::from_str(value));
    }
    options
}

fn error_type(error: JsValue) -> String {
    assert!(error.is_instance_of::<js_sys::Error>(), "not an Error: {error:?}");
    js::get_string(&error, "type").unwrap_or_default()
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/js/browser.js")]
extern "C" {
    /// Opens the popup for `options` on the window `at`.
    fn popup(options: &JsValue, at: &JsValue) -> JsValue;
}

/// The features string `popup(options, at)` gives `window.open` on a window `at` whose
/// `open` returns its arguments.
fn features(options: &JsValue, at: &JsValue) -> String {
    js::set(at, "open", &js_sys::Function::new_with_args("url, target, features", "return features").into());
    popup(options, at).as_string().unwrap_or_default()
}

#[wasm_bindgen_test]
fn constructor_validates_the_host_and_reads_the_key() {
    for host in ["", "localhost:3003", "ftp://x.test"] {
        let bad_host = Nango::new(options(&[("host", host), ("publicKey", "pk")]));
        assert_eq!(bad_host.err().map(error_type).as_deref(), Some("invalid_host_url"), "{host}");
    }
    let no_options = Nango::new(JsValue::UNDEFINED);
    assert_eq!(no_options.err().map(error_type).as_deref(), Some("invalid_host_url"));
    let nango = Nango::new(options(&[("host", "http://localhost:3003/"), ("publicKey", "pk")]));
    let nango = nango.expect("valid options");
    assert_eq!(nango.host, "http://localhost:3003");
    assert_eq!((nango.session, nango.key.as_str()), (false, "pk"));
    let nango = Nango::new(options(&[("host", "http://localhost:3003"), ("connectSessionToken", "t")]));
    let nango = nango.expect("valid options");
    assert_eq!((nango.session, nango.key.as_str()), (true, "t"));
    // Neither, an empty one, or both: accepted here, `missing_auth_token` at `auth()` (as Nango).
    for pairs in [&[][..], &[("publicKey", "")][..], &[("publicKey", "pk"), ("connectSessionToken", "t")][..]]
    {
        let mut all = vec![("host", "http://localhost:3003")];
        all.extend_from_slice(pairs);
        let nango = Nango::new(options(&all)).expect("a missing key is not a constructor error");
        assert!(nango.key.is_empty(), "{pairs:?}");
    }
}

#[wasm_bindgen_test]
fn popup_is_centred_on_the_opener_with_width_and_height_options() {
    let at = js::object();
    for (key, value) in
        [("screenX", 100.0), ("screenY", 50.0), ("outerWidth", 1500.0), ("outerHeight", 1000.0)]
    {
        js::set(&at, key, &JsValue::from_f64(value));
    }
    assert_eq!(features(&js::object(), &at), "width=500,height=600,left=600,top=250");
    let sized = js::object();
    js::set(&sized, "width", &JsValue::from_f64(800.0));
    js::set(&sized, "height", &JsValue::from_f64(-1.0));
    js::set(&at, "screenX", &JsValue::from_f64(-1920.0));
    assert_eq!(features(&sized, &at), "width=800,height=600,left=-1570,top=250");
}

async fn rejection(promise: JsValue) -> String {
    let result = JsFuture::from(promise.unchecked_into::<js_sys::Promise>()).await;
    error_type(result.expect_err("the promise resolved"))
}

#[wasm_bindgen_test]
async fn missing_connection_id_rejects_without_a_popup_left_open() {
    let nango =
        Nango::new(options(&[("host", "http://127.0.0.1:9"), ("publicKey", "pk")])).expect("valid options");
    // Headless Chromium may block the popup (no user gesture here); both paths must reject
    // with an AuthError, and a popup that did open is closed again.
    let kind =
        rejection(nango.auth("demo".into(), JsValue::UNDEFINED, JsValue::UNDEFINED, JsValue::UNDEFINED))
            .await;
    assert!(kind == "missing_connection_id" || kind == "blocked_by_browser", "{kind}");
    let kind =
        rejection(nango.auth(JsValue::UNDEFINED, "user-1".into(), JsValue::UNDEFINED, JsValue::UNDEFINED))
            .await;
    assert!(kind == "missing_integration_id" || kind == "blocked_by_browser", "{kind}");
    // No flow was started, so a new call is not `flow_in_progress`.
    let kind = rejection(nango.auth("demo".into(), "".into(), JsValue::UNDEFINED, JsValue::UNDEFINED)).await;
    assert_ne!(kind, "flow_in_progress");
}

#[wasm_bindgen_test]
async fn credentials_post_reports_network_errors_and_blocks_a_second_call() {
    // Port 9 (discard) on loopback: nothing answers HTTP there, so fetch fails.
    let nango =
        Nango::new(options(&[("host", "http://127.0.0.1:9"), ("publicKey", "pk")])).expect("valid options");
    let auth_options = js::object();
    js::set(&auth_options, "credentials", &options(&[("apiKey", "secret")]));
    let first = nango.auth("demo".into(), "user-1".into(), auth_options.clone(), JsValue::UNDEFINED);
    let second = nango.auth("demo".into(), "user-2".into(), auth_options.clone(), JsValue::UNDEFINED);
    assert_eq!(rejection(second).await, "flow_in_progress");
    assert_eq!(rejection(first).await, "network_error");
    // The first flow is over, so the next call runs (and fails the same way).
    let third = nango.auth("demo".into(), "user-3".into(), auth_options, JsValue::UNDEFINED);
    assert_eq!(rejection(third).await, "network_error");
}

#[wasm_bindgen_test]
async fn missing_auth_token_rejects_before_any_popup() {
    let both = options(&[("host", "http://127.0.0.1:9"), ("publicKey", "pk"), ("connectSessionToken", "t")]);
    for options in [options(&[("host", "http://127.0.0.1:9")]), both] {
        let nango = Nango::new(options).expect("valid options");
        let given = js::object();
        js::set(&given, "closed", &JsValue::FALSE);
        js::set(&given, "close", &js_sys::Function::new_no_args("this.closed = true").into());
        let kind =
            rejection(nango.auth("demo".into(), "user-1".into(), JsValue::UNDEFINED, given.clone())).await;
        assert_eq!(kind, "missing_auth_token");
        assert_eq!(js::get(&given, "closed"), JsValue::TRUE, "a popup handed over is closed again");
    }
}

#[wasm_bindgen_test]
async fn a_session_needs_no_connection_id_and_an_object_second_argument_is_the_options() {
    // Port 9: the credentials POST fails, which shows it was sent (no `missing_connection_id`).
    let nango = Nango::new(options(&[("host", "http://127.0.0.1:9"), ("connectSessionToken", "t")]))
        .expect("valid options");
    let auth_options = js::object();
    js::set(&auth_options, "credentials", &options(&[("apiKey", "secret")]));
    let kind =
        rejection(nango.auth("demo".into(), auth_options, JsValue::UNDEFINED, JsValue::UNDEFINED)).await;
    assert_eq!(kind, "network_error");
    let url = nango.connect_url("/api-auth/api-key/", "demo", None, &options(&[("hmac", "ab")]));
    assert_eq!(url.finish(), "http://127.0.0.1:9/api-auth/api-key/demo?connect_session_token=t");
    let public = Nango::new(options(&[("host", "http://127.0.0.1:9"), ("publicKey", "pk")])).expect("valid");
    let url = public.connect_url("/oauth/connect/", "demo", Some("u-1".into()), &options(&[("hmac", "ab")]));
    assert_eq!(url.finish(), "http://127.0.0.1:9/oauth/connect/demo?connection_id=u-1&public_key=pk&hmac=ab");
}

#[wasm_bindgen_test]
async fn a_popup_flow_points_the_popup_at_the_connect_url_and_gives_way_once_closed() {
    // A stand-in popup (as the package's redirect mode hands over): `location.href` records the
    // URL. The flow registers its `message` listener and timer on `window`; a second `auth()`
    // once the popup reads closed ends the first with `window_closed` (clearing both).
    let nango =
        Nango::new(options(&[("host", "http://127.0.0.1:9"), ("publicKey", "pk")])).expect("valid options");
    let given = js::object();
    js::set(&given, "closed", &JsValue::FALSE);
    js::set(&given, "close", &js_sys::Function::new_no_args("this.closed = true").into());
    js::set(&given, "location", &js::object());
    let first = nango.auth("demo".into(), "user-1".into(), JsValue::UNDEFINED, given.clone());
    let url = js::get_string(&js::get(&given, "location"), "href").unwrap_or_default();
    let origin = js::get_string(&js::get(&JsValue::from(js_sys::global()), "location"), "origin");
    let mut expected_origin = String::from("&origin=");
    crate::url::encode_into(&mut expected_origin, &origin.unwrap_or_default());
    assert!(
        url.starts_with("http://127.0.0.1:9/oauth/connect/demo?connection_id=user-1&public_key=pk&flow="),
        "{url}"
    );
    assert!(url.ends_with(&expected_origin), "{url}");
    js::set(&given, "closed", &JsValue::TRUE);
    let second = nango.auth("demo".into(), JsValue::UNDEFINED, JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!(rejection(first).await, "window_closed");
    assert_ne!(rejection(second).await, "flow_in_progress");
}
