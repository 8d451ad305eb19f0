//! The attempts of one proxied request: send; on a 401 that a refresh could cure, refresh and
//! send again (once, outside the `Retries` count); on a retriable failure, wait and send again
//! while `Retries` allows and the body can be sent again.

use super::auth::{auth_headers, is_refreshable};
use super::body::{is_too_large, too_large_to_stream, RequestBody};
use super::options::ProxyOptions;
use super::retry::{backoff, is_retriable, retry_after, RetryAfter};
use crate::catalog::Provider;
use crate::connections::fresh_credentials;
use crate::credentials::Credentials;
use crate::error::{ApiError, ErrorCode};
use crate::outbound::OutboundError;
use crate::state::AppState;
use crate::store::{Connection, Environment};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

/// One proxied request and everything its attempts need.
pub(super) struct Exchange<'a> {
    pub state: &'a AppState,
    pub environment: &'a Environment,
    pub provider: &'a Provider,
    pub connection: &'a Connection,
    pub method: &'a Method,
    pub url: &'a str,
    /// The headers that travel, before credentials are added.
    pub headers: &'a HeaderMap,
    pub options: &'a ProxyOptions,
}

/// Why an attempt got no answer.
enum Failure {
    /// The outbound policy refused the address (SPEC §13): never retried.
    Refused,
    BadUrl,
    /// The streamed body outgrew its limit: never retried.
    TooLarge,
    /// Connection refused or reset, time-out, ...: retried.
    Unreachable(reqwest::Error),
}

/// The provider's answer to the last attempt, or why there was none.
pub(super) async fn send(
    exchange: &Exchange<'_>,
    mut credentials: Credentials,
    mut body: RequestBody,
) -> Result<reqwest::Response, ApiError> {
    let options = exchange.options;
    let mut may_refresh = is_refreshable(&credentials);
    let mut n_retried = 0;
    loop {
        let auth = auth_headers(exchange.provider, exchange.connection, &credentials)?;
        let outcome = send_once(exchange, auth, body.for_attempt()).await;
        let may_retry = n_retried < options.retries && body.is_replayable();
        let wait = match outcome {
            Ok(answer) if answer.status() == StatusCode::UNAUTHORIZED && may_refresh => {
                // The token may have been revoked or expired early: refresh once and retry.
                // Passing the connection as first read lets concurrent 401s share one refresh
                // (see connections::refresh). A streamed body is gone: the refreshed token
                // serves the caller's next request, and this 401 is its answer.
                may_refresh = false;
                let (state, environment, connection) =
                    (exchange.state, exchange.environment, exchange.connection);
                credentials =
                    fresh_credentials(state, environment, connection, true, crate::time::now()).await?;
                if !body.is_replayable() {
                    return Ok(answer);
                }
                continue;
            }
            Ok(answer) => {
                if !may_retry || !is_retriable(answer.status(), &options.retry_on) {
                    return Ok(answer);
                }
                match retry_after(answer.headers(), crate::time::now()) {
                    RetryAfter::TooLong => return Ok(answer),
                    RetryAfter::Wait(wait) => wait,
                    RetryAfter::Absent => backoff(n_retried, rand::random()),
                }
            }
            Err(Failure::Unreachable(_)) if may_retry => backoff(n_retried, rand::random()),
            Err(failure) => return Err(failure.into_api_error(n_retried)),
        };
        n_retried += 1;
        tracing::debug!(n_retried, wait_ms = wait.as_millis(), "proxy: retrying the provider request");
        tokio::time::sleep(wait).await;
    }
}

async fn send_once(
    exchange: &Exchange<'_>,
    auth: Vec<(HeaderName, HeaderValue)>,
    body: Option<reqwest::Body>,
) -> Result<reqwest::Response, Failure> {
    let mut headers = exchange.headers.clone();
    // Credentials are set last, so a caller's header of the same name cannot replace them.
    for (name, value) in auth {
        headers.insert(name, value);
    }
    let request =
        exchange.state.http.request(exchange.method.clone(), exchange.url).map_err(|error| match error {
            OutboundError::BadUrl => Failure::BadUrl,
            OutboundError::Refused(_) => Failure::Refused,
        })?;
    let request = request.headers(headers);
    let request = match body {
        Some(body) => request.body(body),
        None => request,
    };
    request.send().await.map_err(|error| {
        if crate::outbound::is_refusal(&error) {
            Failure::Refused
        } else if is_too_large(&error) {
            Failure::TooLarge
        } else {
            Failure::Unreachable(error)
        }
    })
}

impl Failure {
    fn into_api_error(self, n_retried: u32) -> ApiError {
        match self {
            Self::Refused => ApiError::new(
                ErrorCode::ProxyFailed,
                "the provider's address is not allowed by the outbound policy (NANGO_OUTBOUND_ALLOW)",
            ),
            Self::BadUrl => ApiError::invalid_request("the proxied request does not form a valid URL"),
            Self::TooLarge => too_large_to_stream(),
            Self::Unreachable(error) => {
                let code = if error.is_timeout() { ErrorCode::ProxyTimeout } else { ErrorCode::ProxyFailed };
                let message = match n_retried {
                    0 => "the provider could not be reached".to_owned(),
                    1 => "the provider could not be reached (after 1 retry)".to_owned(),
                    n => format!("the provider could not be reached (after {n} retries)"),
                };
                ApiError::new(code, message).with_cause(error.without_url())
            }
        }
    }
}
