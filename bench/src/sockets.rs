//! Idle result channels and what they cost the server: `n_sockets` WebSocket result sockets
//! (`GET /` with `Upgrade: websocket`, as `@nangohq/frontend` opens them; each gets its
//! `connection_ack`) and `n_streams` server-sent-event streams on pending flows
//! (`/oauth/flows/{flow}/events`, as our SDK opens them), all held open at once. Raw TCP:
//! the bench only needs each handshake to complete and the connection to stay up.

use anyhow::{bail, Context};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The open connections; dropping it closes them all.
pub struct OpenChannels {
    _streams: Vec<TcpStream>,
}

/// Open `n_sockets` WebSockets, then start `n_streams` flows and open an event stream on each.
pub async fn open(
    addr: SocketAddr,
    integration: &str,
    public_key: &str,
    n_sockets: usize,
    n_streams: usize,
) -> anyhow::Result<OpenChannels> {
    let mut streams = Vec::with_capacity(n_sockets + n_streams);
    for i in 0..n_sockets {
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: YmVuY2gtc29ja2V0LWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        let (stream, head) = exchange(addr, &request, |head| head.contains("connection_ack")).await?;
        if !head.starts_with("HTTP/1.1 101") {
            bail!("WebSocket {i} was refused: {}", head.lines().next().unwrap_or_default());
        }
        streams.push(stream);
    }
    let mut conn = super::http::Conn::open(addr, None).await?;
    for i in 0..n_streams {
        let flow = format!("benchstream-{}-{i:06}", std::process::id());
        let connect = format!(
            "/oauth/connect/{integration}?connection_id=stream-{i}&public_key={public_key}&flow={flow}\
             &origin=http%3A%2F%2Flocalhost%3A8080"
        );
        let answer = conn.get(&connect).await?;
        if !answer.status.is_redirection() {
            bail!("connect for event stream {i} answered {}: {}", answer.status, answer.text());
        }
        let request = format!(
            "GET /oauth/flows/{flow}/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        );
        let (stream, head) = exchange(addr, &request, |head| head.contains("\r\n\r\n")).await?;
        if !head.starts_with("HTTP/1.1 200") {
            bail!("event stream {i} was refused: {}", head.lines().next().unwrap_or_default());
        }
        streams.push(stream);
    }
    Ok(OpenChannels { _streams: streams })
}

/// Connect, send `request`, read until `done(what was read)`.
async fn exchange(
    addr: SocketAddr,
    request: &str,
    done: impl Fn(&str) -> bool,
) -> anyhow::Result<(TcpStream, String)> {
    let mut stream = TcpStream::connect(addr).await.with_context(|| format!("connect {addr}"))?;
    stream.write_all(request.as_bytes()).await?;
    let mut read = Vec::with_capacity(512);
    let mut buffer = [0u8; 512];
    loop {
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .context("no answer within 10 s")??;
        if n == 0 {
            bail!("the server closed the connection: {}", String::from_utf8_lossy(&read));
        }
        read.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&read);
        if done(&text) {
            return Ok((stream, text.into_owned()));
        }
    }
}
