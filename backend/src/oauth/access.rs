//! "Who may start this flow": the one check shared by `/oauth/connect` and the credential
//! POSTs (SPEC §2 step 1, §3). Public key → environment, integration and provider, client
//! credentials, connection id, HMAC, declared params.
//!
//! The caller is an enum: the public key (+ HMAC), or a connect session token (SPEC §7), which
//! also picks the connection id and may narrow the integrations and set defaults.

use crate::catalog::hosts::AllowedHosts;
use crate::catalog::params::validate_connection_config;
use crate::catalog::{AuthMode, Provider};
use crate::crypto::hmac::{constant_time_eq, verify_connect_digest};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{ConnectionId, IntegrationKey};
use crate::state::AppState;
use crate::store::{ConnectSession, Environment, Integration, JsonMap};
use std::sync::Arc;

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'q> {
    /// The environment's public key, plus the HMAC digest when the environment enables it.
    PublicKey { public_key: Option<&'q str>, hmac: Option<&'q str> },
    /// A connect session token (`connect_session_token=`), instead of public key and HMAC.
    SessionToken { token: &'q str },
}

/// One request to start a flow or store credentials.
#[derive(Debug, Clone)]
pub struct AccessRequest<'q> {
    pub caller: Caller<'q>,
    /// The integration key from the path, not yet parsed.
    pub integration: &'q str,
    pub connection_id: Option<&'q str>,
    pub params: &'q JsonMap,
    pub authorization_params: &'q JsonMap,
    /// The auth mode the route serves (OAUTH2 for connect, API_KEY or BASIC for the POSTs).
    pub auth_mode: AuthMode,
}

/// Everything the route needs once access is granted.
#[derive(Debug)]
pub struct Access<'s> {
    pub environment: Arc<Environment>,
    pub integration: Arc<Integration>,
    pub provider: &'s Provider,
    pub connection_id: ConnectionId,
    /// The connection configuration and authorization params to use: the request's, with a
    /// session's `integrations_config_defaults` applied.
    pub params: JsonMap,
    pub authorization_params: JsonMap,
    /// The connect session, when the caller used one.
    pub session: Option<ConnectSession>,
}

/// What a connect session leaves on the flows and connections it makes (SPEC §7); nothing
/// without a session.
impl Access<'_> {
    pub fn end_user(&self) -> Option<JsonMap> {
        self.session.as_ref().and_then(crate::sessions::end_user_of)
    }

    pub fn tags(&self) -> Option<JsonMap> {
        self.session.as_ref().map(|session| session.tags.clone())
    }

    pub fn webhook_url_override(&self) -> Option<String> {
        self.session.as_ref().and_then(|session| session.webhook_url_override.clone())
    }
}

/// A refusal, with the environment when it was identified (for CORS and flow records).
#[derive(Debug)]
pub struct Denied {
    pub error: ApiError,
    pub environment: Option<Arc<Environment>>,
}

impl From<ApiError> for Denied {
    fn from(error: ApiError) -> Self {
        Self { error, environment: None }
    }
}

/// Run every check in the order of SPEC §2 step 1; the first failure answers.
pub async fn check<'s>(state: &'s AppState, request: AccessRequest<'_>) -> Result<Access<'s>, Denied> {
    let (environment, session) = match request.caller {
        Caller::PublicKey { public_key, .. } => (environment_by_public_key(state, public_key).await?, None),
        Caller::SessionToken { token } => {
            let session =
                crate::sessions::lookup(state, token, crate::time::now()).await.map_err(ApiError::from)?;
            let environment = state
                .environments
                .by_id(state.store.as_ref(), session.environment_id)
                .await
                .map_err(ApiError::from)?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the session's environment is gone")))?;
            (environment, Some(session))
        }
    };
    match grant(state, &environment, session.as_ref(), request).await {
        Ok(granted) => Ok(Access {
            environment,
            integration: granted.integration,
            provider: granted.provider,
            connection_id: granted.connection_id,
            params: granted.params,
            authorization_params: granted.authorization_params,
            session,
        }),
        Err(error) => Err(Denied { error, environment: Some(environment) }),
    }
}

struct Granted<'s> {
    integration: Arc<Integration>,
    provider: &'s Provider,
    connection_id: ConnectionId,
    params: JsonMap,
    authorization_params: JsonMap,
}

/// The environment a public key names; the key found is compared again in constant time.
pub async fn environment_by_public_key(
    state: &AppState,
    public_key: Option<&str>,
) -> Result<Arc<Environment>, ApiError> {
    let public_key = public_key.filter(|key| !key.is_empty()).ok_or_else(|| {
        ApiError::new(ErrorCode::MissingPublicKey, "the `public_key` query parameter is missing")
    })?;
    let invalid = || ApiError::new(ErrorCode::InvalidPublicKey, "the public key is not valid");
    let environment =
        state.environments.by_public_key(state.store.as_ref(), public_key).await?.ok_or_else(invalid)?;
    if !constant_time_eq(&environment.public_key, public_key) {
        return Err(invalid());
    }
    Ok(environment)
}

async fn grant<'s>(
    state: &'s AppState,
    environment: &Environment,
    session: Option<&ConnectSession>,
    request: AccessRequest<'_>,
) -> Result<Granted<'s>, ApiError> {
    let key = IntegrationKey::parse(request.integration)
        .map_err(|_| ApiError::unknown_integration(request.integration))?;
    let integration = state
        .integrations
        .get(state.store.as_ref(), environment.id, &key)
        .await?
        .ok_or_else(|| ApiError::unknown_integration(key.as_str()))?;
    let provider = state
        .catalog
        .get(&integration.provider)
        .ok_or_else(|| ApiError::unknown_provider(&key, &integration.provider))?;
    if provider.auth_mode != request.auth_mode {
        return Err(ApiError::new(
            ErrorCode::UnsupportedAuthMode,
            format!(
                "integration `{key}` uses {}, this route serves {}",
                provider.auth_mode.as_str(),
                request.auth_mode.as_str()
            ),
        ));
    }
    let has_client_credentials = integration.client_id.as_deref().is_some_and(|id| !id.is_empty())
        && integration.client_secret.as_ref().is_some_and(|secret| !secret.expose().is_empty());
    if provider.auth_mode == AuthMode::OAuth2 && !has_client_credentials {
        return Err(ApiError::new(
            ErrorCode::MissingClientCredentials,
            format!("integration `{key}` has no client id and secret"),
        ));
    }
    let requested_id = request.connection_id.filter(|id| !id.is_empty());
    let (connection_id, params, authorization_params) = match session {
        None => {
            let raw = requested_id.ok_or_else(|| {
                ApiError::missing_connection_id("the `connection_id` query parameter is missing")
            })?;
            let connection_id = ConnectionId::parse(raw).map_err(ApiError::invalid_connection_id)?;
            if let Caller::PublicKey { hmac, .. } = request.caller {
                check_hmac(environment, &key, &connection_id, hmac)?;
            }
            (connection_id, request.params.clone(), request.authorization_params.clone())
        }
        Some(session) => {
            if requested_id.is_some() {
                return Err(ApiError::new(
                    ErrorCode::InvalidQueryParams,
                    "with a connect session the server picks the connection id: drop `connection_id`",
                ));
            }
            if !session.allowed_integrations.is_empty() && !session.allowed_integrations.contains(&key) {
                return Err(ApiError::new(
                    ErrorCode::IntegrationNotAllowed,
                    format!("integration `{key}` is not allowed for this connect session"),
                ));
            }
            let connection_id = match &session.connection_id {
                Some(pinned) => pinned.clone(),
                None => ConnectionId::parse(uuid::Uuid::new_v4().to_string())
                    .map_err(ApiError::invalid_connection_id)?,
            };
            let (params, authorization_params) =
                with_session_defaults(session, &key, request.params, request.authorization_params);
            (connection_id, params, authorization_params)
        }
    };
    let allowed_hosts = AllowedHosts::of(key.as_str(), &integration.allowed_hosts);
    validate_connection_config(provider, &params, &allowed_hosts)
        .map_err(|error| ApiError::invalid_connection_config(error.to_string()))?;
    Ok(Granted { integration, provider, connection_id, params, authorization_params })
}

/// SPEC §7: the session's `integrations_config_defaults[key]` win: `authorization_params`
/// replace the request's, `connection_config` merges over its params, `user_scopes` sets the
/// user scope.
fn with_session_defaults(
    session: &ConnectSession,
    key: &IntegrationKey,
    params: &JsonMap,
    authorization_params: &JsonMap,
) -> (JsonMap, JsonMap) {
    let mut params = params.clone();
    let mut authorization_params = authorization_params.clone();
    let Some(defaults) =
        session.integrations_config_defaults.get(key.as_str()).and_then(|value| value.as_object())
    else {
        return (params, authorization_params);
    };
    if let Some(config) = defaults.get("connection_config").and_then(|value| value.as_object()) {
        crate::json::shallow_merge(&mut params, config);
    }
    if let Some(replacement) = defaults.get("authorization_params").and_then(|value| value.as_object()) {
        authorization_params = replacement.clone();
    }
    if let Some(user_scopes) = defaults.get("user_scopes").filter(|value| value.is_string()) {
        authorization_params.insert("user_scope".into(), user_scopes.clone());
    }
    (params, authorization_params)
}

/// SPEC §3: when enabled, the digest must be present and right (constant-time comparison).
fn check_hmac(
    environment: &Environment,
    integration: &IntegrationKey,
    connection_id: &ConnectionId,
    digest: Option<&str>,
) -> Result<(), ApiError> {
    if !environment.settings.hmac_enabled {
        return Ok(());
    }
    let digest = digest.filter(|digest| !digest.is_empty()).ok_or_else(|| {
        ApiError::new(ErrorCode::MissingHmac, "HMAC is enabled: the `hmac` query parameter is missing")
    })?;
    let valid =
        environment.settings.hmac_key.as_ref().is_some_and(|key| {
            verify_connect_digest(key, integration.as_str(), connection_id.as_str(), digest)
        });
    if valid {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidHmac,
            "the HMAC digest does not match this integration and connection id",
        ))
    }
}
