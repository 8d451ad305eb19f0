//! `GET /oauth/flows/{flow}`: a flow's outcome, the SDK's second channel when the popup
//! cannot post (SPEC §1/§2), plus `GET /oauth/flows/{flow}/events` (server-sent events: the
//! server polls the store every 250 ms and emits the final status once).
//!
//! The answer reveals nothing beyond what the popup message would. CORS allows any origin:
//! the route takes no key and carries no cookies.

use crate::error::{ApiError, ErrorCode};
use crate::flows::{self, FlowState};
use crate::ids::FlowId;
use crate::state::AppState;
use crate::store::{FlowError, FlowOutcome};
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How often the event stream looks at the store.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

pub fn routes() -> Router<AppState> {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET])
        .max_age(Duration::from_secs(600));
    Router::new()
        // The OPTIONS routes exist so the method router lets preflights reach the CORS layer.
        .route("/oauth/flows/{flow}", get(get_flow).options(preflight))
        .route("/oauth/flows/{flow}/events", get(get_flow_events).options(preflight))
        .layer(cors)
}

pub async fn get_flow(
    State(state): State<AppState>,
    crate::extract::Path(flow): crate::extract::Path<String>,
) -> Result<Response, ApiError> {
    let flow = parse_flow(&flow)?;
    let flow_state =
        flows::state(state.store.as_ref(), &flow, crate::time::now()).await?.ok_or_else(unknown_flow)?;
    let mut response = axum::Json(state_json(&flow_state)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The event stream ends after one `result` event, or when the flow's lifetime has passed
/// (an unknown id is waited for too: the SDK may subscribe before the popup reaches us).
pub async fn get_flow_events(
    State(state): State<AppState>,
    crate::extract::Path(flow): crate::extract::Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let flow = parse_flow(&flow)?;
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(state.config.flow_ttl_seconds.max(1) as u64);
    // One step: poll until the flow ends or the deadline passes, emit the result, then stop.
    let events = stream::once(async move {
        loop {
            match flows::state(state.store.as_ref(), &flow, crate::time::now()).await {
                Ok(Some(flow_state)) if !flow_state.is_pending() => {
                    return Ok(Event::default().event("result").data(state_json(&flow_state).to_string()));
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "flow events: store error"),
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(Event::default()
                    .event("result")
                    .data(state_json(&FlowState::Expired).to_string()));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// The wire shape shared by the JSON route and the event stream.
pub fn state_json(flow_state: &FlowState) -> Value {
    match flow_state {
        // The SDK's own time-out follows the server's flow lifetime (seconds left).
        FlowState::Pending { expires_in } => json!({ "status": "pending", "expires_in": expires_in }),
        FlowState::Expired => error_json(ErrorCode::StateInvalid, "the flow expired"),
        FlowState::Finished(FlowOutcome::Success { integration_key, connection_id }) => json!({
            "status": "success",
            "providerConfigKey": integration_key,
            "connectionId": connection_id,
        }),
        FlowState::Finished(FlowOutcome::Error(FlowError { code, message })) => error_json(*code, message),
    }
}

fn error_json(code: ErrorCode, message: &str) -> Value {
    json!({ "status": "error", "error": { "code": code.as_str(), "message": message } })
}

fn parse_flow(raw: &str) -> Result<FlowId, ApiError> {
    // A malformed id can never exist: the same answer as an unknown one.
    FlowId::parse(raw).map_err(|_| unknown_flow())
}

fn unknown_flow() -> ApiError {
    ApiError::new(ErrorCode::UnknownFlow, "no such flow (unknown, or expired and purged)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shapes() {
        assert_eq!(
            state_json(&FlowState::Pending { expires_in: 1 }),
            json!({"status": "pending", "expires_in": 1})
        );
        assert_eq!(state_json(&FlowState::Expired)["error"]["code"], "state_invalid");
        let success = FlowOutcome::Success {
            integration_key: crate::ids::IntegrationKey::parse("demo").unwrap(),
            connection_id: crate::ids::ConnectionId::parse("u1").unwrap(),
        };
        assert_eq!(
            state_json(&FlowState::Finished(success)),
            json!({"status": "success", "providerConfigKey": "demo", "connectionId": "u1"})
        );
        let error = FlowOutcome::Error(FlowError { code: ErrorCode::InvalidHmac, message: "m".into() });
        assert_eq!(
            state_json(&FlowState::Finished(error)),
            json!({"status": "error", "error": {"code": "invalid_hmac", "message": "m"}})
        );
    }
}
