//! `WebhookReceiver`: the app's webhook endpoint on 127.0.0.1:0; it answers 200 and hands
//! every delivery (headers and body) to the test.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::{mpsc, Mutex};

/// One POST the receiver got.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// Every header, names lower-case.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

pub struct WebhookReceiver {
    addr: SocketAddr,
    received: Mutex<mpsc::UnboundedReceiver<Delivery>>,
}

impl WebhookReceiver {
    pub async fn spawn() -> Self {
        let (sent, received) = mpsc::unbounded_channel();
        let router = Router::new().route("/hook", post(receive)).with_state(sent);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind webhook receiver");
        let addr = listener.local_addr().expect("webhook receiver address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, received: Mutex::new(received) }
    }

    /// `http://127.0.0.1:PORT/hook`
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// The next delivery; panics when none arrives within `timeout`.
    pub async fn next(&self, timeout: Duration) -> Delivery {
        let mut received = self.received.lock().await;
        match tokio::time::timeout(timeout, received.recv()).await {
            Ok(Some(delivery)) => delivery,
            _ => panic!("no webhook delivery within {timeout:?}"),
        }
    }
}

async fn receive(
    State(sent): State<mpsc::UnboundedSender<Delivery>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let headers = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), value.to_str().unwrap_or_default().to_string()))
        .collect();
    let _ = sent.send(Delivery { headers, body: String::from_utf8_lossy(&body).into_owned() });
    StatusCode::OK
}
