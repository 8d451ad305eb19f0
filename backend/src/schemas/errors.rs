//! The error body every route answers (`{error: {code, message, errors?}}`, `error.rs`) and
//! the sets of error answers each route documents: one type per set, so an annotation names
//! the set (`responses(..., ConnectionErrors)`) and the codes it lists come from `ErrorCode`.

use crate::error_code::ErrorCode;
use std::collections::BTreeMap;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Content, RefOr, Response};
use utoipa::ToSchema;

/// `{"error": {"code": "...", "message": "..."}}`: the status is a function of the code.
#[derive(ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCodeName,
    /// For humans; never holds a secret.
    pub message: String,
    /// Per-field problems of `invalid_body` and `invalid_query_params`, as Nango answers them.
    #[schema(nullable = false)]
    pub errors: Option<Vec<FieldProblem>>,
}

/// One problem in a request: `path` is the JSON path (or the query parameter) at fault.
#[derive(ToSchema)]
pub struct FieldProblem {
    #[schema(example = "invalid_string")]
    pub code: String,
    pub message: String,
    #[schema(example = json!(["end_user", "id"]))]
    pub path: Vec<String>,
}

/// The stable error codes (`error_code.rs`), listed from the code itself.
pub struct ErrorCodeName;

impl utoipa::PartialSchema for ErrorCodeName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A stable machine-readable code; it alone decides the HTTP status."))
            .enum_values(Some(ErrorCode::ALL.iter().map(|code| code.as_str())))
            .into()
    }
}

impl ToSchema for ErrorCodeName {}

/// The error answers of one route: each status with the codes that answer it.
pub fn error_responses(codes: &[ErrorCode]) -> BTreeMap<String, RefOr<Response>> {
    let mut by_status: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for code in codes.iter().chain(EVERY_ROUTE) {
        let names = by_status.entry(code.status().as_u16()).or_default();
        if !names.contains(&code.as_str()) {
            names.push(code.as_str());
        }
    }
    by_status
        .into_iter()
        .map(|(status, names)| {
            let listed: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            let schema = RefOr::Ref(utoipa::openapi::Ref::from_schema_name("ErrorBody"));
            let response = ResponseBuilder::new()
                .description(format!("Error: {}", listed.join(", ")))
                .content("application/json", Content::new(Some(schema)))
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// What any route may answer before its handler runs (SPEC §13 "Input") or when it fails.
const EVERY_ROUTE: &[ErrorCode] =
    &[ErrorCode::InvalidRequest, ErrorCode::HeaderTooLarge, ErrorCode::Internal];

/// What the secret-key extractor answers (`extract/auth.rs`; `invalid_csrf_token`: a state
/// change by the admin console's cookie without its CSRF token), and the strict query check
/// every secret-key route makes (an unknown parameter is `invalid_query_params`).
const SECRET_KEY: &[ErrorCode] = &[
    ErrorCode::MissingAuthHeader,
    ErrorCode::UnknownAccount,
    ErrorCode::InvalidCsrfToken,
    ErrorCode::RateLimited,
    ErrorCode::InvalidQueryParams,
];

/// What our `Json` extractor answers (`extract/mod.rs`).
const JSON_BODY: &[ErrorCode] =
    &[ErrorCode::InvalidBody, ErrorCode::UnsupportedMediaType, ErrorCode::PayloadTooLarge];

/// A connect session token in place of the secret key (`extract/caller.rs`).
const SESSION_TOKEN: &[ErrorCode] =
    &[ErrorCode::InvalidConnectSessionTokenFormat, ErrorCode::UnknownConnectSessionToken];

/// One `IntoResponses` type per set of codes: `error_set!(Name: [sets or codes]...)`.
macro_rules! error_set {
    ($($(#[$doc:meta])* $name:ident = [$($set:expr),* $(,)?];)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let codes: Vec<ErrorCode> = [$(&$set[..]),*].concat();
                error_responses(&codes)
            }
        }
    )*};
}

use ErrorCode as C;

error_set! {
    /// Routes without a key or a body (health, flows, static files).
    PublicErrors = [[C::RateLimited]];
    /// Secret-key routes without a body.
    SecretKeyErrors = [SECRET_KEY];
    /// Secret-key routes with a JSON body.
    SecretKeyBodyErrors = [SECRET_KEY, JSON_BODY];
    /// Reads that take the secret key or a connect session token.
    ApiCallerErrors = [SECRET_KEY, SESSION_TOKEN];
    /// `GET /environment/hmac`.
    HmacErrors = [SECRET_KEY, [C::MissingConnectionId, C::InvalidConnectionId, C::InvalidSettings]];
    /// `PATCH /environment`.
    SettingsErrors = [SECRET_KEY, JSON_BODY, [C::InvalidSettings]];
    /// `DELETE /environment-variables/{name}`.
    VariableErrors = [SECRET_KEY, [C::NotFound]];
    /// `POST /connect/sessions` and its reconnect twin.
    SessionCreateErrors = [SECRET_KEY, JSON_BODY, [C::NotFound]];
    /// `GET` and `DELETE /connect/session` (the session token as bearer).
    SessionTokenErrors = [[C::MissingAuthHeader, C::InvalidQueryParams], SESSION_TOKEN];
    /// `GET /connect/config`: a session token, and the embedding page's origin.
    ConnectPageErrors = [[C::MissingAuthHeader, C::InvalidQueryParams, C::InvalidOrigin, C::RateLimited], SESSION_TOKEN];
    /// Routes naming one connection (`/connection/{connection_id}...`).
    ConnectionErrors = [SECRET_KEY, [C::InvalidConnectionId, C::NotFound]];
    /// Reading a connection: its credentials may be refreshed on the way.
    ConnectionReadErrors = [
        SECRET_KEY,
        [C::InvalidConnectionId, C::NotFound, C::UnknownProvider],
        [C::ConnectionNeedsReauth, C::RefreshFailed],
    ];
    /// Changing one connection (or several) with a JSON body.
    ConnectionBodyErrors = [
        SECRET_KEY,
        JSON_BODY,
        [C::InvalidConnectionId, C::MissingConnectionId, C::NotFound, C::InvalidConnectionConfig],
    ];
    /// `POST /connections`: an import.
    ConnectionImportErrors = [
        SECRET_KEY,
        JSON_BODY,
        [C::NotFound, C::UnknownProvider, C::UnsupportedAuthMode, C::InvalidConnectionConfig],
    ];
    /// Listing connections.
    ConnectionListErrors = [SECRET_KEY, [C::InvalidConnectionId]];
    /// `/integrations/{key}` without a body.
    IntegrationErrors = [SECRET_KEY, SESSION_TOKEN, [C::NotFound]];
    /// `POST /integrations` and `PATCH /integrations/{key}`.
    IntegrationBodyErrors = [
        SECRET_KEY,
        JSON_BODY,
        [C::NotFound, C::UnknownProvider, C::UnsupportedAuthMode, C::MissingClientCredentials],
        [C::DuplicateIntegration, C::IntegrationInUse],
    ];
    /// `POST /integrations/{key}`: only Nango Cloud's quickstart would be there.
    QuickstartErrors = [SECRET_KEY, [C::NotFound, C::MethodNotAllowed]];
    /// `GET /providers/{provider}`.
    ProviderErrors = [SECRET_KEY, SESSION_TOKEN, [C::NotFound]];
    /// The browser's credential POSTs (`/api-auth/...`): the same checks as a connect.
    BrowserCredentialErrors = [JSON_BODY, BROWSER_ACCESS, [C::InvalidOrigin]];
    /// The flow routes (`/oauth/flows/{flow}`).
    FlowErrors = [[C::UnknownFlow]];
    /// The proxy: the connection's errors, its own headers', then the provider's.
    ProxyErrors = [
        SECRET_KEY,
        [C::MissingConnectionId, C::InvalidConnectionId, C::NotFound, C::InvalidRequest],
        [C::ConnectionNeedsReauth, C::RefreshFailed, C::ProxyNotSupported, C::PayloadTooLarge],
        [C::ProxyFailed, C::ProxyTimeout],
    ];
    /// `GET /webhooks/deliveries`: a bad `connection_id` (a bad `status`, `limit` or `cursor`
    /// is `invalid_query_params`, a bad `provider_config_key` `invalid_request`).
    WebhookListErrors = [SECRET_KEY, [C::InvalidConnectionId]];
    /// `POST /webhooks/deliveries/{id}/replay`: no event of the environment has the id.
    WebhookReplayErrors = [SECRET_KEY, [C::UnknownWebhookEvent]];
    /// `POST /webhooks/test`: the environment has no `webhook_url`.
    WebhookTestErrors = [SECRET_KEY, [C::WebhookUrlMissing]];
    /// `GET /health/ready`.
    ReadyErrors = [[C::Unavailable]];
    /// The WebSocket result channel on `GET /`.
    SocketErrors = [[C::RateLimited, C::Unavailable]];
    /// `GET /demo/connection/{connection_id}`.
    DemoConnectionErrors = [[C::InvalidConnectionId, C::NotFound, C::UnknownIntegration]];
    /// A file of the SDK package that is not there.
    NotFoundErrors = [[C::NotFound]];
}

/// Who may start a flow (`oauth/access.rs`): the public key and HMAC, or a session token.
pub const BROWSER_ACCESS: &[ErrorCode] = &[
    C::MissingPublicKey,
    C::InvalidPublicKey,
    C::MissingHmac,
    C::InvalidHmac,
    C::InvalidConnectSessionTokenFormat,
    C::UnknownConnectSessionToken,
    C::IntegrationNotAllowed,
    C::InvalidQueryParams,
    C::UnknownIntegration,
    C::MissingClientCredentials,
    C::UnknownProvider,
    C::UnsupportedAuthMode,
    C::MissingConnectionId,
    C::InvalidConnectionId,
    C::InvalidConnectionConfig,
    C::RateLimited,
];
