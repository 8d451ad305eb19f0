//! The layers every request passes once, before the router picks its route: the request's
//! log span, the input checks of SPEC §13 "Input", the body limit, and `Cache-Control:
//! no-store` on every answer that sets no caching rule of its own (SPEC §13 "Responses": an
//! answer of the API may carry secrets; the console's assets and pages set their own).
//!
//! They wrap the router as a whole instead of each of its routes (`Router::layer`), because a
//! route's layers are cloned with the route for every request it serves: four of them cost a
//! few dozen allocations per request on the read path (BENCHMARKS.md). What needs the route's
//! template (the request metrics, `metrics::http`) stays a route layer, and a lean one.

use crate::error::{ApiError, ErrorCode};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::future::Either;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};
use tower::{Layer, Service, ServiceBuilder};
use tower_http::set_header::SetResponseHeaderLayer;

/// Request bodies above this are refused with 413 (SPEC §5).
const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// `router` inside the layers: what `serve` runs for each request.
pub fn around(
    router: Router,
) -> impl Service<
    Request,
    Response = Response,
    Error = Infallible,
    Future = impl std::future::Future<Output = Result<Response, Infallible>> + Send,
> + Clone
       + Send
       + Sync
       + 'static {
    ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span as fn(&Request) -> _),
        )
        .layer(SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(CheckInputLayer)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .service(router)
}

/// The span of every request: method and path only. A query string can carry an OAuth code,
/// a state or a key, so it never reaches a log line at any level (SPEC §13 "Logs").
fn request_span(request: &Request<Body>) -> tracing::Span {
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
}

/// SPEC §13 "Input", before any route: an overlong header is a 431, a control character or an
/// overlong path or query a 400, each naming the field. The popup routes answer it as the
/// result page, the others as JSON. A request refused here matches no route, so the request
/// metrics count it as `unmatched`.
#[derive(Debug, Clone, Copy)]
struct CheckInputLayer;

impl<S> Layer<S> for CheckInputLayer {
    type Service = CheckInput<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CheckInput { inner }
    }
}

#[derive(Debug, Clone)]
struct CheckInput<S> {
    inner: S,
}

impl<S> Service<Request> for CheckInput<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, Ready<Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match refusal(&request) {
            None => Either::Left(self.inner.call(request)),
            Some(response) => Either::Right(ready(Ok(response))),
        }
    }
}

fn refusal(request: &Request) -> Option<Response> {
    let uri = request.uri();
    let error = if let Some(header) = crate::extract::input::oversized_header(request.headers()) {
        ApiError::new(ErrorCode::HeaderTooLarge, format!("`{header}` is too long"))
    } else if let Err(problem) = crate::extract::input::check_uri(uri.path(), uri.query()) {
        ApiError::invalid_request(problem.message())
    } else {
        return None;
    };
    // Only a refusal reads the clock: the checks themselves take nanoseconds.
    let started = std::time::Instant::now();
    let popup = uri.path().starts_with("/oauth/connect/") || uri.path() == "/oauth/callback";
    let response = if popup {
        error.log();
        let outcome = crate::store::FlowOutcome::Error(error.to_flow_error());
        crate::oauth::result_page::ResultPage::unaddressed(&outcome).into_response()
    } else {
        error.into_response()
    };
    let method = crate::metrics::http::method_label(request.method());
    crate::metrics::http_request(method, None, response.status().as_u16(), started.elapsed());
    Some(response)
}
