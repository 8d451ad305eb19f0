//! "Who may start this flow": the one check shared by `/oauth/connect` and the credential
//! POSTs (SPEC §2 step 1, §3). Public key → environment, integration and provider, client
//! credentials, connection id, HMAC, declared params.
//!
//! The caller is an enum so a later mode (SPEC §7: connect session tokens) joins as a second
//! variant of `Caller` without touching the routes.

use crate::catalog::params::validate_connection_config;
use crate::catalog::{AuthMode, Provider};
use crate::crypto::hmac::{constant_time_eq, verify_connect_digest};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{ConnectionId, IntegrationKey};
use crate::state::AppState;
use crate::store::{Environment, Integration, JsonMap};

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'q> {
    /// The environment's public key, plus the HMAC digest when the environment enables it.
    PublicKey { public_key: Option<&'q str>, hmac: Option<&'q str> },
}

/// One request to start a flow or store credentials.
#[derive(Debug, Clone)]
pub struct AccessRequest<'q> {
    pub caller: Caller<'q>,
    /// The integration key from the path, not yet parsed.
    pub integration: &'q str,
    pub connection_id: Option<&'q str>,
    pub params: &'q JsonMap,
    /// The auth mode the route serves (OAUTH2 for connect, API_KEY or BASIC for the POSTs).
    pub auth_mode: AuthMode,
}

/// Everything the route needs once access is granted.
#[derive(Debug)]
pub struct Access<'s> {
    pub environment: Environment,
    pub integration: Integration,
    pub provider: &'s Provider,
    pub connection_id: ConnectionId,
}

/// A refusal, with the environment when it was identified (for CORS and flow records).
#[derive(Debug)]
pub struct Denied {
    pub error: ApiError,
    pub environment: Option<Environment>,
}

impl From<ApiError> for Denied {
    fn from(error: ApiError) -> Self {
        Self { error, environment: None }
    }
}

/// Run every check in the order of SPEC §2 step 1; the first failure answers.
pub async fn check<'s>(state: &'s AppState, request: AccessRequest<'_>) -> Result<Access<'s>, Denied> {
    let environment = match request.caller {
        Caller::PublicKey { public_key, .. } => environment_by_public_key(state, public_key).await?,
    };
    match grant(state, &environment, request).await {
        Ok((integration, provider, connection_id)) => {
            Ok(Access { environment, integration, provider, connection_id })
        }
        Err(error) => Err(Denied { error, environment: Some(environment) }),
    }
}

/// The environment a public key names; the key found is compared again in constant time.
pub async fn environment_by_public_key(
    state: &AppState,
    public_key: Option<&str>,
) -> Result<Environment, ApiError> {
    let public_key = public_key.filter(|key| !key.is_empty()).ok_or_else(|| {
        ApiError::new(ErrorCode::MissingPublicKey, "the `public_key` query parameter is missing")
    })?;
    let invalid = || ApiError::new(ErrorCode::InvalidPublicKey, "the public key is not valid");
    let environment = state.store.environment_by_public_key(public_key).await?.ok_or_else(invalid)?;
    if !constant_time_eq(&environment.public_key, public_key) {
        return Err(invalid());
    }
    Ok(environment)
}

async fn grant<'s>(
    state: &'s AppState,
    environment: &Environment,
    request: AccessRequest<'_>,
) -> Result<(Integration, &'s Provider, ConnectionId), ApiError> {
    let key = IntegrationKey::parse(request.integration)
        .map_err(|_| ApiError::unknown_integration(request.integration))?;
    let integration = state
        .store
        .get_integration(environment.id, &key)
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
    let connection_id = match request.connection_id.filter(|id| !id.is_empty()) {
        None => {
            return Err(ApiError::new(
                ErrorCode::MissingConnectionId,
                "the `connection_id` query parameter is missing",
            ))
        }
        Some(raw) => ConnectionId::parse(raw).map_err(ApiError::invalid_connection_id)?,
    };
    match request.caller {
        Caller::PublicKey { hmac, .. } => check_hmac(environment, &key, &connection_id, hmac)?,
    }
    validate_connection_config(provider, request.params)
        .map_err(|error| ApiError::invalid_connection_config(error.to_string()))?;
    Ok((integration, provider, connection_id))
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
