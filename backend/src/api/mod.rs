//! The secret-key REST API (SPEC §5): routes, the `AuthedEnvironment` extractor and the
//! small request-parsing pieces every handler shares.

mod compat;
mod connection_view;
mod connections;
mod environment;
mod integrations;
mod metadata;
mod pagination;

use crate::crypto::hmac::constant_time_eq;
use crate::error::{ApiError, ErrorCode};
use crate::ids::{ConnectionId, IntegrationKey};
use crate::state::AppState;
use crate::store::{Connection, ConnectionKey, Environment, Integration, JsonMap};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::Router;
use serde_json::Value;

pub use connection_view::{connection_json, connection_list_item};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(integrations::routes())
        .merge(connections::routes())
        .merge(metadata::routes())
        .merge(environment::routes())
        .merge(compat::routes())
}

/// The environment whose secret key the request carries (`Authorization: Bearer <secret>`).
/// Missing or malformed header → 401 `missing_auth_header`; unknown key → 401 `invalid_secret_key`.
#[derive(Debug, Clone)]
pub struct AuthedEnvironment(pub Environment);

impl FromRequestParts<AppState> for AuthedEnvironment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let given = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::unauthorized(
                ErrorCode::MissingAuthHeader,
                "expected `Authorization: Bearer <secret key>`",
            )
        })?;
        let invalid = || ApiError::unauthorized(ErrorCode::InvalidSecretKey, "invalid secret key");
        let environment =
            state.environments.by_secret_key(state.store.as_ref(), given).await?.ok_or_else(invalid)?;
        // The store found it by equality; compare again in constant time so a lookup that
        // is not exact (collation, prefix index) can never let a different key through.
        if !constant_time_eq(environment.secret_key.expose(), given) {
            return Err(invalid());
        }
        Ok(Self(environment))
    }
}

/// The connection a `/connection/{connection_id}...` route names: the secret key's environment,
/// the id from the path, and the integration from the `Provider-Config-Key` header or the
/// `provider_config_key` query parameter. `query` is kept for the handler's other flags.
pub struct ConnectionTarget {
    pub environment: Environment,
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

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The query string as name/value pairs, decoded once. Lenient on purpose: Nango's clients
/// send aliases (`integrationId`, `provider_config_key`), arrays (`include[]=..`) and
/// parameters we ignore; a typed `Query<T>` would reject some of them.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let pairs = parts
            .uri
            .query()
            .map(|query| url::form_urlencoded::parse(query.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Ok(Self(pairs))
    }
}

impl QueryParams {
    /// The first non-empty value of the first name in `names` that is present.
    pub fn get(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| {
            self.0.iter().find(|(key, value)| key == name && !value.is_empty()).map(|(_, v)| v.as_str())
        })
    }

    /// Every value of `name` (repeated keys and `name[]`), comma-separated values split.
    pub fn all(&self, name: &str) -> Vec<&str> {
        let array_name = format!("{name}[]");
        self.0
            .iter()
            .filter(|(key, _)| key == name || *key == array_name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .collect()
    }

    /// A boolean flag: absent → false; `true`/`1` → true; `false`/`0`/empty → false.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.0.iter().find(|(key, _)| key == name).map(|(_, v)| v.trim()) {
            None | Some("" | "false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(_) => Err(ApiError::bad_request(
                ErrorCode::InvalidRequest,
                format!("`{name}` must be true or false"),
            )),
        }
    }
}

pub fn parse_integration_key(raw: &str) -> Result<IntegrationKey, ApiError> {
    IntegrationKey::parse(raw).map_err(|rule| ApiError::bad_request(ErrorCode::InvalidRequest, rule))
}

pub fn parse_connection_id(raw: &str) -> Result<ConnectionId, ApiError> {
    ConnectionId::parse(raw).map_err(|rule| ApiError::bad_request(ErrorCode::InvalidConnectionId, rule))
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
        ApiError::bad_request(
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

/// Load a connection; absent → 404 `unknown_integration` when the integration does not exist,
/// else 404 `unknown_connection`. The integration is only looked up on the miss path, so a
/// successful read costs one query.
pub async fn load_connection(state: &AppState, key: &ConnectionKey) -> Result<Connection, ApiError> {
    if let Some(connection) = state.store.get_connection(key).await? {
        return Ok(connection);
    }
    load_integration(state, key.environment_id, &key.integration_key).await?;
    Err(ApiError::unknown_connection(key.connection_id.as_str(), key.integration_key.as_str()))
}

pub async fn load_integration(
    state: &AppState,
    environment_id: i64,
    key: &IntegrationKey,
) -> Result<Integration, ApiError> {
    state
        .store
        .get_integration(environment_id, key)
        .await?
        .ok_or_else(|| ApiError::unknown_integration(key.as_str()))
}

/// A body that must be a JSON object (metadata, connection_config patches).
pub fn require_object(value: Value, what: &str) -> Result<JsonMap, ApiError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::bad_request(ErrorCode::InvalidBody, format!("{what} must be a JSON object"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_token_parsing() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer  abc "));
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("abc"));
        assert_eq!(bearer_token(&headers), None);
    }

    #[test]
    fn query_params_aliases_arrays_and_flags() {
        let query = QueryParams(vec![
            ("integrationId".into(), "a,b".into()),
            ("include[]".into(), "credentials".into()),
            ("force_refresh".into(), "true".into()),
            ("refresh_token".into(), "false".into()),
            ("bad".into(), "yes".into()),
        ]);
        assert_eq!(query.get(&["integration_id", "integrationId"]), Some("a,b"));
        assert_eq!(query.all("integrationId"), vec!["a", "b"]);
        assert_eq!(query.all("include"), vec!["credentials"]);
        assert!(query.flag("force_refresh").is_ok_and(|flag| flag));
        assert!(query.flag("refresh_token").is_ok_and(|flag| !flag));
        assert!(query.flag("absent").is_ok_and(|flag| !flag));
        assert!(query.flag("bad").is_err());
    }
}
