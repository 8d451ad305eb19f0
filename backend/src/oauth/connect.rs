//! `GET /oauth/connect/{integration}`: check who may start the flow, store the flow record,
//! and send the browser to the provider (SPEC §2).
//!
//! Errors before the flow exists answer the result page (so the popup posts the error to its
//! opener) with the error's HTTP status (4xx/5xx; the SDK only reads the message), and are
//! recorded on the SDK's flow id when it is well-formed, so `GET /oauth/flows/{flow}` reports
//! them too. A missing `flow` is allowed (older clients): the server picks one, nobody polls it.
//! With `ws_client_id` (SPEC §8, `@nangohq/frontend`) that id is the flow id, no origin is
//! needed, and the outcome goes to the WebSocket holding it: the result page posts nothing.
//! The `flow started` line is logged once the record is stored; an error before that logs
//! `flow ended` at once (`flows::logging`).

use super::access::{self, Denied};
use super::authorize_url::{self, AuthorizeRequest};
use super::query::BrowserQuery;
use super::result_page::{Reply, ResultPage};
use crate::catalog::AuthMode;
use crate::crypto::pkce::PkceVerifier;
use crate::crypto::random;
use crate::error::{ApiError, ErrorCode};
use crate::flows::{self, StartError};
use crate::ids::parse_origin;
use crate::ids::{FlowId, IntegrationKey};
use crate::state::AppState;
use crate::store::{FlowOutcome, NewFlow};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

#[utoipa::path(
    get,
    path = "/oauth/connect/{integration}",
    tag = "oauth",
    summary = "Start an OAuth flow (the popup's first page)",
    description = "Checks who may start the flow, stores it and redirects to the provider. An error \
        answers the result page (HTML that posts the error to the opener), with the error's status.",
    security(("publicKey" = []), ("connectSessionTokenQuery" = [])),
    params(
        ("integration" = String, Path, description = "The integration's unique key"),
        crate::schemas::params::BrowserQueryParams,
    ),
    responses(
        (status = 302, description = "To the provider's authorization URL", headers(("Location" = String))),
        (status = 303, description = "Redirect mode: an error, back to `return_to` with `success=false&error=..`", headers(("Location" = String))),
        (status = "4XX", description = "The result page, reporting the error", content_type = "text/html", body = String),
        (status = "5XX", description = "The result page, reporting the error", content_type = "text/html", body = String),
    )
)]
pub async fn get_connect(
    State(state): State<AppState>,
    // A path that does not decode (`/oauth/connect/%FF`) still answers the popup page.
    integration: Result<crate::extract::Path<String>, ApiError>,
    RawQuery(raw_query): RawQuery,
) -> Response {
    let now = crate::time::now();
    let began = std::time::Instant::now();
    let query = BrowserQuery::parse(raw_query.as_deref());
    let socket = query.ws_client_id.is_some();
    let flow = match query.ws_client_id.as_deref().or(query.flow.as_deref()) {
        None => FlowId::parse(random::token(24)).ok(),
        Some(raw) => FlowId::parse(raw).ok(),
    };
    let origin = query.origin.as_deref().and_then(parse_origin);
    let return_to = query.return_to.as_deref().filter(|raw| !raw.is_empty());
    let reply = match (socket, return_to) {
        (true, _) => Reply::Socket,
        (false, Some(return_to)) => Reply::Redirect(return_to),
        (false, None) => Reply::opener(origin.as_deref()),
    };
    let integration_key =
        integration.as_ref().ok().and_then(|path| IntegrationKey::parse(path.0.as_str()).ok());
    let started = match integration {
        Ok(crate::extract::Path(integration)) => {
            start(&state, &integration, &query, flow.as_ref(), reply, now).await
        }
        Err(error) => Err(Denied::from(error)),
    };
    match started {
        Ok(location) => redirect(&location),
        Err(Denied { error, environment }) => {
            error.log();
            let failure = error.to_flow_error();
            if let Some(flow) = &flow {
                let environment_id = environment.as_ref().map(|environment| environment.id);
                let lifetime = state.config.flow_ttl_seconds;
                flows::fail_before_start(
                    state.store.as_ref(),
                    &state.flow_watch,
                    flow,
                    environment_id,
                    &failure,
                    now,
                    lifetime,
                )
                .await;
            }
            // Redirect mode goes back only to a `return_to` the environment allows; otherwise
            // the page says why and the browser stays here.
            let allowed_return_to = return_to.zip(environment.as_ref()).and_then(|(raw, environment)| {
                super::origins::check_return_to(&state, &environment.settings, raw).ok().map(String::from)
            });
            // A refused origin is told nothing, not even the refusal.
            let reply = match reply {
                Reply::Opener(_) if failure.code == ErrorCode::InvalidOrigin => Reply::Nobody,
                Reply::Redirect(_) => allowed_return_to.as_deref().map_or(Reply::Nobody, Reply::Redirect),
                reply => reply,
            };
            let outcome = FlowOutcome::Error(failure);
            let duration_ms = i64::try_from(began.elapsed().as_millis()).unwrap_or(i64::MAX);
            flows::logging::ended(integration_key.as_ref(), None, flow.as_ref(), &outcome, duration_ms);
            ResultPage { flow: flow.as_ref(), reply, outcome: &outcome }.into_response()
        }
    }
}

/// Everything up to the redirect; returns the authorization URL.
async fn start(
    state: &AppState,
    integration: &str,
    query: &BrowserQuery,
    flow: Option<&FlowId>,
    reply: Reply<'_>,
    now: i64,
) -> Result<String, Denied> {
    let flow = flow.ok_or_else(|| ApiError::new(ErrorCode::InvalidFlowId, FlowId::RULE))?;
    // A WebSocket result socket checks the origin of its own request (`oauth/socket.rs`).
    let (origin, return_to) = match reply {
        Reply::Opener(origin) => (Some(origin), None),
        Reply::Socket => (None, None),
        Reply::Redirect(return_to) => (None, Some(return_to)),
        Reply::Nobody => {
            return Err(ApiError::invalid_origin(
                "`origin` must be the opener's origin: an absolute http(s) scheme://host[:port]",
            )
            .into())
        }
    };
    let access = access::check(state, query.access_request(integration, AuthMode::OAuth2)).await?;
    let environment_id = access.environment.id;
    let deny = |error: ApiError| Denied { error, environment: Some(access.environment.clone()) };
    // SPEC §13 "Origins": the result page posts to `origin`, so it must be one the app allows.
    let settings = &access.environment.settings;
    if origin.is_some_and(|origin| !super::origins::allows_origin(state, settings, origin)) {
        return Err(deny(ApiError::invalid_origin(
            "this origin is not in the environment's allowed origins",
        )));
    }
    // SPEC §10: the same for redirect mode's `return_to`, which an empty list refuses.
    let return_to = return_to
        .map(|raw| super::origins::check_return_to(state, settings, raw))
        .transpose()
        .map_err(deny)?;

    if let Some(key) = authorize_url::reserved_key(&access.authorization_params) {
        return Err(deny(ApiError::new(
            ErrorCode::InvalidAuthorizationParams,
            format!("authorization_params may not set `{key}`"),
        )));
    }
    let verifier = (!access.provider.disable_pkce).then(PkceVerifier::generate);
    let challenge = verifier.as_ref().map(PkceVerifier::challenge);
    let started_at_ms = crate::time::now_ms();
    let flow_state = random::state(started_at_ms);
    let redirect_uri = access
        .environment
        .settings
        .callback_url
        .clone()
        .unwrap_or_else(|| state.config.default_callback_url());
    let url = authorize_url::build(&AuthorizeRequest {
        provider: access.provider,
        client_id: access.integration.client_id.as_deref().unwrap_or_default(),
        scopes: &access.integration.scopes,
        connection_config: &access.params,
        redirect_uri: &redirect_uri,
        state: &flow_state,
        code_challenge: challenge.as_deref(),
        authorization_params: &access.authorization_params,
    })
    .map_err(|error| deny(ApiError::invalid_connection_config(error.to_string())))?;
    // An entry whose authorize host comes from the caller's params (the catalog warns about
    // it at load) gets the outbound policy on that host: no private or metadata address.
    let caller_chosen_host = !crate::catalog::params::open_authorize_host_keys(access.provider).is_empty();
    if caller_chosen_host {
        if let Err(refused) = state.http.check_url(&url) {
            return Err(deny(ApiError::invalid_connection_config(refused.to_string())));
        }
    }

    let sealed_pkce_verifier = verifier
        .map(PkceVerifier::into_secret)
        .map(|verifier| flows::seal_verifier(&state.cipher, flow, &verifier))
        .transpose()
        .map_err(|error| deny(ApiError::internal(error)))?;
    let new_flow = NewFlow {
        flow_id: flow.clone(),
        state_hash: flows::state_hash(&flow_state),
        environment_id,
        integration_key: access.integration.unique_key.clone(),
        connection_id: access.connection_id.clone(),
        sealed_pkce_verifier,
        params: access.params.clone(),
        authorization_params: access.authorization_params.clone(),
        origin: origin.map(str::to_string),
        return_to: return_to.map(String::from),
        redirect_uri,
        end_user: access.end_user(),
        tags: access.tags(),
        webhook_url_override: access.webhook_url_override(),
        created_at: now,
        started_at_ms,
        expires_at: now + state.config.flow_ttl_seconds,
    };
    match flows::start(state.store.as_ref(), &new_flow, state.config.max_pending_flows).await {
        Ok(()) => {
            flows::logging::started(&new_flow.integration_key, &new_flow.connection_id, flow);
            Ok(url.into())
        }
        Err(error @ StartError::TooManyPending) => {
            Err(deny(ApiError::new(ErrorCode::TooManyPendingFlows, error.to_string())))
        }
        Err(error @ StartError::FlowIdTaken) => {
            Err(deny(ApiError::new(ErrorCode::InvalidFlowId, error.to_string())))
        }
        Err(StartError::Store(error)) => Err(deny(ApiError::internal(error))),
    }
}

/// 302 to the provider. Not cached; no referrer leaks this page's query to the provider.
fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (
            StatusCode::FOUND,
            [
                (header::LOCATION, value),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            ],
        )
            .into_response(),
        Err(error) => ApiError::internal(error).into_response(),
    }
}
