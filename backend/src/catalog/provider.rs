//! One catalog entry: the OAuth2 subset of Nango's `providers.yaml` (SPEC §4).
//! Unknown fields are ignored. Every provider quirk is a field here, read by generic code.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    OAuth2,
    ApiKey,
    Basic,
}

impl AuthMode {
    /// The one mapping to Nango's names (`auth_mode` in the catalog, `type` of credentials).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OAuth2 => "OAUTH2",
            Self::ApiKey => "API_KEY",
            Self::Basic => "BASIC",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::OAuth2, Self::ApiKey, Self::Basic].into_iter().find(|mode| mode.as_str() == text)
    }
}

/// How the client authenticates at the token endpoint (`authorization_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    #[default]
    Body,
    /// HTTP Basic (`authorization_method: header`).
    Header,
}

/// Encoding of the token request body (`body_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyFormat {
    #[default]
    Form,
    Json,
}

/// A declared connection configuration parameter (`connection_config.<key>`).
#[derive(Debug, Clone, Default)]
pub struct ConfigParam {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Required unless `optional: true` in the YAML.
    pub optional: bool,
    /// A regular expression the value must match (Nango's `pattern`), if any.
    pub pattern: Option<String>,
    /// The only values a caller may give (Nango's `enum`); empty means any value. A param that
    /// decides the host of the token, refresh or proxy URL needs one (see `params`).
    pub allowed_values: Vec<String>,
    /// Filled in by the server from the provider's answers (Nango's `automated`); such a param
    /// is also `optional`.
    pub automated: bool,
    /// The rest is for forms that ask for the value (`GET /providers`, connect pages): Nango's
    /// `example`, `format`, `prefix`, `suffix`, `default_value`, `hidden`, `order`, `doc_section`.
    pub example: Option<String>,
    pub format: Option<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    pub default_value: Option<String>,
    pub hidden: bool,
    pub order: Option<i64>,
    pub doc_section: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ProxyConfig {
    pub base_url: String,
    pub headers: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Provider {
    /// The catalog key, e.g. `zendesk`.
    pub name: String,
    pub display_name: Option<String>,
    pub auth_mode: AuthMode,
    /// Nango's `categories` (e.g. `crm`, `ticketing`), for catalog listings.
    pub categories: Vec<String>,
    /// An image URL for listings; Nango's file has none, an operator file may set one.
    pub logo_url: Option<String>,
    /// Absent for an OAuth2 entry whose connections start on the provider's side (Nango's
    /// `installation: outbound`): such an entry loads, but cannot start a flow here.
    pub authorization_url: Option<String>,
    /// Nango's `authorization_url_fragment`: the built query moves behind `#<fragment>?`.
    pub authorization_url_fragment: Option<String>,
    /// Nango's `authorization_url_replacements`, in file order: in the built URL, the first
    /// occurrence of each key is replaced by its value (e.g. `client_id` → `client_key`).
    pub authorization_url_replacements: Vec<(String, String)>,
    pub token_url: Option<String>,
    /// Defaults to `token_url` when absent.
    pub refresh_url: Option<String>,
    pub authorization_params: BTreeMap<String, String>,
    pub token_params: BTreeMap<String, String>,
    pub refresh_params: BTreeMap<String, String>,
    /// Defaults to a space.
    pub scope_separator: String,
    pub default_scopes: Vec<String>,
    pub disable_pkce: bool,
    pub authorization_method: ClientAuth,
    pub body_format: BodyFormat,
    /// Keys copied from the token response into connection_config (e.g. `instance_url`).
    pub token_response_metadata: Vec<String>,
    /// Keys copied from the callback query into connection_config (e.g. `realmId`).
    pub redirect_uri_metadata: Vec<String>,
    pub connection_config: BTreeMap<String, ConfigParam>,
    /// Seconds before expiry at which a token is refreshed on read (default 900).
    pub token_expiration_buffer: Option<i64>,
    pub proxy: Option<ProxyConfig>,
    pub docs: Option<String>,
}
