//! `POST /environment/callback-check`: the console's self-test of the callback URL. The
//! server requests the configured URL (outbound policy, no redirect followed) and checks that
//! it redirects to `/oauth/callback` keeping the query (`callback_check`, shared with doctor).

use crate::callback_check::{check, CallbackCheck};
use crate::error::ApiError;
use crate::extract::{AuthedEnvironment, Json};
use crate::schemas::errors::SecretKeyErrors;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/environment/callback-check", post(post_callback_check))
}

#[utoipa::path(
    post,
    path = "/environment/callback-check",
    tag = "environment",
    summary = "Self-test of the callback URL",
    description = "Requests the environment's `callback_url` once, following no redirect, and checks \
        that it answers 302/303/307/308 to `/oauth/callback` keeping the query (a URL that is itself \
        an `/oauth/callback` passes when it answers). The outbound policy applies.",
    security(("secretKey" = [])),
    responses((status = 200, description = "The verdict", body = crate::schemas::admin::CallbackCheck), SecretKeyErrors)
)]
async fn post_callback_check(
    State(state): State<AppState>,
    AuthedEnvironment(environment): AuthedEnvironment,
) -> Result<Json<Value>, ApiError> {
    let default = state.config.default_callback_url();
    let verdict = match &environment.settings.callback_url {
        None => CallbackCheck {
            ok: true,
            url: default.clone(),
            detail: format!("{default} is this server's own /oauth/callback"),
            fix: None,
        },
        Some(url) => match reqwest::Url::parse(url).map(|parsed| state.http.without_redirects(&parsed)) {
            Ok(Ok(client)) => check(client, url, &default).await,
            Ok(Err(refused)) => CallbackCheck {
                ok: false,
                url: url.clone(),
                detail: refused.to_string(),
                fix: Some("allow its host in NANGO_OUTBOUND_ALLOW, or use a public callback URL".into()),
            },
            // A stored callback URL was checked when it was set: `check` says it is not a URL.
            Err(_) => check(&reqwest::Client::new(), url, &default).await,
        },
    };
    Ok(Json(json!({ "ok": verdict.ok, "url": verdict.url, "detail": verdict.detail, "fix": verdict.fix })))
}
