//! `POST /demo/connect-session`: the demo page's "connect session" mode (SPEC §7). The server
//! mints a connect session for the demo integration only, as an app's backend would with its
//! secret key, so the secret key never reaches the browser; the page hands the token to
//! `new Nango({host, connectSessionToken})`.
//!
//! Bounded like the browser routes: the per-IP rate limit of SPEC §13, no body or query to
//! choose anything (the end user is fixed, `allowed_integrations` is the demo integration), and
//! sessions expire after their 30 minutes like any other.

use super::page::default_environment;
use super::DEMO_INTEGRATION;
use crate::error::ApiError;
use crate::ids::IntegrationKey;
use crate::sessions::{self, SessionRequest};
use crate::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, Extensions, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use std::net::SocketAddr;

/// The end user every demo session is minted for.
pub const DEMO_END_USER: &str = "demo-user";

pub fn routes() -> Router<AppState> {
    Router::new().route("/demo/connect-session", post(post_connect_session))
}

/// `{token, expires_at}` of a new session allowed to connect the demo integration only.
#[utoipa::path(
    post,
    path = "/demo/connect-session",
    tag = "demo",
    summary = "A connect session for the demo integration, minted on the server side",
    responses(
        (status = 200, description = "The session token", body = crate::schemas::demo::DemoSession),
        crate::schemas::errors::PublicErrors,
    )
)]
async fn post_connect_session(
    State(state): State<AppState>,
    extensions: Extensions,
) -> Result<Response, ApiError> {
    if let Some(ConnectInfo(peer)) = extensions.get::<ConnectInfo<SocketAddr>>() {
        state.rate_limits.browser_request(peer.ip()).map_err(ApiError::rate_limited)?;
    }
    let environment = default_environment(&state).await?;
    let demo = IntegrationKey::parse(DEMO_INTEGRATION).map_err(ApiError::invalid_request)?;
    let mut end_user = crate::json::JsonMap::new();
    end_user.insert("id".into(), DEMO_END_USER.into());
    end_user.insert("display_name".into(), "Demo user".into());
    let request = SessionRequest {
        end_user: Some(end_user),
        allowed_integrations: vec![demo],
        ..SessionRequest::default()
    };
    let (token, session) = sessions::create(&state, &environment, request, crate::time::now()).await?;
    let body = json!({ "token": token.expose(), "expires_at": crate::time::rfc3339(session.expires_at)? });
    let mut response = Json(body).into_response();
    // It carries a secret (SPEC §13 "Responses").
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
