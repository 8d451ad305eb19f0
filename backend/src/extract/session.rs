//! `SessionToken`: the live connect session whose token a request carries as
//! `Authorization: Bearer nango_connect_session_...` (SPEC §7).

use super::auth::bearer_token;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::store::ConnectSession;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

#[derive(Debug, Clone)]
pub struct SessionToken(pub ConnectSession);

impl FromRequestParts<AppState> for SessionToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::new(
                ErrorCode::MissingAuthHeader,
                "expected `Authorization: Bearer <connect session token>`",
            )
        })?;
        Ok(Self(crate::sessions::lookup(state, token, crate::time::now()).await?))
    }
}
