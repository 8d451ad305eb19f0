//! Every rejection of the SDK: `ErrorKind` → stable type string + message, and the JS `AuthError`
//! (a real `Error` subclass from `js/auth_error.js`). Server codes pass through as sent (SPEC §1).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/auth_error.js")]
extern "C" {
    /// `class AuthError extends Error { type }`; the package exports the same class.
    pub type AuthError;
    #[wasm_bindgen(constructor)]
    fn new(kind: &JsValue, message: &JsValue) -> AuthError;
}

/// Failures the SDK detects itself. Server-side failures keep the server's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    BlockedByBrowser,
    WindowClosed,
    InvalidHostUrl,
    MissingAuthToken,
    MissingIntegrationId,
    MissingConnectionId,
    FlowInProgress,
    Timeout,
    NetworkError,
}

impl ErrorKind {
    /// The stable `type` string (`to_js` uses it; named for tests and readers).
    #[cfg(test)]
    pub fn as_str(self) -> &'static str {
        self.type_and_message().0
    }

    fn type_and_message(self) -> (&'static str, &'static str) {
        match self {
            Self::BlockedByBrowser => ("blocked_by_browser", "The browser blocked the authorization popup"),
            Self::WindowClosed => ("window_closed", "The authorization window was closed"),
            Self::InvalidHostUrl => ("invalid_host_url", "host must be an absolute http(s) URL"),
            Self::MissingAuthToken => ("missing_auth_token", "Give publicKey or connectSessionToken"),
            Self::MissingIntegrationId => ("missing_integration_id", "An integration id is required"),
            Self::MissingConnectionId => ("missing_connection_id", "A connection id is required"),
            Self::FlowInProgress => ("flow_in_progress", "Another authorization is in progress"),
            Self::Timeout => ("timeout", "The authorization timed out"),
            Self::NetworkError => ("network_error", "Could not reach the server"),
        }
    }

    /// The JS `AuthError` for this kind.
    pub fn to_js(self) -> JsValue {
        let (kind, message) = self.type_and_message();
        new_auth_error(&JsValue::from_str(kind), &JsValue::from_str(message))
    }
}

/// An `AuthError` carrying a code and message the server sent (`{"error":{"code","message"}}`).
pub fn new_auth_error(code: &JsValue, message: &JsValue) -> JsValue {
    AuthError::new(code, message).into()
}
