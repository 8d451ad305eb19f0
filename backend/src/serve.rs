//! The HTTP server loop: accepts connections on the bound listener and serves the router with
//! the limits of SPEC §13 "Limits", which `axum::serve` does not set:
//! - a header-read time-out: a client that does not send a whole request head in time (also
//!   the next one on a kept-alive connection) is disconnected (slowloris);
//! - a connection cap: past it, a new connection gets a bare 503 and is closed, so slow or idle
//!   clients cannot starve the ones that work (`/health` keeps answering);
//! - graceful shutdown: on the signal, stop accepting, let in-flight requests finish (bounded).
//!
//! The peer address is attached to each request (`ConnectInfo`), for per-IP rate limits.

use axum::extract::connect_info::ConnectInfo;
use axum::extract::Request;
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::{Service, ServiceExt};

/// The limits of one server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has to send a request's head.
    pub header_read_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

const BUSY: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\n\
content-length: 70\r\n\r\n{\"error\":{\"code\":\"unavailable\",\"message\":\"too many open connections\"}}";

/// Serve `service` (the router inside its layers, `layers::around`) on `listener` until
/// `shutdown` completes.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let router = service.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    router.clone().oneshot(request.map(axum::body::Body::new))
                });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
            tokio::pin!(connection);
            let stopping = async move {
                // The guard `wait_for` returns is not `Send`: drop it before awaiting more.
                let _ = stop.wait_for(|stopped| *stopped).await.map(|_| ());
            };
            tokio::select! {
                result = connection.as_mut() => log_connection_end(result),
                () = stopping => {
                    connection.as_mut().graceful_shutdown();
                    log_connection_end(connection.await);
                }
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a permit: all of them back means every connection has ended.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_grace, permits.acquire_many(all)).await.is_err() {
        tracing::warn!("shutdown: some connections were still open after the grace period");
    }
    Ok(())
}

/// Past the cap: a short 503, then close (never waits on the client for long).
async fn refuse(mut stream: tokio::net::TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(BUSY)).await;
}

fn log_connection_end(result: Result<(), hyper::Error>) {
    if let Err(error) = result {
        // Time-outs and resets are the client's business; nothing here holds a secret.
        tracing::debug!(%error, "connection ended with an error");
    }
}
