//! Integrations: the configured apps of providers (`/integrations`), as Nango's public API.

use utoipa::ToSchema;

/// Nango's `ApiPublicIntegration`. For the secret-key holder also ours: `scopes` and
/// `allowed_hosts`. `credentials` and `webhook_url` only when `include` asks for them.
#[derive(ToSchema)]
pub struct Integration {
    pub unique_key: String,
    pub provider: String,
    pub display_name: String,
    /// The provider's logo URL, or empty.
    pub logo: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(nullable = false)]
    pub scopes: Option<Vec<String>>,
    /// Hosts the operator allows in this integration's connection config.
    #[schema(nullable = false)]
    pub allowed_hosts: Option<Vec<String>>,
    /// Nango's URL for the provider's webhooks; this server receives none (always null).
    pub webhook_url: Option<String>,
    /// The client credentials; null for a provider whose auth mode has none.
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
    /// Comma-separated, as Nango stores them; null without scopes.
    #[schema(required = true)]
    pub scopes: Option<String>,
    /// Nango's; always null here.
    #[schema(required = true)]
    pub webhook_secret: Option<String>,
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

/// The body of `POST /integrations`. Unknown keys are refused (`invalid_body`, with `errors`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationCreate {
    pub unique_key: String,
    /// A provider of the catalog.
    pub provider: String,
    #[schema(nullable = false, min_length = 1, max_length = 255)]
    pub display_name: Option<String>,
    /// An OAuth2 integration may be created without them; its flows then fail with
    /// `missing_client_credentials`.
    #[schema(nullable = false)]
    pub credentials: Option<ClientCredentialsBody>,
    #[schema(nullable = false)]
    pub scopes: Option<Scopes>,
    #[schema(nullable = false)]
    pub allowed_hosts: Option<Vec<String>>,
}

/// The body of `PATCH /integrations/{key}`: only the fields present change.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationChange {
    /// A new key (refused while the integration has connections).
    #[schema(nullable = false)]
    pub unique_key: Option<String>,
    /// `null`: show the provider's display name again.
    #[schema(min_length = 1, max_length = 255)]
    pub display_name: Option<String>,
    #[schema(nullable = false)]
    pub credentials: Option<ClientCredentialsBody>,
    #[schema(nullable = false)]
    pub scopes: Option<Scopes>,
    #[schema(nullable = false)]
    pub allowed_hosts: Option<Vec<String>>,
}

/// An OAuth app's credentials, complete when given.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientCredentialsBody {
    /// The provider's auth mode (`OAUTH2`).
    #[serde(rename = "type")]
    pub kind: String,
    pub client_id: String,
    pub client_secret: String,
    #[schema(nullable = false)]
    pub scopes: Option<Scopes>,
}

/// Scopes as a list, or as one comma-separated string.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum Scopes {
    List(Vec<String>),
    Text(String),
}
