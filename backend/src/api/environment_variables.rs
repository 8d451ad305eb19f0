//! `/environment-variables`: the environment's variables, the list `getEnvironmentVariables()`
//! of `@nangohq/node` reads (`GET`, an array of `{name, value}`). Nango sets them in its
//! dashboard; here the secret-key holder does: `PUT` replaces the whole list (the same array
//! shape), `DELETE` empties it, `DELETE /environment-variables/{name}` removes one. The rules
//! are in `environment_variables.rs`; values are sealed at rest and never logged.

use crate::environment_variables;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{AuthedEnvironment, Json, Path};
use crate::state::AppState;
use crate::store::EnvironmentVariable;
use axum::extract::State;
use axum::routing::{delete, get};
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/environment-variables", get(get_variables).put(put_variables).delete(delete_variables))
        .route("/environment-variables/{name}", delete(delete_variable))
}

/// `[{name, value}]`, by name.
#[utoipa::path(
    get,
    path = "/environment-variables",
    tag = "environment",
    summary = "The environment's variables, by name",
    security(("secretKey" = [])),
    responses(
        (status = 200, description = "Every variable with its value", body = Vec<crate::schemas::environment::EnvironmentVariable>),
        crate::schemas::errors::SecretKeyErrors,
    )
)]
async fn get_variables(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
) -> Result<Json<Value>, ApiError> {
    let variables = state.store.environment_variables(environment.id).await?;
    Ok(Json(variables_json(&variables)))
}

/// Replace the whole list; answers it as `GET` would. A bad body changes nothing.
#[utoipa::path(
    put,
    path = "/environment-variables",
    tag = "environment",
    summary = "Replace the environment's variables",
    security(("secretKey" = [])),
    request_body = Vec<crate::schemas::environment::EnvironmentVariable>,
    responses(
        (status = 200, description = "The variables now", body = Vec<crate::schemas::environment::EnvironmentVariable>),
        crate::schemas::errors::SecretKeyBodyErrors,
    )
)]
async fn put_variables(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let variables = environment_variables::parse(&body)
        .map_err(|errors| ApiError::with_errors(ErrorCode::InvalidBody, errors))?;
    let store = &state.store;
    store.replace_environment_variables(environment.id, &variables, crate::time::now()).await?;
    Ok(Json(variables_json(&store.environment_variables(environment.id).await?)))
}

#[utoipa::path(
    delete,
    path = "/environment-variables",
    tag = "environment",
    summary = "Delete every environment variable",
    security(("secretKey" = [])),
    responses(
        (status = 200, description = "Deleted", body = crate::schemas::status::Success),
        crate::schemas::errors::SecretKeyErrors,
    )
)]
async fn delete_variables(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
) -> Result<Json<Value>, ApiError> {
    state.store.replace_environment_variables(environment.id, &[], crate::time::now()).await?;
    Ok(Json(json!({ "success": true })))
}

#[utoipa::path(
    delete,
    path = "/environment-variables/{name}",
    tag = "environment",
    summary = "Delete one environment variable",
    security(("secretKey" = [])),
    params(("name" = String, Path, description = "The variable's name")),
    responses(
        (status = 200, description = "Deleted", body = crate::schemas::status::Success),
        crate::schemas::errors::VariableErrors,
    )
)]
async fn delete_variable(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if state.store.delete_environment_variable(environment.id, &name).await? {
        Ok(Json(json!({ "success": true })))
    } else {
        Err(ApiError::not_found("no environment variable of that name"))
    }
}

/// The secret-key holder reads the values: they are theirs (the API sends `no-store`).
fn variables_json(variables: &[EnvironmentVariable]) -> Value {
    variables
        .iter()
        .map(|variable| json!({ "name": variable.name, "value": variable.value.expose() }))
        .collect()
}
