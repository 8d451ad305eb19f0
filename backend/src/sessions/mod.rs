//! Connect sessions (SPEC §7): the app's backend mints a short-lived token for one end user;
//! the browser uses it instead of the public key and HMAC. Only the token's SHA-256 is stored.
//! No axum here: routes are in `api/connect_sessions.rs`.

pub mod request;

use crate::crypto::cipher::lookup_hash;
use crate::crypto::random;
use crate::ids::IntegrationKey;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{ConnectSession, ConnectionKey, Environment, StoreError};
pub use request::{FieldError, SessionRequest};

/// Every token starts with this (Nango's format), then 64 hex digits.
pub const TOKEN_PREFIX: &str = "nango_connect_session_";
/// A session lives this long (SPEC §7: 30 min).
pub const LIFETIME_SECONDS: i64 = 30 * 60;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Not `nango_connect_session_` + 64 hex digits.
    #[error("the connect session token is malformed")]
    Format,
    #[error("the connect session token is unknown or expired")]
    Unknown,
    /// The body names integrations or a connection that do not exist.
    #[error("the body refers to something that does not exist")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Create a session for `request` in `environment`; returns the token (shown once) and the
/// stored session. For a reconnect, the connection must exist and is what the flow keeps.
pub async fn create(
    state: &AppState,
    environment: &Environment,
    request: SessionRequest,
    now: i64,
) -> Result<(Secret<String>, ConnectSession), SessionError> {
    let mut problems = Vec::new();
    let mut integrations: Vec<(IntegrationKey, Vec<String>)> = request
        .allowed_integrations
        .iter()
        .enumerate()
        .map(|(n, key)| (key.clone(), path("allowed_integrations", n)))
        .collect();
    for key in request.integrations_config_defaults.keys() {
        if let Ok(key) = IntegrationKey::parse(key.as_str()) {
            let here = vec!["integrations_config_defaults".to_string(), key.to_string()];
            integrations.push((key, here));
        }
    }
    for (key, here) in integrations {
        if state.store.get_integration(environment.id, &key).await?.is_none() {
            problems.push(FieldError {
                code: "invalid_string",
                message: format!("no integration `{key}`"),
                path: here,
            });
        }
    }
    if let (Some(integration), Some(connection_id)) = (&request.integration_id, &request.connection_id) {
        let key = ConnectionKey {
            environment_id: environment.id,
            integration_key: integration.clone(),
            connection_id: connection_id.clone(),
        };
        if state.store.get_connection(&key).await?.is_none() {
            let message = format!("no connection `{connection_id}` for integration `{integration}`");
            problems.push(FieldError { code: "invalid_string", message, path: vec!["connection_id".into()] });
        }
    }
    if !problems.is_empty() {
        return Err(SessionError::Invalid(problems));
    }
    let token = Secret::new(format!("{TOKEN_PREFIX}{}", random::hex_key(32)));
    let session = ConnectSession {
        hash: lookup_hash(token.expose()),
        environment_id: environment.id,
        end_user: request.end_user,
        organization: request.organization,
        tags: request.tags,
        allowed_integrations: match &request.integration_id {
            // A reconnect session serves its connection's integration only.
            Some(integration) => vec![integration.clone()],
            None => request.allowed_integrations,
        },
        integrations_config_defaults: request.integrations_config_defaults,
        connection_id: request.connection_id,
        reconnect_integration: request.integration_id,
        webhook_url_override: request.webhook_url_override,
        created_at: now,
        expires_at: now + LIFETIME_SECONDS,
    };
    state.store.insert_session(&session).await?;
    Ok((token, session))
}

/// The live session a token names.
pub async fn lookup(state: &AppState, raw_token: &str, now: i64) -> Result<ConnectSession, SessionError> {
    let hex = raw_token.strip_prefix(TOKEN_PREFIX).ok_or(SessionError::Format)?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SessionError::Format);
    }
    state.store.session(&lookup_hash(raw_token), now).await?.ok_or(SessionError::Unknown)
}

/// What a connection made with `session` records as its end user: the session's end user with
/// its `organization` inside (Nango's shape), or nothing.
pub fn end_user_of(session: &ConnectSession) -> Option<crate::json::JsonMap> {
    let mut end_user = session.end_user.clone()?;
    if let Some(organization) = &session.organization {
        end_user.insert("organization".into(), serde_json::Value::Object(organization.clone()));
    }
    Some(end_user)
}

/// End a session before it expires.
pub async fn delete(state: &AppState, session: &ConnectSession) -> Result<(), SessionError> {
    state.store.delete_session(&session.hash).await?;
    Ok(())
}

fn path(field: &str, index: usize) -> Vec<String> {
    vec![field.to_string(), index.to_string()]
}
