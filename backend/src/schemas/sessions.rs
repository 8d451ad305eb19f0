//! Connect sessions (SPEC §7): the bodies of `POST /connect/sessions(/reconnect)` and the
//! answers about a session.

use super::{JsonObject, Tags};
use utoipa::ToSchema;

/// Who a connect session is for. Unknown keys are refused (`invalid_body`, with `errors`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectSessionBody {
    /// Required unless top-level `tags` are given.
    pub end_user: Option<EndUser>,
    pub organization: Option<Organization>,
    pub tags: Option<Tags>,
    /// The integrations the session may connect; all when absent.
    #[schema(nullable = false)]
    pub allowed_integrations: Option<Vec<String>>,
    /// Per integration: `{connection_config: {...}, authorization_params: {...}}`.
    #[schema(nullable = false)]
    pub integrations_config_defaults: Option<JsonObject>,
    #[schema(nullable = false, format = "uri")]
    pub webhook_url_override: Option<String>,
    /// The connection id the flow will save (a UUID is chosen when absent).
    pub connection_id: Option<String>,
}

/// A session to authorise an existing connection again.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconnectSessionBody {
    pub connection_id: String,
    pub integration_id: String,
    pub end_user: Option<EndUser>,
    pub organization: Option<Organization>,
    #[schema(nullable = false)]
    pub integrations_config_defaults: Option<JsonObject>,
    pub tags: Option<Tags>,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndUser {
    /// 1-255 characters.
    #[schema(min_length = 1, max_length = 255)]
    pub id: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub tags: Option<Tags>,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    #[schema(min_length = 1, max_length = 255)]
    pub id: Option<String>,
    pub display_name: Option<String>,
}

/// `{"data": {token, connect_link, expires_at}}`: the token is shown this once.
#[derive(ToSchema)]
pub struct ConnectSessionCreated {
    pub data: NewConnectSession,
}

#[derive(ToSchema)]
pub struct NewConnectSession {
    #[schema(example = "nango_connect_session_0123…")]
    pub token: String,
    /// The hosted connect page for this session.
    #[schema(format = "uri")]
    pub connect_link: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// `{"data": {...}}`: the session the bearer token names.
#[derive(ToSchema)]
pub struct ConnectSessionEnvelope {
    pub data: ConnectSession,
}

#[derive(ToSchema)]
pub struct ConnectSession {
    #[schema(required = true)]
    pub end_user: Option<JsonObject>,
    pub tags: Tags,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(nullable = false)]
    pub organization: Option<JsonObject>,
    #[schema(nullable = false)]
    pub allowed_integrations: Option<Vec<String>>,
    #[schema(nullable = false)]
    pub integrations_config_defaults: Option<JsonObject>,
    /// For a reconnect session: the connection it authorises again.
    #[schema(nullable = false)]
    pub connection_id: Option<String>,
}

/// What the hosted connect page shows for a session (`GET /connect/config`).
#[derive(ToSchema)]
pub struct ConnectPageConfig {
    pub integrations: Vec<ConnectPageIntegration>,
    #[schema(required = true)]
    pub end_user: Option<JsonObject>,
    /// A reconnect session: its one integration, for its existing connection.
    pub reconnect: bool,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// One integration the page offers.
#[derive(ToSchema)]
pub struct ConnectPageIntegration {
    pub unique_key: String,
    pub provider: String,
    pub display_name: String,
    /// The provider's logo URL, when the catalog has one.
    #[schema(required = true)]
    pub logo: Option<String>,
    /// `OAUTH2`, `API_KEY` or `BASIC`; null when the provider left the catalog.
    #[schema(required = true)]
    pub auth_mode: Option<String>,
    /// The connection-config fields a person fills in.
    pub fields: Vec<super::providers::FormField>,
}
