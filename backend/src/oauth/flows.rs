//! `GET /oauth/flows/{flow}`: a flow's outcome, the SDK's second channel when the popup
//! cannot post (SPEC §1/§2), plus `GET /oauth/flows/{flow}/events` (server-sent events: the
//! final status once, then the stream ends). A stream waits on `flows::watch` like a result
//! socket: woken when a replica records the outcome, re-reading the record every few seconds
//! as the safety net, instead of each stream polling the store.
//!
//! The answer reveals nothing beyond what the popup message would. CORS answers the flow's
//! environment's `allowed_origins` when set, else any origin (no cookies are involved).

use crate::error::{ApiError, ErrorCode};
use crate::flows::{self, FlowState};
use crate::ids::{EnvironmentId, FlowId};
use crate::state::AppState;
use crate::store::{FlowError, FlowOutcome};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::time::Duration;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/flows/{flow}", get(get_flow).options(preflight))
        .route("/oauth/flows/{flow}/events", get(get_flow_events).options(preflight))
}

#[utoipa::path(
    get,
    path = "/oauth/flows/{flow}",
    tag = "oauth",
    summary = "A flow's outcome (the SDK's second channel)",
    params(("flow" = String, Path, description = "The SDK's flow id")),
    responses(
        (status = 200, description = "Pending, success or error", body = crate::schemas::browser::FlowStatus),
        crate::schemas::errors::FlowErrors,
    )
)]
pub async fn get_flow(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::extract::Path(flow): crate::extract::Path<String>,
) -> Result<Response, ApiError> {
    let flow = parse_flow(&flow)?;
    let (flow_state, environment_id) =
        flows::state(state.store.as_ref(), &flow, crate::time::now()).await?.ok_or_else(unknown_flow)?;
    let mut response = axum::Json(state_json(&flow_state)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    allow_origin(&state, &headers, environment_id, &mut response).await;
    Ok(response)
}

/// Preflights carry no data: any origin may ask; the answer itself is checked per flow.
#[utoipa::path(
    options,
    path = "/oauth/flows/{flow}",
    tag = "oauth",
    operation_id = "preflight_flow",
    summary = "CORS preflight",
    params(("flow" = String, Path, description = "The SDK's flow id")),
    responses((status = 204, description = "Any origin may ask; the answer itself is checked per flow"))
)]
async fn preflight(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let origin = headers.get(header::ORIGIN).cloned().unwrap_or_else(|| HeaderValue::from_static("*"));
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET"));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

/// The event stream of a known flow: it ends after one `result` event, at the latest when the
/// flow expires. An unknown flow answers 404 at once (SPEC §13: no stream outlives its flow).
#[utoipa::path(
    get,
    path = "/oauth/flows/{flow}/events",
    tag = "oauth",
    summary = "A flow's outcome as server-sent events",
    description = "One `result` event whose data is the `FlowStatus` JSON, then the stream ends (at the \
        latest when the flow expires).",
    params(("flow" = String, Path, description = "The SDK's flow id")),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = String),
        crate::schemas::errors::FlowErrors,
    )
)]
pub async fn get_flow_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::extract::Path(flow): crate::extract::Path<String>,
) -> Result<Response, ApiError> {
    let flow = parse_flow(&flow)?;
    let (_, environment_id) =
        flows::state(state.store.as_ref(), &flow, crate::time::now()).await?.ok_or_else(unknown_flow)?;
    let waiter = match state.flow_watch.subscribe(flow) {
        Ok(waiter) => waiter,
        Err(error) => {
            tracing::warn!(open = state.flow_watch.streams(), "flow event streams: at the cap, refusing one");
            return Err(ApiError::new(ErrorCode::Unavailable, error.to_string()));
        }
    };
    let store = state.store.clone();
    // One step: wait until the flow ends or expires, emit the result, then stop.
    let events = stream::once(async move {
        let ended = loop {
            // The record exists (read above): the wait lasts until it ends or expires.
            match waiter.outcome(store.as_ref(), tokio::time::Instant::now()).await {
                Ok(Some((flow_state, _))) => break flow_state,
                // Purged meanwhile: it expired.
                Ok(None) => break FlowState::Expired,
                Err(error) => {
                    tracing::warn!(%error, "flow events: store error");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        Ok::<_, Infallible>(Event::default().event("result").data(state_json(&ended).to_string()))
    });
    let mut response = Sse::new(events).keep_alive(KeepAlive::default()).into_response();
    allow_origin(&state, &headers, environment_id, &mut response).await;
    Ok(response)
}

/// CORS for a flow's answer (SPEC §13 "Origins"): the flow's environment's `allowed_origins`
/// when set, else any origin; a flow recorded before its environment was known (a bad public
/// key) says nothing an origin could misuse.
async fn allow_origin(
    state: &AppState,
    headers: &HeaderMap,
    environment_id: Option<EnvironmentId>,
    response: &mut Response,
) {
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("origin"));
    let Some(origin) = headers.get(header::ORIGIN) else { return };
    let allowed = match environment_id {
        None => true,
        Some(id) => match state.store.environment_by_id(id).await {
            Ok(Some(environment)) => {
                origin.to_str().is_ok_and(|text| environment.settings.allows_origin(text))
            }
            Ok(None) => false,
            Err(error) => {
                tracing::warn!(%error, "flows: cannot read the environment for CORS");
                false
            }
        },
    };
    if allowed {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    }
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
