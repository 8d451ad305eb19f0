//! `/connection`: list, read (with fresh credentials), delete, and patch connection_config
//! (SPEC §5). `compat.rs` mounts the same handlers under `@nangohq/node`'s paths.

use super::connection_list::list_connections;
use super::{connection_json, require_object};
use crate::connections::{self, lookup};
use crate::error::ApiError;
use crate::extract::ConnectionTarget;
use crate::extract::Json;
use crate::state::AppState;
use crate::store::{Connection, JsonMap};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::Router;
use serde_json::{json, Value};

/// `last_fetched_at` is written at most this often per connection, so a hot read path
/// does not turn every GET into a database write.
const TOUCH_INTERVAL_SECONDS: i64 = 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        // Nango's deprecated create route is its import (`POST /connections`).
        .route("/connection", get(list_connections).post(super::connection_import::post_connection))
        .route("/connection/{connection_id}", get(get_connection).delete(delete_connection))
        .route("/connection/{connection_id}/connection-config", patch(patch_connection_config))
        .route("/connection/{connection_id}/events", get(status_events))
        .route("/connections/{connection_id}/events", get(status_events))
}

/// The parameters naming the integration, which every one-connection route takes.
pub(super) const INTEGRATION_PARAMETERS: &[&str] = &["provider_config_key", "providerConfigKey"];

/// `GET /connection/{id}?provider_config_key=..&force_refresh=&refresh_token=`. Nango's
/// `refresh_github_app_jwt_token` is accepted (its client always sends it) and means nothing
/// here: GitHub App auth is not an auth mode of this server.
#[utoipa::path(
    get,
    path = "/connection/{connection_id}",
    tag = "connections",
    summary = "A connection, with fresh credentials",
    description = "An OAuth2 token that expires within the provider's buffer is refreshed first.",
    security(("secretKey" = [])),
    params(
        crate::schemas::params::ConnectionTargetParams,
        ("force_refresh" = Option<bool>, Query, description = "Refresh the token even if it is fresh"),
        ("refresh_token" = Option<bool>, Query, description = "Include the refresh token"),
        ("refresh_github_app_jwt_token" = Option<bool>, Query, description = "Accepted (Nango's client sends it); no effect"),
        ("allow_stale" = Option<bool>, Query, description = "Answer the stored credentials of a connection that needs re-authorisation instead of 409"),
    ),
    responses(
        (status = 200, description = "The connection", body = crate::schemas::connections::Connection),
        crate::schemas::errors::ConnectionReadErrors,
    )
)]
pub(super) async fn get_connection(
    State(state): State<AppState>,
    ConnectionTarget { environment, key, query }: ConnectionTarget,
    console: Option<axum::Extension<crate::extract::ConsoleRequest>>,
) -> Result<Response, ApiError> {
    if console.is_some() {
        // SPEC §14: the console shows credentials only when asked; each read is on record.
        tracing::info!(integration = %key.integration_key, connection_id = %key.connection_id,
            "admin console: read a connection's credentials");
    }
    query.only(&[
        INTEGRATION_PARAMETERS[0],
        INTEGRATION_PARAMETERS[1],
        "force_refresh",
        "refresh_token",
        "refresh_github_app_jwt_token",
        "allow_stale",
    ])?;
    query.flag("refresh_github_app_jwt_token")?;
    let options = connections::ReadOptions {
        force: query.flag("force_refresh")?,
        allow_stale: query.flag("allow_stale")?,
    };
    let include_refresh_token = query.flag("refresh_token")?;
    let mut connection = connections::load(&state, &key).await?;
    let now = crate::time::now();
    let read = connections::read_credentials(&state, &environment, &connection, options, now).await?;
    if read.refreshed {
        // A refresh was tried: answer the status fields as they are now.
        connection = connections::load(&state, &key).await?;
    }
    let credentials = read.credentials;
    let last_fetched_at = record_read(&state, &connection, now);
    // Serialised here, straight from the connection the view borrows.
    let view = connection_json(&connection, &credentials, include_refresh_token, last_fetched_at)?;
    Ok(Json(view).into_response())
}

/// `GET /connection(s)/{id}/events`: the connection's last status transitions, oldest first
/// (`{events: [{at, from, to, reason}]}`), and its current status.
#[utoipa::path(
    get,
    path = "/connection/{connection_id}/events",
    tag = "connections",
    summary = "A connection's status and its last status transitions",
    security(("secretKey" = [])),
    params(crate::schemas::params::ConnectionTargetParams),
    responses(
        (status = 200, description = "The status and up to 50 transitions, oldest first", body = crate::schemas::connections::ConnectionEvents),
        crate::schemas::errors::ConnectionErrors,
    )
)]
pub(super) async fn status_events(
    State(state): State<AppState>,
    ConnectionTarget { key, query, .. }: ConnectionTarget,
) -> Result<Json<Value>, ApiError> {
    query.only(INTEGRATION_PARAMETERS)?;
    let connection = connections::load(&state, &key).await?;
    let events = state.store.status_events(&key, 50).await?;
    let events: Vec<Value> = events
        .iter()
        .map(|event| {
            Ok(json!({
                "at": crate::time::rfc3339(event.at)?,
                "from": event.from.as_str(),
                "to": event.to.as_str(),
                "reason": event.reason,
            }))
        })
        .collect::<Result<_, crate::time::TimeError>>()?;
    Ok(Json(json!({ "status": connection.status.as_str(), "events": events })))
}

/// `DELETE /connection/{id}?provider_config_key=..` → 200 `{success: true}` (Nango's answer),
/// or 404.
#[utoipa::path(
    delete,
    path = "/connection/{connection_id}",
    tag = "connections",
    summary = "Delete a connection",
    security(("secretKey" = [])),
    params(crate::schemas::params::ConnectionTargetParams),
    responses(
        (status = 200, description = "Deleted", body = crate::schemas::status::Success),
        crate::schemas::errors::ConnectionErrors,
    )
)]
pub(super) async fn delete_connection(
    State(state): State<AppState>,
    ConnectionTarget { key, query, .. }: ConnectionTarget,
) -> Result<Json<Value>, ApiError> {
    query.only(INTEGRATION_PARAMETERS)?;
    if state.store.delete_connection(&key).await? {
        return Ok(Json(json!({ "success": true })));
    }
    Err(lookup::missing(&state, &key).await.into())
}

/// `PATCH /connection/{id}/connection-config`: shallow merge of a JSON object.
#[utoipa::path(
    patch,
    path = "/connection/{connection_id}/connection-config",
    tag = "connections",
    summary = "Merge into a connection's connection_config (shallow)",
    security(("secretKey" = [])),
    params(crate::schemas::params::ConnectionTargetParams),
    request_body(content = crate::schemas::JsonObject, description = "The keys to set"),
    responses(
        (status = 200, description = "The merged connection_config", body = crate::schemas::connections::ConnectionConfigChanged),
        crate::schemas::errors::ConnectionBodyErrors,
    )
)]
pub(super) async fn patch_connection_config(
    State(state): State<AppState>,
    ConnectionTarget { key, query, .. }: ConnectionTarget,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    query.only(INTEGRATION_PARAMETERS)?;
    let patch = require_object(body, "connection_config")?;
    let connection = connections::load(&state, &key).await?;
    check_connection_config(&state, &connection, &patch)?;
    let merged = state
        .store
        .merge_connection_config(&key, &patch, crate::time::now())
        .await?
        .ok_or_else(|| connections::ConnectionError::UnknownConnection(key.clone()))?;
    Ok(Json(json!({
        "connection_id": key.connection_id,
        "provider_config_key": key.integration_key,
        "connection_config": merged,
    })))
}

/// The patched connection_config must still satisfy the provider's declared parameters:
/// values land in hostnames and paths of the provider's URLs (SPEC §2).
fn check_connection_config(
    state: &AppState,
    connection: &Connection,
    patch: &JsonMap,
) -> Result<(), ApiError> {
    let Some(provider) = state.catalog.get(&connection.provider) else { return Ok(()) };
    // The patch gets the caller rules (no provider-filled keys, no caller-chosen token hosts);
    // the merged result gets the required-key and placement checks.
    crate::catalog::params::validate_config_update(provider, &connection.connection_config, patch)
        .map_err(|error| ApiError::invalid_connection_config(error.to_string()))
}

/// Record the read (at most once a minute per connection); written later, never fails the read.
fn record_read(state: &AppState, connection: &Connection, now: i64) -> Option<i64> {
    let stale = connection.last_fetched_at.is_none_or(|at| now - at >= TOUCH_INTERVAL_SECONDS);
    if !stale {
        return connection.last_fetched_at;
    }
    // Written by the background flush, never on the read path (connections/last_fetched.rs).
    state.last_fetched.record(connection.id, now);
    Some(now)
}
