//! The fake provider's token endpoint: the checks a strict provider makes on an
//! `authorization_code` or `refresh_token` grant, and the gate that can hold refreshes.

use super::{ClientAuth, Inner, Shared, TokenBody, TokenRequest};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub(super) async fn token_root(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    token(shared, "/token".into(), headers, body).await
}

pub(super) async fn token_tenant(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(shared, format!("/{tenant}/token"), headers, body).await
}

/// A refusal: the OAuth `error` code and why.
type Rejection = (&'static str, String);

async fn token(shared: Shared, path: String, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|h| h.to_str().ok()).map(str::to_string);
    let content_type = header("content-type").unwrap_or_default();
    let authorization = header("authorization");
    let params = parse_body(&content_type, &body);
    let is_refresh =
        params.as_ref().is_ok_and(|params| params.get("grant_type").is_some_and(|g| g == "refresh_token"));
    if is_refresh {
        wait_at_gate(&shared).await;
        let delay = {
            let mut inner = shared.lock();
            inner.refreshes_in_flight += 1;
            inner.max_refreshes_in_flight = inner.max_refreshes_in_flight.max(inner.refreshes_in_flight);
            inner.settings.refresh_delay
        };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        shared.lock().refreshes_in_flight -= 1;
    }
    let mut inner = shared.lock();
    let verdict = match &params {
        Ok(params) => check(&mut inner, &content_type, authorization.as_deref(), params),
        Err(reason) => Err(("invalid_request", reason.clone())),
    };
    inner.token.push(TokenRequest {
        path,
        content_type,
        authorization,
        params: params.unwrap_or_default(),
        rejection: verdict.as_ref().err().map(|(_, reason)| reason.clone()),
    });
    if let Some((status, body)) = inner.settings.token_failure.clone() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, Json(body)).into_response();
    }
    match verdict {
        Ok(body) => {
            if let Some(access) = body.get("access_token").and_then(Value::as_str) {
                inner.access_tokens.push(access.to_string());
            }
            Json(body).into_response()
        }
        Err((error, reason)) => {
            (StatusCode::BAD_REQUEST, Json(json!({ "error": error, "error_description": reason })))
                .into_response()
        }
    }
}

/// While refreshes are held, wait (counted in `waiting_refreshes`) until they are released.
async fn wait_at_gate(shared: &Shared) {
    let mut gate = shared.gate.subscribe();
    if !*gate.borrow_and_update() {
        return;
    }
    shared.lock().waiting_refreshes += 1;
    let _ = gate.wait_for(|held| !held).await;
    shared.lock().waiting_refreshes -= 1;
}

fn parse_body(content_type: &str, body: &[u8]) -> Result<BTreeMap<String, String>, String> {
    if content_type.starts_with("application/json") {
        let value: Value = serde_json::from_slice(body).map_err(|e| format!("bad JSON body: {e}"))?;
        let object = value.as_object().ok_or("JSON body is not an object")?;
        Ok(object
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect())
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        Ok(url::form_urlencoded::parse(body).into_owned().collect())
    } else {
        Err(format!("unexpected content type `{content_type}`"))
    }
}

/// The checks a strict provider makes; `Ok` carries the JSON to answer.
fn check(
    inner: &mut Inner,
    content_type: &str,
    authorization: Option<&str>,
    params: &BTreeMap<String, String>,
) -> Result<Value, Rejection> {
    let settings = inner.settings.clone();
    let request = |reason: &str| ("invalid_request", reason.to_string());
    let grant = |reason: String| ("invalid_grant", reason);
    let json_body = content_type.starts_with("application/json");
    match settings.body {
        TokenBody::Json if !json_body => return Err(request("expected a JSON body")),
        TokenBody::Form if json_body => return Err(request("expected a form body")),
        _ => {}
    }
    match settings.client_auth {
        ClientAuth::Body => {
            if params.get("client_id") != Some(&settings.client_id)
                || params.get("client_secret") != Some(&settings.client_secret)
            {
                return Err((
                    "invalid_client",
                    "client_id/client_secret missing or wrong in the body".into(),
                ));
            }
        }
        ClientAuth::Basic => {
            let credentials = format!("{}:{}", settings.client_id, settings.client_secret);
            let expected = format!("Basic {}", STANDARD.encode(credentials));
            if authorization != Some(expected.as_str()) {
                return Err(("invalid_client", "HTTP Basic client authentication missing or wrong".into()));
            }
        }
    }
    let param = |key: &str| params.get(key).map(String::as_str);
    match param("grant_type") {
        Some("authorization_code") => {
            let code = param("code").ok_or_else(|| request("missing code"))?;
            let issued = inner.codes.remove(code).ok_or_else(|| grant("unknown or used code".into()))?;
            if param("redirect_uri") != Some(issued.redirect_uri.as_str()) {
                return Err(grant(format!(
                    "redirect_uri {:?} differs from the authorize one {:?}",
                    param("redirect_uri"),
                    issued.redirect_uri
                )));
            }
            match (&issued.code_challenge, param("code_verifier")) {
                (Some(challenge), Some(verifier)) => {
                    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                    if &computed != challenge {
                        return Err(grant("code_verifier does not match code_challenge".into()));
                    }
                }
                (Some(_), None) => return Err(request("missing code_verifier")),
                (None, _) if settings.require_pkce => return Err(request("PKCE required")),
                (None, _) => {}
            }
            if let Some(refresh) = settings.token_response.get("refresh_token").and_then(Value::as_str) {
                inner.refresh_tokens.push(refresh.to_string());
            }
            Ok(settings.token_response)
        }
        Some("refresh_token") => {
            let refresh = param("refresh_token").ok_or_else(|| request("missing refresh_token"))?;
            let issued = inner.refresh_tokens.iter().any(|issued| issued == refresh);
            if !issued && !settings.accept_unknown_refresh_tokens {
                return Err(grant("unknown or revoked refresh_token".into()));
            }
            let mut answer = settings.refresh_response;
            if settings.rotate_refresh_tokens {
                inner.refresh_tokens.retain(|issued| issued != refresh);
                let rotated = format!("fake-rotated-{}", crate::random_id(16));
                inner.refresh_tokens.push(rotated.clone());
                answer["refresh_token"] = Value::String(rotated);
                answer["access_token"] = Value::String(format!("fake-refreshed-{}", crate::random_id(16)));
            } else if let Some(rotated) = answer.get("refresh_token").and_then(Value::as_str) {
                inner.refresh_tokens.push(rotated.to_string());
            }
            Ok(answer)
        }
        other => Err(request(&format!("unsupported grant_type {other:?}"))),
    }
}
