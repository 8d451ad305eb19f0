//! Our versions of axum's `Json`, `Query` and `Path` extractors: a bad request answers our
//! JSON error shape, never axum's plain text (axum's `AppJson` example).

use crate::error::{ApiError, ErrorCode};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// JSON body. `Content-Type: application/json` is required; size limited by the router; no
/// string or key may hold a control character other than tab and line breaks (`input.rs`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(request, state).await?;
        if let Some(field) = input::find_control_character(&value) {
            return Err(ApiError::invalid_body(format!("`{field}` contains a control character")));
        }
        serde_json::from_value(value)
            .map(Json)
            .map_err(|error| ApiError::invalid_body(format!("invalid JSON body: {error}")))
    }
}

/// Room for a connection with its credentials, so most answers are written without the
/// buffer growing (axum's `Json` starts at 128 bytes and grows by copying).
const ANSWER_CAPACITY: usize = 2048;

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(ANSWER_CAPACITY);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => {
                let json = axum::http::HeaderValue::from_static("application/json");
                ([(axum::http::header::CONTENT_TYPE, json)], body).into_response()
            }
            Err(error) => ApiError::internal(error).into_response(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::new(ErrorCode::UnsupportedMediaType, "expected `Content-Type: application/json`")
            }
            JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(ErrorCode::PayloadTooLarge, "request body is too large")
            }
            other => {
                ApiError::new(ErrorCode::InvalidBody, format!("invalid JSON body: {}", other.body_text()))
            }
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, format!("invalid query: {}", rejection.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, format!("invalid path: {}", rejection.body_text()))
    }
}

mod auth;
mod caller;
mod connection;
pub mod input;
mod query;
mod session;

pub use auth::{admin_cookie, verify_secret_key, AuthedEnvironment, ConsoleRequest};
pub use caller::ApiCaller;
pub use connection::{
    connection_key, integration_key_from, parse_connection_id, parse_integration_key, ConnectionTarget,
};
pub use query::QueryParams;
pub use session::SessionToken;
