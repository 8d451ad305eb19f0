//! `GET /oauth/flows/{flow}`: a flow's outcome, the SDK's second channel when the popup
//! cannot post (SPEC §1/§2), plus `GET /oauth/flows/{flow}/events` (server-sent events: the
//! server polls the store every 250 ms and emits the final status once).
//!
//! The answer reveals nothing beyond what the popup message would. CORS allows any origin:
//! the route takes no key and carries no cookies.

use crate::error::{ApiError, ErrorCode};
use crate::ids::FlowId;
use crate::state::AppState;
use crate::store::FlowOutcome;
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
    let now = crate::time::now();
    let body = match state.store.flow_outcome(&flow).await? {
        Some((outcome, expires_at)) => outcome_json(&outcome, expires_at, now),
        None => return Err(unknown_flow()),
    };
    let mut response = axum::Json(body).into_response();
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
            let now = crate::time::now();
            let body = match state.store.flow_outcome(&flow).await {
                Ok(Some((outcome, expires_at))) => outcome_json(&outcome, expires_at, now),
                Ok(None) => json!({ "status": "pending" }),
                Err(error) => {
                    tracing::warn!(%error, "flow events: store error");
                    json!({ "status": "pending" })
                }
            };
            if body["status"] != "pending" {
                return Ok(Event::default().event("result").data(body.to_string()));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(Event::default().event("result").data(expired_json().to_string()));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// The wire shape shared by the JSON route and the event stream.
pub fn outcome_json(outcome: &FlowOutcome, expires_at: i64, now: i64) -> Value {
    match outcome {
        FlowOutcome::Pending if now >= expires_at => expired_json(),
        // The SDK's own time-out follows the server's flow lifetime (seconds left).
        FlowOutcome::Pending => json!({ "status": "pending", "expires_in": expires_at - now }),
        FlowOutcome::Success { integration_key, connection_id } => json!({
            "status": "success",
            "providerConfigKey": integration_key,
            "connectionId": connection_id,
        }),
        FlowOutcome::Error { code, message } => json!({
            "status": "error",
            "error": { "code": code, "message": message },
        }),
    }
}

fn expired_json() -> Value {
    json!({ "status": "error", "error": { "code": ErrorCode::StateInvalid.as_str(), "message": "the flow expired" } })
}

fn parse_flow(raw: &str) -> Result<FlowId, ApiError> {
    // A malformed id can never exist: the same answer as an unknown one.
    FlowId::parse(raw).map_err(|_| unknown_flow())
}

fn unknown_flow() -> ApiError {
    ApiError::not_found(ErrorCode::UnknownFlow, "no such flow (unknown, or expired and purged)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shapes() {
        assert_eq!(outcome_json(&FlowOutcome::Pending, 100, 99), json!({"status": "pending", "expires_in": 1}));
        assert_eq!(outcome_json(&FlowOutcome::Pending, 100, 100)["error"]["code"], "state_invalid");
        let success = FlowOutcome::Success { integration_key: "demo".into(), connection_id: "u1".into() };
        assert_eq!(
            outcome_json(&success, 0, 100),
            json!({"status": "success", "providerConfigKey": "demo", "connectionId": "u1"})
        );
        let error = FlowOutcome::Error { code: "invalid_hmac".into(), message: "m".into() };
        assert_eq!(
            outcome_json(&error, 0, 100),
            json!({"status": "error", "error": {"code": "invalid_hmac", "message": "m"}})
        );
    }
}
