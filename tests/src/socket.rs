//! `ResultSocket`: a WebSocket client for the result channel of `@nangohq/frontend` (SPEC §8),
//! as that client uses it: open `/`, read `connection_ack`, then one result message.

use futures_util::StreamExt;
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

/// How long a test waits for a message before it counts as hanging.
const WAIT: Duration = Duration::from_secs(20);

type Stream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct ResultSocket {
    stream: Stream,
    /// From `connection_ack`: the flow id to pass as `ws_client_id`.
    pub ws_client_id: String,
}

impl ResultSocket {
    /// Open a socket on `base` (`http://127.0.0.1:PORT`) with an `Origin` header, read the ack.
    pub async fn open(base: &str, origin: &str) -> Self {
        let stream = Self::connect(base, origin)
            .await
            .unwrap_or_else(|error| panic!("WebSocket upgrade failed: {error}"));
        let mut socket = Self { stream, ws_client_id: String::new() };
        let ack = socket.next().await.expect("a connection_ack message");
        assert_eq!(ack["message_type"], "connection_ack", "first message: {ack}");
        socket.ws_client_id = ack["ws_client_id"].as_str().expect("ws_client_id").to_string();
        socket
    }

    /// The raw upgrade, for tests of refusals.
    pub async fn connect(base: &str, origin: &str) -> Result<Stream, tokio_tungstenite::tungstenite::Error> {
        let url = format!("{}/", base.trim_end_matches('/').replacen("http://", "ws://", 1));
        let mut request = url.into_client_request()?;
        request.headers_mut().insert("origin", HeaderValue::from_str(origin).expect("origin header"));
        Ok(tokio_tungstenite::connect_async(request).await?.0)
    }

    /// The next JSON text message, or `None` once the server closed the socket.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .unwrap_or_else(|_| panic!("no message on the result socket within {WAIT:?}"));
            match frame {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return None,
                Some(Ok(Message::Text(text))) => {
                    return Some(serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")))
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The one result message, then the server's close.
    pub async fn result(mut self) -> Value {
        let result = self.next().await.expect("a result message before the close");
        assert!(self.next().await.is_none(), "the socket stayed open after its result");
        result
    }
}
