//! `/admin/session`: sign in (the secret key for a cookie), read the session (the page's CSRF
//! token after a reload), sign out. The rules are in `admin_sessions`; this is the wire.

use crate::admin_sessions::{self, SignedIn};
use crate::error::ApiError;
use crate::extract::{admin_cookie, verify_secret_key, AuthedEnvironment, Json};
use crate::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/session", post(post_session).get(get_session).delete(delete_session))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The environment's secret key.
    secret_key: String,
}

/// Sign in: the key is checked like a Bearer key (constant time, wrong keys rate limited);
/// the answer sets the session cookie and carries the page's CSRF token.
#[utoipa::path(
    post,
    path = "/admin/session",
    tag = "admin",
    summary = "Sign in to the admin console with the secret key",
    description = "Sets the `nango_admin_session` cookie (HttpOnly, SameSite=Strict, Secure over https). \
        State changes made with the cookie send the answer's `csrf_token` in `X-Nango-Csrf`.",
    request_body = crate::schemas::admin::SignIn,
    responses(
        (status = 200, description = "Signed in", body = crate::schemas::admin::ConsoleSession),
        crate::schemas::errors::SecretKeyBodyErrors,
    )
)]
async fn post_session(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<SignIn>,
) -> Result<Response, ApiError> {
    let environment = verify_secret_key(&state, Some(peer.ip()), body.secret_key.trim()).await?;
    let now = crate::time::now();
    let SignedIn { token, csrf_token, expires_at } =
        admin_sessions::sign_in(state.store.as_ref(), environment.id, now).await?;
    tracing::info!(environment = %environment.name, "admin console: signed in");
    let cookie = admin_sessions::cookie(token.expose(), expires_at - now, secure(&state));
    let body = json!({ "environment": environment.name, "csrf_token": csrf_token, "expires_at": expires_at });
    Ok(with_cookie(axum::Json(body).into_response(), &cookie))
}

#[utoipa::path(
    get,
    path = "/admin/session",
    tag = "admin",
    summary = "The console session of the cookie (its CSRF token)",
    security(("secretKey" = [])),
    responses(
        (status = 200, description = "Signed in", body = crate::schemas::admin::ConsoleSession),
        crate::schemas::errors::SecretKeyErrors,
    )
)]
async fn get_session(
    AuthedEnvironment(environment): AuthedEnvironment,
    headers: HeaderMap,
) -> Json<serde_json::Value> {
    let csrf_token = admin_cookie(&headers).map(admin_sessions::csrf_token);
    Json(json!({ "environment": environment.name, "csrf_token": csrf_token }))
}

/// Sign out: the session is deleted (the cookie is useless everywhere) and the cookie cleared.
#[utoipa::path(
    delete,
    path = "/admin/session",
    tag = "admin",
    summary = "Sign out of the admin console",
    security(("secretKey" = [])),
    responses((status = 204, description = "Signed out"), crate::schemas::errors::SecretKeyErrors)
)]
async fn delete_session(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = admin_cookie(&headers) {
        admin_sessions::sign_out(state.store.as_ref(), token).await?;
        tracing::info!(environment = %environment.name, "admin console: signed out");
    }
    let cookie = admin_sessions::clearing_cookie(secure(&state));
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), &cookie))
}

fn secure(state: &AppState) -> bool {
    admin_sessions::cookie_is_secure(&state.config.server_url)
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
