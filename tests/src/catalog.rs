//! The catalog entries the tests add through `NANGO_PROVIDERS_FILE`, pointing at a
//! `FakeProvider`.

use crate::provider::FakeProvider;

/// The test providers added through `NANGO_PROVIDERS_FILE`; `PORT` is the fake provider's.
/// Each exercises one quirk of SPEC §4 (named after the real provider it imitates).
pub const PROVIDERS_YAML: &str = r#"
fake-oauth:
    display_name: Fake OAuth
    auth_mode: OAUTH2
    authorization_url: http://127.0.0.1:PORT/authorize
    token_url: http://127.0.0.1:PORT/token
    scope_separator: ','
    default_scopes:
        - default.read
    authorization_params:
        prompt: login
        access_type: offline
    token_params:
        audience: fake-api
    proxy:
        base_url: http://127.0.0.1:PORT/api
    some_unknown_field: ignored
fake-subdomain:
    display_name: Fake Zendesk-style
    auth_mode: OAUTH2
    authorization_url: http://${connectionConfig.subdomain}.localhost:PORT/authorize
    token_url: http://127.0.0.1:PORT/${connectionConfig.subdomain}/token
    connection_config:
        subdomain:
            type: string
            title: Subdomain
fake-instance:
    display_name: Fake Salesforce-style
    auth_mode: OAUTH2
    authorization_url: http://127.0.0.1:PORT/authorize
    token_url: http://127.0.0.1:PORT/token
    token_response_metadata:
        - instance_url
fake-realm:
    display_name: Fake QuickBooks-style
    auth_mode: OAUTH2
    authorization_url: http://127.0.0.1:PORT/authorize
    token_url: http://127.0.0.1:PORT/token
    redirect_uri_metadata:
        - realmId
fake-basic-json:
    display_name: Fake Basic-auth JSON-body
    auth_mode: OAUTH2
    authorization_url: http://127.0.0.1:PORT/authorize
    token_url: http://127.0.0.1:PORT/token
    authorization_method: header
    body_format: json
fake-nopkce:
    display_name: Fake without PKCE
    auth_mode: OAUTH2
    authorization_url: http://127.0.0.1:PORT/authorize
    token_url: http://127.0.0.1:PORT/token
    disable_pkce: true
fake-apikey:
    display_name: Fake API key
    auth_mode: API_KEY
    proxy:
        base_url: http://127.0.0.1:PORT
        headers:
            authorization: Bearer ${apiKey}
fake-basic:
    display_name: Fake username and password
    auth_mode: BASIC
    proxy:
        base_url: http://127.0.0.1:PORT
"#;

/// A provider whose authorize and token URLs use a `subdomain` that forms must ask for (the
/// hosted connect page: a pattern checked before any redirect, an optional field shown first,
/// an automated one never asked for). Add it with `Builder::providers(TENANT_YAML)`.
pub const TENANT_YAML: &str = r#"
fake-tenant:
    display_name: Fake Tenant
    auth_mode: OAUTH2
    authorization_url: http://127.0.0.1:PORT/${connectionConfig.subdomain}/authorize
    token_url: http://127.0.0.1:PORT/${connectionConfig.subdomain}/token
    connection_config:
        subdomain:
            type: string
            title: Subdomain
            description: The first part of your workspace's address
            pattern: '^[a-z0-9-]+$'
            example: acme
        region:
            type: string
            title: Region
            optional: true
            order: 1
        computed:
            type: string
            automated: true
"#;

/// `PROVIDERS_YAML` then `extra` (YAML too), with `PORT` replaced by `provider`'s port.
pub fn providers_yaml(provider: &FakeProvider, extra: &str) -> String {
    format!("{PROVIDERS_YAML}{extra}").replace("PORT", &provider.port().to_string())
}
