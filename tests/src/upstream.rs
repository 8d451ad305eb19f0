//! `Upstream`: a provider API for the proxy tests, on 127.0.0.1:0. It records every request it
//! gets (method, path, query, every header value, body) and answers from a script: a queue of
//! canned answers, then `200 {"ok": true, ...}` echoing the request once the queue is empty
//! (or for a `Canned::echo()` in it).
//! `GET /big/{n}` streams `n` bytes of `pattern(n)` in 64 KiB chunks.
//!
//! `connected_app` gives a `TestApp` whose catalog has an API-key provider on it, with one
//! connection.

use crate::app::{TestApp, PUBLIC_KEY};
use crate::response::ResponseExt;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The API key of `connected_app`'s connection.
pub const API_KEY: &str = "upstream-api-key-5f4e3d2c1b";
/// The integration and connection `connected_app` creates.
pub const INTEGRATION: &str = "upstream";
pub const CONNECTION_ID: &str = "user-1";

/// One request as the upstream received it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Every header value, in order, names lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    /// Every value of header `name`.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str()).collect()
    }

    /// The single value of header `name`, if any (panics when it came more than once).
    pub fn header(&self, name: &str) -> Option<&str> {
        let values = self.values(name);
        assert!(values.len() <= 1, "header {name} came {} times: {self:?}", values.len());
        values.first().copied()
    }
}

/// An answer the upstream gives once.
#[derive(Clone, Debug)]
pub struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    echo: bool,
}

impl Canned {
    pub fn status(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new(), echo: false }
    }

    /// The echo answered when the queue is empty, in the queue (to answer after it).
    pub fn echo() -> Self {
        Self { echo: true, ..Self::status(200) }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
}

#[derive(Default)]
struct Shared {
    seen: Mutex<Vec<Seen>>,
    script: Mutex<VecDeque<Canned>>,
}

pub struct Upstream {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    shared: Arc<Shared>,
}

impl Upstream {
    pub async fn spawn() -> Self {
        let shared = Arc::new(Shared::default());
        let router = Router::new().route("/big/{n}", get(big)).fallback(answer).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the upstream");
        let addr = listener.local_addr().expect("upstream address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url: format!("http://{addr}"), shared }
    }

    /// Answer the next request with `canned` (after those queued before).
    pub fn push(&self, canned: Canned) {
        self.shared.script.lock().unwrap().push_back(canned);
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.shared.seen.lock().unwrap().len()
    }
}

/// `n` bytes that are not a repetition of a short block (a dropped or doubled chunk shows).
pub fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 31 + i / 4093) % 251) as u8).collect()
}

async fn record(shared: &Shared, request: Request) -> Seen {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.expect("read the upstream request body");
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect(),
        body: body.to_vec(),
    };
    shared.seen.lock().unwrap().push(seen.clone());
    seen
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let seen = record(&shared, request).await;
    let canned = shared.script.lock().unwrap().pop_front().filter(|canned| !canned.echo);
    let Some(canned) = canned else {
        let echo = json!({
            "ok": true,
            "method": seen.method,
            "path": seen.path,
            "query": seen.query,
            "body_length": seen.body.len(),
        });
        return axum::Json(echo).into_response();
    };
    let mut response = Response::new(Body::from(canned.body));
    *response.status_mut() = StatusCode::from_u16(canned.status).expect("a canned status");
    for (name, value) in canned.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a canned header name");
        response.headers_mut().append(name, HeaderValue::from_str(&value).expect("a canned header value"));
    }
    response
}

async fn big(State(shared): State<Arc<Shared>>, Path(n): Path<usize>, request: Request) -> Response {
    record(&shared, request).await;
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        pattern(n).chunks(64 * 1024).map(|chunk| Ok(Bytes::copy_from_slice(chunk))).collect();
    Body::from_stream(futures_util::stream::iter(chunks)).into_response()
}

/// `/proxy{path}` for `connected_app`'s connection (secret key, `Connection-Id`,
/// `Provider-Config-Key`).
pub fn proxy(app: &TestApp, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    app.api(method, &format!("/proxy{path}"))
        .header("Connection-Id", CONNECTION_ID)
        .header("Provider-Config-Key", INTEGRATION)
}

/// The catalog entry of an API-key provider whose proxy base URL is `base_url` and whose key
/// travels in `x-api-key`.
pub fn provider_yaml(name: &str, base_url: &str) -> String {
    format!(
        "{name}:\n    display_name: {name}\n    auth_mode: API_KEY\n    proxy:\n        base_url: {base_url}\n        headers:\n            x-api-key: ${{apiKey}}\n"
    )
}

/// A `TestApp` built by `builder` with provider `upstream-api` (`provider_yaml`, base URL
/// `base_url`), integration `INTEGRATION` and its connection `CONNECTION_ID` holding `API_KEY`.
pub async fn connected_app(builder: crate::app::Builder, base_url: &str) -> TestApp {
    let app = builder.providers(&provider_yaml("upstream-api", base_url)).spawn().await;
    let integration = json!({ "unique_key": INTEGRATION, "provider": "upstream-api" });
    app.post_json("/integrations", &integration).await.assert_success().await;
    let query = format!("connection_id={CONNECTION_ID}&public_key={PUBLIC_KEY}");
    app.client
        .post(format!("{}/api-auth/api-key/{INTEGRATION}?{query}", app.url))
        .json(&json!({ "apiKey": API_KEY }))
        .send()
        .await
        .expect("POST api-auth")
        .assert_success()
        .await;
    app
}
