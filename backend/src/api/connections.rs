//! `/connection`: list, read (with fresh credentials), delete, and patch connection_config
//! (SPEC §5). `compat.rs` mounts the same handlers under `@nangohq/node`'s paths.

use super::pagination::{decode_cursor, encode_cursor, parse_limit};
use super::{connection_json, connection_list_item, require_object};
use crate::connections::{self, lookup};
use crate::error::ApiError;
use crate::extract::Json;
use crate::extract::{
    parse_connection_id, parse_integration_key, AuthedEnvironment, ConnectionTarget, QueryParams,
};
use crate::state::AppState;
use crate::store::{Connection, ConnectionFilter, ConnectionKey, JsonMap};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::Router;
use serde_json::{json, Value};

/// `last_fetched_at` is written at most this often per connection, so a hot read path
/// does not turn every GET into a database write.
const TOUCH_INTERVAL_SECONDS: i64 = 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connection", get(list_connections))
        .route("/connection/{connection_id}", get(get_connection).delete(delete_connection))
        .route("/connection/{connection_id}/connection-config", patch(patch_connection_config))
}

/// `GET /connection/{id}?provider_config_key=..&force_refresh=&refresh_token=`.
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
        ("refresh_token" = Option<bool>, Query, description = "Include the refresh token and the raw token response"),
    ),
    responses(
        (status = 200, description = "The connection", body = crate::schemas::connections::Connection),
        crate::schemas::errors::ConnectionReadErrors,
    )
)]
pub(super) async fn get_connection(
    State(state): State<AppState>,
    ConnectionTarget { environment, key, query }: ConnectionTarget,
) -> Result<Json<Value>, ApiError> {
    let force_refresh = query.flag("force_refresh")?;
    let include_refresh_token = query.flag("refresh_token")?;
    let connection = connections::load(&state, &key).await?;
    let now = crate::time::now();
    let credentials =
        connections::fresh_credentials(&state, &environment, &connection, force_refresh, now).await?;
    let last_fetched_at = record_read(&state, &key, &connection, now);
    Ok(Json(connection_json(&connection, &credentials, include_refresh_token, last_fetched_at)?))
}

/// `GET /connection` and `GET /connections`: filter by integration (`integration_id`,
/// `integrationId` (comma-separated), `provider_config_key`) and `connection_id`;
/// keyset-paginated with `limit` and `cursor` → `{connections, next_cursor}`.
#[utoipa::path(
    get,
    path = "/connection",
    tag = "connections",
    summary = "List connections",
    security(("secretKey" = [])),
    params(
        ("integration_id" = Option<String>, Query, description = "Only this integration's (aliases `integrationId`, comma-separated, `provider_config_key`)"),
        ("connection_id" = Option<String>, Query, description = "Only this connection id (alias `connectionId`)"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 1000 (default 100)"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of connections", body = crate::schemas::connections::ConnectionList),
        crate::schemas::errors::ConnectionListErrors,
    )
)]
pub(super) async fn list_connections(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    let mut integration_keys = Vec::new();
    for name in ["integration_id", "integrationId", "provider_config_key", "providerConfigKey"] {
        for raw in query.all(name) {
            integration_keys.push(parse_integration_key(raw)?);
        }
    }
    integration_keys.sort();
    integration_keys.dedup();
    let connection_id = query.get(&["connection_id", "connectionId"]).map(parse_connection_id).transpose()?;
    let limit = parse_limit(query.get(&["limit"]))?;
    let after = decode_cursor(query.get(&["cursor", "next_cursor"]))?;
    // One row more than asked tells whether another page exists.
    let filter = |integration_key| ConnectionFilter {
        integration_key,
        connection_id: connection_id.clone(),
        limit: limit + 1,
        after,
    };
    let mut rows: Vec<Connection> = Vec::new();
    if integration_keys.is_empty() {
        rows = state.store.list_connections(environment.id, &filter(None)).await?;
    } else {
        for integration_key in integration_keys {
            rows.extend(state.store.list_connections(environment.id, &filter(Some(integration_key))).await?);
        }
        rows.sort_by_key(|connection| connection.id);
    }
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|connection| encode_cursor(connection.id))
    } else {
        None
    };
    let connections: Vec<Value> = rows.iter().map(connection_list_item).collect::<Result<_, _>>()?;
    Ok(Json(json!({ "connections": connections, "next_cursor": next_cursor })))
}

/// `DELETE /connection/{id}?provider_config_key=..` → 204, or 404.
#[utoipa::path(
    delete,
    path = "/connection/{connection_id}",
    tag = "connections",
    summary = "Delete a connection",
    security(("secretKey" = [])),
    params(crate::schemas::params::ConnectionTargetParams),
    responses((status = 204, description = "Deleted"), crate::schemas::errors::ConnectionErrors)
)]
pub(super) async fn delete_connection(
    State(state): State<AppState>,
    ConnectionTarget { key, .. }: ConnectionTarget,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_connection(&key).await? {
        return Ok(StatusCode::NO_CONTENT);
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
    ConnectionTarget { key, .. }: ConnectionTarget,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
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
fn record_read(state: &AppState, key: &ConnectionKey, connection: &Connection, now: i64) -> Option<i64> {
    let stale = connection.last_fetched_at.is_none_or(|at| now - at >= TOUCH_INTERVAL_SECONDS);
    if !stale {
        return connection.last_fetched_at;
    }
    // Written by the background flush, never on the read path (connections/last_fetched.rs).
    state.last_fetched.record(key, now);
    Some(now)
}
