//! The paths Nango's official Node client (`@nangohq/node`) calls, mapped onto the same
//! handlers (SPEC §5 "Compatibility"). Checked against `packages/node-client/lib/index.ts`:
//! `getConnection` → `GET /connections/{id}`, `listConnections` → `GET /connections`,
//! `deleteConnection` → `DELETE /connections/{id}`, `patchConnection` → `PATCH /connections/{id}`,
//! `setMetadata`/`updateMetadata` → `POST`/`PATCH /connections/metadata`.

use super::metadata::{change_metadata, MetadataChange};
use super::{connections, require_object};
use crate::error::{ApiError, ErrorCode};
use crate::extract::Json;
use crate::extract::{
    connection_key, parse_connection_id, parse_integration_key, AuthedEnvironment, ConnectionTarget,
};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connections", get(connections::list_connections))
        .route(
            "/connections/metadata",
            post(|state, environment, body| change_many(state, environment, body, MetadataChange::Replace))
                .patch(|state, environment, body| {
                    change_many(state, environment, body, MetadataChange::Merge)
                }),
        )
        .route(
            "/connections/{connection_id}",
            get(connections::get_connection).delete(connections::delete_connection).patch(patch_connection),
        )
}

/// Body of `POST|PATCH /connections/metadata`.
#[derive(Debug, Deserialize)]
struct MetadataBody {
    connection_id: OneOrMany,
    provider_config_key: String,
    metadata: Value,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Apply to every connection id; 404 if any is missing, before anything changes. Answers
/// the request body, as Nango does.
#[utoipa::path(
    method(post, patch),
    path = "/connections/metadata",
    tag = "metadata",
    summary = "Replace (POST) or merge into (PATCH) the metadata of one or many connections",
    security(("secretKey" = [])),
    request_body = crate::schemas::connections::MetadataForConnections,
    responses(
        (status = 200, description = "The request body", body = crate::schemas::connections::MetadataForConnections),
        crate::schemas::errors::ConnectionBodyErrors,
    )
)]
async fn change_many(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Json(body): Json<MetadataBody>,
    change: MetadataChange,
) -> Result<Json<Value>, ApiError> {
    let integration_key = parse_integration_key(&body.provider_config_key)?;
    let metadata = require_object(body.metadata, "metadata")?;
    let (ids, echoed_id) = match body.connection_id {
        OneOrMany::One(id) => (vec![id.clone()], json!(id)),
        OneOrMany::Many(ids) => {
            let echoed = json!(ids);
            (ids, echoed)
        }
    };
    if ids.is_empty() {
        return Err(ApiError::new(ErrorCode::MissingConnectionId, "connection_id is required"));
    }
    let mut keys = Vec::with_capacity(ids.len());
    for id in &ids {
        keys.push(connection_key(&environment, integration_key.clone(), parse_connection_id(id)?));
    }
    change_metadata(&state, &keys, &metadata, change).await?;
    Ok(Json(json!({
        "connection_id": echoed_id,
        "provider_config_key": integration_key,
        "metadata": metadata,
    })))
}

/// `patchConnection`: Nango's body holds `end_user`, `tags` and `webhook_url_override`, none
/// of which this server keeps yet. The connection must exist and the body must be an
/// object; the fields are accepted and ignored, and the answer is Nango's `{success: true}`.
#[utoipa::path(
    patch,
    path = "/connections/{connection_id}",
    tag = "connections",
    summary = "Change a connection (Nango's `patchConnection`)",
    security(("secretKey" = [])),
    params(crate::schemas::params::ConnectionTargetParams),
    request_body(content = crate::schemas::JsonObject, description = "`end_user`, `tags`, `webhook_url_override`"),
    responses(
        (status = 200, description = "Done", body = crate::schemas::status::Success),
        crate::schemas::errors::ConnectionBodyErrors,
    )
)]
async fn patch_connection(
    State(state): State<AppState>,
    ConnectionTarget { key, .. }: ConnectionTarget,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    require_object(body, "the body")?;
    crate::connections::load(&state, &key).await?;
    Ok(Json(json!({ "success": true })))
}
