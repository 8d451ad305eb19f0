//! One WebDriver BiDi connection: a command is a JSON text `{id, method, params}` on the
//! WebSocket, its answer the message with the same `id` (`{type: "success", result}` or
//! `{type: "error", error, message}`). The harness subscribes to no events, so a reader task
//! only routes answers to the commands waiting for them.

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

/// How long one command may take before the browser counts as hung.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

type Stream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type Waiting = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

pub struct Connection {
    sink: tokio::sync::Mutex<SplitSink<Stream, Message>>,
    waiting: Waiting,
    next_id: AtomicU64,
    reader: tokio::task::JoinHandle<()>,
}

impl Connection {
    /// Connect to `ws://127.0.0.1:PORT/session` (the endpoint that accepts `session.new`).
    pub async fn open(url: &str) -> Self {
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .unwrap_or_else(|error| panic!("cannot connect to WebDriver BiDi at {url}: {error}"));
        let (sink, mut incoming) = stream.split();
        let waiting = Waiting::default();
        let routes = waiting.clone();
        let reader = tokio::spawn(async move {
            while let Some(Ok(frame)) = incoming.next().await {
                let Message::Text(text) = frame else { continue };
                let Ok(message) = serde_json::from_str::<Value>(&text) else { continue };
                let Some(id) = message["id"].as_u64() else { continue };
                let sender = routes.lock().ok().and_then(|mut waiting| waiting.remove(&id));
                if let Some(sender) = sender {
                    let _ = sender.send(message);
                }
            }
            // The socket closed: every command still waiting fails (its sender is dropped).
            if let Ok(mut waiting) = routes.lock() {
                waiting.clear();
            }
        });
        Self { sink: tokio::sync::Mutex::new(sink), waiting, next_id: AtomicU64::new(1), reader }
    }

    /// Send one command and wait for its answer: `Ok(result)`, or `Err("error: message")`.
    pub async fn command(&self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (answer, answered) = oneshot::channel();
        self.waiting.lock().map_err(|_| "the reader panicked".to_string())?.insert(id, answer);
        let text = json!({ "id": id, "method": method, "params": params }).to_string();
        self.sink
            .lock()
            .await
            .send(Message::Text(text.into()))
            .await
            .map_err(|error| format!("cannot send {method}: {error}"))?;
        let message = match tokio::time::timeout(COMMAND_TIMEOUT, answered).await {
            Ok(Ok(message)) => message,
            Ok(Err(_)) => return Err(format!("the browser closed the connection during {method}")),
            Err(_) => return Err(format!("no answer to {method} within {COMMAND_TIMEOUT:?}")),
        };
        if message["type"] == "success" {
            Ok(message["result"].clone())
        } else {
            Err(format!("{}: {}", message["error"].as_str().unwrap_or("error"), message["message"]))
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}
