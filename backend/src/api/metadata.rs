//! Connection metadata: `POST /connection/{id}/metadata` replaces it, `PATCH` merges it
//! shallowly (SPEC §5). The integration comes from the `Provider-Config-Key` header or the
//! `provider_config_key` query parameter. The body is the metadata object itself.

use super::{
    connection_key, integration_key_from, parse_connection_id, require_object, AuthedEnvironment, QueryParams,
};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::store::{ConnectionKey, JsonMap};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/connection/{connection_id}/metadata", post(replace_metadata).patch(merge_metadata))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MetadataChange {
    Replace,
    Merge,
}

async fn replace_metadata(
    state: State<AppState>,
    environment: AuthedEnvironment,
    connection_id: Path<String>,
    headers: HeaderMap,
    query: QueryParams,
    body: Json<Value>,
) -> Result<Json<Value>, ApiError> {
    change_one(state, environment, connection_id, headers, query, body, MetadataChange::Replace).await
}

async fn merge_metadata(
    state: State<AppState>,
    environment: AuthedEnvironment,
    connection_id: Path<String>,
    headers: HeaderMap,
    query: QueryParams,
    body: Json<Value>,
) -> Result<Json<Value>, ApiError> {
    change_one(state, environment, connection_id, headers, query, body, MetadataChange::Merge).await
}

async fn change_one(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Path(connection_id): Path<String>,
    headers: HeaderMap,
    query: QueryParams,
    Json(body): Json<Value>,
    change: MetadataChange,
) -> Result<Json<Value>, ApiError> {
    let connection_id = parse_connection_id(&connection_id)?;
    let integration_key = integration_key_from(&headers, &query)?;
    let metadata = require_object(body, "metadata")?;
    let key = connection_key(&environment, integration_key, connection_id);
    let mut results = change_metadata(&state, std::slice::from_ref(&key), &metadata, change).await?;
    let result = results.pop().unwrap_or_default();
    Ok(Json(json!({
        "connection_id": key.connection_id,
        "provider_config_key": key.integration_key,
        "metadata": result,
    })))
}

/// Apply one metadata change to every connection in `keys`. All must exist: a missing one
/// answers 404 before anything changes. Returns each connection's resulting metadata.
pub(super) async fn change_metadata(
    state: &AppState,
    keys: &[ConnectionKey],
    metadata: &JsonMap,
    change: MetadataChange,
) -> Result<Vec<JsonMap>, ApiError> {
    for key in keys {
        if state.store.get_connection(key).await?.is_none() {
            return Err(super::connections::missing(state, key).await);
        }
    }
    let now = crate::time::now();
    let mut results = Vec::with_capacity(keys.len());
    for key in keys {
        let result = match change {
            MetadataChange::Replace => state.store.replace_metadata(key, metadata, now).await?,
            MetadataChange::Merge => state.store.merge_metadata(key, metadata, now).await?,
        };
        // Deleted between the check and the change: report it as absent.
        let result = result.ok_or_else(|| {
            ApiError::unknown_connection(key.connection_id.as_str(), key.integration_key.as_str())
        })?;
        results.push(result);
    }
    Ok(results)
}
