//! The demo page's two server routes (SPEC §6): `GET /demo/config` (what the page needs to
//! call the SDK: server URL, public key, integrations) and `GET /demo/connection/{id}` (the
//! stored connection without any secret, to show what a connect produced).
//!
//! Both read the default environment's demo integration only (SPEC §13 "Demo": these routes
//! take no key, so they never show any other integration or connection). The public key is
//! public by design; the secret key and every token stay on the server.

use crate::connections::{self, open_credentials};
use crate::credentials::Credentials;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::ids::{ConnectionId, IntegrationKey};
use crate::state::AppState;
use crate::store::{ConnectionKey, Environment};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// The one integration the page works with (created by `demo::ensure_demo_integration`).
pub const DEFAULT_INTEGRATION: &str = super::DEMO_INTEGRATION;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/demo/config", get(get_config))
        .route("/demo/connection/{connection_id}", get(get_connection))
}

/// `{host, publicKey, integrations: [{unique_key, provider, fields}], defaultIntegration}`;
/// `fields` are the connection-config parameters the provider declares (catalog text only).
#[utoipa::path(
    get,
    path = "/demo/config",
    tag = "demo",
    summary = "What the demo page needs to call the SDK",
    responses(
        (status = 200, description = "Server URL, public key, the demo integration", body = crate::schemas::demo::DemoConfig),
        crate::schemas::errors::PublicErrors,
    )
)]
async fn get_config(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let environment = default_environment(&state).await?;
    let demo = IntegrationKey::parse(DEFAULT_INTEGRATION).map_err(ApiError::invalid_request)?;
    let integrations: Vec<Value> = state
        .store
        .get_integration(environment.id, &demo)
        .await?
        .into_iter()
        .map(|integration| {
            let fields = state
                .catalog
                .get(&integration.provider)
                .map(crate::catalog::fields::declared_fields)
                .unwrap_or_default();
            json!({
                "unique_key": integration.unique_key.as_str(),
                "provider": integration.provider,
                "fields": fields,
            })
        })
        .collect();
    Ok(Json(json!({
        "host": state.config.server_url,
        "publicKey": environment.public_key,
        "integrations": integrations,
        "defaultIntegration": DEFAULT_INTEGRATION,
    })))
}

#[derive(Debug, Deserialize)]
struct ConnectionQuery {
    integration: String,
}

/// The stored connection's non-secret fields: whether a token exists, never the token.
#[utoipa::path(
    get,
    path = "/demo/connection/{connection_id}",
    tag = "demo",
    operation_id = "get_demo_connection",
    summary = "A demo connection's non-secret fields",
    params(
        ("connection_id" = String, Path),
        ("integration" = String, Query, description = "The demo integration (any other reads as absent)"),
    ),
    responses(
        (status = 200, description = "The connection, without any secret", body = crate::schemas::demo::DemoConnection),
        crate::schemas::errors::DemoConnectionErrors,
    )
)]
async fn get_connection(
    State(state): State<AppState>,
    Path(connection_id): Path<String>,
    Query(query): Query<ConnectionQuery>,
) -> Result<Json<Value>, ApiError> {
    let connection_id = ConnectionId::parse(connection_id).map_err(ApiError::invalid_connection_id)?;
    // Any other integration reads as absent: this route takes no key.
    if query.integration != DEFAULT_INTEGRATION {
        return Err(ApiError::unknown_integration(&query.integration));
    }
    let integration_key = IntegrationKey::parse(query.integration).map_err(ApiError::invalid_request)?;
    let environment = default_environment(&state).await?;
    let key = ConnectionKey { environment_id: environment.id, integration_key, connection_id };
    let connection = connections::load(&state, &key).await?;
    let credentials = open_credentials(&state, &connection)?;
    Ok(Json(json!({
        "connection_id": connection.connection_id.as_str(),
        "provider_config_key": connection.integration_key.as_str(),
        "provider": connection.provider,
        "connection_config": connection.connection_config,
        "metadata": connection.metadata,
        "created_at": crate::time::rfc3339(connection.created_at)?,
        "credentials": credentials_summary(&credentials)?,
    })))
}

/// What the page may show about credentials: their type, whether a token is there, expiry.
fn credentials_summary(credentials: &Credentials) -> Result<Value, ApiError> {
    let has_secret = match credentials {
        Credentials::OAuth2 { access_token, .. } => !access_token.expose().is_empty(),
        Credentials::ApiKey { api_key } => !api_key.expose().is_empty(),
        Credentials::Basic { password, .. } => !password.expose().is_empty(),
    };
    Ok(json!({
        "type": credentials.auth_mode().as_str(),
        "has_access_token": matches!(credentials, Credentials::OAuth2 { .. }) && has_secret,
        "has_secret": has_secret,
        "expires_at": credentials.expires_at().map(crate::time::rfc3339).transpose()?,
    }))
}

pub(super) async fn default_environment(state: &AppState) -> Result<Environment, ApiError> {
    state
        .store
        .default_environment()
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no default environment yet")))
}
