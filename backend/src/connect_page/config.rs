//! `GET /connect/config`: what the hosted connect page shows for the bearer's connect session
//! (SPEC §10): its allowed integrations with their names, logos, auth modes and the
//! connection-config fields a person fills in (`catalog::fields`, the same list the demo page
//! gets), and when the session ends. With `?origin=` (the parent frame's origin inside Connect
//! UI) the origin must be one the environment allows (SPEC §13 "Origins").

use crate::error::ApiError;
use crate::extract::{QueryParams, SessionToken};
use crate::ids::parse_origin;
use crate::integrations;
use crate::state::AppState;
use crate::store::ConnectSession;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

#[utoipa::path(
    get,
    path = "/connect/config",
    tag = "connect sessions",
    summary = "What the hosted connect page shows for the bearer's connect session",
    description = "The session's allowed integrations (a reconnect session: its one integration), each \
        with its provider's display name, logo, auth mode and the connection-config fields a person \
        fills in (those the session's `integrations_config_defaults` set are left out).",
    security(("connectSessionToken" = [])),
    params(("origin" = Option<String>, Query, description = "The embedding page's origin; must be allowed")),
    responses(
        (status = 200, description = "The page's data", body = crate::schemas::sessions::ConnectPageConfig),
        crate::schemas::errors::ConnectPageErrors,
    )
)]
pub async fn get_config(
    State(state): State<AppState>,
    SessionToken(session): SessionToken,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(&["origin"])?;
    if let Some(raw) = query.get(&["origin"]) {
        let environment = state
            .store
            .environment_by_id(session.environment_id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the session's environment is gone")))?;
        let allowed = parse_origin(raw).is_some_and(|origin| environment.settings.allows_origin(&origin));
        if !allowed {
            return Err(ApiError::invalid_origin(
                "the page embedding the connect page is not in the environment's allowed origins",
            ));
        }
    }
    let listed = integrations::list(&state, session.environment_id, &session.allowed_integrations).await?;
    let data: Vec<Value> = listed
        .iter()
        .filter(|integration| {
            session.reconnect_integration.as_ref().is_none_or(|key| *key == integration.unique_key)
        })
        .map(|integration| {
            let provider = state.catalog.get(&integration.provider);
            let preset = preset_keys(&session, integration.unique_key.as_str());
            let fields: Vec<Value> = provider
                .map(crate::catalog::fields::declared_fields)
                .unwrap_or_default()
                .into_iter()
                .filter(|field| !field["key"].as_str().is_some_and(|key| preset.contains(&key)))
                .collect();
            json!({
                "unique_key": integration.unique_key,
                "provider": integration.provider,
                "display_name": integrations::display_name(&state.catalog, integration),
                "logo": provider.and_then(|provider| provider.logo_url.clone()),
                "auth_mode": provider.map(|provider| provider.auth_mode.as_str()),
                "fields": fields,
            })
        })
        .collect();
    Ok(Json(json!({
        "integrations": data,
        "end_user": session.end_user,
        "reconnect": session.reconnect_integration.is_some(),
        "expires_at": crate::time::rfc3339(session.expires_at)?,
    })))
}

/// The connection-config keys the session's `integrations_config_defaults` set for
/// `integration`: the server merges them in (SPEC §7), so the page does not ask.
fn preset_keys<'s>(session: &'s ConnectSession, integration: &str) -> Vec<&'s str> {
    session
        .integrations_config_defaults
        .get(integration)
        .and_then(|defaults| defaults.get("connection_config"))
        .and_then(Value::as_object)
        .map(|config| config.keys().map(String::as_str).collect())
        .unwrap_or_default()
}
