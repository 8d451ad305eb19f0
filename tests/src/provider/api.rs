//! The fake provider's API under `/api/..`: it answers 200 with an echo of the request to an
//! access token the provider issued (and did not revoke), 401 otherwise, and records every call.

use super::Shared;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::BTreeMap;

/// One request to the provider's API.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub method: String,
    /// E.g. `/api/users/me`.
    pub path: String,
    /// The raw query string, as it arrived.
    pub query: Option<String>,
    /// Every header, names lower-case.
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// Whether the access token was accepted.
    pub accepted: bool,
}

pub(super) async fn api(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers: BTreeMap<String, String> = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), value.to_str().unwrap_or_default().to_string()))
        .collect();
    let mut inner = shared.lock();
    let token = headers.get("authorization").and_then(|value| value.strip_prefix("Bearer "));
    let accepted = token.is_some_and(|token| inner.access_tokens.iter().any(|issued| issued == token));
    let request = ApiRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        accepted,
    };
    inner.api.push(request.clone());
    if !accepted {
        let body = json!({ "error": "invalid_token" });
        return (StatusCode::UNAUTHORIZED, [("www-authenticate", "Bearer")], Json(body)).into_response();
    }
    let echo = json!({
        "ok": true,
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "body": request.body,
    });
    (StatusCode::OK, [("x-fake-api", "yes")], Json(echo)).into_response()
}

/// `GET /api/stream` (no token check): `first-chunk` at once, `last-chunk` only after `FakeProvider::finish_streams`,
/// so a test can see whether a proxy passes the answer on while it is still coming.
pub(super) async fn stream(State(shared): State<Shared>) -> Response {
    let gate = shared.stream_gate.clone();
    let chunks = futures_util::stream::unfold(0, move |step| {
        let gate = gate.clone();
        async move {
            match step {
                0 => Some((Ok::<_, std::convert::Infallible>(Bytes::from_static(b"first-chunk\n")), 1)),
                1 => {
                    gate.notified().await;
                    Some((Ok(Bytes::from_static(b"last-chunk\n")), 2))
                }
                _ => None,
            }
        }
    });
    axum::body::Body::from_stream(chunks).into_response()
}
