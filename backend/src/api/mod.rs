//! The secret-key REST API (SPEC §5): the routes of each resource. The extractors they share
//! with the proxy (`AuthedEnvironment`, `ConnectionTarget`, `QueryParams`) are in `extract/`.

mod callback_check;
mod compat;
mod connect_sessions;
mod connection_import;
mod connection_list;
mod connection_view;
mod connections;
pub mod doc;
mod environment;
mod environment_variables;
mod integrations;
mod metadata;
mod pagination;
mod providers;
mod webhook_deliveries;

use crate::error::ApiError;
use crate::json::JsonMap;
use crate::state::AppState;
use axum::Router;
use serde_json::Value;

pub use connection_view::{connection_json, connection_list_item};

/// Every answer of the secret-key API may carry secrets (tokens, client secrets, keys), so
/// none is ever stored by a cache (SPEC §13 "Responses"): `layers::around` sends
/// `Cache-Control: no-store` with every answer that does not choose its own, and none here does.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(integrations::routes())
        .merge(connections::routes())
        .merge(metadata::routes())
        .merge(environment::routes())
        .merge(callback_check::routes())
        .merge(environment_variables::routes())
        .merge(compat::routes())
        .merge(connect_sessions::routes())
        .merge(providers::routes())
        .merge(webhook_deliveries::routes())
}

/// A body that must be a JSON object (metadata, connection_config patches).
pub fn require_object(value: Value, what: &str) -> Result<JsonMap, ApiError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::invalid_body(format!("{what} must be a JSON object"))),
    }
}
