//! `GET /oauth/callback`: consume the flow's state, exchange the code, save the connection,
//! record the outcome and answer the result page (SPEC §2).
//!
//! The flow record is consumed first, even when the provider reports an error, so a state is
//! never usable twice. Without a known state there is no origin to post to: the page then
//! only tells the user, and the SDK learns the outcome from the flow record (an expired
//! pending flow reads as `state_invalid`).

use super::result_page::{Reply, ResultPage};
use crate::connections::token::{self, TokenError};
use crate::connections::{self, NewConnection};
use crate::credentials::Credentials;
use crate::error::{ApiError, ErrorCode};
use crate::flows;
use crate::json::JsonMap;
use crate::state::AppState;
use crate::store::{ConnectionKey, ConsumedFlow, Environment, FlowOutcome, Integration};
use crate::webhooks::{self, AuthEvent, AuthOperation};
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// Longest provider-supplied text we repeat in a message.
const MAX_PROVIDER_TEXT: usize = 300;

#[utoipa::path(
    get,
    path = "/oauth/callback",
    tag = "oauth",
    summary = "The provider's redirect back: exchange the code, save the connection",
    params(
        ("state" = String, Query, description = "The flow's state"),
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("error" = Option<String>, Query, description = "The provider's refusal"),
        ("error_description" = Option<String>, Query),
    ),
    responses(
        (status = 200, description = "The result page, reporting success", content_type = "text/html", body = String),
        (status = 303, description = "Redirect mode: back to the flow's `return_to` with the outcome in the query", headers(("Location" = String))),
        (status = "4XX", description = "The result page, reporting the error", content_type = "text/html", body = String),
        (status = "5XX", description = "The result page, reporting the error", content_type = "text/html", body = String),
    )
)]
pub async fn get_callback(State(state): State<AppState>, RawQuery(raw_query): RawQuery) -> Response {
    let now = crate::time::now();
    let query = CallbackQuery::parse(raw_query.as_deref());
    let flow = match query.get("state") {
        Some(flow_state) => match flows::consume(state.store.as_ref(), flow_state, now).await {
            Ok(flow) => flow,
            Err(error) => return bare_page(ApiError::internal(error)),
        },
        None => None,
    };
    let Some(flow) = flow else {
        return bare_page(ApiError::new(
            ErrorCode::StateInvalid,
            "this sign-in link is unknown, was already used or has expired; start again",
        ));
    };
    let key = ConnectionKey {
        environment_id: flow.environment_id,
        integration_key: flow.integration_key.clone(),
        connection_id: flow.connection_id.clone(),
    };
    let outcome = match finish(&state, &flow, &key, &query, now).await {
        Ok(()) => {
            let outcome = FlowOutcome::Success {
                integration_key: flow.integration_key.clone(),
                connection_id: flow.connection_id.clone(),
            };
            // Recorded with the connection (`finishes_flow` below).
            flows::finished(state.store.as_ref(), &state.flow_watch, &flow, &outcome).await;
            outcome
        }
        Err(error) => {
            error.log();
            let outcome = FlowOutcome::Error(error.to_flow_error());
            flows::finish(state.store.as_ref(), &state.flow_watch, &flow, &outcome, now).await;
            outcome
        }
    };
    ResultPage { flow: Some(&flow.flow_id), reply: flow_reply(&flow), outcome: &outcome }.into_response()
}

/// A flow started with an origin posts to it; one in redirect mode goes back to its
/// `return_to` (SPEC §10); one started for a WebSocket has neither.
fn flow_reply(flow: &ConsumedFlow) -> Reply<'_> {
    match (&flow.return_to, &flow.origin) {
        (Some(return_to), _) => Reply::Redirect(return_to),
        (None, Some(origin)) => Reply::Opener(origin),
        (None, None) => Reply::Socket,
    }
}

/// The steps after the state is consumed. A failure after the integration is known is also
/// reported by an auth webhook (a failed creation); success reports through `save_new`.
async fn finish(
    state: &AppState,
    flow: &ConsumedFlow,
    key: &ConnectionKey,
    query: &CallbackQuery,
    now: i64,
) -> Result<(), ApiError> {
    let environment = state
        .environments
        .by_id(state.store.as_ref(), flow.environment_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the flow's environment is gone")))?;
    let integration = state
        .integrations
        .get(state.store.as_ref(), flow.environment_id, &flow.integration_key)
        .await?
        .ok_or_else(|| ApiError::unknown_integration(flow.integration_key.as_str()))?;
    let result = exchange_and_save(state, &environment, &integration, flow, key, query, now).await;
    if let Err(error) = &result {
        let mut event =
            AuthEvent::failure(AuthOperation::Creation, key, &integration.provider, error.to_flow_error());
        event.webhook_url_override = flow.webhook_url_override.clone();
        // Durable before the result page answers: the outbox row is written now.
        if let Err(store_error) = webhooks::enqueue_auth(state, &environment, event).await {
            tracing::error!(error = %store_error, "could not write the failed flow's auth webhook");
        }
    }
    result
}

async fn exchange_and_save(
    state: &AppState,
    environment: &Environment,
    integration: &Integration,
    flow: &ConsumedFlow,
    key: &ConnectionKey,
    query: &CallbackQuery,
    now: i64,
) -> Result<(), ApiError> {
    if let Some(error) = query.get("error") {
        let description =
            query.get("error_description").map(|d| format!(": {}", clip(d))).unwrap_or_default();
        return Err(ApiError::new(
            ErrorCode::ProviderDenied,
            format!("the provider did not grant access ({}){description}", clip(error)),
        ));
    }
    let code = query
        .get("code")
        .ok_or_else(|| ApiError::invalid_request("the provider sent no authorization code"))?;
    let provider = state
        .catalog
        .get(&integration.provider)
        .ok_or_else(|| ApiError::unknown_provider(&integration.unique_key, &integration.provider))?;

    // Values the provider adds to the callback query (e.g. `realmId`) travel through the user's
    // browser, so they get the same host-safety checks as the caller's params before use.
    let mut callback_values = JsonMap::new();
    for name in &provider.redirect_uri_metadata {
        if let Some(value) = query.get(name) {
            callback_values.insert(name.clone(), Value::String(value.to_string()));
        }
    }
    let mut connection_config: JsonMap = flow.params.clone();
    connection_config.extend(callback_values.clone());
    let allowed_hosts =
        crate::catalog::hosts::AllowedHosts::of(integration.unique_key.as_str(), &integration.allowed_hosts);
    crate::catalog::params::validate_callback_values(
        provider,
        &callback_values,
        &connection_config,
        &allowed_hosts,
    )
    .map_err(|error| ApiError::invalid_connection_config(error.to_string()))?;

    let verifier = flows::open_verifier(&state.cipher, flow).map_err(ApiError::internal)?;
    let exchange =
        token::CodeExchange { code, redirect_uri: &flow.redirect_uri, code_verifier: verifier.as_ref() };
    let token_set =
        token::exchange_code(&state.http, provider, integration, &connection_config, &exchange, now)
            .await
            .map_err(exchange_error)?;
    for name in &provider.token_response_metadata {
        if let Some(value) = token::lookup_path(token_set.raw.expose(), name) {
            connection_config.insert(name.clone(), value.clone());
        }
    }
    let credentials: Credentials = token_set.into_credentials(None);
    let new = NewConnection {
        key: key.clone(),
        provider: integration.provider.clone(),
        connection_config,
        credentials,
        end_user: flow.end_user.clone(),
        tags: flow.tags.clone(),
        webhook_url_override: flow.webhook_url_override.clone(),
        metadata: None,
        // Its success is recorded in the connection's transaction (`flows::finished`).
        finishes_flow: Some(flow.flow_id.clone()),
    };
    connections::save_new(state, environment, new, now).await?;
    Ok(())
}

/// Every token failure is `token_exchange_failed`; the message says which, without secrets.
fn exchange_error(error: TokenError) -> ApiError {
    let message = match &error {
        TokenError::Rejected { code, description } => format!(
            "the provider refused the authorization code ({code}){}",
            description.as_deref().map(|d| format!(": {}", clip(d))).unwrap_or_default()
        ),
        TokenError::Network(_) => "the provider's token endpoint could not be reached".to_string(),
        TokenError::Malformed { .. } => {
            "the provider's token endpoint answered something unexpected".to_string()
        }
        TokenError::Configuration(_) => "the provider's catalog entry cannot exchange the code".to_string(),
        TokenError::Refused(_) => {
            "the provider's token endpoint is not allowed by the outbound policy (NANGO_OUTBOUND_ALLOW)"
                .to_string()
        }
    };
    ApiError::new(ErrorCode::TokenExchangeFailed, message).with_cause(error)
}

/// The callback's query: for a repeated key the last value wins; empty values count as absent.
struct CallbackQuery(Vec<(String, String)>);

impl CallbackQuery {
    fn parse(raw_query: Option<&str>) -> Self {
        Self(url::form_urlencoded::parse(raw_query.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

/// A result page for a callback without a usable flow: nothing to post to, nothing to record.
fn bare_page(error: ApiError) -> Response {
    error.log();
    let outcome = FlowOutcome::Error(error.to_flow_error());
    ResultPage::unaddressed(&outcome).into_response()
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_PROVIDER_TEXT).collect()
}
