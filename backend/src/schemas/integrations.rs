//! Integrations: the configured apps of providers (`/integrations`), as Nango's public API.

use utoipa::ToSchema;

/// Nango's `ApiPublicIntegration`. `credentials` only when asked for (`include_creds=true` or
/// `include=credentials`): it holds the client secret.
#[derive(ToSchema)]
pub struct Integration {
    pub unique_key: String,
    pub provider: String,
    pub display_name: String,
    pub logo: String,
    pub scopes: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Null for a provider whose auth mode has no client credentials.
    pub credentials: Option<IntegrationCredentials>,
}

#[derive(ToSchema)]
pub struct IntegrationCredentials {
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(required = true)]
    pub client_id: Option<String>,
    #[schema(required = true)]
    pub client_secret: Option<String>,
    /// Comma-separated, as Nango stores them.
    pub scopes: String,
}

/// `{"data": [...]}`.
#[derive(ToSchema)]
pub struct IntegrationList {
    pub data: Vec<Integration>,
}

/// `{"data": {...}}`.
#[derive(ToSchema)]
pub struct IntegrationEnvelope {
    pub data: Integration,
}

/// The body of `POST /integrations` (`unique_key` and `provider` required) and
/// `PATCH /integrations/{key}` (every field optional).
#[derive(ToSchema)]
pub struct IntegrationBody {
    pub unique_key: Option<String>,
    /// A provider of the catalog.
    pub provider: Option<String>,
    pub credentials: Option<IntegrationCredentialsBody>,
    /// Accepted at the top level too (older Nango clients).
    pub scopes: Option<Scopes>,
}

#[derive(ToSchema)]
pub struct IntegrationCredentialsBody {
    /// The provider's auth mode (`OAUTH2`, ...), compared ignoring case.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scopes: Option<Scopes>,
}

/// Scopes as a list, or as one comma-separated string.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum Scopes {
    List(Vec<String>),
    Text(String),
}
