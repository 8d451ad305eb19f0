//! The HTTP side of the metrics: `GET /metrics` (as `NANGO_METRICS` allows, see `mod.rs`) and
//! `TrackRequestsLayer`, the route layer that counts and times every request by its route template.

use super::MetricsAccess;
use crate::extract::AuthedEnvironment;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request};
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
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

/// Counts and times each request under its route template (`MatchedPath`, which the router
/// sets before a route's layers run), never its path. A route layer (`Router::layer`): it is
/// cloned with the route for every request, so it is a plain struct, cheap to clone.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrackRequestsLayer;

impl<S> tower::Layer<S> for TrackRequestsLayer {
    type Service = TrackRequests<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TrackRequests { inner }
    }
}

#[derive(Debug, Clone)]
pub struct TrackRequests<S> {
    inner: S,
}

impl<S> tower::Service<Request> for TrackRequests<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Tracked<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let method = method_label(request.method());
        let route = request.extensions().get::<MatchedPath>().cloned();
        Tracked { inner: self.inner.call(request), started: Instant::now(), method, route }
    }
}

pin_project_lite::pin_project! {
    /// The route's answer, recorded when it is ready.
    pub struct Tracked<F> {
        #[pin]
        inner: F,
        started: Instant,
        method: &'static str,
        route: Option<MatchedPath>,
    }
}

impl<F, E> Future for Tracked<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answer = std::task::ready!(this.inner.poll(cx));
        if let Ok(response) = &answer {
            let route = this.route.as_ref().map(MatchedPath::as_str);
            super::http_request(this.method, route, response.status().as_u16(), this.started.elapsed());
        }
        Poll::Ready(answer)
    }
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
pub fn method_label(method: &Method) -> &'static str {
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
