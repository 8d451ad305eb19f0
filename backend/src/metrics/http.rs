//! The HTTP side of the metrics: `GET /metrics` (as `NANGO_METRICS` allows, see `mod.rs`) and
//! `track_requests`, the layer that counts and times every request by its route template.

use super::MetricsAccess;
use crate::extract::AuthedEnvironment;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::time::Instant;

/// The OpenMetrics text format, which Prometheus asks for and parses.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub fn routes(access: MetricsAccess) -> Router<AppState> {
    match access {
        MetricsAccess::Off => Router::new(),
        MetricsAccess::Open => Router::new().route("/metrics", get(open_metrics)),
        MetricsAccess::Secret => Router::new().route("/metrics", get(secret_metrics)),
    }
}

/// Count and time a request under its route template (`MatchedPath`, set by the router
/// before this layer runs), never its path.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map(MatchedPath::as_str);
    super::http_request(method, route, response.status().as_u16(), started.elapsed());
    response
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "server",
    operation_id = "get_metrics",
    summary = "Metrics in the OpenMetrics text format (NANGO_METRICS=open)",
    responses((status = 200, description = "The exposition", content_type = "application/openmetrics-text", body = String))
)]
async fn open_metrics() -> Response {
    exposition()
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "server",
    operation_id = "get_metrics",
    summary = "Metrics in the OpenMetrics text format (NANGO_METRICS=secret: the secret key)",
    security(("secretKey" = [])),
    responses(
        (status = 200, description = "The exposition", content_type = "application/openmetrics-text", body = String),
        crate::schemas::errors::SecretKeyErrors,
    )
)]
async fn secret_metrics(_: AuthedEnvironment) -> Response {
    exposition()
}

fn exposition() -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE), (header::CACHE_CONTROL, "no-store")], super::render())
        .into_response()
}

/// The standard methods by name; any other (a client may invent one) is `other`, so a
/// client cannot grow the label set.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
