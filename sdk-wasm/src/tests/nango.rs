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

#[wasm_bindgen_test]
fn constructor_validates_public_key_then_host() {
    let missing_key = Nango::new(options(&[("host", "http://localhost:3003")]));
    assert_eq!(missing_key.err().map(error_type).as_deref(), Some("missing_public_key"));
    let empty_key = Nango::new(options(&[("host", "http://localhost:3003"), ("publicKey", "")]));
    assert_eq!(empty_key.err().map(error_type).as_deref(), Some("missing_public_key"));
    let no_options = Nango::new(JsValue::UNDEFINED);
    assert_eq!(no_options.err().map(error_type).as_deref(), Some("missing_public_key"));
    for host in ["", "localhost:3003", "ftp://x.test"] {
        let bad_host = Nango::new(options(&[("host", host), ("publicKey", "pk")]));
        assert_eq!(bad_host.err().map(error_type).as_deref(), Some("invalid_host_url"), "{host}");
    }
    let nango = Nango::new(options(&[("host", "http://localhost:3003/"), ("publicKey", "pk")]));
    let nango = nango.expect("valid options");
    assert_eq!(nango.host, "http://localhost:3003");
    assert_eq!((nango.width, nango.height), (500.0, 600.0));
}

#[wasm_bindgen_test]
fn width_and_height_are_options() {
    let options = options(&[("host", "http://localhost:3003"), ("publicKey", "pk")]);
    js::set(&options, "width", &JsValue::from_f64(800.0));
    js::set(&options, "height", &JsValue::from_f64(-1.0));
    let nango = Nango::new(options).expect("valid options");
    assert_eq!((nango.width, nango.height), (800.0, 600.0));
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
    let kind = rejection(nango.auth("demo".into(), JsValue::UNDEFINED, JsValue::UNDEFINED)).await;
    assert!(kind == "missing_connection_id" || kind == "blocked_by_browser", "{kind}");
    let kind = rejection(nango.auth(JsValue::UNDEFINED, "user-1".into(), JsValue::UNDEFINED)).await;
    assert!(kind == "missing_integration_id" || kind == "blocked_by_browser", "{kind}");
    // No flow was started, so a new call is not `flow_in_progress`.
    let kind = rejection(nango.auth("demo".into(), "".into(), JsValue::UNDEFINED)).await;
    assert_ne!(kind, "flow_in_progress");
}

#[wasm_bindgen_test]
async fn credentials_post_reports_network_errors_and_blocks_a_second_call() {
    // Port 9 (discard) on loopback: nothing answers HTTP there, so fetch fails.
    let nango =
        Nango::new(options(&[("host", "http://127.0.0.1:9"), ("publicKey", "pk")])).expect("valid options");
    let auth_options = js::object();
    js::set(&auth_options, "credentials", &options(&[("apiKey", "secret")]));
    let first = nango.auth("demo".into(), "user-1".into(), auth_options.clone());
    let second = nango.auth("demo".into(), "user-2".into(), auth_options.clone());
    assert_eq!(rejection(second).await, "flow_in_progress");
    assert_eq!(rejection(first).await, "network_error");
    // The first flow is over, so the next call runs (and fails the same way).
    let third = nango.auth("demo".into(), "user-3".into(), auth_options);
    assert_eq!(rejection(third).await, "network_error");
}
