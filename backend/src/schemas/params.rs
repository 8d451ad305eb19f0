//! Parameter sets several routes share, as `IntoParams` types an annotation names
//! (`params(ConnectionTargetParams)`): the connection a route names, and the browser's query.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Required;
use utoipa::IntoParams;

/// The connection a `/connection/{connection_id}...` route names (`extract/connection.rs`):
/// the id from the path, the integration from the query or the `Provider-Config-Key` header.
pub struct ConnectionTargetParams;

impl IntoParams for ConnectionTargetParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            param("connection_id", ParameterIn::Path, true, "The connection id"),
            param(
                "provider_config_key",
                ParameterIn::Query,
                false,
                "The integration's unique key (alias `providerConfigKey`); required unless the \
                 `Provider-Config-Key` header names it",
            ),
            provider_config_key_header(),
        ]
    }
}

/// The query string of `/oauth/connect` and the credential POSTs (SPEC §1, `oauth/query.rs`).
pub struct BrowserQueryParams;

impl IntoParams for BrowserQueryParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            param("connection_id", ParameterIn::Query, false, "The connection id to save (or the session's)"),
            param("hmac", ParameterIn::Query, false, "The connect digest, when the environment has HMAC on"),
            param("flow", ParameterIn::Query, false, "The SDK's flow id, for `GET /oauth/flows/{flow}`"),
            param("origin", ParameterIn::Query, false, "The opener's origin; the result page posts to it"),
            param(
                "ws_client_id",
                ParameterIn::Query,
                false,
                "The id the WebSocket result channel gave (`@nangohq/frontend`), in place of `flow` and `origin`",
            ),
            param(
                "return_to",
                ParameterIn::Query,
                false,
                "Redirect mode (`/oauth/connect`): the URL the browser goes back to (303) with the outcome, \
                 in place of `origin` and `flow`; its origin must be in the environment's allowed origins",
            ),
            object_param("params", "Connection config values: `params[subdomain]=acme`"),
            object_param("authorization_params", "Extra authorization URL parameters"),
        ]
    }
}

/// `tags[key]=value` filters of a connection list (every one must match).
pub struct TagFilterParams;

impl IntoParams for TagFilterParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![object_param("tags", "Only connections with these tags: `tags[team]=a`")]
    }
}

/// `Provider-Config-Key`: the integration of a connection route or of the proxy.
pub fn provider_config_key_header() -> Parameter {
    param("Provider-Config-Key", ParameterIn::Header, false, "The integration's unique key")
}

fn param(name: &str, location: ParameterIn, required: bool, description: &str) -> Parameter {
    let required = if required { Required::True } else { Required::False };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(location)
        .required(required)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// `name[key]=value` pairs (OpenAPI's `deepObject` style).
fn object_param(name: &str, description: &str) -> Parameter {
    let values = ObjectBuilder::new().schema_type(Type::String);
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .style(Some(ParameterStyle::DeepObject))
        .explode(Some(true))
        .schema(Some(ObjectBuilder::new().schema_type(Type::Object).additional_properties(Some(values))))
        .build()
}
