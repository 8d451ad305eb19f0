//! The records the store reads and writes. Plain data: credentials cross this boundary only
//! as sealed bytes, and fields with a fixed set of values are enums, converted to text at the
//! storage edge (`rows.rs`) only.

use crate::error_code::ErrorCode;
use crate::ids::{ConnectionId, EnvironmentId, FlowId, IntegrationKey};
use crate::json::JsonMap;
use crate::secret::Secret;

// ---------------------------------------------------------------- environments

#[derive(Debug, Clone)]
pub struct Environment {
    pub id: EnvironmentId,
    pub name: String,
    pub secret_key: Secret<String>,
    pub public_key: String,
    pub settings: EnvironmentSettings,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The settings an app changes with `PATCH /environment`.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentSettings {
    /// Custom callback URL (absolute http(s)); `None` = the server's own `/oauth/callback`.
    pub callback_url: Option<String>,
    pub hmac_enabled: bool,
    pub hmac_key: Option<Secret<String>>,
    pub webhook_url: Option<String>,
    /// Origins allowed to call the browser routes; empty = any.
    pub allowed_origins: Vec<String>,
}

impl EnvironmentSettings {
    /// SPEC §13 "Origins": with `allowed_origins` set, only those (a trailing `/` is ignored);
    /// without, any origin.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.is_empty()
            || self.allowed_origins.iter().any(|allowed| allowed.trim_end_matches('/') == origin)
    }
}

#[derive(Debug, Clone)]
pub struct NewEnvironment {
    pub name: String,
    pub secret_key: Secret<String>,
    pub public_key: String,
}

/// One of an environment's variables (`GET /environment-variables`); the value is a secret,
/// sealed at rest.
#[derive(Debug, Clone)]
pub struct EnvironmentVariable {
    pub name: String,
    pub value: Secret<String>,
}

// ---------------------------------------------------------------- integrations

#[derive(Debug, Clone)]
pub struct Integration {
    pub id: i64,
    pub environment_id: EnvironmentId,
    pub unique_key: IntegrationKey,
    /// Name of the catalog provider.
    pub provider: String,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret<String>>,
    pub scopes: Vec<String>,
    /// Set by the app; `None`: the provider's display name is shown.
    pub display_name: Option<String>,
    /// Host patterns a connecting user may choose for credential requests
    /// (`catalog::hosts`); empty: none.
    pub allowed_hosts: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Everything a caller sets on an integration; used for create and for full update.
#[derive(Debug, Clone)]
pub struct IntegrationInput {
    pub unique_key: IntegrationKey,
    pub provider: String,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret<String>>,
    pub scopes: Vec<String>,
    pub display_name: Option<String>,
    pub allowed_hosts: Vec<String>,
}

// ---------------------------------------------------------------- connections

/// Which connection: unique per environment, integration and connection id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnectionKey {
    pub environment_id: EnvironmentId,
    pub integration_key: IntegrationKey,
    pub connection_id: ConnectionId,
}

impl ConnectionKey {
    /// The AEAD additional data of this connection's sealed credentials: a ciphertext copied
    /// onto another row fails to open (STYLE §3).
    pub fn aad(&self) -> Vec<u8> {
        format!("connection:{}:{}:{}", self.environment_id, self.integration_key, self.connection_id)
            .into_bytes()
    }
}

/// Where a connection stands (SPEC §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    Active,
    /// A refresh failed for a reason that may pass (network, 5xx, time-out); retried with
    /// back-off.
    RefreshFailing,
    /// The provider refused the refresh token (`invalid_grant`), or refreshes failed for longer
    /// than the grace period: a new authorisation is needed.
    NeedsReauth,
}

impl ConnectionStatus {
    pub const ALL: [Self; 3] = [Self::Active, Self::RefreshFailing, Self::NeedsReauth];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::RefreshFailing => "refresh_failing",
            Self::NeedsReauth => "needs_reauth",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// How a connection's refreshes have gone (SPEC §11): why its status is what it is, and the
/// back-off of a failing refresh.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionHealth {
    pub status_reason: Option<String>,
    pub status_changed_at: Option<i64>,
    pub last_refresh_at: Option<i64>,
    /// The provider's error code and description, clipped; never a token.
    pub last_refresh_error: Option<String>,
    /// When the current run of failed refreshes began.
    pub refresh_failing_since: Option<i64>,
    /// Failed refreshes in a row.
    pub refresh_failures: i64,
    /// No refresh is tried before this (back-off), except a forced one.
    pub next_refresh_at: Option<i64>,
}

/// What a refresh attempt leaves on a connection (`ConnectionHealthStore::record_refresh`).
#[derive(Debug, Clone)]
pub struct RefreshRecord {
    /// New sealed credentials and their expiry, when the refresh succeeded.
    pub credentials: Option<(Vec<u8>, Option<i64>)>,
    pub status: ConnectionStatus,
    pub health: ConnectionHealth,
}

/// One status transition of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    pub at: i64,
    pub from: ConnectionStatus,
    pub to: ConnectionStatus,
    pub reason: Option<String>,
}

/// A connection as stored. `sealed_credentials` opens with `Credentials::open` and
/// `self.key().aad()`.
#[derive(Debug, Clone)]
pub struct Connection {
    pub id: i64,
    pub environment_id: EnvironmentId,
    pub integration_key: IntegrationKey,
    pub connection_id: ConnectionId,
    pub provider: String,
    pub connection_config: JsonMap,
    pub metadata: JsonMap,
    pub sealed_credentials: Vec<u8>,
    /// When the credentials expire (unix seconds), kept beside the sealed ones.
    pub credentials_expires_at: Option<i64>,
    pub status: ConnectionStatus,
    pub health: ConnectionHealth,
    /// The connect session's end user (with its `organization`), when one made the connection.
    pub end_user: Option<JsonMap>,
    pub tags: JsonMap,
    /// Where this connection's auth webhooks go instead of the environment's `webhook_url`.
    pub webhook_url_override: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_fetched_at: Option<i64>,
}

impl Connection {
    pub fn key(&self) -> ConnectionKey {
        ConnectionKey {
            environment_id: self.environment_id,
            integration_key: self.integration_key.clone(),
            connection_id: self.connection_id.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct UpsertConnection {
    pub key: ConnectionKey,
    pub provider: String,
    pub connection_config: JsonMap,
    pub sealed_credentials: Vec<u8>,
    pub credentials_expires_at: Option<i64>,
    /// `None` keeps what an existing connection has (flows without a connect session).
    pub end_user: Option<JsonMap>,
    pub tags: Option<JsonMap>,
    /// `None` keeps the existing metadata (a new connection starts with `{}`).
    pub metadata: Option<JsonMap>,
    /// `None` keeps the existing override.
    pub webhook_url_override: Option<String>,
    /// The OAuth flow this authorisation ends, recorded as a success in the same transaction.
    pub finishes_flow: Option<FlowId>,
    pub now: i64,
}

/// What `PATCH /connections/{id}` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ConnectionPatch {
    pub end_user: Option<JsonMap>,
    pub tags: Option<JsonMap>,
    /// `Some(None)` clears the override.
    pub webhook_url_override: Option<Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created,
    Overridden,
}

/// Which connections a list returns, newest first. Every field narrows the list; empty and
/// `None` fields do not.
#[derive(Debug, Clone, Default)]
pub struct ConnectionFilter {
    /// Any of these integrations (empty: every integration).
    pub integration_keys: Vec<IntegrationKey>,
    /// Only connections whose connection_id equals this.
    pub connection_id: Option<ConnectionId>,
    /// The end user's `id`, exactly.
    pub end_user_id: Option<String>,
    /// The end user's `organization.id`, exactly.
    pub end_user_organization_id: Option<String>,
    /// A case-insensitive substring of the connection id, the end user's display name or email.
    pub search: Option<String>,
    /// Tags the connection has with exactly these values (keys are lower-case).
    pub tags: Vec<(String, String)>,
    pub status: Option<ConnectionStatus>,
    /// Page size (the caller clamps it); 0 means no limit.
    pub limit: u32,
    pub page: ListPage,
}

/// Where a page of a connection list starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListPage {
    #[default]
    First,
    /// Keyset pagination (our `cursor`): rows older than the row with this id.
    Before(i64),
    /// Offset pagination (Nango's `page`): skip this many rows.
    Offset(u64),
}

// ---------------------------------------------------------------- admin sessions

/// A signed-in admin console (SPEC §14), found by its cookie token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    /// SHA-256 of the token (the token itself is never stored).
    pub hash: String,
    pub environment_id: EnvironmentId,
    pub created_at: i64,
    pub expires_at: i64,
}

// ---------------------------------------------------------------- connect sessions

/// A connect session (SPEC §7), found by its token's hash. JSON fields are as the app sent
/// them (validated by `sessions`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectSession {
    /// SHA-256 of the token (the token itself is never stored).
    pub hash: String,
    pub environment_id: EnvironmentId,
    pub end_user: Option<JsonMap>,
    pub organization: Option<JsonMap>,
    pub tags: JsonMap,
    /// Empty: every integration.
    pub allowed_integrations: Vec<IntegrationKey>,
    pub integrations_config_defaults: JsonMap,
    /// Pinned by the backend, or the connection a reconnect session is bound to.
    pub connection_id: Option<ConnectionId>,
    pub reconnect_integration: Option<IntegrationKey>,
    pub webhook_url_override: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

// ---------------------------------------------------------------- flows

/// A flow about to start (SPEC §2 step 2). Stored so any replica can finish it.
#[derive(Debug, Clone)]
pub struct NewFlow {
    pub flow_id: FlowId,
    /// SHA-256 of the state (`flows::state_hash`): the state itself is never stored.
    pub state_hash: String,
    pub environment_id: EnvironmentId,
    pub integration_key: IntegrationKey,
    pub connection_id: ConnectionId,
    /// The PKCE verifier sealed with the flow id as AAD (`flows::seal_verifier`).
    pub sealed_pkce_verifier: Option<String>,
    pub params: JsonMap,
    pub authorization_params: JsonMap,
    /// The opener's origin: the result page posts to it, never to `*`. `None` for a flow whose
    /// result goes over a WebSocket (SPEC §8): the page then posts nothing.
    pub origin: Option<String>,
    /// Redirect mode (SPEC §10): where the browser goes back (303) when the flow ends; checked
    /// against the environment's allowed origins before the flow is stored.
    pub return_to: Option<String>,
    pub redirect_uri: String,
    /// The connect session's `webhook_url_override`: where this flow's auth webhook goes.
    pub webhook_url_override: Option<String>,
    /// From the connect session, for the connection the flow creates.
    pub end_user: Option<JsonMap>,
    pub tags: Option<JsonMap>,
    pub created_at: i64,
    /// The start in unix milliseconds, for the duration in the `flow ended` log line.
    pub started_at_ms: i64,
    pub expires_at: i64,
}

/// A flow taken by its state at the callback: what finishing it needs. The state itself is
/// spent and not handed back.
#[derive(Debug, Clone)]
pub struct ConsumedFlow {
    pub flow_id: FlowId,
    pub environment_id: EnvironmentId,
    pub integration_key: IntegrationKey,
    pub connection_id: ConnectionId,
    /// Sealed; `flows::open_verifier` opens it.
    pub sealed_pkce_verifier: Option<String>,
    pub params: JsonMap,
    pub origin: Option<String>,
    pub return_to: Option<String>,
    pub redirect_uri: String,
    pub end_user: Option<JsonMap>,
    pub tags: Option<JsonMap>,
    pub webhook_url_override: Option<String>,
    /// When the flow started (unix seconds, and milliseconds).
    pub created_at: i64,
    pub started_at_ms: i64,
}

/// How a flow ended: the one type every channel renders (the result page, `/oauth/flows`,
/// the auth webhook).
#[derive(Debug, Clone, PartialEq)]
pub enum FlowOutcome {
    Success { integration_key: IntegrationKey, connection_id: ConnectionId },
    Error(FlowError),
}

/// A failed flow's code and human message (no secrets).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowError {
    pub code: ErrorCode,
    pub message: String,
}

/// A flow record as stored: no outcome yet (pending), or its outcome; and its expiry.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRecord {
    pub outcome: Option<FlowOutcome>,
    pub expires_at: i64,
    /// `None` for an error recorded before the environment was known.
    pub environment_id: Option<EnvironmentId>,
}
