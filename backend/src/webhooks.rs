//! PLACEHOLDER (oauth work): build, sign and send auth webhooks with back-off (SPEC §5).
use crate::state::AppState;
use crate::store::Environment;

/// One auth event. `operation` is `creation`, `override` or `refresh`.
#[derive(Debug, Clone)]
pub struct AuthEvent {
    pub operation: &'static str,
    pub success: bool,
    pub connection_id: String,
    pub provider_config_key: String,
    pub provider: String,
    /// `(code, message)` when `success` is false.
    pub error: Option<(String, String)>,
}

/// Queue the webhook for `environment` if it has a `webhook_url`; never blocks the caller.
pub fn send_auth(_state: &AppState, _environment: &Environment, _event: AuthEvent) {}
