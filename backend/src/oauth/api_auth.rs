//! `POST /api-auth/api-key/{integration}` (`{apiKey}`) and `POST /api-auth/basic/{integration}`
//! (`{username, password}`): connections without a popup (SPEC §2). Same access checks as
//! `/oauth/connect` (`access.rs`); answers `{providerConfigKey, connectionId}` or the JSON error.
//!
//! CORS is answered here because it depends on the environment the public key names: its
//! `allowed_origins` when set, else any origin (mirrored; no cookies are involved). A request
//! whose `Origin` the environment does not allow is refused with `invalid_origin` as well.
//! Each POST is a flow of its own that ends at once: one `flow ended` line, without a flow id.

use super::access::{self, Denied};
use super::query::BrowserQuery;
use crate::catalog::AuthMode;
use crate::connections::{self, NewConnection};
use crate::credentials::Credentials;
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::flows;
use crate::ids::IntegrationKey;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{ConnectionKey, Environment, FlowOutcome};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api-auth/api-key/{integration}", post(post_api_key).options(preflight))
        .route("/api-auth/basic/{integration}", post(post_basic).options(preflight))
}

#[derive(Debug, Deserialize)]
pub struct ApiKeyBody {
    #[serde(rename = "apiKey")]
    pub api_key: Secret<String>,
}

#[derive(Debug, Deserialize)]
pub struct BasicBody {
    pub username: String,
    pub password: Secret<String>,
}

#[utoipa::path(
    post,
    path = "/api-auth/api-key/{integration}",
    tag = "oauth",
    summary = "Save an API key connection (no popup)",
    security(("publicKey" = []), ("connectSessionTokenQuery" = [])),
    params(("integration" = String, Path, description = "The integration's unique key"), crate::schemas::params::BrowserQueryParams),
    request_body = crate::schemas::browser::ApiKeyCredentialsBody,
    responses(
        (status = 200, description = "The saved connection", body = crate::schemas::browser::CredentialsSaved),
        crate::schemas::errors::BrowserCredentialErrors,
    )
)]
pub async fn post_api_key(
    State(state): State<AppState>,
    Path(integration): Path<String>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
    body: Result<Json<ApiKeyBody>, ApiError>,
) -> Response {
    let credentials = body.and_then(|Json(body)| {
        if body.api_key.expose().is_empty() {
            return Err(ApiError::invalid_body("`apiKey` must not be empty"));
        }
        Ok(Credentials::ApiKey { api_key: body.api_key })
    });
    save(&state, &integration, raw_query.as_deref(), &headers, AuthMode::ApiKey, credentials).await
}

#[utoipa::path(
    post,
    path = "/api-auth/basic/{integration}",
    tag = "oauth",
    summary = "Save a username and password connection (no popup)",
    security(("publicKey" = []), ("connectSessionTokenQuery" = [])),
    params(("integration" = String, Path, description = "The integration's unique key"), crate::schemas::params::BrowserQueryParams),
    request_body = crate::schemas::browser::BasicCredentialsBody,
    responses(
        (status = 200, description = "The saved connection", body = crate::schemas::browser::CredentialsSaved),
        crate::schemas::errors::BrowserCredentialErrors,
    )
)]
pub async fn post_basic(
    State(state): State<AppState>,
    Path(integration): Path<String>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
    body: Result<Json<BasicBody>, ApiError>,
) -> Response {
    let credentials = body.and_then(|Json(body)| {
        if body.username.is_empty() {
            return Err(ApiError::invalid_body("`username` must not be empty"));
        }
        Ok(Credentials::Basic { username: body.username, password: body.password })
    });
    save(&state, &integration, raw_query.as_deref(), &headers, AuthMode::Basic, credentials).await
}

/// CORS preflight for the JSON POSTs.
#[utoipa::path(
    options,
    path = "/api-auth/api-key/{integration}",
    tag = "oauth",
    operation_id = "preflight_api_auth",
    summary = "CORS preflight",
    params(("integration" = String, Path, description = "The integration's unique key"), ("public_key" = Option<String>, Query, description = "Names the environment whose origins apply")),
    responses((status = 204, description = "With CORS headers when the origin is allowed"))
)]
pub async fn preflight(
    State(state): State<AppState>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = BrowserQuery::parse(raw_query.as_deref());
    let environment = access::environment_by_public_key(&state, query.public_key.as_deref()).await.ok();
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(origin) = allowed_origin(headers.get(header::ORIGIN), environment.as_deref()) {
        let out = response.headers_mut();
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
        out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
        out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("origin"));
    response
}

/// The shared steps: access, origin, seal, upsert, webhook; CORS headers on every answer.
async fn save(
    state: &AppState,
    integration: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    auth_mode: AuthMode,
    credentials: Result<Credentials, ApiError>,
) -> Response {
    let now = crate::time::now();
    let began = std::time::Instant::now();
    let query = BrowserQuery::parse(raw_query);
    let origin = headers.get(header::ORIGIN);
    let request = query.access_request(integration, auth_mode);
    let mut connection_id = None;
    let (result, environment) = match access::check(state, request).await {
        Err(Denied { error, environment }) => (Err(error), environment),
        Ok(access) => {
            connection_id = Some(access.connection_id.clone());
            let environment = access.environment.clone();
            let result = match credentials {
                Err(error) => Err(error),
                Ok(_) if origin.is_some() && allowed_origin(origin, Some(&environment)).is_none() => {
                    Err(ApiError::invalid_origin("this origin is not in the environment's allowed origins"))
                }
                Ok(credentials) => store(state, &access, credentials, now).await,
            };
            (result, Some(environment))
        }
    };
    let integration = IntegrationKey::parse(integration).ok();
    let duration_ms = i64::try_from(began.elapsed().as_millis()).unwrap_or(i64::MAX);
    let log = |outcome: FlowOutcome| {
        flows::logging::ended(integration.as_ref(), connection_id.as_ref(), None, &outcome, duration_ms)
    };
    let mut response = match result {
        Ok((body, key)) => {
            log(FlowOutcome::Success {
                integration_key: key.integration_key,
                connection_id: key.connection_id,
            });
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(error) => {
            log(FlowOutcome::Error(error.to_flow_error()));
            error.into_response()
        }
    };
    if let Some(allowed) = allowed_origin(origin, environment.as_deref()) {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
    }
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("origin"));
    response
}

async fn store(
    state: &AppState,
    access: &access::Access<'_>,
    credentials: Credentials,
    now: i64,
) -> Result<(serde_json::Value, ConnectionKey), ApiError> {
    let key = ConnectionKey {
        environment_id: access.environment.id,
        integration_key: access.integration.unique_key.clone(),
        connection_id: access.connection_id.clone(),
    };
    let new = NewConnection {
        key,
        provider: access.integration.provider.clone(),
        connection_config: access.params.clone(),
        credentials,
        end_user: access.end_user(),
        tags: access.tags(),
        webhook_url_override: access.webhook_url_override(),
        metadata: None,
        finishes_flow: None,
    };
    let saved = connections::save_new(state, &access.environment, new, now).await?;
    let connection = &saved.connection;
    let body =
        json!({ "providerConfigKey": connection.integration_key, "connectionId": connection.connection_id });
    Ok((body, connection.key()))
}

/// SPEC §2: the environment's `allowed_origins` when set, else any origin (mirrored).
fn allowed_origin(origin: Option<&HeaderValue>, environment: Option<&Environment>) -> Option<HeaderValue> {
    let origin = origin?;
    let allowed = match environment {
        Some(environment) => origin.to_str().is_ok_and(|text| environment.settings.allows_origin(text)),
        None => true,
    };
    allowed.then(|| origin.clone())
}
