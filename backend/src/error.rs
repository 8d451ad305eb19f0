//! `ApiError`: the one error type of every HTTP route. Its status is `code.status()`
//! (`error_code.rs`); the message is for humans; an optional cause is logged, never sent
//! (STYLE §2). The domain errors of the layers below (`ConnectionError`, `StoreError`, ...)
//! become `ApiError`s here and nowhere else.

use crate::connections::ConnectionError;
use crate::ids::IntegrationKey;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::borrow::Cow;

pub use crate::error_code::ErrorCode;

/// An error answered to a client: stable code (which decides the status), human message; the
/// optional cause is logged and never sent.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: Cow<'static, str>,
    cause: Option<anyhow::Error>,
    /// Seconds for `Retry-After` (rate limits).
    retry_after: Option<u64>,
    /// Per-field problems (`errors: [{code, message, path}]`, as Nango answers them).
    errors: Vec<crate::sessions::FieldError>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self { code, message: message.into(), cause: None, retry_after: None, errors: Vec::new() }
    }

    /// Attach an internal cause: logged when the response is built, never sent.
    pub fn with_cause(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    // ------------------------------------------------------------ named constructors

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::new(ErrorCode::Internal, "internal error").with_cause(cause)
    }

    pub fn invalid_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    pub fn invalid_body(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidBody, message)
    }

    pub fn invalid_connection_config(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidConnectionConfig, message)
    }

    pub fn invalid_connection_id(rule: &'static str) -> Self {
        Self::new(ErrorCode::InvalidConnectionId, rule)
    }

    pub fn missing_connection_id(message: &'static str) -> Self {
        Self::new(ErrorCode::MissingConnectionId, message)
    }

    pub fn invalid_origin(message: &'static str) -> Self {
        Self::new(ErrorCode::InvalidOrigin, message)
    }

    pub fn unknown_integration(key: &str) -> Self {
        Self::new(ErrorCode::UnknownIntegration, format!("no integration `{key}`"))
    }

    pub fn unknown_provider(integration: &IntegrationKey, provider: &str) -> Self {
        Self::new(
            ErrorCode::UnknownProvider,
            format!("integration `{integration}` uses provider `{provider}`, which is not in the catalog"),
        )
    }

    pub fn not_found(message: &'static str) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn rate_limited(crate::rate_limit::RetryAfter(seconds): crate::rate_limit::RetryAfter) -> Self {
        let message = format!("too many requests; retry in {seconds} s");
        Self { retry_after: Some(seconds), ..Self::new(ErrorCode::RateLimited, message) }
    }

    /// `invalid_body` / `invalid_query_params` with the problems, path by path.
    pub fn with_errors(code: ErrorCode, errors: Vec<crate::sessions::FieldError>) -> Self {
        let message =
            errors.first().map_or_else(|| "invalid request".to_string(), |first| first.message.clone());
        Self { errors, ..Self::new(code, message) }
    }

    pub fn payload_too_large() -> Self {
        Self::new(ErrorCode::PayloadTooLarge, "request body is too large")
    }

    /// The error as a flow outcome (the result page, the flow record, the auth webhook).
    pub fn to_flow_error(&self) -> crate::store::FlowError {
        crate::store::FlowError { code: self.code, message: self.message.to_string() }
    }

    /// Log the cause (if any) once, at the place the error leaves the server.
    pub fn log(&self) {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.code.as_str(), error = ?cause, "request failed");
        } else if self.status().is_server_error() {
            tracing::error!(code = self.code.as_str(), message = %self.message, "request failed");
        } else {
            tracing::debug!(code = self.code.as_str(), message = %self.message, "request rejected");
        }
    }

    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({ "code": self.code.as_str(), "message": self.message });
        if !self.errors.is_empty() {
            let errors: Vec<serde_json::Value> = self
                .errors
                .iter()
                .map(|field| json!({ "code": field.code, "message": field.message, "path": field.path }))
                .collect();
            error["errors"] = errors.into();
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = (self.status(), Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
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

impl From<crate::time::TimeError> for ApiError {
    fn from(error: crate::time::TimeError) -> Self {
        Self::internal(error)
    }
}

impl From<crate::credentials::CredentialsError> for ApiError {
    fn from(error: crate::credentials::CredentialsError) -> Self {
        Self::internal(error)
    }
}

impl From<crate::sessions::SessionError> for ApiError {
    fn from(error: crate::sessions::SessionError) -> Self {
        use crate::sessions::SessionError;
        match error {
            SessionError::Format => Self::new(ErrorCode::InvalidConnectSessionTokenFormat, error.to_string()),
            SessionError::Unknown => Self::new(ErrorCode::UnknownConnectSessionToken, error.to_string()),
            SessionError::Invalid(errors) => Self::with_errors(ErrorCode::InvalidBody, errors),
            SessionError::Store(store) => Self::internal(store),
        }
    }
}

impl From<crate::connections::import::ImportError> for ApiError {
    fn from(error: crate::connections::import::ImportError) -> Self {
        use crate::connections::import::ImportError;
        match error {
            ImportError::Connection(error) => error.into(),
            ImportError::WrongAuthMode { .. } => Self::invalid_body(error.to_string()),
            ImportError::InvalidConfig(_) => Self::invalid_connection_config(error.to_string()),
        }
    }
}

/// Nango's answers for integrations (SPEC §9): unknown → 404 `not_found`, bad bodies →
/// 400 `invalid_body` with the problems by path.
impl From<crate::integrations::IntegrationError> for ApiError {
    fn from(error: crate::integrations::IntegrationError) -> Self {
        use crate::integrations::IntegrationError;
        match error {
            IntegrationError::NotFound(_) => Self::new(ErrorCode::NotFound, error.to_string()),
            IntegrationError::Invalid(errors) => Self::with_errors(ErrorCode::InvalidBody, errors),
            IntegrationError::HasConnections(_) => Self::invalid_body(error.to_string()),
            IntegrationError::Store(store) => Self::internal(store),
        }
    }
}

impl From<crate::webhooks::WebhookError> for ApiError {
    fn from(error: crate::webhooks::WebhookError) -> Self {
        use crate::webhooks::WebhookError;
        match error {
            WebhookError::NoWebhookUrl => Self::new(ErrorCode::WebhookUrlMissing, error.to_string()),
            WebhookError::UnknownEvent => Self::new(ErrorCode::UnknownWebhookEvent, error.to_string()),
            WebhookError::Store(store) => Self::internal(store),
        }
    }
}

/// The connection layer's errors: the code decides the status; internal failures keep their
/// cause for the log and answer a bland message.
impl From<ConnectionError> for ApiError {
    fn from(error: ConnectionError) -> Self {
        let code = error.code();
        if code == ErrorCode::Internal {
            return Self::internal(error);
        }
        let message = error.to_string();
        match std::error::Error::source(&error) {
            Some(source) => Self::new(code, message).with_cause(anyhow::anyhow!(source.to_string())),
            None => Self::new(code, message),
        }
    }
}
