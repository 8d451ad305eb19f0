//! `ScriptedReceiver`: a webhook endpoint on 127.0.0.1:0 that answers from a script (`429` with
//! `Retry-After: 2`, then `200`, ...) and, once the script is spent, with its default answer.
//! It keeps every request with the time it came and the status it got, and counts the events
//! it accepted (2xx) by `Nango-Webhook-Id`, as a receiver that dedupes would.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What the receiver answers to one request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    /// Held this long before answering.
    pub delay: Duration,
}

impl Answer {
    pub fn status(status: u16) -> Self {
        Self { status, retry_after: None, delay: Duration::ZERO }
    }

    pub fn retry_after(mut self, value: &str) -> Self {
        self.retry_after = Some(value.to_owned());
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    /// Names lower-case.
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// The status it was answered with.
    pub answered: u16,
}

impl Received {
    /// `Nango-Webhook-Id`.
    pub fn event_id(&self) -> &str {
        self.headers.get("nango-webhook-id").map_or("", String::as_str)
    }
}

#[derive(Default)]
struct Shared {
    script: VecDeque<Answer>,
    default: Option<Answer>,
    received: Vec<Received>,
}

pub struct ScriptedReceiver {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl ScriptedReceiver {
    /// A receiver answering `default` to every request the script does not cover.
    pub async fn spawn(default: Answer) -> Self {
        let shared = Arc::new(Mutex::new(Shared { default: Some(default), ..Shared::default() }));
        let router = Router::new().route("/hook/{*rest}", post(receive)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind webhook receiver");
        let addr = listener.local_addr().expect("webhook receiver address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, shared }
    }

    /// `http://127.0.0.1:PORT/hook/<path>`: the path shows a URL's path never leaks.
    pub fn url(&self) -> String {
        format!("http://{}/hook/path-token-0123", self.addr)
    }

    /// Answer the next requests with `answers`, in order, before the default.
    pub fn then(&self, answers: impl IntoIterator<Item = Answer>) {
        lock(&self.shared).script.extend(answers);
    }

    /// From now on, answer what the script does not cover with `answer`.
    pub fn answer_by_default(&self, answer: Answer) {
        lock(&self.shared).default = Some(answer);
    }

    /// Every request so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared).received.clone()
    }

    /// How many times each event id was accepted (answered 2xx).
    pub fn accepted(&self) -> BTreeMap<String, usize> {
        let mut accepted = BTreeMap::new();
        for request in
            lock(&self.shared).received.iter().filter(|request| (200..300).contains(&request.answered))
        {
            *accepted.entry(request.event_id().to_owned()).or_insert(0) += 1;
        }
        accepted
    }

    /// Wait until `condition` holds for the requests so far; panics naming `what` after 60 s.
    pub async fn wait_for(&self, what: &str, condition: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let received = self.received();
            if condition(&received) {
                return received;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; received: {received:#?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(State(shared): State<Arc<Mutex<Shared>>>, headers: HeaderMap, body: Bytes) -> Response {
    let at = Instant::now();
    let answer = {
        let mut shared = lock(&shared);
        let answer = shared.script.pop_front().or_else(|| shared.default.clone());
        answer.unwrap_or_else(|| Answer::status(200))
    };
    tokio::time::sleep(answer.delay).await;
    let headers = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = String::from_utf8_lossy(&body).into_owned();
    lock(&shared).received.push(Received { at, headers, body, answered: answer.status });
    let status = StatusCode::from_u16(answer.status).expect("a status code");
    let mut response = status.into_response();
    if let Some(retry_after) = &answer.retry_after {
        let value = HeaderValue::from_str(retry_after).expect("a header value");
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
