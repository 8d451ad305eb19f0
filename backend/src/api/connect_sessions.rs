//! Connect sessions over HTTP (SPEC §7): `POST /connect/sessions` and
//! `POST /connect/sessions/reconnect` with the secret key; `GET` and `DELETE /connect/session`
//! with the session token itself. The logic is in `sessions`.

use crate::error::{ApiError, ErrorCode};
use crate::extract::{AuthedEnvironment, Json, SessionToken};
use crate::schemas;
use crate::schemas::errors::{SessionCreateErrors, SessionTokenErrors};
use crate::sessions::{self, request};
use crate::state::AppState;
use crate::store::ConnectSession;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connect/sessions", post(post_session))
        .route("/connect/sessions/reconnect", post(post_reconnect_session))
        .route("/connect/session", get(get_session).delete(delete_session))
}

#[utoipa::path(
    post,
    path = "/connect/sessions",
    tag = "connect sessions",
    summary = "Create a connect session",
    description = "A token (shown once) that lets a browser start flows for one end user, in place of \
        the public key and HMAC; it lives 30 minutes.",
    security(("secretKey" = [])),
    request_body = schemas::sessions::ConnectSessionBody,
    responses((status = 201, description = "The new session", body = schemas::sessions::ConnectSessionCreated), SessionCreateErrors)
)]
async fn post_session(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    create(&state, &environment, query.as_deref(), &body, false).await
}

#[utoipa::path(
    post,
    path = "/connect/sessions/reconnect",
    tag = "connect sessions",
    summary = "Create a connect session to authorise an existing connection again",
    security(("secretKey" = [])),
    request_body = schemas::sessions::ReconnectSessionBody,
    responses((status = 201, description = "The new session", body = schemas::sessions::ConnectSessionCreated), SessionCreateErrors)
)]
async fn post_reconnect_session(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    create(&state, &environment, query.as_deref(), &body, true).await
}

/// `{data: {end_user, organization?, allowed_integrations?, integrations_config_defaults?, ...}}`.
#[utoipa::path(
    get,
    path = "/connect/session",
    tag = "connect sessions",
    summary = "The connect session of the bearer token",
    security(("connectSessionToken" = [])),
    responses((status = 200, description = "The session", body = schemas::sessions::ConnectSessionEnvelope), SessionTokenErrors)
)]
async fn get_session(
    RawQuery(query): RawQuery,
    SessionToken(session): SessionToken,
) -> Result<Json<Value>, ApiError> {
    no_query(query.as_deref())?;
    Ok(Json(json!({ "data": session_json(&session)? })))
}

#[utoipa::path(
    delete,
    path = "/connect/session",
    tag = "connect sessions",
    summary = "End the connect session of the bearer token",
    security(("connectSessionToken" = [])),
    responses((status = 204, description = "The session is gone"), SessionTokenErrors)
)]
async fn delete_session(
    State(state): State<AppState>,
    SessionToken(session): SessionToken,
) -> Result<StatusCode, ApiError> {
    sessions::delete(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create(
    state: &AppState,
    environment: &crate::store::Environment,
    query: Option<&str>,
    body: &Value,
    reconnect: bool,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    no_query(query)?;
    let request = request::parse(body, reconnect)
        .map_err(|errors| ApiError::with_errors(ErrorCode::InvalidBody, errors))?;
    let now = crate::time::now();
    let (token, session) = sessions::create(state, environment, request, now).await?;
    // The hosted connect page (SPEC §10) takes the token from its URL.
    let connect_link = format!("{}/connect?session_token={}", state.config.server_url, token.expose());
    let data = json!({
        "token": token.expose(),
        "connect_link": connect_link,
        "expires_at": crate::time::rfc3339(session.expires_at)?,
    });
    Ok((StatusCode::CREATED, axum::Json(json!({ "data": data }))))
}

/// These routes take no query parameters (Nango refuses any with `invalid_query_params`).
fn no_query(query: Option<&str>) -> Result<(), ApiError> {
    crate::extract::QueryParams::parse(query).only(&[])
}

fn session_json(session: &ConnectSession) -> Result<Value, ApiError> {
    let mut data = json!({
        "end_user": session.end_user,
        "tags": session.tags,
        "expires_at": crate::time::rfc3339(session.expires_at)?,
    });
    if let Some(organization) = &session.organization {
        data["organization"] = Value::Object(organization.clone());
    }
    if !session.allowed_integrations.is_empty() {
        data["allowed_integrations"] = json!(session.allowed_integrations);
    }
    if !session.integrations_config_defaults.is_empty() {
        data["integrations_config_defaults"] = Value::Object(session.integrations_config_defaults.clone());
    }
    if let Some(connection_id) = &session.connection_id {
        data["connection_id"] = json!(connection_id);
    }
    Ok(data)
}
