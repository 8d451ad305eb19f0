//! The paths Nango's official Node client (`@nangohq/node`) calls, mapped onto the same
//! handlers (SPEC §5 "Compatibility"). Checked against `packages/node-client/lib/index.ts`:
//! `getConnection` → `GET /connections/{id}`, `listConnections` → `GET /connections`,
//! `deleteConnection` → `DELETE /connections/{id}`, `patchConnection` → `PATCH /connections/{id}`,
//! `setMetadata`/`updateMetadata` → `POST`/`PATCH /connections/metadata`; and Nango's
//! public API besides: `POST /connections` (import), the deprecated `/connection/metadata`
//! and `POST /connection`.

use super::connection_import::post_connection;
use super::connection_list::list_connections;
use super::connections::{self, INTEGRATION_PARAMETERS};
use super::metadata::{change_metadata, MetadataChange};
use super::require_object;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Json;
use crate::extract::{
    connection_key, parse_connection_id, parse_integration_key, AuthedEnvironment, ConnectionTarget,
};
use crate::sessions::{request, FieldError};
use crate::state::AppState;
use crate::store::ConnectionPatch;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connections", get(list_connections).post(post_connection))
        .route("/connections/metadata", post(post_metadata).patch(patch_metadata))
        .route("/connection/metadata", post(post_metadata).patch(patch_metadata))
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

#[utoipa::path(
    post,
    path = "/connections/metadata",
    operation_id = "replace_metadata_of_connections",
    tag = "metadata",
    summary = "Replace the metadata of one or many connections",
    security(("secretKey" = [])),
    request_body = crate::schemas::connections::MetadataForConnections,
    responses(
        (status = 201, description = "The request body", body = crate::schemas::connections::MetadataForConnections),
        crate::schemas::errors::ConnectionBodyErrors,
    )
)]
async fn post_metadata(
    state: State<AppState>,
    environment: AuthedEnvironment,
    body: Json<MetadataBody>,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    change_many(state, environment, body, MetadataChange::Replace).await
}

#[utoipa::path(
    patch,
    path = "/connections/metadata",
    operation_id = "merge_metadata_of_connections",
    tag = "metadata",
    summary = "Merge into the metadata of one or many connections (shallow)",
    security(("secretKey" = [])),
    request_body = crate::schemas::connections::MetadataForConnections,
    responses(
        (status = 200, description = "The request body", body = crate::schemas::connections::MetadataForConnections),
        crate::schemas::errors::ConnectionBodyErrors,
    )
)]
async fn patch_metadata(
    state: State<AppState>,
    environment: AuthedEnvironment,
    body: Json<MetadataBody>,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    change_many(state, environment, body, MetadataChange::Merge).await
}

/// Apply to every connection id; 404 if any is missing, before anything changes. Answers
/// the request body, as Nango does.
async fn change_many(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Json(body): Json<MetadataBody>,
    change: MetadataChange,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
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
    let body = json!({
        "connection_id": echoed_id,
        "provider_config_key": integration_key,
        "metadata": metadata,
    });
    Ok((change.status(), Json(body)))
}

/// `patchConnection`: `{end_user?, tags?, webhook_url_override?}` (an empty override clears
/// it). A given end user or tags replace the connection's tags (its end user's fields, then
/// the given tags); answers Nango's `{success: true}`.
#[utoipa::path(
    patch,
    path = "/connections/{connection_id}",
    tag = "connections",
    summary = "Change a connection's end user, tags or webhook URL override",
    security(("secretKey" = [])),
    params(crate::schemas::params::ConnectionTargetParams),
    request_body = crate::schemas::connections::ConnectionChange,
    responses(
        (status = 200, description = "Done", body = crate::schemas::status::Success),
        crate::schemas::errors::ConnectionBodyErrors,
    )
)]
async fn patch_connection(
    State(state): State<AppState>,
    ConnectionTarget { key, query, .. }: ConnectionTarget,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    query.only(INTEGRATION_PARAMETERS)?;
    let patch = patch_body(&body).map_err(|errors| ApiError::with_errors(ErrorCode::InvalidBody, errors))?;
    state
        .store
        .patch_connection(&key, &patch, crate::time::now())
        .await?
        .ok_or_else(|| crate::connections::ConnectionError::UnknownConnection(key.clone()))?;
    Ok(Json(json!({ "success": true })))
}

fn patch_body(body: &Value) -> Result<ConnectionPatch, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(object) = body.as_object() else {
        return Err(vec![request::error("invalid_type", "the body must be a JSON object", &[])]);
    };
    for key in
        object.keys().filter(|key| !["end_user", "tags", "webhook_url_override"].contains(&key.as_str()))
    {
        errors.push(request::error("unrecognized_keys", &format!("unknown key `{key}`"), &[key]));
    }
    let end_user = object.get("end_user").map(|value| request::end_user(value, &mut errors));
    let tags = object.get("tags").map(|value| request::top_level_tags(Some(value), &mut errors));
    let webhook_url_override = match object.get("webhook_url_override") {
        None => None,
        Some(Value::String(text)) if text.is_empty() => Some(None),
        Some(value) => Some(request::webhook_url(value, &mut errors)),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let tags = crate::connections::tags::connection_tags(end_user.as_ref(), tags.as_ref());
    Ok(ConnectionPatch { end_user, tags, webhook_url_override })
}
