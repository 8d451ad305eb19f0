//! `AuthedEnvironment`: the environment whose secret key a request carries
//! (`Authorization: Bearer <secret>`) or whose admin console session cookie it carries, for
//! the REST API and the proxy.

use crate::admin_sessions;
use crate::crypto::hmac::constant_time_eq;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::store::Environment;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The environment whose secret key the request carries (`Authorization: Bearer <secret>`),
/// or whose admin console session cookie it carries (SPEC §14, `admin_sessions.rs`).
/// Missing or malformed header → 401 `missing_auth_header`; unknown key → 401 `unknown_account` (Nango's code).
/// With the cookie, a state change (any method but GET, HEAD, OPTIONS) must also carry the
/// session's CSRF token in `X-Nango-Csrf` and must not come from another site
/// (`Sec-Fetch-Site`), else 403 `invalid_csrf_token`. Bearer requests are unchanged.
#[derive(Debug, Clone)]
pub struct AuthedEnvironment(pub Arc<Environment>);

impl FromRequestParts<AppState> for AuthedEnvironment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(given) = bearer_token(&parts.headers) else {
            if let Some(token) = admin_cookie(&parts.headers) {
                let environment = console_session(parts, state, token).await?;
                parts.extensions.insert(ConsoleRequest);
                return Ok(Self(Arc::new(environment)));
            }
            return Err(ApiError::new(
                ErrorCode::MissingAuthHeader,
                "expected `Authorization: Bearer <secret key>`",
            ));
        };
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        verify_secret_key(state, peer, given).await.map(Self)
    }
}

/// Marks a request authenticated by the console's session cookie (in the request's
/// extensions), for the routes that log what the console read (`Option<Extension<ConsoleRequest>>`).
#[derive(Debug, Clone, Copy)]
pub struct ConsoleRequest;

/// The environment of secret key `given` from `peer`, with the wrong-key rate limit (the
/// extractor above and the console's sign-in).
pub async fn verify_secret_key(
    state: &AppState,
    peer: Option<IpAddr>,
    given: &str,
) -> Result<Arc<Environment>, ApiError> {
    // SPEC §13: an IP that sent too many wrong keys is refused before its key is looked at.
    if let Some(Err(retry)) = peer.map(|ip| state.rate_limits.secret_key_attempt(ip)) {
        return Err(ApiError::rate_limited(retry));
    }
    let found = state.environments.by_secret_key(state.store.as_ref(), given).await?;
    // The store found it by equality; compare again in constant time so a lookup that
    // is not exact (collation, prefix index) can never let a different key through.
    match found {
        Some(environment) if constant_time_eq(environment.secret_key.expose(), given) => Ok(environment),
        _ => match peer.map(|ip| state.rate_limits.wrong_secret_key(ip)) {
            Some(Err(retry)) => Err(ApiError::rate_limited(retry)),
            _ => Err(ApiError::new(ErrorCode::UnknownAccount, "no environment has this secret key")),
        },
    }
}

/// The admin console's session token in the request's cookies.
pub fn admin_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(admin_sessions::token_in_cookies)
}

async fn console_session(parts: &Parts, state: &AppState, token: &str) -> Result<Environment, ApiError> {
    let now = crate::time::now();
    let session = admin_sessions::find(state.store.as_ref(), token, now).await?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnknownAccount,
            "the console session expired or was signed out: sign in again",
        )
    })?;
    if !parts.method.is_safe() {
        let site = parts.headers.get("sec-fetch-site").and_then(|value| value.to_str().ok());
        let csrf = parts.headers.get(admin_sessions::CSRF_HEADER).and_then(|value| value.to_str().ok());
        let same_site = site.is_none_or(|site| site == "same-origin");
        if !same_site || !csrf.is_some_and(|csrf| admin_sessions::csrf_matches(token, csrf)) {
            return Err(ApiError::new(
                ErrorCode::InvalidCsrfToken,
                "a change made with the console's session needs its CSRF token (X-Nango-Csrf) and the same origin",
            ));
        }
    }
    state
        .store
        .environment_by_id(session.environment_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the console session's environment is gone")))
}

pub(super) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_token_parsing() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer  abc "));
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("abc"));
        assert_eq!(bearer_token(&headers), None);
    }
}
