//! Providers: the catalog's entries (`GET /providers`), without secrets. A field the entry does
//! not set is absent.

use super::Tags;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `{"data": [...]}`.
#[derive(ToSchema)]
pub struct ProviderList {
    pub data: Vec<Provider>,
}

/// `{"data": {...}}`.
#[derive(ToSchema)]
pub struct ProviderEnvelope {
    pub data: Provider,
}

/// A catalog entry, in Nango's `providers.yaml` words.
#[derive(ToSchema)]
pub struct Provider {
    pub name: String,
    pub display_name: String,
    /// `OAUTH2`, `API_KEY`, `BASIC`, ...
    pub auth_mode: String,
    #[schema(nullable = false)]
    pub logo_url: Option<String>,
    #[schema(nullable = false)]
    pub categories: Option<Vec<String>>,
    #[schema(nullable = false)]
    pub docs: Option<String>,
    #[schema(nullable = false)]
    pub authorization_url: Option<String>,
    #[schema(nullable = false)]
    pub authorization_url_fragment: Option<String>,
    #[schema(nullable = false)]
    pub authorization_url_replacements: Option<Tags>,
    #[schema(nullable = false)]
    pub authorization_params: Option<Tags>,
    #[schema(nullable = false)]
    pub token_url: Option<String>,
    #[schema(nullable = false)]
    pub token_params: Option<Tags>,
    #[schema(nullable = false)]
    pub refresh_url: Option<String>,
    #[schema(nullable = false)]
    pub refresh_params: Option<Tags>,
    #[schema(nullable = false)]
    pub scope_separator: Option<String>,
    #[schema(nullable = false)]
    pub default_scopes: Option<Vec<String>>,
    #[schema(nullable = false)]
    pub disable_pkce: Option<bool>,
    /// How the client authenticates at the token endpoint.
    #[schema(nullable = false)]
    pub authorization_method: Option<ClientAuth>,
    #[schema(nullable = false)]
    pub body_format: Option<BodyFormat>,
    #[schema(nullable = false)]
    pub token_response_metadata: Option<Vec<String>>,
    #[schema(nullable = false)]
    pub redirect_uri_metadata: Option<Vec<String>>,
    /// Seconds before expiry when a token is refreshed.
    #[schema(nullable = false)]
    pub token_expiration_buffer: Option<i64>,
    #[schema(nullable = false)]
    pub proxy: Option<ProviderProxy>,
    /// The parameters a connection declares (`params[name]` of a connect).
    #[schema(nullable = false)]
    pub connection_config: Option<BTreeMap<String, ConfigParam>>,
}

#[derive(ToSchema)]
pub enum ClientAuth {
    #[serde(rename = "body")]
    Body,
    #[serde(rename = "header")]
    Header,
}

#[derive(ToSchema)]
pub enum BodyFormat {
    #[serde(rename = "form")]
    Form,
    #[serde(rename = "json")]
    Json,
}

#[derive(ToSchema)]
pub struct ProviderProxy {
    pub base_url: String,
    pub headers: Tags,
}

/// A declared connection parameter.
#[derive(ToSchema)]
pub struct ConfigParam {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub description: String,
    #[schema(nullable = false)]
    pub example: Option<String>,
    #[schema(nullable = false)]
    pub pattern: Option<String>,
    #[schema(nullable = false)]
    pub format: Option<String>,
    #[schema(nullable = false)]
    pub prefix: Option<String>,
    #[schema(nullable = false)]
    pub suffix: Option<String>,
    #[schema(nullable = false)]
    pub default_value: Option<String>,
    #[schema(nullable = false)]
    pub order: Option<i64>,
    #[schema(nullable = false)]
    pub doc_section: Option<String>,
    /// The allowed values.
    #[serde(rename = "enum")]
    #[schema(nullable = false)]
    pub allowed_values: Option<Vec<String>>,
    #[schema(nullable = false)]
    pub optional: Option<bool>,
    /// Filled by the server (from the token response or the callback), not by the caller.
    #[schema(nullable = false)]
    pub automated: Option<bool>,
    #[schema(nullable = false)]
    pub hidden: Option<bool>,
}

/// A declared connection-config parameter a person fills in, as the catalog describes it
/// (no secret): the demo page's and the connect page's form fields (`catalog::fields`).
#[derive(ToSchema)]
pub struct FormField {
    pub key: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub optional: bool,
    /// A regular expression the value must match.
    pub pattern: Option<String>,
    pub example: Option<String>,
    /// When not empty, the only values accepted.
    pub allowed_values: Vec<String>,
}
