//! The demo routes (SPEC §6), mounted only with `NANGO_DEMO=true`: the demo page's two server
//! routes, its connect session, and the demo provider's token endpoint and API.

use super::JsonObject;
use utoipa::ToSchema;

/// What the demo page needs to call the SDK.
#[derive(ToSchema)]
pub struct DemoConfig {
    #[schema(format = "uri")]
    pub host: String,
    #[serde(rename = "publicKey")]
    pub public_key: String,
    pub integrations: Vec<DemoIntegration>,
    #[serde(rename = "defaultIntegration")]
    pub default_integration: String,
}

#[derive(ToSchema)]
pub struct DemoIntegration {
    pub unique_key: String,
    pub provider: String,
    /// The connection-config parameters a person fills in, from the provider's catalog entry.
    pub fields: Vec<super::providers::FormField>,
}

/// A demo connection's non-secret fields: whether a token exists, never the token.
#[derive(ToSchema)]
pub struct DemoConnection {
    pub connection_id: String,
    pub provider_config_key: String,
    pub provider: String,
    pub connection_config: JsonObject,
    pub metadata: JsonObject,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub credentials: DemoCredentialsSummary,
}

#[derive(ToSchema)]
pub struct DemoCredentialsSummary {
    #[serde(rename = "type")]
    pub kind: String,
    pub has_access_token: bool,
    pub has_secret: bool,
    #[schema(required = true, format = DateTime)]
    pub expires_at: Option<String>,
}

/// A connect session for the demo integration: `{token, expires_at}`.
#[derive(ToSchema)]
pub struct DemoSession {
    pub token: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// The demo provider's token answer (RFC 6749 §5.1).
#[derive(ToSchema)]
pub struct DemoToken {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
}

/// An OAuth error (RFC 6749 §5.2), as the demo provider answers it.
#[derive(ToSchema)]
pub struct OAuthError {
    pub error: String,
    pub error_description: String,
}

/// The demo user, for a live demo access token.
#[derive(ToSchema)]
pub struct DemoUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub scope: String,
}
