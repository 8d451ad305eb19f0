//! Redirect mode's answer (SPEC §10): instead of a result page posting to an opener, a 303 back
//! to the flow's `return_to` with the outcome in the query: `success=true&provider_config_key=
//! &connection_id=`, or `success=false&error=<code>&error_description=<message>`. Keys of the
//! same names already in `return_to` are replaced; the rest of its query and its fragment stay.
//! The flow record stays the source of truth (`GET /oauth/flows/{flow}`).

use crate::error::ApiError;
use crate::store::{FlowError, FlowOutcome};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The query keys the result is written to.
const RESULT_KEYS: [&str; 5] =
    ["success", "provider_config_key", "connection_id", "error", "error_description"];

/// `return_to` (already checked against the environment's origins) with the outcome added.
pub fn result_url(return_to: &str, outcome: &FlowOutcome) -> Option<String> {
    let mut url = url::Url::parse(return_to).ok()?;
    let kept: Vec<(String, String)> =
        url.query_pairs().into_owned().filter(|(key, _)| !RESULT_KEYS.contains(&key.as_str())).collect();
    {
        let mut query = url.query_pairs_mut();
        query.clear().extend_pairs(kept);
        match outcome {
            FlowOutcome::Success { integration_key, connection_id } => {
                query
                    .append_pair("success", "true")
                    .append_pair("provider_config_key", integration_key.as_str())
                    .append_pair("connection_id", connection_id.as_str());
            }
            FlowOutcome::Error(FlowError { code, message }) => {
                query
                    .append_pair("success", "false")
                    .append_pair("error", code.as_str())
                    .append_pair("error_description", message);
            }
        }
    }
    Some(url.into())
}

/// The 303 back to the app. Not cached; no referrer leaks this URL's query onwards.
pub fn back(return_to: &str, outcome: &FlowOutcome) -> Response {
    let Some(location) = result_url(return_to, outcome).and_then(|url| HeaderValue::from_str(&url).ok())
    else {
        return ApiError::internal(anyhow::anyhow!("a stored return_to no longer parses")).into_response();
    };
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::ErrorCode;
    use crate::ids::{ConnectionId, IntegrationKey};

    #[test]
    fn success_replaces_result_keys_and_keeps_the_rest() {
        let outcome = FlowOutcome::Success {
            integration_key: IntegrationKey::parse("zd").unwrap(),
            connection_id: ConnectionId::parse("user-1").unwrap(),
        };
        let url = result_url("https://app.example/back?tab=2&success=forged#top", &outcome).unwrap();
        assert_eq!(
            url,
            "https://app.example/back?tab=2&success=true&provider_config_key=zd&connection_id=user-1#top"
        );
    }

    #[test]
    fn errors_carry_code_and_message_encoded() {
        let outcome =
            FlowOutcome::Error(FlowError { code: ErrorCode::ProviderDenied, message: "no & <never>".into() });
        let url = result_url("https://app.example/", &outcome).unwrap();
        assert_eq!(
            url,
            "https://app.example/?success=false&error=provider_denied&error_description=no+%26+%3Cnever%3E"
        );
    }
}
