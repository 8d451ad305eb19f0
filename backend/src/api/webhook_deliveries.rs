//! The webhook outbox over HTTP (SPEC §12), secret key:
//! - `GET /webhooks/deliveries?status=&connection_id=&provider_config_key=&limit=&cursor=`:
//!   events newest first, each with its attempts, `{deliveries: [...], next_cursor}`;
//! - `POST /webhooks/deliveries/{id}/replay`: send an event again: the same id and body, due
//!   now, with a fresh retry window (`webhooks::actions::replay`); 202 with the event;
//! - `POST /webhooks/test`: send a test event to the environment's `webhook_url` now and answer
//!   what the receiver said (`{delivered, status_code, latency_ms, error}`).
//!
//! A receiver is shown by its host only: a webhook URL's path may hold a token.

use super::pagination::{decode_cursor, encode_cursor, invalid_query, parse_limit};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{
    parse_connection_id, parse_integration_key, AuthedEnvironment, Json, Path, QueryParams,
};
use crate::state::AppState;
use crate::store::{WebhookEvent, WebhookEventFilter, WebhookStatus};
use crate::time::rfc3339_millis;
use crate::webhooks::{actions, deliver::host_of};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

const LIST_PARAMETERS: &[&str] = &[
    "status",
    "connection_id",
    "connectionId",
    "provider_config_key",
    "providerConfigKey",
    "limit",
    "cursor",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/deliveries", get(list_deliveries))
        .route("/webhooks/deliveries/{id}/replay", post(replay_delivery))
        .route("/webhooks/test", post(send_test_webhook))
}

/// `{deliveries, next_cursor}`: the environment's events newest first, each with its attempts.
#[utoipa::path(
    get,
    path = "/webhooks/deliveries",
    tag = "webhooks",
    summary = "List webhook events with their attempts, newest first",
    security(("secretKey" = [])),
    params(
        ("status" = Option<crate::schemas::webhooks::WebhookStatus>, Query, description = "Only events in this state"),
        ("connection_id" = Option<String>, Query, description = "Only this connection's events (alias `connectionId`)"),
        ("provider_config_key" = Option<String>, Query, description = "Only the events of this integration's connections (alias `providerConfigKey`)"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 1000 (default 100; more counts as 1000)"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of events", body = crate::schemas::webhooks::WebhookDeliveryList),
        crate::schemas::errors::WebhookListErrors,
    )
)]
async fn list_deliveries(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(LIST_PARAMETERS)?;
    let status = match query.get(&["status"]) {
        Some(text) => Some(
            WebhookStatus::parse(text.trim())
                .ok_or_else(|| invalid_query("status", "status must be one of pending, delivered, failed"))?,
        ),
        None => None,
    };
    let limit = parse_limit(query.get(&["limit"]))?;
    let filter = WebhookEventFilter {
        status,
        integration_key: query
            .get(&["provider_config_key", "providerConfigKey"])
            .map(parse_integration_key)
            .transpose()?,
        connection_id: query.get(&["connection_id", "connectionId"]).map(parse_connection_id).transpose()?,
        before_seq: decode_cursor(query.get(&["cursor"]))?,
        // One row more than asked tells whether another page exists.
        limit: limit + 1,
    };
    let mut events = state.store.list_webhook_events(environment.id, &filter).await?;
    let next_cursor = if events.len() > limit as usize {
        events.truncate(limit as usize);
        events.last().map(|event| encode_cursor(event.seq))
    } else {
        None
    };
    let deliveries: Vec<Value> = events.iter().map(event_json).collect::<Result<_, _>>()?;
    Ok(Json(json!({ "deliveries": deliveries, "next_cursor": next_cursor })))
}

/// The same event (id and body) again, due now, with a fresh retry window.
#[utoipa::path(
    post,
    path = "/webhooks/deliveries/{id}/replay",
    tag = "webhooks",
    summary = "Send a webhook event again",
    description = "The event becomes pending again with the same id (`Nango-Webhook-Id`) and body, \
        due now, with a fresh retry window; its earlier attempts stay in its list. Any event can be \
        replayed, a delivered one too: receivers dedupe by id.",
    security(("secretKey" = [])),
    params(("id" = String, Path, description = "The event's id (`Nango-Webhook-Id`)")),
    responses(
        (status = 202, description = "The event, pending again", body = crate::schemas::webhooks::WebhookDelivery),
        crate::schemas::errors::WebhookReplayErrors,
    )
)]
async fn replay_delivery(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // An id that is no UUID names no event.
    let id = uuid::Uuid::parse_str(&id).map_err(|_| crate::webhooks::WebhookError::UnknownEvent)?;
    let event = actions::replay(&state, &environment, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(event_json(&event)?)))
}

/// One test event to the environment's `webhook_url`, now, and what the receiver answered.
#[utoipa::path(
    post,
    path = "/webhooks/test",
    tag = "webhooks",
    summary = "Send a test event to the environment's webhook URL",
    description = "Sends `{from: \"nango\", type: \"test\", environment, message}`, signed like every \
        event, once and right away, and answers what the receiver said. The event is in the \
        deliveries list with its one attempt; it is never retried.",
    security(("secretKey" = [])),
    responses(
        (status = 200, description = "What the receiver answered", body = crate::schemas::webhooks::TestWebhookResult),
        crate::schemas::errors::WebhookTestErrors,
    )
)]
async fn send_test_webhook(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(actions::send_test(&state, &environment).await?.to_json()))
}

/// An event as the list shows it; the body as the JSON it is.
fn event_json(event: &WebhookEvent) -> Result<Value, ApiError> {
    let body: Value = serde_json::from_str(&event.body)
        .map_err(|error| ApiError::new(ErrorCode::Internal, "internal error").with_cause(error))?;
    let (integration_key, connection_id) = match &event.connection {
        Some((integration, connection)) => (Some(integration.as_str()), Some(connection.as_str())),
        None => (None, None),
    };
    let attempts: Vec<Value> = event
        .attempt_log
        .iter()
        .map(|attempt| {
            Ok(json!({
                "attempted_at": rfc3339_millis(attempt.attempted_at)?,
                "status_code": attempt.status_code,
                "latency_ms": attempt.latency_ms,
                "error": attempt.error,
            }))
        })
        .collect::<Result<_, ApiError>>()?;
    let pending = event.status == WebhookStatus::Pending;
    Ok(json!({
        "id": event.id.to_string(),
        "type": body.get("type").cloned().unwrap_or(Value::Null),
        "status": event.status.as_str(),
        "provider_config_key": integration_key,
        "connection_id": connection_id,
        "host": host_of(&event.url),
        "attempt_count": event.attempts,
        "next_attempt_at": if pending { Some(rfc3339_millis(event.next_attempt_at)?) } else { None },
        "last_error": event.last_error,
        "created_at": rfc3339_millis(event.created_at)?,
        "finished_at": event.finished_at.map(rfc3339_millis).transpose()?,
        "body": body,
        "attempts": attempts,
    }))
}
