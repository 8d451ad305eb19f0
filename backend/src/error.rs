//! `ApiError`: the one error type of every HTTP route, and `ErrorCode`, the stable codes
//! shared by the REST API and the popup result page (SPEC §5, STYLE §2).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::borrow::Cow;

/// Stable machine-readable error codes. The SDK passes them through as `AuthError.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    MissingAuthHeader,
    InvalidSecretKey,
    MissingPublicKey,
    InvalidPublicKey,
    UnknownIntegration,
    UnknownProvider,
    UnknownConnection,
    DuplicateIntegration,
    MissingClientCredentials,
    UnsupportedAuthMode,
    InvalidConnectionId,
    MissingConnectionId,
    InvalidConnectionConfig,
    InvalidAuthorizationParams,
    MissingHmac,
    InvalidHmac,
    InvalidFlowId,
    InvalidOrigin,
    StateInvalid,
    ProviderDenied,
    TokenExchangeFailed,
    RefreshFailed,
    ConnectionNeedsReauth,
    InvalidRequest,
    InvalidBody,
    UnsupportedMediaType,
    PayloadTooLarge,
    InvalidSettings,
    NotFound,
    MethodNotAllowed,
    ProxyFailed,
    Internal,
    UnknownFlow,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingAuthHeader => "missing_auth_header",
            Self::InvalidSecretKey => "invalid_secret_key",
            Self::MissingPublicKey => "missing_public_key",
            Self::InvalidPublicKey => "invalid_public_key",
            Self::UnknownIntegration => "unknown_integration",
            Self::UnknownProvider => "unknown_provider",
            Self::UnknownConnection => "unknown_connection",
            Self::DuplicateIntegration => "duplicate_integration",
            Self::MissingClientCredentials => "missing_client_credentials",
            Self::UnsupportedAuthMode => "unsupported_auth_mode",
            Self::InvalidConnectionId => "invalid_connection_id",
            Self::MissingConnectionId => "missing_connection_id",
            Self::InvalidConnectionConfig => "invalid_connection_config",
            Self::InvalidAuthorizationParams => "invalid_authorization_params",
            Self::MissingHmac => "missing_hmac",
            Self::InvalidHmac => "invalid_hmac",
            Self::InvalidFlowId => "invalid_flow_id",
            Self::InvalidOrigin => "invalid_origin",
            Self::StateInvalid => "state_invalid",
            Self::ProviderDenied => "provider_denied",
            Self::TokenExchangeFailed => "token_exchange_failed",
            Self::RefreshFailed => "refresh_failed",
            Self::ConnectionNeedsReauth => "connection_needs_reauth",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidBody => "invalid_body",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::InvalidSettings => "invalid_settings",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::ProxyFailed => "proxy_failed",
            Self::Internal => "internal",
            Self::UnknownFlow => "unknown_flow",
        }
    }
}

/// An error answered to a client: status, stable code, human message; the optional cause
/// is logged and never sent.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: Cow<'static, str>,
    cause: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self { status, code, message: message.into(), cause: None }
    }

    /// Attach an internal cause: logged when the response is built, never sent.
    pub fn with_cause(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "internal error").with_cause(cause)
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn not_found(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn unknown_integration(key: &str) -> Self {
        Self::not_found(ErrorCode::UnknownIntegration, format!("no integration `{key}`"))
    }

    pub fn unknown_connection(connection_id: &str, integration: &str) -> Self {
        Self::not_found(
            ErrorCode::UnknownConnection,
            format!("no connection `{connection_id}` for integration `{integration}`"),
        )
    }

    /// Log the cause (if any) once, at the place the error leaves the server.
    pub fn log(&self) {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.code.as_str(), error = ?cause, "request failed");
        } else if self.status.is_server_error() {
            tracing::error!(code = self.code.as_str(), message = %self.message, "request failed");
        } else {
            tracing::debug!(code = self.code.as_str(), message = %self.message, "request rejected");
        }
    }

    pub fn body(&self) -> serde_json::Value {
        json!({ "error": { "code": self.code.as_str(), "message": self.message } })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        (self.status, Json(self.body())).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(error)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::internal(error)
    }
}
