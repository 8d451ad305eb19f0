//! Which pages a flow may answer (SPEC §13 "Origins"): the opener `origin` of a popup flow and
//! the `return_to` of a redirect flow (SPEC §10), against the environment's `allowed_origins`.
//! The server's own origin is always allowed: its hosted connect page (`/connect`) starts
//! flows from it, in a frame or a tab of its own.

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::store::EnvironmentSettings;

/// May the result page post to `origin` (a serialised origin)? With no `allowed_origins`, any.
pub fn allows_origin(state: &AppState, settings: &EnvironmentSettings, origin: &str) -> bool {
    is_own_origin(state, origin) || settings.allows_origin(origin)
}

/// `return_to` as the URL to send the browser back to, or why not. Unlike `origin`, an empty
/// `allowed_origins` refuses it: the redirect carries the outcome to whatever page it names.
pub fn check_return_to(
    state: &AppState,
    settings: &EnvironmentSettings,
    raw: &str,
) -> Result<url::Url, ApiError> {
    let url = url::Url::parse(raw)
        .ok()
        .filter(|url| {
            matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.username().is_empty()
                && url.password().is_none()
        })
        .ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidReturnTo, "`return_to` must be an absolute http(s) URL")
        })?;
    let origin = url.origin().ascii_serialization();
    if is_own_origin(state, &origin) {
        return Ok(url);
    }
    if settings.allowed_origins.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidReturnTo,
            format!(
                "redirect mode needs the environment's allowed origins, and it lists none: add {origin} \
                 (PATCH /environment {{\"allowed_origins\": [\"{origin}\"]}})"
            ),
        ));
    }
    if !settings.allows_origin(&origin) {
        return Err(ApiError::new(
            ErrorCode::InvalidReturnTo,
            format!("`return_to` is on {origin}, which is not in the environment's allowed origins"),
        ));
    }
    Ok(url)
}

fn is_own_origin(state: &AppState, origin: &str) -> bool {
    !state.own_origin.is_empty() && state.own_origin == origin
}
