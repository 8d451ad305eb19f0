//! Auth webhooks (SPEC §5, §9): build the body, sign it with `X-Nango-Hmac-Sha256`
//! (HMAC-SHA256 keyed with the environment's secret key) and Nango's legacy
//! `X-Nango-Signature` (SHA-256 of the key and the body), send it from a spawned task and
//! retry with exponential back-off. Failures are logged with the webhook's host only (a URL
//! path or query may hold a token) and never with the body's secrets (it holds none).

use crate::catalog::AuthMode;
use crate::crypto::hmac::{legacy_webhook_signature, webhook_signature};
use crate::ids::{ConnectionId, IntegrationKey};
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{ConnectionKey, Environment, FlowError};
use serde_json::{json, Value};
use std::time::Duration;

/// The signature header (Nango's name).
pub const SIGNATURE_HEADER: &str = "X-Nango-Hmac-Sha256";
/// Nango's older signature header, which `verifyWebhookSignature` of its client checks.
pub const LEGACY_SIGNATURE_HEADER: &str = "X-Nango-Signature";

/// Waits between attempts: 3 retries after the first attempt (1 s, 2 s, 4 s).
pub const DEFAULT_DELAYS: [Duration; 3] =
    [Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(4)];

/// What an auth webhook reports (SPEC §5 `operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthOperation {
    Creation,
    Override,
    Refresh,
}

impl AuthOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creation => "creation",
            Self::Override => "override",
            Self::Refresh => "refresh",
        }
    }
}

/// One auth event: a connection was saved, or an attempt on it failed (`error`).
#[derive(Debug, Clone)]
pub struct AuthEvent {
    pub operation: AuthOperation,
    pub integration_key: IntegrationKey,
    pub connection_id: ConnectionId,
    pub provider: String,
    /// The connection's auth mode (Nango's `authMode`).
    pub auth_mode: AuthMode,
    /// The connection's status after a refresh transition (our `status` field, SPEC §11).
    pub status: Option<crate::store::ConnectionStatus>,
    /// The flow outcome's error when the attempt failed.
    pub error: Option<FlowError>,
    /// The connection's end user and tags (connect sessions, SPEC §7).
    pub end_user: Option<crate::json::JsonMap>,
    pub tags: crate::json::JsonMap,
    /// A connect session's `webhook_url_override` (SPEC §7): sent there instead of the
    /// environment's `webhook_url`.
    pub webhook_url_override: Option<String>,
}

impl AuthEvent {
    pub fn success(operation: AuthOperation, key: &ConnectionKey, provider: &str) -> Self {
        Self {
            operation,
            integration_key: key.integration_key.clone(),
            connection_id: key.connection_id.clone(),
            provider: provider.to_owned(),
            auth_mode: AuthMode::OAuth2,
            status: None,
            error: None,
            end_user: None,
            tags: crate::json::JsonMap::new(),
            webhook_url_override: None,
        }
    }

    pub fn failure(operation: AuthOperation, key: &ConnectionKey, provider: &str, error: FlowError) -> Self {
        Self { error: Some(error), ..Self::success(operation, key, provider) }
    }
}

/// Queue the webhook to the event's override URL, else the environment's `webhook_url` when it
/// has one; never blocks the caller.
pub fn send_auth(state: &AppState, environment: &Environment, event: AuthEvent) {
    let url = event.webhook_url_override.clone().or_else(|| environment.settings.webhook_url.clone());
    let Some(url) = url.filter(|url| !url.is_empty()) else {
        return;
    };
    let body = auth_body(&environment.name, &event).to_string();
    let http = state.http.clone();
    let secret_key = environment.secret_key.clone();
    tokio::spawn(async move {
        let delivered = deliver(&http, &url, &secret_key, body.into_bytes(), &DEFAULT_DELAYS).await;
        crate::metrics::webhook_delivered(delivered);
    });
}

/// The JSON body of an auth webhook. A failure carries Nango's `{type, description}` error.
pub fn auth_body(environment_name: &str, event: &AuthEvent) -> Value {
    let mut body = json!({
        "from": "nango",
        "type": "auth",
        "operation": event.operation.as_str(),
        "success": event.error.is_none(),
        "connectionId": event.connection_id,
        "providerConfigKey": event.integration_key,
        "provider": event.provider,
        "authMode": event.auth_mode.as_str(),
        "environment": environment_name,
        "endUser": event.end_user,
        "tags": event.tags,
    });
    if let (Some(status), Some(object)) = (event.status, body.as_object_mut()) {
        object.insert("status".into(), json!(status.as_str()));
    }
    if let (Some(error), Some(object)) = (&event.error, body.as_object_mut()) {
        object.insert("error".into(), json!({ "type": error.code.as_str(), "description": error.message }));
    }
    body
}

/// POST `body` signed with `secret_key`; after a failure (network or non-2xx) wait the next
/// delay and try again. Returns whether some attempt succeeded.
pub async fn deliver(
    http: &crate::outbound::Outbound,
    url: &str,
    secret_key: &Secret<String>,
    body: Vec<u8>,
    delays: &[Duration],
) -> bool {
    let signature = webhook_signature(secret_key, &body);
    let legacy_signature = legacy_webhook_signature(secret_key, &body);
    let host =
        url::Url::parse(url).ok().and_then(|url| url.host_str().map(str::to_owned)).unwrap_or_default();
    let n_attempts = delays.len() + 1;
    for attempt in 1..=n_attempts {
        let request = match http.post(url) {
            Ok(request) => request,
            Err(error) => {
                tracing::error!(%host, %error, "auth webhook not sent");
                return false;
            }
        };
        let result = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, &signature)
            .header(LEGACY_SIGNATURE_HEADER, &legacy_signature)
            .body(body.clone())
            .send()
            .await;
        let failure = match result {
            Ok(response) if response.status().is_success() => return true,
            Ok(response) => format!("HTTP {}", response.status().as_u16()),
            Err(error) => error.without_url().to_string(),
        };
        tracing::warn!(%host, attempt, n_attempts, %failure, "auth webhook delivery failed");
        if let Some(delay) = delays.get(attempt - 1) {
            tokio::time::sleep(*delay).await;
        }
    }
    tracing::error!(%host, n_attempts, "auth webhook dropped after all attempts");
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape() {
        let key = ConnectionKey {
            environment_id: 1,
            integration_key: IntegrationKey::parse("demo").unwrap(),
            connection_id: ConnectionId::parse("u1").unwrap(),
        };
        let error = FlowError { code: crate::error_code::ErrorCode::ProviderDenied, message: "no".into() };
        let event = AuthEvent::failure(AuthOperation::Creation, &key, "demo", error);
        let body = auth_body("dev", &event);
        assert_eq!(body["from"], "nango");
        assert_eq!(body["type"], "auth");
        assert_eq!(body["operation"], "creation");
        assert_eq!(body["success"], false);
        assert_eq!(body["connectionId"], "u1");
        assert_eq!(body["providerConfigKey"], "demo");
        assert_eq!(body["environment"], "dev");
        assert_eq!(body["authMode"], "OAUTH2");
        assert_eq!(body["error"]["type"], "provider_denied");
    }

    #[tokio::test]
    async fn retries_until_success_and_signs() {
        use axum::routing::post;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let hits = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let (hits2, seen2) = (hits.clone(), seen.clone());
        let app = axum::Router::new().route(
            "/hook",
            post(move |headers: axum::http::HeaderMap, body: String| async move {
                let signature = headers[SIGNATURE_HEADER].to_str().unwrap().to_string();
                seen2.lock().unwrap().push(format!("{signature}|{body}"));
                if hits2.fetch_add(1, Ordering::SeqCst) < 2 {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let key = Secret::new("secret-key-0123456789".to_string());
        let delays = [Duration::from_millis(1); 3];
        let url = format!("http://{addr}/hook");
        let loopback = crate::outbound::OutboundPolicy::parse("127.0.0.0/8").unwrap();
        let http = crate::outbound::Outbound::build(5, loopback).unwrap();
        let delivered = deliver(&http, &url, &key, b"{\"a\":1}".to_vec(), &delays).await;
        assert!(delivered);
        assert_eq!(hits.load(Ordering::SeqCst), 3);
        let expected = webhook_signature(&key, b"{\"a\":1}");
        assert!(seen.lock().unwrap().iter().all(|line| line == &format!("{expected}|{{\"a\":1}}")));

        let delivered = deliver(&http, "http://127.0.0.1:9/none", &key, vec![], &delays[..1]).await;
        assert!(!delivered);
        // Without the allowance the policy refuses loopback before sending anything.
        let strict = crate::outbound::Outbound::build(5, Default::default()).unwrap();
        assert!(!deliver(&strict, &url, &key, b"{}".to_vec(), &delays[..1]).await);
        assert_eq!(hits.load(Ordering::SeqCst), 3, "no request reached the receiver");
    }
}
