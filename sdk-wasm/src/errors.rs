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
    MissingPublicKey,
    MissingIntegrationId,
    MissingConnectionId,
    FlowInProgress,
    Timeout,
    NetworkError,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BlockedByBrowser => "blocked_by_browser",
            Self::WindowClosed => "window_closed",
            Self::InvalidHostUrl => "invalid_host_url",
            Self::MissingPublicKey => "missing_public_key",
            Self::MissingIntegrationId => "missing_integration_id",
            Self::MissingConnectionId => "missing_connection_id",
            Self::FlowInProgress => "flow_in_progress",
            Self::Timeout => "timeout",
            Self::NetworkError => "network_error",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::BlockedByBrowser => "The browser blocked the authorization popup",
            Self::WindowClosed => "The authorization window was closed before the flow finished",
            Self::InvalidHostUrl => "host must be an absolute http(s) URL",
            Self::MissingPublicKey => "publicKey is required",
            Self::MissingIntegrationId => "An integration id is required",
            Self::MissingConnectionId => "A connection id is required",
            Self::FlowInProgress => "Another authorization flow is in progress",
            Self::Timeout => "The authorization flow timed out",
            Self::NetworkError => "Could not reach the server",
        }
    }

    /// The JS `AuthError` for this kind.
    pub fn to_js(self) -> JsValue {
        new_auth_error(&JsValue::from_str(self.as_str()), &JsValue::from_str(self.message()))
    }
}

/// An `AuthError` carrying a code and message the server sent (`{"error":{"code","message"}}`).
pub fn new_auth_error(code: &JsValue, message: &JsValue) -> JsValue {
    AuthError::new(code, message).into()
}
