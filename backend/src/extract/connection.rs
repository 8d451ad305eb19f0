//! `ConnectionTarget`: the connection a `/connection/{connection_id}...` route names, and the
//! parsing of the ids and the integration key those routes (and the proxy) take.

use super::{AuthedEnvironment, QueryParams};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{ConnectionId, IntegrationKey};
use crate::state::AppState;
use crate::store::{ConnectionKey, Environment};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

/// The connection a `/connection/{connection_id}...` route names: the secret key's environment,
/// the id from the path, and the integration from the `Provider-Config-Key` header or the
/// `provider_config_key` query parameter. `query` is kept for the handler's other flags.
pub struct ConnectionTarget {
    pub environment: std::sync::Arc<Environment>,
    pub key: ConnectionKey,
    pub query: QueryParams,
}

impl FromRequestParts<AppState> for ConnectionTarget {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let AuthedEnvironment(environment) = AuthedEnvironment::from_request_parts(parts, state).await?;
        let crate::extract::Path(raw_id) =
            crate::extract::Path::<String>::from_request_parts(parts, state).await?;
        let Ok(query) = QueryParams::from_request_parts(parts, state).await;
        let connection_id = parse_connection_id(&raw_id)?;
        let integration_key = integration_key_from(&parts.headers, &query)?;
        let key = connection_key(&environment, integration_key, connection_id);
        Ok(Self { environment, key, query })
    }
}

pub fn parse_integration_key(raw: &str) -> Result<IntegrationKey, ApiError> {
    IntegrationKey::parse(raw).map_err(|rule| ApiError::new(ErrorCode::InvalidRequest, rule))
}

pub fn parse_connection_id(raw: &str) -> Result<ConnectionId, ApiError> {
    ConnectionId::parse(raw).map_err(|rule| ApiError::new(ErrorCode::InvalidConnectionId, rule))
}

/// The integration a connection route names: the `Provider-Config-Key` header or the
/// `provider_config_key` query parameter (400 when neither is there).
pub fn integration_key_from(headers: &HeaderMap, query: &QueryParams) -> Result<IntegrationKey, ApiError> {
    let from_header = headers
        .get("provider-config-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty());
    let raw = query.get(&["provider_config_key", "providerConfigKey"]).or(from_header).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidRequest,
            "provider_config_key is required (query parameter or `Provider-Config-Key` header)",
        )
    })?;
    parse_integration_key(raw)
}

pub fn connection_key(
    environment: &Environment,
    integration_key: IntegrationKey,
    connection_id: ConnectionId,
) -> ConnectionKey {
    ConnectionKey { environment_id: environment.id, integration_key, connection_id }
}
