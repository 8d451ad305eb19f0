//! Tests for loading the catalog: built-in file, operator file, aliases, Nango's own file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::template::{self, Placement};
use super::*;
use crate::store::JsonMap;
use std::io::Write;

pub(super) const SERVER: &str = "http://localhost:3003";

const BUILT_IN_NAMES: [&str; 25] = [
    "demo",
    "zendesk",
    "salesforce",
    "zoho",
    "shopify",
    "quickbooks",
    "github",
    "google",
    "slack",
    "hubspot",
    "notion",
    "discord",
    "microsoft",
    "atlassian",
    "gitlab",
    "linear",
    "dropbox",
    "asana",
    "intercom",
    "xero",
    "airtable",
    "figma",
    "spotify",
    "box",
    "bitbucket",
];

fn built_in() -> Catalog {
    Catalog::load(None, SERVER).unwrap()
}

fn operator_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

/// A sample value for every placeholder of `url`, suited to its placement.
pub(super) fn sample_config(urls: &[&str]) -> JsonMap {
    let mut config = JsonMap::new();
    for url in urls {
        for (key, placement) in template::url_placeholders(url) {
            let sample = match placement {
                Placement::Origin => "https://sample.example.com",
                _ => "sample",
            };
            config.insert(key, sample.into());
        }
    }
    config
}

fn assert_fills_to_url(provider: &Provider, url: &str) {
    let config = sample_config(&[url]);
    for config in [config, JsonMap::new()] {
        // Without values only templates with a fallback alternative can be filled.
        let Ok(filled) = template::fill_url(url, &config) else { continue };
        let parsed = url::Url::parse(&filled)
            .unwrap_or_else(|error| panic!("{}: {filled} is not a URL: {error}", provider.name));
        assert!(matches!(parsed.scheme(), "https" | "http"), "{}: {filled}", provider.name);
        assert!(parsed.host_str().is_some_and(|h| !h.is_empty()), "{}: {filled}", provider.name);
    }
    assert!(template::fill_url(url, &sample_config(&[url])).is_ok(), "{}: {url}", provider.name);
}

#[test]
fn built_in_catalog_has_every_required_provider() {
    let catalog = built_in();
    assert!(catalog.len() >= 26, "only {} entries", catalog.len());
    for name in BUILT_IN_NAMES {
        let provider = catalog.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(provider.name, name);
        assert!(provider.docs.as_deref().is_some_and(|docs| docs.starts_with("http")), "{name} docs");
    }
}

#[test]
fn every_built_in_url_is_a_url_once_filled() {
    let catalog = built_in();
    for provider in catalog.providers.values() {
        if provider.auth_mode == AuthMode::OAuth2 {
            let authorization_url = provider.authorization_url.as_deref().unwrap();
            assert_fills_to_url(provider, authorization_url);
            assert_fills_to_url(provider, provider.token_url.as_deref().unwrap());
            assert_fills_to_url(provider, provider.refresh_url.as_deref().unwrap());
        }
        let proxy = provider.proxy.as_ref().unwrap_or_else(|| panic!("{} has no proxy", provider.name));
        assert_fills_to_url(provider, &proxy.base_url);
    }
}

/// "Never send client credentials to a host the end user chose": in every built-in entry, a
/// key that decides the host of a token, refresh or proxy URL is either filled from the
/// provider's token response or restricted to an `enum`.
#[test]
fn built_in_credential_hosts_are_never_the_callers_choice() {
    let catalog = built_in();
    for provider in catalog.providers.values() {
        let proxy = provider.proxy.as_ref().map(|proxy| proxy.base_url.as_str());
        let urls = [provider.token_url.as_deref(), provider.refresh_url.as_deref(), proxy];
        for url in urls.into_iter().flatten() {
            for key in template::host_deciding_keys(url) {
                let from_provider = provider.token_response_metadata.contains(&key);
                let restricted = provider
                    .connection_config
                    .get(&key)
                    .is_some_and(|param| !param.allowed_values.is_empty());
                assert!(from_provider || restricted, "{}: `{key}` decides the host of {url}", provider.name);
            }
        }
    }
}

#[test]
fn built_in_quirks_are_data() {
    let catalog = built_in();
    let zendesk = catalog.get("zendesk").unwrap();
    let authorization_url = zendesk.authorization_url.as_deref().unwrap();
    assert_eq!(template::url_placeholders(authorization_url), [("subdomain".into(), Placement::Host)]);
    assert!(!zendesk.connection_config["subdomain"].optional);
    let salesforce = catalog.get("salesforce").unwrap();
    assert_eq!(salesforce.token_response_metadata, ["instance_url"]);
    assert_eq!(salesforce.proxy.as_ref().unwrap().base_url, "${connectionConfig.instance_url}");
    let token_url = template::fill_url(salesforce.token_url.as_deref().unwrap(), &JsonMap::new());
    assert_eq!(token_url.unwrap(), "https://login.salesforce.com/services/oauth2/token");
    assert_eq!(catalog.get("quickbooks").unwrap().redirect_uri_metadata, ["realmId"]);
    let notion = catalog.get("notion").unwrap();
    assert_eq!((notion.authorization_method, notion.body_format), (ClientAuth::Header, BodyFormat::Json));
    assert!(notion.disable_pkce);
    let google = catalog.get("google").unwrap();
    assert_eq!(google.authorization_params["access_type"], "offline");
    assert_eq!(google.authorization_params["prompt"], "consent");
    assert_eq!(catalog.get("slack").unwrap().scope_separator, ",");
    assert_eq!(catalog.get("github").unwrap().scope_separator, " ");
    assert_eq!(catalog.get("dropbox").unwrap().authorization_params["token_access_type"], "offline");
    assert!(!catalog.get("airtable").unwrap().disable_pkce);
    let atlassian = catalog.get("atlassian").unwrap();
    assert_eq!(atlassian.authorization_params["audience"], "api.atlassian.com");
    let zoho = catalog.get("zoho").unwrap();
    let zoho_url = zoho.authorization_url.as_deref().unwrap();
    let eu = serde_json::json!({"data_center_domain": "eu"});
    let filled = template::fill_url(zoho_url, eu.as_object().unwrap()).unwrap();
    assert_eq!(filled, "https://accounts.zoho.eu/oauth/v2/auth");
    let microsoft = catalog.get("microsoft").unwrap();
    let filled = template::fill_url(microsoft.token_url.as_deref().unwrap(), &JsonMap::new()).unwrap();
    assert_eq!(filled, "https://login.microsoftonline.com/common/oauth2/v2.0/token");
    // The alias keeps the aliased entry's URLs and takes its own scopes.
    let drive = catalog.get("google-drive").unwrap();
    assert_eq!(drive.authorization_url, google.authorization_url);
    assert!(drive.default_scopes.iter().any(|scope| scope.contains("drive")));
    assert_eq!(catalog.get("openai").unwrap().auth_mode, AuthMode::ApiKey);
    assert_eq!(catalog.get("twilio").unwrap().auth_mode, AuthMode::Basic);
    assert_eq!(catalog.get("twilio").unwrap().token_url, None);
}

#[test]
fn demo_urls_are_resolved_against_the_server_url() {
    let catalog = Catalog::load(None, "http://127.0.0.1:9999/").unwrap();
    let demo = catalog.get("demo").unwrap();
    assert_eq!(demo.authorization_url.as_deref(), Some("http://127.0.0.1:9999/demo/oauth/authorize"));
    assert_eq!(demo.token_url.as_deref(), Some("http://127.0.0.1:9999/demo/oauth/token"));
    assert_eq!(demo.refresh_url.as_deref(), Some("http://127.0.0.1:9999/demo/oauth/token"));
    assert_eq!(demo.proxy.as_ref().unwrap().base_url, "http://127.0.0.1:9999/demo/api");
    assert_eq!(demo.default_scopes, ["profile", "email"]);
    assert!(demo.connection_config["subdomain"].optional);
}

#[test]
fn operator_file_overrides_and_adds_entries() {
    let file = operator_file(
        r#"
zendesk:
    auth_mode: OAUTH2
    authorization_url: https://auth.example.com/authorize
    token_url: https://auth.example.com/token
    some_future_field: {nested: [1, 2]}
    authorization_params: {max_age: 300, force: true, name: x}
    token_expiration_buffer: 60
in-house:
    auth_mode: OAUTH2
    authorization_url: /in-house/authorize
    token_url:
        OAUTH2: https://in-house.example.com/token
        APP: https://in-house.example.com/app-token
    token_request_auth_method: basic
    scope_separator: '+'
    default_scopes: [a, b]
    connection_config:
        team: {type: string, title: Team, pattern: '^[a-z]+$', example: acme}
"#,
    );
    let catalog = Catalog::load(Some(file.path()), SERVER).unwrap();
    let zendesk = catalog.get("zendesk").unwrap();
    assert_eq!(zendesk.authorization_url.as_deref(), Some("https://auth.example.com/authorize"));
    // The whole entry is replaced: the built-in connection_config is gone.
    assert!(zendesk.connection_config.is_empty());
    assert_eq!(zendesk.authorization_params["max_age"], "300");
    assert_eq!(zendesk.authorization_params["force"], "true");
    assert_eq!(zendesk.token_expiration_buffer, Some(60));
    let added = catalog.get("in-house").unwrap();
    assert_eq!(added.authorization_url.as_deref(), Some("http://localhost:3003/in-house/authorize"));
    assert_eq!(added.token_url.as_deref(), Some("https://in-house.example.com/token"));
    assert_eq!(added.authorization_method, ClientAuth::Header);
    assert_eq!(added.scope_separator, "+");
    assert_eq!(added.connection_config["team"].pattern.as_deref(), Some("^[a-z]+$"));
    assert!(!added.connection_config["team"].optional);
    assert!(catalog.get("github").is_some(), "built-in entries stay");
}

#[test]
fn unusable_entries_are_skipped_not_fatal() {
    let file = operator_file(
        r#"
signed: {auth_mode: OAUTH1, authorization_url: https://x.example.com/a}
machine: {auth_mode: OAUTH2_CC, token_url: https://x.example.com/t}
no-mode: {authorization_url: https://x.example.com/a}
no-token-url: {auth_mode: OAUTH2, authorization_url: https://x.example.com/a}
bad-params: {auth_mode: OAUTH2, authorization_url: a, token_url: b, token_params: {x: {y: 1}}}
bad-format: {auth_mode: OAUTH2, authorization_url: a, token_url: b, body_format: query}
not-a-map: 42
dangling: {alias: nowhere}
chained: {alias: google-drive}
keyed: {auth_mode: API_KEY, proxy: {base_url: 'https://k.example.com', headers: {x-key: '${apiKey}'}}}
"#,
    );
    let catalog = Catalog::load(Some(file.path()), SERVER).unwrap();
    for skipped in ["signed", "machine", "no-mode", "no-token-url", "bad-params", "bad-format"] {
        assert!(catalog.get(skipped).is_none(), "{skipped} should be skipped");
    }
    for skipped in ["not-a-map", "dangling", "chained"] {
        assert!(catalog.get(skipped).is_none(), "{skipped} should be skipped");
    }
    let keyed = catalog.get("keyed").unwrap();
    assert_eq!(keyed.proxy.as_ref().unwrap().headers["x-key"], "${apiKey}");
    assert!(catalog.get("demo").is_some());
}

#[test]
fn a_file_that_is_not_yaml_or_not_a_map_is_an_error_naming_it() {
    for text in ["zendesk: [unclosed", "- a\n- b\n", "just text"] {
        let file = operator_file(text);
        let error = Catalog::load(Some(file.path()), SERVER).unwrap_err();
        assert!(matches!(error, CatalogError::Parse { .. }), "{text:?}: {error}");
        assert!(error.to_string().contains(&file.path().display().to_string()));
    }
    let missing = std::path::Path::new("/nonexistent/providers.yaml");
    let error = Catalog::load(Some(missing), SERVER).unwrap_err();
    assert!(matches!(error, CatalogError::Read { .. }));
    assert!(error.to_string().contains("/nonexistent/providers.yaml"));
    let empty = operator_file("");
    assert_eq!(Catalog::load(Some(empty.path()), SERVER).unwrap().len(), built_in().len());
}

#[test]
fn listing_fields_and_authorization_url_rewrites_are_read() {
    let file = operator_file(
        r#"
shop:
    display_name: Shop
    auth_mode: OAUTH2
    categories: [e-commerce, crm]
    logo_url: /logos/shop.svg
    authorization_url: https://${connectionConfig.handle}.shop.example.com/web/
    authorization_url_fragment: /oauth/authorize
    authorization_url_replacements:
        client_id=: appKey=
        state=: customField=
        response_type: ''
    token_url: https://${connectionConfig.handle}.shop.example.com/token
    connection_config:
        handle: {type: string, title: Handle, example: open001, prefix: 'https://', suffix: .shop.example.com, order: 1, doc_section: '#step-1', format: hostname}
        kind: {type: string, default_value: seller, hidden: true}
        auto: {type: string, automated: true}
installed:
    auth_mode: OAUTH2
    installation: outbound
    token_url: https://installed.example.com/token
bad-replacements: {auth_mode: OAUTH2, authorization_url: a, token_url: b, authorization_url_replacements: [x]}
empty-key: {auth_mode: OAUTH2, authorization_url: a, token_url: b, authorization_url_replacements: {'': x}}
"#,
    );
    let catalog = Catalog::load(Some(file.path()), SERVER).unwrap();
    let shop = catalog.get("shop").unwrap();
    assert_eq!(shop.categories, ["e-commerce", "crm"]);
    assert_eq!(shop.logo_url.as_deref(), Some("http://localhost:3003/logos/shop.svg"));
    assert_eq!(shop.authorization_url_fragment.as_deref(), Some("/oauth/authorize"));
    let replacements: Vec<(&str, &str)> =
        shop.authorization_url_replacements.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(replacements, [("client_id=", "appKey="), ("state=", "customField="), ("response_type", "")]);
    let handle = &shop.connection_config["handle"];
    assert_eq!((handle.example.as_deref(), handle.order), (Some("open001"), Some(1)));
    assert_eq!(
        (handle.prefix.as_deref(), handle.suffix.as_deref()),
        (Some("https://"), Some(".shop.example.com"))
    );
    assert_eq!(
        (handle.format.as_deref(), handle.doc_section.as_deref()),
        (Some("hostname"), Some("#step-1"))
    );
    assert!(!handle.optional && !handle.automated && !handle.hidden);
    let kind = &shop.connection_config["kind"];
    assert_eq!((kind.default_value.as_deref(), kind.hidden), (Some("seller"), true));
    let auto = &shop.connection_config["auto"];
    assert!(auto.automated && auto.optional);
    // An OAuth2 entry whose connections start on the provider's side loads without one.
    let installed = catalog.get("installed").unwrap();
    assert_eq!((installed.auth_mode, installed.authorization_url.as_deref()), (AuthMode::OAuth2, None));
    assert!(catalog.get("bad-replacements").is_none() && catalog.get("empty-key").is_none());
}
