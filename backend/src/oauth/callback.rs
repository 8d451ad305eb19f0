//! `GET /oauth/callback`: consume the flow's state, exchange the code, store the connection,
//! record the outcome, send the auth webhook and answer the result page (SPEC §2).
//!
//! The flow record is consumed first, even when the provider reports an error, so a state is
//! never usable twice. Without a known state there is no origin to post to: the page then
//! only tells the user, and the SDK learns the outcome from the flow record (an expired
//! pending flow reads as `state_invalid`).

use super::result_page::{PageOutcome, ResultPage};
use super::token::{self, TokenError};
use crate::credentials::{aad_for, Credentials};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::store::{ConnectionKey, ConsumedFlow, FlowOutcome, JsonMap, UpsertConnection, UpsertOutcome};
use crate::webhooks::{self, AuthEvent};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

/// Longest provider-supplied text we repeat in a message.
const MAX_PROVIDER_TEXT: usize = 300;

pub async fn get_callback(State(state): State<AppState>, RawQuery(raw_query): RawQuery) -> Response {
    let now = crate::time::now();
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(raw_query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let get = |key: &str| query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());

    let flow = match get("state").filter(|s| !s.is_empty()) {
        Some(flow_state) => match state.store.consume_flow(flow_state, now).await {
            Ok(flow) => flow,
            Err(error) => return bare_page(ApiError::internal(error)),
        },
        None => None,
    };
    let Some(flow) = flow else {
        return bare_page(ApiError::bad_request(
            ErrorCode::StateInvalid,
            "this sign-in link is unknown, was already used or has expired; start again",
        ));
    };

    let outcome = finish(&state, &flow, &query, now).await;
    let (flow_outcome, page_outcome, status, event) = match outcome {
        Ok((upsert_outcome, provider)) => {
            let integration_key = flow.integration_key.to_string();
            let connection_id = flow.connection_id.to_string();
            let operation = match upsert_outcome {
                UpsertOutcome::Created => "creation",
                UpsertOutcome::Overridden => "override",
            };
            (
                FlowOutcome::Success {
                    integration_key: integration_key.clone(),
                    connection_id: connection_id.clone(),
                },
                PageOutcome::Success { provider_config_key: integration_key, connection_id },
                StatusCode::OK,
                event(&flow, operation, provider, None),
            )
        }
        Err((error, provider)) => {
            error.log();
            let code = error.code().as_str();
            let message = error.message().to_string();
            (
                FlowOutcome::Error { code: code.to_string(), message: message.clone() },
                PageOutcome::Error { code, message: message.clone() },
                error.status(),
                // A failed attempt is reported as a failed creation.
                event(&flow, "creation", provider, Some((code.to_string(), message))),
            )
        }
    };
    if let Err(error) = state.store.finish_flow(&flow.flow_id, &flow_outcome, now).await {
        tracing::error!(%error, "could not record the flow outcome");
    }
    match state.store.environment_by_id(flow.environment_id).await {
        Ok(Some(environment)) => webhooks::send_auth(&state, &environment, event),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "no auth webhook: cannot load the environment"),
    }
    ResultPage { flow: Some(&flow.flow_id), origin: Some(&flow.origin), outcome: page_outcome }
        .into_response_with(status)
}

/// The steps after the state is consumed. On error, returns the provider name when known
/// (for the webhook).
async fn finish(
    state: &AppState,
    flow: &ConsumedFlow,
    query: &[(String, String)],
    now: i64,
) -> Result<(UpsertOutcome, String), (ApiError, String)> {
    let get = |key: &str| query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let integration = state
        .store
        .get_integration(flow.environment_id, &flow.integration_key)
        .await
        .map_err(|error| (ApiError::internal(error), String::new()))?
        .ok_or_else(|| (ApiError::unknown_integration(flow.integration_key.as_str()), String::new()))?;
    let provider_name = integration.provider.clone();
    let fail = |error: ApiError| (error, provider_name.clone());

    if let Some(error) = get("error").filter(|e| !e.is_empty()) {
        let description = get("error_description").map(|d| format!(": {}", clip(d))).unwrap_or_default();
        return Err(fail(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::ProviderDenied,
            format!("the provider did not grant access ({}){description}", clip(error)),
        )));
    }
    let code = get("code").filter(|c| !c.is_empty()).ok_or_else(|| {
        fail(ApiError::bad_request(ErrorCode::InvalidRequest, "the provider sent no authorization code"))
    })?;
    let provider = state.catalog.get(&integration.provider).ok_or_else(|| {
        fail(ApiError::bad_request(
            ErrorCode::UnknownProvider,
            "the integration's provider is not in the catalog",
        ))
    })?;

    // Values the provider adds to the callback query (e.g. `realmId`) travel through the user's
    // browser, so they get the same host-safety checks as the caller's params before use.
    let mut callback_values = JsonMap::new();
    for key in &provider.redirect_uri_metadata {
        if let Some(value) = get(key) {
            callback_values.insert(key.clone(), Value::String(value.to_string()));
        }
    }
    crate::catalog::params::validate_callback_values(provider, &callback_values).map_err(|error| {
        fail(ApiError::bad_request(ErrorCode::InvalidConnectionConfig, error.to_string()))
    })?;
    let mut connection_config: JsonMap = flow.params.clone();
    connection_config.extend(callback_values);

    let token_set = token::exchange_code(
        &state.http,
        provider,
        &integration,
        &connection_config,
        code,
        &flow.redirect_uri,
        flow.pkce_verifier.as_ref(),
        now,
    )
    .await
    .map_err(|error| fail(exchange_error(error)))?;

    for key in &provider.token_response_metadata {
        if let Some(value) = token::lookup_path(token_set.raw.expose(), key) {
            connection_config.insert(key.clone(), value.clone());
        }
    }

    let credentials: Credentials = token_set.into_credentials(None);
    let aad = aad_for(flow.environment_id, flow.integration_key.as_str(), flow.connection_id.as_str());
    let sealed = credentials.seal(&state.cipher, &aad).map_err(|error| fail(ApiError::internal(error)))?;
    let upsert = UpsertConnection {
        key: ConnectionKey {
            environment_id: flow.environment_id,
            integration_key: flow.integration_key.clone(),
            connection_id: flow.connection_id.clone(),
        },
        provider: provider_name.clone(),
        connection_config,
        sealed_credentials: sealed,
        now,
    };
    let (_, outcome) =
        state.store.upsert_connection(&upsert).await.map_err(|error| fail(ApiError::internal(error)))?;
    Ok((outcome, provider_name))
}

/// The three token failures as one code; the message says which, without secrets.
fn exchange_error(error: TokenError) -> ApiError {
    let message = match &error {
        TokenError::Rejected { error, description } => format!(
            "the provider refused the authorization code ({}){}",
            clip(error),
            description.as_deref().map(|d| format!(": {}", clip(d))).unwrap_or_default()
        ),
        TokenError::Network(_) => "the provider's token endpoint could not be reached".to_string(),
        TokenError::Malformed(_) => "the provider's token endpoint answered something unexpected".to_string(),
    };
    ApiError::new(StatusCode::BAD_GATEWAY, ErrorCode::TokenExchangeFailed, message).with_cause(error)
}

fn event(
    flow: &ConsumedFlow,
    operation: &'static str,
    provider: String,
    error: Option<(String, String)>,
) -> AuthEvent {
    AuthEvent {
        operation,
        success: error.is_none(),
        connection_id: flow.connection_id.to_string(),
        provider_config_key: flow.integration_key.to_string(),
        provider,
        error,
    }
}

/// A result page for a callback without a usable flow: nothing to post to, nothing to record.
fn bare_page(error: ApiError) -> Response {
    error.log();
    let status = error.status();
    ResultPage { flow: None, origin: None, outcome: PageOutcome::from_error(&error) }
        .into_response_with(status)
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_PROVIDER_TEXT).collect()
}
