//! The browser's routes: a flow's outcome (`/oauth/flows/{flow}`) and the credential POSTs
//! (`/api-auth/...`).

use super::errors::ErrorCodeName;
use utoipa::ToSchema;

/// A flow's state: pending (with the seconds it has left), success, or error.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum FlowStatus {
    Pending(FlowPending),
    Success(FlowSucceeded),
    Error(FlowFailed),
}

#[derive(ToSchema)]
pub struct FlowPending {
    pub status: PendingStatus,
    /// Seconds until the flow expires.
    pub expires_in: i64,
}

#[derive(ToSchema)]
pub struct FlowSucceeded {
    pub status: SuccessStatus,
    #[serde(rename = "providerConfigKey")]
    pub provider_config_key: String,
    #[serde(rename = "connectionId")]
    pub connection_id: String,
}

#[derive(ToSchema)]
pub struct FlowFailed {
    pub status: ErrorStatus,
    pub error: FlowError,
}

#[derive(ToSchema)]
pub struct FlowError {
    pub code: ErrorCodeName,
    pub message: String,
}

#[derive(ToSchema)]
pub enum PendingStatus {
    #[serde(rename = "pending")]
    Pending,
}

#[derive(ToSchema)]
pub enum SuccessStatus {
    #[serde(rename = "success")]
    Success,
}

#[derive(ToSchema)]
pub enum ErrorStatus {
    #[serde(rename = "error")]
    Error,
}

/// `POST /api-auth/api-key/{integration}`.
#[derive(ToSchema)]
pub struct ApiKeyCredentialsBody {
    #[serde(rename = "apiKey")]
    #[schema(min_length = 1)]
    pub api_key: String,
}

/// `POST /api-auth/basic/{integration}`.
#[derive(ToSchema)]
pub struct BasicCredentialsBody {
    #[schema(min_length = 1)]
    pub username: String,
    pub password: String,
}

/// The connection a credential POST saved.
#[derive(ToSchema)]
pub struct CredentialsSaved {
    #[serde(rename = "providerConfigKey")]
    pub provider_config_key: String,
    #[serde(rename = "connectionId")]
    pub connection_id: String,
}
