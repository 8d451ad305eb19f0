//! `AuthError`: a real `Error` subclass with a stable `type`.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::errors::{new_auth_error, ErrorKind};
use crate::js;

const ALL: [ErrorKind; 9] = [
    ErrorKind::BlockedByBrowser,
    ErrorKind::WindowClosed,
    ErrorKind::InvalidHostUrl,
    ErrorKind::MissingAuthToken,
    ErrorKind::MissingIntegrationId,
    ErrorKind::MissingConnectionId,
    ErrorKind::FlowInProgress,
    ErrorKind::Timeout,
    ErrorKind::NetworkError,
];

#[wasm_bindgen_test]
fn every_kind_is_an_error_with_type_name_and_message() {
    for kind in ALL {
        let error = kind.to_js();
        assert!(error.is_instance_of::<js_sys::Error>(), "{kind:?} is not an Error");
        assert_eq!(js::get_string(&error, "name").as_deref(), Some("AuthError"));
        assert_eq!(js::get_string(&error, "type").as_deref(), Some(kind.as_str()));
        assert!(!js::get_string(&error, "message").unwrap_or_default().is_empty());
        assert!(js::get_string(&error, "stack").is_some(), "no stack for {kind:?}");
    }
}

#[wasm_bindgen_test]
fn type_strings_are_the_documented_ones() {
    let types: Vec<_> = ALL.iter().map(|kind| kind.as_str()).collect();
    assert_eq!(
        types,
        [
            "blocked_by_browser",
            "window_closed",
            "invalid_host_url",
            "missing_auth_token",
            "missing_integration_id",
            "missing_connection_id",
            "flow_in_progress",
            "timeout",
            "network_error",
        ]
    );
}

#[wasm_bindgen_test]
fn server_codes_pass_through() {
    let error = new_auth_error(&JsValue::from_str("invalid_hmac"), &JsValue::from_str("bad digest"));
    let error: js_sys::Error = error.dyn_into().expect("an Error");
    assert_eq!(js::get_string(&error, "type").as_deref(), Some("invalid_hmac"));
    assert_eq!(String::from(error.message()), "bad digest");
}
