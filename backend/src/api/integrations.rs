//! `/integrations`: list, create, read, update and delete the configured apps (SPEC §5, §9),
//! answering as Nango does: `{data: ...}` (create: 200), deletes `{success: true}`, unknown →
//! 404 `not_found`, bad bodies and queries → 400 `invalid_body` / `invalid_query_params` with
//! `errors: [{code, message, path}]`. The rules are in `integrations`; this is the wire.
//!
//! The list and a read also accept a connect session token (SPEC §7): the session's allowed
//! integrations, without credentials or our operator fields.

use crate::catalog::AuthMode;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{parse_integration_key, ApiCaller, AuthedEnvironment, Json, Path, QueryParams};
use crate::integrations::{self, request, Purpose};
use crate::state::AppState;
use crate::store::Integration;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/integrations", get(list_integrations).post(create_integration)).route(
        "/integrations/{key}",
        get(get_integration).patch(patch_integration).delete(delete_integration).post(post_to_integration),
    )
}

/// What Nango's Cloud offers at `POST /integrations/quickstart` and we do not.
const QUICKSTART: &str = "quickstart";
const NO_QUICKSTART: &str = "quickstart integrations use Nango Cloud's shared developer apps, which \
     this server does not offer: create the integration with your own OAuth app's client credentials \
     (`POST /integrations` with `credentials: {type, client_id, client_secret}`)";

async fn list_integrations(
    State(state): State<AppState>,
    caller: ApiCaller,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(&[])?;
    let listed = integrations::list(&state, caller.environment().id, caller.allowed_integrations()).await?;
    let data: Vec<Value> = listed
        .iter()
        .map(|integration| integration_json(&state, integration, &caller, &Include::default()))
        .collect::<Result<_, _>>()?;
    Ok(Json(json!({ "data": data })))
}

async fn create_integration(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    query: QueryParams,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    query.only(&[])?;
    let request = parse_body(&body, Purpose::Create)?;
    let created = integrations::create(&state, environment.id, request, crate::time::now()).await?;
    let caller = ApiCaller::SecretKey(environment);
    Ok(Json(json!({ "data": integration_json(&state, &created, &caller, &Include::default())? })))
}

async fn get_integration(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(key): Path<String>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(&["include", "include_creds"])?;
    let include = Include {
        credentials: query.flag("include_creds")? || query.all("include").contains(&"credentials"),
        webhook: query.all("include").contains(&"webhook"),
    };
    if let Some(unknown) =
        query.all("include").into_iter().find(|name| !["credentials", "webhook"].contains(name))
    {
        return Err(ApiError::new(
            ErrorCode::InvalidQueryParams,
            format!("`include` may be `credentials` or `webhook`, not `{unknown}`"),
        ));
    }
    if (include.credentials || include.webhook) && !caller.is_secret_key() {
        return Err(ApiError::new(ErrorCode::InvalidQueryParams, "`include` needs the secret key"));
    }
    let key = parse_integration_key(&key)?;
    let allowed = caller.allowed_integrations();
    if !allowed.is_empty() && !allowed.contains(&key) {
        return Err(integrations::IntegrationError::NotFound(key).into());
    }
    let integration = integrations::get(&state, caller.environment().id, &key).await?;
    Ok(Json(json!({ "data": integration_json(&state, &integration, &caller, &include)? })))
}

async fn patch_integration(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Path(key): Path<String>,
    query: QueryParams,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    query.only(&[])?;
    let key = parse_integration_key(&key)?;
    let request = parse_body(&body, Purpose::Update)?;
    let updated = integrations::update(&state, environment.id, &key, request, crate::time::now()).await?;
    let caller = ApiCaller::SecretKey(environment);
    Ok(Json(json!({ "data": integration_json(&state, &updated, &caller, &Include::default())? })))
}

async fn delete_integration(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Path(key): Path<String>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(&[])?;
    let key = parse_integration_key(&key)?;
    integrations::delete(&state, environment.id, &key).await?;
    Ok(Json(json!({ "success": true })))
}

/// `POST /integrations/quickstart` (Nango Cloud's shared apps) is not offered; no other
/// `POST /integrations/{key}` exists.
async fn post_to_integration(AuthedEnvironment(_): AuthedEnvironment, Path(key): Path<String>) -> ApiError {
    if key == QUICKSTART {
        ApiError::new(ErrorCode::NotFound, NO_QUICKSTART)
    } else {
        ApiError::new(ErrorCode::MethodNotAllowed, "method not allowed")
    }
}

fn parse_body(body: &Value, purpose: Purpose) -> Result<integrations::IntegrationRequest, ApiError> {
    request::parse(body, purpose).map_err(|errors| ApiError::with_errors(ErrorCode::InvalidBody, errors))
}

/// What `GET /integrations/{key}` adds on request (Nango's `include`).
#[derive(Debug, Default)]
struct Include {
    credentials: bool,
    webhook: bool,
}

/// Nango's `ApiPublicIntegration`: `unique_key`, `provider`, `display_name`, `logo`, the
/// times, and what `include` asked for. For the secret key holder also ours: `scopes` and
/// `allowed_hosts`. `credentials` hold the client secret: only when asked for.
fn integration_json(
    state: &AppState,
    integration: &Integration,
    caller: &ApiCaller,
    include: &Include,
) -> Result<Value, ApiError> {
    let provider = state.catalog.get(&integration.provider);
    let mut out = json!({
        "unique_key": integration.unique_key,
        "provider": integration.provider,
        "display_name": integrations::display_name(&state.catalog, integration),
        "logo": provider.and_then(|provider| provider.logo_url.clone()).unwrap_or_default(),
        "created_at": crate::time::rfc3339(integration.created_at)?,
        "updated_at": crate::time::rfc3339(integration.updated_at)?,
    });
    if caller.is_secret_key() {
        out["scopes"] = json!(integration.scopes);
        out["allowed_hosts"] = json!(integration.allowed_hosts);
    }
    if include.webhook {
        // Nango's URL for the provider's webhooks; this server receives none.
        out["webhook_url"] = Value::Null;
    }
    if include.credentials {
        let is_oauth = provider.is_none_or(|provider| provider.auth_mode == AuthMode::OAuth2);
        out["credentials"] = if is_oauth {
            json!({
                "type": AuthMode::OAuth2.as_str(),
                "client_id": integration.client_id,
                "client_secret": integration.client_secret.as_ref().map(|secret| secret.expose()),
                "scopes": (!integration.scopes.is_empty()).then(|| integration.scopes.join(",")),
                "webhook_secret": Value::Null,
            })
        } else {
            Value::Null
        };
    }
    Ok(out)
}
