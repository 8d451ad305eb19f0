//! The demo provider's API, reached through `/proxy` (SPEC §6): `GET /demo/api/me` answers the
//! demo user for a live demo access token (`Authorization: Bearer ...`), 401 otherwise.

use super::tokens::{self, Kind};
use crate::state::AppState;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/demo/api/me", get(get_me))
}

#[utoipa::path(
    get,
    path = "/demo/api/me",
    tag = "demo",
    summary = "The demo provider's API: the user a demo access token belongs to",
    params(("Authorization" = String, Header, description = "`Bearer <demo access token>`")),
    responses(
        (status = 200, description = "The demo user", body = crate::schemas::demo::DemoUser),
        (status = 401, description = "No live demo access token", body = crate::schemas::demo::OAuthError),
    )
)]
pub async fn get_me(headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")));
    match token.and_then(|token| tokens::verify(Kind::Access, token.trim(), crate::time::now())) {
        Some(claims) => axum::Json(json!({
            "id": "demo-user-1",
            "name": "Demo User",
            "email": "demo.user@example.com",
            "scope": claims.scope,
        }))
        .into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
            axum::Json(json!({ "error": "invalid_token", "error_description": "a live demo access token is required" })),
        )
            .into_response(),
    }
}
