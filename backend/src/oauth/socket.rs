//! The WebSocket result channel of `@nangohq/frontend` (SPEC §8), on `GET /` with
//! `Upgrade: websocket` (a plain GET there is the demo page, `assets.rs`).
//!
//! The socket is sent `{"message_type":"connection_ack","ws_client_id":<uuid v4>}`; the
//! client then opens `/oauth/connect/:key?ws_client_id=..`, which uses that id as the flow id.
//! When the flow record has an outcome (this replica's wake-up, another replica's notice, or
//! a periodic re-read: `flows/watch.rs`) the socket is sent exactly one `success` or `error`
//! message, with Nango's `error_type` names, and is closed. A socket whose flow never starts
//! is closed after the flow lifetime; at most `NANGO_MAX_RESULT_SOCKETS` are open (then 503).
//! The client's own messages are ignored.

use crate::error::{ApiError, ErrorCode};
use crate::flows::watch::{Waiter, WatchError};
use crate::flows::FlowState;
use crate::ids::{EnvironmentId, FlowId};
use crate::state::AppState;
use crate::store::{FlowError, FlowOutcome, StoreResult};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::Instant;

/// Nothing a client sends is read; a frame larger than this ends the socket.
const MAX_CLIENT_MESSAGE: usize = 1024;
/// The socket's read buffer, allocated when it opens and kept while it is open. tungstenite's
/// default (128 KiB) made each idle socket cost about 120 KiB of heap (`cargo xtask bench`,
/// "open channels"); the server only reads close frames and pings (a longer frame is read in
/// several chunks), so a small one keeps 10,000 open sockets within the memory budget.
const READ_BUFFER: usize = 256;

/// Answer the upgrade: per-IP rate limit, the socket cap, then the socket.
pub fn open(
    state: AppState,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if let Some(Err(retry)) = peer.map(|peer| state.rate_limits.browser_request(peer.ip())) {
        return ApiError::rate_limited(retry).into_response();
    }
    let waiter = match FlowId::parse(uuid::Uuid::new_v4().to_string()) {
        Ok(flow_id) => state.flow_watch.register(flow_id),
        Err(rule) => return ApiError::internal(anyhow::anyhow!(rule)).into_response(),
    };
    let waiter = match waiter {
        Ok(waiter) => waiter,
        Err(error @ WatchError::Full) => {
            tracing::warn!(open = state.flow_watch.len(), "result sockets: at the cap, refusing one");
            return ApiError::new(ErrorCode::Unavailable, error.to_string()).into_response();
        }
        Err(error @ WatchError::Taken) => return ApiError::internal(error).into_response(),
    };
    let origin = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()).map(str::to_owned);
    upgrade
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .read_buffer_size(READ_BUFFER)
        // Each message is written out at once: no write buffer to keep either.
        .write_buffer_size(0)
        .max_write_buffer_size(16 * 1024)
        // A task of its own: axum's upgrade task (the handshake's state, a second copy of the
        // socket) ends here instead of living as long as the socket.
        .on_upgrade(move |socket| async move {
            tokio::spawn(serve(state, waiter, origin, socket));
        })
}

/// One socket, for its whole life. Ten thousand of these may wait at once, so what waits is
/// kept small (`cargo xtask bench --channels-only`): an `async move` block rather than an
/// `async fn` (whose arguments the compiler keeps twice in the state, the socket included),
/// the ack sent and dropped before the wait, and the steps after it (reading the environment,
/// the answer, the close) boxed, so their state is allocated only when they run instead of
/// being reserved in every idle socket's task.
#[allow(clippy::manual_async_fn)] // On purpose: see above.
fn serve(
    state: AppState,
    waiter: Waiter,
    origin: Option<String>,
    mut socket: WebSocket,
) -> impl std::future::Future<Output = ()> {
    async move {
        // A temporary: a `Value` bound to a name would be kept (and its map) until the socket ends.
        let ack = json!({ "message_type": "connection_ack", "ws_client_id": waiter.flow_id().as_str() })
            .to_string();
        if Box::pin(socket.send(Message::Text(ack.into()))).await.is_err() {
            return;
        }
        let lifetime = Duration::from_secs(state.config.flow_ttl_seconds.max(0) as u64);
        let give_up = Instant::now() + lifetime;
        let ended = tokio::select! {
            ended = waiter.outcome(state.store.as_ref(), give_up) => ended,
            () = until_closed(&mut socket) => return,
        };
        drop(waiter);
        Box::pin(answer(&state, origin.as_deref(), ended, &mut socket)).await;
    }
}

/// Send the one message the flow's end calls for, then close.
async fn answer(
    state: &AppState,
    origin: Option<&str>,
    ended: StoreResult<Option<(FlowState, Option<EnvironmentId>)>>,
    socket: &mut WebSocket,
) {
    let message = match ended {
        Ok(Some((flow_state, environment_id))) => match origin_refusal(state, origin, environment_id).await {
            None => message(&flow_state),
            Some(refusal) => error_message(&refusal),
        },
        // The flow never started: nothing to say.
        Ok(None) => return close(socket, "no flow started on this socket in time").await,
        Err(error) => {
            tracing::error!(%error, "result socket: cannot read the flow record");
            error_message(&FlowError {
                code: ErrorCode::Internal,
                message: "the flow's outcome could not be read".into(),
            })
        }
    };
    if socket.send(Message::Text(message.to_string().into())).await.is_ok() {
        close(socket, "done").await;
    }
}

/// Reads (and drops) what the client sends until it closes or breaks the socket.
async fn until_closed(socket: &mut WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if matches!(message, Message::Close(_)) {
            return;
        }
    }
}

async fn close(socket: &mut WebSocket, reason: &'static str) {
    let frame = CloseFrame { code: axum::extract::ws::close_code::NORMAL, reason: reason.into() };
    // The client may be gone already: nothing to do then.
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// SPEC §13 "Origins": with `allowed_origins` set, only a page on one of them learns the
/// outcome (the socket's own `Origin` header; the flow had no opener origin to check).
async fn origin_refusal(
    state: &AppState,
    origin: Option<&str>,
    environment_id: Option<EnvironmentId>,
) -> Option<FlowError> {
    let environment_id = environment_id?;
    let allowed = match state.store.environment_by_id(environment_id).await {
        Ok(Some(environment)) => match origin {
            Some(origin) => environment.settings.allows_origin(origin),
            None => environment.settings.allowed_origins.is_empty(),
        },
        Ok(None) => false,
        Err(error) => {
            tracing::warn!(%error, "result socket: cannot read the environment");
            false
        }
    };
    (!allowed).then(|| FlowError {
        code: ErrorCode::InvalidOrigin,
        message: "this page's origin is not in the environment's allowed origins".into(),
    })
}

/// The one message a socket is sent.
fn message(flow_state: &FlowState) -> Value {
    match flow_state {
        FlowState::Finished(FlowOutcome::Success { integration_key, connection_id }) => json!({
            "message_type": "success",
            "provider_config_key": integration_key,
            "connection_id": connection_id,
            "is_pending": false,
        }),
        FlowState::Finished(FlowOutcome::Error(error)) => error_message(error),
        FlowState::Expired | FlowState::Pending { .. } => error_message(&FlowError {
            code: ErrorCode::StateInvalid,
            message: "the sign-in took too long and expired; start again".into(),
        }),
    }
}

fn error_message(error: &FlowError) -> Value {
    json!({
        "message_type": "error",
        // Not kept for errors: the client knows which integration and connection it asked for.
        "provider_config_key": null,
        "connection_id": null,
        "error_type": nango_error_type(error.code),
        "error_desc": error.message,
    })
}

/// SPEC §8: apps switch on Nango's names, so this channel speaks them.
pub fn nango_error_type(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::UnknownIntegration | ErrorCode::MissingClientCredentials => "provider_config_err",
        ErrorCode::UnknownProvider => "unknown_config_key",
        ErrorCode::InvalidConnectionConfig => "url_param_err",
        ErrorCode::TokenExchangeFailed => "token_err",
        ErrorCode::StateInvalid => "state_err",
        ErrorCode::ProviderDenied => "callback_err",
        ErrorCode::MissingHmac => "missing_hmac",
        ErrorCode::InvalidHmac => "invalid_hmac",
        ErrorCode::MissingConnectionId => "missing_connection_id",
        _ => "unknown_err",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_follow_nangos_table() {
        assert_eq!(nango_error_type(ErrorCode::UnknownIntegration), "provider_config_err");
        assert_eq!(nango_error_type(ErrorCode::ProviderDenied), "callback_err");
        assert_eq!(nango_error_type(ErrorCode::InvalidHmac), "invalid_hmac");
        assert_eq!(nango_error_type(ErrorCode::RateLimited), "unknown_err");
        let expired = message(&FlowState::Expired);
        assert_eq!(
            (expired["message_type"].as_str(), expired["error_type"].as_str()),
            (Some("error"), Some("state_err"))
        );
    }

    /// What every idle socket's task holds while it waits (the memory budget of 10,000 sockets).
    #[test]
    fn an_idle_sockets_state_stays_small() {
        fn future_size<A, B, C, D, F: std::future::Future>(_: impl Fn(A, B, C, D) -> F) -> usize {
            std::mem::size_of::<F>()
        }
        let (serve, socket) = (future_size(serve), std::mem::size_of::<WebSocket>());
        assert!(serve <= socket + 512, "serve's future is {serve} B, the socket {socket} B");
    }

    #[test]
    fn success_shape() {
        let success = FlowOutcome::Success {
            integration_key: crate::ids::IntegrationKey::parse("demo").unwrap(),
            connection_id: crate::ids::ConnectionId::parse("u1").unwrap(),
        };
        assert_eq!(
            message(&FlowState::Finished(success)),
            json!({"message_type": "success", "provider_config_key": "demo", "connection_id": "u1", "is_pending": false})
        );
    }
}
