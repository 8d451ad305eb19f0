//! Connections: the full view with credentials (`GET /connection/{id}`), the list item, and
//! the answers of the routes that change one (metadata, connection_config).

use super::{JsonObject, Tags};
use utoipa::ToSchema;

/// A connection with fresh credentials, as Nango's public API answers it.
#[derive(ToSchema)]
pub struct Connection {
    pub id: i64,
    pub connection_id: String,
    /// The integration's unique key.
    pub provider_config_key: String,
    pub provider: String,
    pub connection_config: JsonObject,
    pub metadata: JsonObject,
    pub credentials: Credentials,
    pub status: ConnectionStatus,
    /// Why the connection is in its status (e.g. the provider's refusal), when not active.
    #[schema(required = true)]
    pub status_reason: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub status_changed_at: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub last_refresh_at: Option<String>,
    #[schema(required = true)]
    pub last_refresh_error: Option<String>,
    /// When a failing refresh is tried again.
    #[schema(required = true, format = DateTime)]
    pub next_refresh_at: Option<String>,
    pub errors: Vec<ConnectionProblem>,
    #[schema(required = true)]
    pub end_user: Option<JsonObject>,
    pub tags: Tags,
    /// Where this connection's auth webhooks go instead of the environment's `webhook_url`.
    #[schema(required = true, format = "uri")]
    pub webhook_url_override: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(required = true, format = DateTime)]
    pub last_fetched_at: Option<String>,
}

/// A connection in a list: no credentials, no connection_config (Nango's `ApiPublicConnection`).
#[derive(ToSchema)]
pub struct ConnectionListItem {
    pub id: i64,
    pub connection_id: String,
    pub provider_config_key: String,
    pub provider: String,
    pub metadata: JsonObject,
    pub status: ConnectionStatus,
    #[schema(required = true)]
    pub status_reason: Option<String>,
    pub errors: Vec<ConnectionProblem>,
    #[schema(required = true)]
    pub end_user: Option<JsonObject>,
    pub tags: Tags,
    /// The same as `created_at` (Nango's older name).
    #[schema(format = DateTime)]
    pub created: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// `{connections, next_cursor}`: `next_cursor` is null on the last page.
#[derive(ToSchema)]
pub struct ConnectionList {
    pub connections: Vec<ConnectionListItem>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(ToSchema)]
pub enum ConnectionStatus {
    #[serde(rename = "active")]
    Active,
    /// Refreshes fail for a reason that may pass (the network, the provider's 5xx); retried.
    #[serde(rename = "refresh_failing")]
    RefreshFailing,
    /// The provider refused the refresh token: the user must authorise again.
    #[serde(rename = "needs_reauth")]
    NeedsReauth,
}

/// `{status, events}`: the connection's status now and its last transitions, oldest first.
#[derive(ToSchema)]
pub struct ConnectionEvents {
    pub status: ConnectionStatus,
    pub events: Vec<StatusEvent>,
}

#[derive(ToSchema)]
pub struct StatusEvent {
    #[schema(format = DateTime)]
    pub at: String,
    pub from: ConnectionStatus,
    pub to: ConnectionStatus,
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// Nango reports a connection that needs re-authorisation as an `auth` error.
#[derive(ToSchema)]
pub struct ConnectionProblem {
    #[serde(rename = "type")]
    pub kind: ProblemKind,
    pub log_id: String,
}

#[derive(ToSchema)]
pub enum ProblemKind {
    #[serde(rename = "auth")]
    Auth,
}

/// The credentials of one auth mode.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum Credentials {
    OAuth2(OAuth2Credentials),
    ApiKey(ApiKeyCredentials),
    Basic(BasicCredentials),
}

/// `raw` is the provider's token response; `refresh_token` (there too) only with
/// `refresh_token=true`.
#[derive(ToSchema)]
pub struct OAuth2Credentials {
    #[serde(rename = "type")]
    pub kind: OAuth2Mode,
    pub access_token: String,
    #[schema(required = true, format = DateTime)]
    pub expires_at: Option<String>,
    pub refresh_token: Option<String>,
    pub raw: JsonObject,
}

#[derive(ToSchema)]
pub struct ApiKeyCredentials {
    #[serde(rename = "type")]
    pub kind: ApiKeyMode,
    #[serde(rename = "apiKey")]
    pub api_key: String,
}

#[derive(ToSchema)]
pub struct BasicCredentials {
    #[serde(rename = "type")]
    pub kind: BasicMode,
    pub username: String,
    pub password: String,
}

#[derive(ToSchema)]
pub enum OAuth2Mode {
    #[serde(rename = "OAUTH2")]
    OAuth2,
}

#[derive(ToSchema)]
pub enum ApiKeyMode {
    #[serde(rename = "API_KEY")]
    ApiKey,
}

#[derive(ToSchema)]
pub enum BasicMode {
    #[serde(rename = "BASIC")]
    Basic,
}

/// The answer of `PATCH /connection/{id}/connection-config`: the merged connection_config.
#[derive(ToSchema)]
pub struct ConnectionConfigChanged {
    pub connection_id: String,
    pub provider_config_key: String,
    pub connection_config: JsonObject,
}

/// The answer of a metadata change on one connection: the resulting metadata.
#[derive(ToSchema)]
pub struct MetadataChanged {
    pub connection_id: String,
    pub provider_config_key: String,
    pub metadata: JsonObject,
}

/// `POST|PATCH /connections/metadata`: one metadata change for one or many connections.
#[derive(ToSchema)]
pub struct MetadataForConnections {
    pub connection_id: OneOrManyIds,
    pub provider_config_key: String,
    pub metadata: JsonObject,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum OneOrManyIds {
    One(String),
    Many(Vec<String>),
}

/// The body of `POST /connections`: a connection from credentials the app already holds.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionImport {
    pub provider_config_key: String,
    /// A UUID is chosen when absent.
    pub connection_id: Option<String>,
    pub credentials: ImportedCredentials,
    #[schema(nullable = false)]
    pub connection_config: Option<JsonObject>,
    #[schema(nullable = false)]
    pub metadata: Option<JsonObject>,
    pub end_user: Option<super::sessions::EndUser>,
    #[schema(nullable = false)]
    pub tags: Option<Tags>,
    #[schema(nullable = false, format = "uri")]
    pub webhook_url_override: Option<String>,
}

/// The credentials of an import, by auth mode.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum ImportedCredentials {
    OAuth2(ImportedOAuth2),
    ApiKey(ApiKeyCredentials),
    Basic(BasicCredentials),
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportedOAuth2 {
    #[serde(rename = "type")]
    pub kind: OAuth2Mode,
    pub access_token: String,
    #[schema(nullable = false)]
    pub refresh_token: Option<String>,
    /// An RFC 3339 date, or milliseconds since 1970.
    #[schema(nullable = false)]
    pub expires_at: Option<DateOrMillis>,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum DateOrMillis {
    Date(String),
    Millis(i64),
}

/// The body of `PATCH /connections/{connection_id}`. A given end user or tags replace the
/// connection's tags; an empty `webhook_url_override` clears it.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionChange {
    #[schema(nullable = false)]
    pub end_user: Option<super::sessions::EndUser>,
    #[schema(nullable = false)]
    pub tags: Option<Tags>,
    #[schema(nullable = false)]
    pub webhook_url_override: Option<String>,
}
