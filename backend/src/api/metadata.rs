//! Connection metadata: `POST /connection/{id}/metadata` replaces it, `PATCH` merges it
//! shallowly (SPEC §5). The integration comes from the `Provider-Config-Key` header or the
//! `provider_config_key` query parameter. The body is the metadata object itself.

use super::require_object;
use crate::connections::lookup;
use crate::error::ApiError;
use crate::extract::ConnectionTarget;
use crate::extract::Json;
use crate::schemas::{self, connections::MetadataChanged, errors::ConnectionBodyErrors};
use crate::state::AppState;
use crate::store::{ConnectionKey, JsonMap};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/connection/{connection_id}/metadata", post(post_metadata).patch(patch_metadata))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MetadataChange {
    Replace,
    Merge,
}

impl MetadataChange {
    /// Nango answers a replacement (`POST`) with 201 and a merge (`PATCH`) with 200.
    pub(super) fn status(self) -> StatusCode {
        match self {
            Self::Replace => StatusCode::CREATED,
            Self::Merge => StatusCode::OK,
        }
    }
}

#[utoipa::path(
    post,
    path = "/connection/{connection_id}/metadata",
    operation_id = "replace_connection_metadata",
    tag = "metadata",
    summary = "Replace a connection's metadata",
    security(("secretKey" = [])),
    params(schemas::params::ConnectionTargetParams),
    request_body(content = schemas::JsonObject, description = "The new metadata"),
    responses((status = 201, description = "The metadata now", body = MetadataChanged), ConnectionBodyErrors)
)]
async fn post_metadata(
    state: State<AppState>,
    target: ConnectionTarget,
    body: Json<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    change_one(state, target, body, MetadataChange::Replace).await
}

#[utoipa::path(
    patch,
    path = "/connection/{connection_id}/metadata",
    operation_id = "merge_connection_metadata",
    tag = "metadata",
    summary = "Merge into a connection's metadata (shallow)",
    security(("secretKey" = [])),
    params(schemas::params::ConnectionTargetParams),
    request_body(content = schemas::JsonObject, description = "The keys to set"),
    responses((status = 200, description = "The metadata now", body = MetadataChanged), ConnectionBodyErrors)
)]
async fn patch_metadata(
    state: State<AppState>,
    target: ConnectionTarget,
    body: Json<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    change_one(state, target, body, MetadataChange::Merge).await
}

async fn change_one(
    State(state): State<AppState>,
    ConnectionTarget { key, .. }: ConnectionTarget,
    Json(body): Json<Value>,
    change: MetadataChange,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let metadata = require_object(body, "metadata")?;
    let mut results = change_metadata(&state, std::slice::from_ref(&key), &metadata, change).await?;
    let result = results.pop().unwrap_or_default();
    let body = json!({
        "connection_id": key.connection_id,
        "provider_config_key": key.integration_key,
        "metadata": result,
    });
    Ok((change.status(), Json(body)))
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
            return Err(lookup::missing(state, key).await.into());
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
        let result =
            result.ok_or_else(|| crate::connections::ConnectionError::UnknownConnection(key.clone()))?;
        results.push(result);
    }
    Ok(results)
}
