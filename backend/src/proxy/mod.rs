//! `/proxy/{*path}` (SPEC §5, §9): forward a request to the provider's API with the
//! connection's credentials, honouring what `@nangohq/node`'s `proxy()`, `get()`, `post()`, ...
//! send:
//! - `Connection-Id` and `Provider-Config-Key` name the connection;
//! - the target is the catalog's `proxy.base_url` (placeholders filled from connection_config)
//!   or the `Base-Url-Override` header's absolute http(s) URL, plus the path after `/proxy` and
//!   the query (`target.rs`); the outbound policy (SPEC §13) applies to either;
//! - `Nango-Proxy-<name>` headers travel as `<name>`, every value; the credentials are added
//!   last and win over a caller's header of the same name (`headers.rs`, `auth.rs`);
//! - `Retries: n` (at most 10) retries 429, 5xx, the statuses of `Retry-On` and network errors
//!   with exponential back-off and jitter, or after the provider's `Retry-After`
//!   (`retry.rs`); a 401 on a connection with a refresh token refreshes it and retries once,
//!   outside that count (`attempts.rs`);
//! - `Decompress: true` decodes a gzip, deflate or br answer (and drops its
//!   `Content-Encoding` and `Content-Length`); otherwise the provider's bytes pass through
//!   untouched (`decompress.rs`);
//! - the answer's status, headers (less hop-by-hop ones) and body come back, the body streamed
//!   as it arrives (SPEC §13: a 200 MiB answer costs a few buffers, not 200 MiB).
//!
//! Request bodies (`body.rs`). A retry must send the body again, and a stream can be read only
//! once; holding every body whole would cost memory for nothing. So:
//! - with `Retries` > 0 the body is held in memory, 256 KiB at most (the JSON body limit; a
//!   larger one is a 413 saying to send it without `Retries`);
//! - with credentials a 401 could refresh, a body up to 256 KiB is held; a larger one is
//!   streamed and sent once (its 401 still refreshes the token, for the caller's next try);
//! - otherwise (API keys, Basic, tokens without refresh, and no `Retries`) the body is
//!   streamed from its first byte.
//!
//! Streamed bodies may be up to 100 MiB. Our own errors (unknown connection, refused address,
//! provider unreachable after the retries) are JSON `{error: {code, message}}`.

mod attempts;
mod auth;
mod body;
mod decompress;
mod headers;
mod options;
mod retry;
mod target;

use crate::connections::{self, fresh_credentials};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{integration_key_from, parse_connection_id, AuthedEnvironment, QueryParams};
use crate::state::AppState;
use crate::store::ConnectionKey;
use attempts::Exchange;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use body::{Replay, RequestBody};
use decompress::Encoding;
use options::ProxyOptions;

pub fn routes() -> Router<AppState> {
    Router::new().route("/proxy/{*path}", any(proxy))
}

#[utoipa::path(
    method(get, post, put, patch, delete),
    path = "/proxy/{path}",
    tag = "proxy",
    summary = "Call the provider's API with the connection's credentials",
    description = "Any method is forwarded to the provider's `proxy.base_url` (or `Base-Url-Override`) \
        + `path` (which may hold `/`), with the query string, the body and each `Nango-Proxy-<name>` \
        header as `<name>`. A 401 from the provider refreshes the token and retries once; `Retries` \
        retries 429, 5xx and the `Retry-On` statuses. The provider's answer (status, headers, body) \
        is streamed back as it is.",
    security(("secretKey" = [])),
    request_body(content = String, content_type = "*/*", description = "Forwarded as it is"),
    params(
        ("path" = String, Path, description = "The path on the provider's API"),
        ("Connection-Id" = String, Header, description = "The connection id"),
        ("Provider-Config-Key" = String, Header, description = "The integration's unique key"),
        ("Base-Url-Override" = Option<String>, Header, description = "An absolute http(s) URL in place of the provider's"),
        ("Retries" = Option<u32>, Header, description = "Retries of 429, 5xx and network errors, at most 10"),
        ("Retry-On" = Option<String>, Header, description = "More statuses to retry, comma-separated"),
        ("Decompress" = Option<bool>, Header, description = "Decode a gzip, deflate or br answer"),
    ),
    responses(
        (status = "default", description = "The provider's answer, as it is", content_type = "*/*", body = String),
        crate::schemas::errors::ProxyErrors,
    )
)]
async fn proxy(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let connection_id = headers
        .get("connection-id")
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| ApiError::missing_connection_id("the Connection-Id header is required"))
        .and_then(|raw| parse_connection_id(raw.trim()))?;
    let integration_key = integration_key_from(&headers, &QueryParams::default())?;
    let options = ProxyOptions::from_headers(&headers)?;
    let key = ConnectionKey { environment_id: environment.id, integration_key, connection_id };
    let connection = connections::load(&state, &key).await?;
    let provider = state.catalog.get(&connection.provider).ok_or_else(|| {
        ApiError::new(ErrorCode::ProxyNotSupported, "the connection's provider is no longer in the catalog")
    })?;
    let url = target::target_url(provider, &connection, options.base_url_override.as_ref(), &uri)?;
    let credentials = fresh_credentials(&state, &environment, &connection, false, crate::time::now()).await?;
    let replay = if options.retries > 0 {
        Replay::Required
    } else if auth::is_refreshable(&credentials) {
        Replay::Wanted
    } else {
        Replay::Unneeded
    };
    let body = RequestBody::read(body, &headers, replay).await?;
    let mut forwarded = headers::forwarded_headers(&headers);
    if options.decompress {
        // Only what we can decode.
        forwarded.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(decompress::ACCEPTED));
    }
    let exchange = Exchange {
        state: &state,
        environment: &environment,
        provider,
        connection: &connection,
        method: &method,
        url: &url,
        headers: &forwarded,
        options: &options,
    };
    let answer = attempts::send(&exchange, credentials, body).await?;
    Ok(relay(answer, options.decompress, &method))
}

/// The provider's status, headers and body, decoded when asked and possible.
fn relay(answer: reqwest::Response, decompress: bool, method: &Method) -> Response {
    let status = answer.status();
    let mut headers = headers::relayed_headers(answer.headers());
    // A HEAD, 204 or 304 answer has no body to decode, whatever its headers say.
    let has_body =
        method != Method::HEAD && status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED;
    let encoding = if decompress && has_body { Encoding::of(answer.headers()) } else { None };
    let stream = answer.bytes_stream();
    let body = match encoding {
        Some(encoding) => {
            headers.remove(header::CONTENT_ENCODING);
            headers.remove(header::CONTENT_LENGTH);
            decompress::decoded(stream, encoding)
        }
        None => Body::from_stream(stream),
    };
    (status, headers, body).into_response()
}
