//! `AuthedEnvironment`: the environment whose secret key a request carries
//! (`Authorization: Bearer <secret>`), for the REST API and the proxy.

use crate::crypto::hmac::constant_time_eq;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::store::Environment;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use std::net::SocketAddr;

/// The environment whose secret key the request carries (`Authorization: Bearer <secret>`).
/// Missing or malformed header → 401 `missing_auth_header`; unknown key → 401 `unknown_account` (Nango's code).
#[derive(Debug, Clone)]
pub struct AuthedEnvironment(pub Environment);

impl FromRequestParts<AppState> for AuthedEnvironment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let given = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::new(ErrorCode::MissingAuthHeader, "expected `Authorization: Bearer <secret key>`")
        })?;
        // SPEC §13: an IP that sent too many wrong keys is refused before its key is looked at.
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        if let Some(Err(retry)) = peer.map(|ip| state.rate_limits.secret_key_attempt(ip)) {
            return Err(ApiError::rate_limited(retry));
        }
        let found = state.environments.by_secret_key(state.store.as_ref(), given).await?;
        // The store found it by equality; compare again in constant time so a lookup that
        // is not exact (collation, prefix index) can never let a different key through.
        match found {
            Some(environment) if constant_time_eq(environment.secret_key.expose(), given) => {
                Ok(Self(environment))
            }
            _ => match peer.map(|ip| state.rate_limits.wrong_secret_key(ip)) {
                Some(Err(retry)) => Err(ApiError::rate_limited(retry)),
                _ => Err(ApiError::new(ErrorCode::UnknownAccount, "no environment has this secret key")),
            },
        }
    }
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
