//! `ConnectionError`: what can go wrong below HTTP when working on a connection. Each variant
//! has one `ErrorCode`; `error.rs` makes the HTTP answer.

use super::token::TokenError;
use crate::credentials::CredentialsError;
use crate::error_code::ErrorCode;
use crate::ids::IntegrationKey;
use crate::store::{ConnectionKey, StoreError};
use std::borrow::Cow;

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("no connection `{}` for integration `{}`", .0.connection_id, .0.integration_key)]
    UnknownConnection(ConnectionKey),
    #[error("no integration `{0}`")]
    UnknownIntegration(IntegrationKey),
    #[error("provider `{0}` is not in the catalog")]
    UnknownProvider(String),
    #[error(
        "the connection needs re-authorisation (its refresh token was refused, or its refreshes failed for \
         too long): run a flow for the same connection id (a popup, or a session from POST \
         /connect/sessions/reconnect), or import new credentials with POST /connections; \
         allow_stale=true reads the stored credentials meanwhile"
    )]
    NeedsReauth,
    /// A refresh that failed for a reason that may pass (network, 5xx, time-out, a malformed
    /// answer) or that the connection cannot do (no refresh token).
    #[error("{message}")]
    RefreshFailed {
        message: Cow<'static, str>,
        #[source]
        source: Option<TokenError>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error("the refresh task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl ConnectionError {
    pub fn code(&self) -> ErrorCode {
        match self {
            // Only the secret-key routes look connections up, and Nango names both cases
            // `not_found` there (SPEC §9); the message says which part is unknown.
            Self::UnknownConnection(_) | Self::UnknownIntegration(_) => ErrorCode::NotFound,
            Self::UnknownProvider(_) => ErrorCode::UnknownProvider,
            Self::NeedsReauth => ErrorCode::ConnectionNeedsReauth,
            Self::RefreshFailed { .. } => ErrorCode::RefreshFailed,
            Self::Store(_) | Self::Credentials(_) | Self::Task(_) => ErrorCode::Internal,
        }
    }

    pub fn refresh_failed(message: impl Into<Cow<'static, str>>) -> Self {
        Self::RefreshFailed { message: message.into(), source: None }
    }
}
