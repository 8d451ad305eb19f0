//! The console's files, embedded in the binary: one HTML page (`/admin/`) whose script shows
//! each view (`#/integrations`, `#/connections`, ...), its styles and ES modules under
//! `/admin/assets/`. Strict CSP: only our own scripts, styles and API; never framed.

use crate::error::ApiError;
use crate::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{Redirect, Response};
use axum::routing::get;
use axum::Router;

const INDEX_HTML: &str = include_str!("assets/index.html");

/// Every asset by name, with its content type.
const ASSETS: &[(&str, &str, &str)] = &[
    ("admin.css", "text/css; charset=utf-8", include_str!("assets/admin.css")),
    ("app.js", JS, include_str!("assets/app.js")),
    ("api.js", JS, include_str!("assets/api.js")),
    ("ui.js", JS, include_str!("assets/ui.js")),
    ("integrations.js", JS, include_str!("assets/integrations.js")),
    ("connections.js", JS, include_str!("assets/connections.js")),
    ("connection.js", JS, include_str!("assets/connection.js")),
    ("environment.js", JS, include_str!("assets/environment.js")),
    ("webhooks.js", JS, include_str!("assets/webhooks.js")),
];
const JS: &str = "text/javascript; charset=utf-8";

/// Logos of the catalog may live on the provider's or Nango's hosts: images only.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes() -> axum::Router<crate::state::AppState> {
    Router::new()
        .route("/admin", get(get_admin_root))
        .route("/admin/", get(get_console))
        .route("/admin/assets/{file}", get(get_asset))
}

#[utoipa::path(
    get,
    path = "/admin",
    tag = "admin",
    summary = "Redirects to the console (`/admin/`)",
    responses((status = 308, description = "To `/admin/`"))
)]
async fn get_admin_root() -> Redirect {
    Redirect::permanent("/admin/")
}

#[utoipa::path(
    get,
    path = "/admin/",
    tag = "admin",
    summary = "The admin console",
    description = "Sign in with the environment's secret key; then integrations, connections, the \
        environment's settings and webhook deliveries, through this API.",
    responses((status = 200, description = "The console's page", content_type = "text/html", body = String))
)]
async fn get_console() -> Response {
    let mut response = crate::html::embedded_file(INDEX_HTML, "text/html; charset=utf-8");
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[utoipa::path(
    get,
    path = "/admin/assets/{file}",
    tag = "admin",
    summary = "A file of the console (styles, scripts)",
    params(("file" = String, Path, description = "`admin.css`, `app.js`, ...")),
    responses(
        (status = 200, description = "The file", content_type = "text/javascript", body = String),
        crate::schemas::errors::NotFoundErrors,
    )
)]
async fn get_asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    ASSETS
        .iter()
        .find(|(file, _, _)| *file == name)
        .map(|(_, content_type, body)| crate::html::embedded_file(body, content_type))
        .ok_or_else(|| ApiError::not_found("no such file in the console"))
}
