//! `ErrorCode`: the stable machine-readable codes of every error we answer, and the HTTP
//! status each one means. The status is a function of the code (never chosen per call site),
//! so REST answers, popup pages, flow records and webhooks can never disagree (STYLE §2).
//!
//! This module sits on the bottom floor: the store converts stored flow outcomes with
//! `ErrorCode::parse`, and `error.rs` builds HTTP answers from it.

use http::StatusCode;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal => $status:ident,)*) => {
        /// Stable codes. The SDK passes them through as `AuthError.type`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order (for tests and documentation).
            pub const ALL: &'static [ErrorCode] = &[$(Self::$variant,)*];

            /// The wire name, e.g. `unknown_integration`.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }

            /// The HTTP status this code always answers with.
            pub fn status(self) -> StatusCode {
                match self { $(Self::$variant => StatusCode::$status,)* }
            }

            /// The code with this wire name (flow records store the name).
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

error_codes! {
    MissingAuthHeader = "missing_auth_header" => UNAUTHORIZED,
    /// No environment has the secret key the request carries (Nango's name).
    UnknownAccount = "unknown_account" => UNAUTHORIZED,
    MissingPublicKey = "missing_public_key" => UNAUTHORIZED,
    InvalidPublicKey = "invalid_public_key" => UNAUTHORIZED,
    MissingHmac = "missing_hmac" => UNAUTHORIZED,
    InvalidHmac = "invalid_hmac" => UNAUTHORIZED,
    /// An `origin` that is malformed or not in the environment's `allowed_origins`.
    InvalidOrigin = "invalid_origin" => FORBIDDEN,
    /// A state change by the admin console's session cookie without its CSRF token, or from another site.
    InvalidCsrfToken = "invalid_csrf_token" => FORBIDDEN,
    /// Redirect mode: a `return_to` that is malformed, or whose origin the environment does not
    /// list in `allowed_origins` (an empty list refuses every one; SPEC §10).
    InvalidReturnTo = "invalid_return_to" => FORBIDDEN,
    ProviderDenied = "provider_denied" => FORBIDDEN,
    UnknownIntegration = "unknown_integration" => NOT_FOUND,
    UnknownFlow = "unknown_flow" => NOT_FOUND,
    /// No webhook event of the environment has this id (`/webhooks/deliveries/{id}`).
    UnknownWebhookEvent = "unknown_webhook_event" => NOT_FOUND,
    /// A route, connection or integration the secret-key API does not have (Nango's name).
    NotFound = "not_found" => NOT_FOUND,
    /// The integration names a provider that the catalog does not have.
    UnknownProvider = "unknown_provider" => BAD_REQUEST,
    MissingClientCredentials = "missing_client_credentials" => BAD_REQUEST,
    UnsupportedAuthMode = "unsupported_auth_mode" => BAD_REQUEST,
    InvalidConnectionId = "invalid_connection_id" => BAD_REQUEST,
    MissingConnectionId = "missing_connection_id" => BAD_REQUEST,
    InvalidConnectionConfig = "invalid_connection_config" => BAD_REQUEST,
    InvalidAuthorizationParams = "invalid_authorization_params" => BAD_REQUEST,
    InvalidFlowId = "invalid_flow_id" => BAD_REQUEST,
    StateInvalid = "state_invalid" => BAD_REQUEST,
    InvalidRequest = "invalid_request" => BAD_REQUEST,
    InvalidBody = "invalid_body" => BAD_REQUEST,
    InvalidQueryParams = "invalid_query_params" => BAD_REQUEST,
    /// The integration is not in the connect session's `allowed_integrations`.
    IntegrationNotAllowed = "integration_not_allowed" => BAD_REQUEST,
    InvalidConnectSessionTokenFormat = "invalid_connect_session_token_format" => UNAUTHORIZED,
    UnknownConnectSessionToken = "unknown_connect_session_token" => UNAUTHORIZED,
    InvalidSettings = "invalid_settings" => BAD_REQUEST,
    /// `POST /webhooks/test` for an environment without a `webhook_url`.
    WebhookUrlMissing = "webhook_url_missing" => BAD_REQUEST,
    /// The provider has no proxy settings we can use for this request.
    ProxyNotSupported = "proxy_not_supported" => BAD_REQUEST,
    DuplicateIntegration = "duplicate_integration" => CONFLICT,
    /// The integration has connections, so it cannot be renamed (their credentials are bound
    /// to its key).
    IntegrationInUse = "integration_in_use" => CONFLICT,
    ConnectionNeedsReauth = "connection_needs_reauth" => CONFLICT,
    MethodNotAllowed = "method_not_allowed" => METHOD_NOT_ALLOWED,
    /// Too many requests from this client; `Retry-After` says when to try again.
    RateLimited = "rate_limited" => TOO_MANY_REQUESTS,
    /// The environment has as many unfinished flows as it may (SPEC §13 "Limits").
    TooManyPendingFlows = "too_many_pending_flows" => TOO_MANY_REQUESTS,
    PayloadTooLarge = "payload_too_large" => PAYLOAD_TOO_LARGE,
    /// A header value (or all headers together) over the limit (SPEC §13 "Input").
    HeaderTooLarge = "header_too_large" => REQUEST_HEADER_FIELDS_TOO_LARGE,
    UnsupportedMediaType = "unsupported_media_type" => UNSUPPORTED_MEDIA_TYPE,
    TokenExchangeFailed = "token_exchange_failed" => BAD_GATEWAY,
    RefreshFailed = "refresh_failed" => BAD_GATEWAY,
    ProxyFailed = "proxy_failed" => BAD_GATEWAY,
    ProxyTimeout = "proxy_timeout" => GATEWAY_TIMEOUT,
    Internal = "internal" => INTERNAL_SERVER_ERROR,
    /// The server runs but cannot serve (its database does not answer as it should).
    Unavailable = "unavailable" => SERVICE_UNAVAILABLE,
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
            assert!(seen.insert(code.as_str()), "duplicate name {}", code.as_str());
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
        assert_eq!(ErrorCode::parse("no_such_code"), None);
    }

    #[test]
    fn status_is_a_function_of_the_code() {
        assert_eq!(ErrorCode::InvalidOrigin.status(), StatusCode::FORBIDDEN);
        assert_eq!(ErrorCode::InvalidRequest.status(), StatusCode::BAD_REQUEST);
        assert_eq!(ErrorCode::IntegrationInUse.status(), StatusCode::CONFLICT);
        assert_eq!(ErrorCode::ConnectionNeedsReauth.status(), StatusCode::CONFLICT);
        assert!(ErrorCode::ALL
            .iter()
            .all(|code| code.status().is_client_error() || code.status().is_server_error()));
    }
}
