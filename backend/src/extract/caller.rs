//! `ApiCaller`: the secret key's environment, or a connect session (SPEC §7), for the routes a
//! browser holding a session token may read too (`GET /integrations`, `GET /providers`).
//! A Bearer token with the session prefix is a session token; anything else a secret key.

use super::{AuthedEnvironment, SessionToken};
use crate::error::ApiError;
use crate::ids::IntegrationKey;
use crate::state::AppState;
use crate::store::{ConnectSession, Environment};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

#[derive(Debug, Clone)]
pub enum ApiCaller {
    SecretKey(std::sync::Arc<Environment>),
    Session { environment: Environment, session: Box<ConnectSession> },
}

impl ApiCaller {
    pub fn environment(&self) -> &Environment {
        match self {
            Self::SecretKey(environment) => environment,
            Self::Session { environment, .. } => environment,
        }
    }

    /// The integrations this caller may see: a session's `allowed_integrations` (empty: all).
    pub fn allowed_integrations(&self) -> &[IntegrationKey] {
        match self {
            Self::SecretKey(_) => &[],
            Self::Session { session, .. } => &session.allowed_integrations,
        }
    }

    pub fn is_secret_key(&self) -> bool {
        matches!(self, Self::SecretKey(_))
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session_token = super::auth::bearer_token(&parts.headers)
            .is_some_and(|token| token.starts_with(crate::sessions::TOKEN_PREFIX));
        if !session_token {
            let AuthedEnvironment(environment) = AuthedEnvironment::from_request_parts(parts, state).await?;
            return Ok(Self::SecretKey(environment));
        }
        let SessionToken(session) = SessionToken::from_request_parts(parts, state).await?;
        let environment = state
            .store
            .environment_by_id(session.environment_id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the session's environment is gone")))?;
        Ok(Self::Session { environment, session: Box::new(session) })
    }
}
