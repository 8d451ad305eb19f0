//! Tests for checking connection configurations against declared params.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::catalog::{AuthMode, ConfigParam, ProxyConfig};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The checks as an integration that allows no credential host runs them.
fn validate_connection_config(provider: &Provider, params: &JsonMap) -> Result<(), ParamsError> {
    super::validate_connection_config(provider, params, &AllowedHosts::none())
}

fn validate_callback_values(provider: &Provider, values: &JsonMap) -> Result<(), ParamsError> {
    super::validate_callback_values(provider, values, values, &AllowedHosts::none())
}

fn params(value: Value) -> JsonMap {
    match value {
        Value::Object(map) => map,
        _ => panic!("params must be an object"),
    }
}

fn provider() -> Provider {
    let declared = |optional| ConfigParam { optional, ..ConfigParam::default() };
    Provider {
        name: "example".to_owned(),
        display_name: None,
        auth_mode: AuthMode::OAuth2,
        categories: Vec::new(),
        logo_url: None,
        authorization_url: Some("https://${connectionConfig.subdomain}.example.com/authorize".into()),
        authorization_url_fragment: None,
        authorization_url_replacements: Vec::new(),
        token_url: Some("https://login.example.com/${connectionConfig.tenant}/token".into()),
        refresh_url: None,
        authorization_params: BTreeMap::new(),
        token_params: BTreeMap::new(),
        refresh_params: BTreeMap::new(),
        scope_separator: " ".into(),
        default_scopes: Vec::new(),
        disable_pkce: false,
        authorization_method: Default::default(),
        body_format: Default::default(),
        token_response_metadata: vec!["instance_url".into()],
        redirect_uri_metadata: vec!["realmId".into()],
        connection_config: BTreeMap::from([
            ("subdomain".to_owned(), declared(false)),
            ("tenant".to_owned(), declared(true)),
            ("instance_url".to_owned(), declared(false)),
            ("realmId".to_owned(), declared(false)),
        ]),
        token_expiration_buffer: None,
        proxy: Some(ProxyConfig {
            base_url: "https://${connectionConfig.region}.api.example.com".into(),
            headers: BTreeMap::new(),
        }),
        docs: None,
    }
}

#[test]
fn accepts_required_keys_and_skips_provider_filled_ones() {
    validate_connection_config(&provider(), &params(json!({"subdomain": "acme"}))).unwrap();
}

#[test]
fn missing_or_empty_required_key_is_named() {
    for value in [json!({}), json!({"subdomain": ""}), json!({"subdomain": null})] {
        let error = validate_connection_config(&provider(), &params(value)).unwrap_err();
        assert_eq!(error, ParamsError::Missing { key: "subdomain".into() });
        assert!(error.to_string().contains("subdomain"));
    }
}

#[test]
fn host_values_must_be_hostname_safe() {
    for bad in ["evil.com/x", "a@b", "x#", "..", "a b", "a:1"] {
        let error =
            validate_connection_config(&provider(), &params(json!({ "subdomain": bad }))).unwrap_err();
        assert!(matches!(&error, ParamsError::Invalid { key, .. } if key == "subdomain"), "{bad}");
        assert!(!error.to_string().contains(bad) || bad == "..");
    }
}

#[test]
fn undeclared_keys_in_a_proxy_host_are_checked_too() {
    let error =
        validate_connection_config(&provider(), &params(json!({"subdomain": "acme", "region": "evil.com/"})))
            .unwrap_err();
    assert!(matches!(error, ParamsError::Invalid { key, .. } if key == "region"));
    validate_connection_config(&provider(), &params(json!({"subdomain": "acme", "region": "eu"}))).unwrap();
}

#[test]
fn path_values_refuse_dot_segments_but_allow_other_text() {
    let ok = params(json!({"subdomain": "acme", "tenant": "a/b c"}));
    validate_connection_config(&provider(), &ok).unwrap();
    let bad = params(json!({"subdomain": "acme", "tenant": ".."}));
    let error = validate_connection_config(&provider(), &bad).unwrap_err();
    assert!(matches!(error, ParamsError::Invalid { key, .. } if key == "tenant"));
}

#[test]
fn non_scalar_values_are_refused() {
    let error = validate_connection_config(&provider(), &params(json!({"subdomain": ["a"]}))).unwrap_err();
    assert!(matches!(error, ParamsError::Invalid { key, .. } if key == "subdomain"));
}

#[test]
fn numbers_count_as_present() {
    validate_connection_config(&provider(), &params(json!({"subdomain": 42}))).unwrap();
}

fn built_in(name: &str) -> Provider {
    let catalog = crate::catalog::Catalog::load(None, "http://localhost:3003").unwrap();
    catalog.get(name).unwrap().clone()
}

/// An operator entry: OAuth2 with the given URL lines and connection_config block.
fn operator_entry(fields: &str) -> Provider {
    let authorization_url = if fields.contains("authorization_url") {
        ""
    } else {
        "authorization_url: https://login.example.com/auth\n"
    };
    let yaml = format!("auth_mode: OAUTH2\n{authorization_url}{fields}");
    let value: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    crate::catalog::parse::parse_entry("operator", value).unwrap()
}

fn refused_key(provider: &Provider, value: Value) -> (String, String) {
    let error = validate_connection_config(provider, &params(value)).unwrap_err();
    let message = error.to_string();
    match error {
        ParamsError::Invalid { key, .. } | ParamsError::HostNotAllowed { key, .. } => (key, message),
        other => panic!("expected an invalid key, got {other:?}"),
    }
}

#[test]
fn zoho_data_centre_must_be_one_of_its_enum() {
    let zoho = built_in("zoho");
    assert!(zoho.connection_config["data_center_domain"].allowed_values.contains(&"com.au".to_owned()));
    for ok in [json!({}), json!({"data_center_domain": "eu"}), json!({"data_center_domain": "com.au"})] {
        validate_connection_config(&zoho, &params(ok)).unwrap();
    }
    for evil in ["evil.com", "eu.evil.com", "EU"] {
        let (key, message) = refused_key(&zoho, json!({ "data_center_domain": evil }));
        assert_eq!(key, "data_center_domain");
        assert!(message.contains("not one of the values"), "{message}");
        assert!(!message.contains(evil), "{message}");
    }
}

#[test]
fn a_caller_never_picks_the_host_of_the_token_url() {
    let hostname = operator_entry(
        "token_url: https://${connectionConfig.hostname}/token\n\
         connection_config:\n  hostname:\n    type: string\n",
    );
    for value in ["acme.example.com", "login.example.com", "evil.com", "acme.example.com:8443/base"] {
        let (key, message) = refused_key(&hostname, json!({ "hostname": value }));
        assert_eq!(key, "hostname");
        // The refusal names the host (it passed the hostname check) and how to allow it.
        let host = value.split(':').next().unwrap();
        assert!(
            message.contains("host that receives") && message.contains(&format!("`{host}`")),
            "{message}"
        );
        assert!(message.contains(&format!(r#"{{"allowed_hosts": ["{host}"]}}"#)), "{message}");
    }
    // Declared and required, so the entry cannot be connected until the operator allows hosts.
    assert_eq!(
        validate_connection_config(&hostname, &JsonMap::new()).unwrap_err(),
        ParamsError::Missing { key: "hostname".into() }
    );
}

#[test]
fn a_caller_never_supplies_the_origin_of_the_token_or_refresh_url() {
    let token = operator_entry("token_url: ${connectionConfig.instance_url}/token\n");
    let refresh = operator_entry(
        "token_url: https://login.example.com/token\n\
         refresh_url: ${connectionConfig.instance_url}/refresh\n",
    );
    for provider in [token, refresh] {
        let (key, _) = refused_key(&provider, json!({"instance_url": "https://evil.com"}));
        assert_eq!(key, "instance_url");
        validate_connection_config(&provider, &JsonMap::new()).unwrap();
    }
}

#[test]
fn a_caller_never_picks_the_proxy_host() {
    let provider = operator_entry(
        "token_url: https://login.example.com/token\n\
         proxy:\n  base_url: https://${connectionConfig.host}/api\n",
    );
    let (key, _) = refused_key(&provider, json!({"host": "evil.com"}));
    assert_eq!(key, "host");
}

#[test]
fn a_host_placeholder_with_a_fixed_registrable_suffix_is_accepted() {
    let zendesk = built_in("zendesk");
    validate_connection_config(&zendesk, &params(json!({"subdomain": "acme"}))).unwrap();
    // Dots stay below the fixed suffix: the host is still under `zendesk.com`.
    validate_connection_config(&zendesk, &params(json!({"subdomain": "a.b"}))).unwrap();
    let shopify = built_in("shopify");
    validate_connection_config(&shopify, &params(json!({"subdomain": "my-shop"}))).unwrap();
    let one_label = operator_entry("token_url: https://${connectionConfig.name}.com/token\n");
    assert_eq!(refused_key(&one_label, json!({"name": "evil"})).0, "name");
}

#[test]
fn the_authorization_url_host_is_only_checked_for_hostname_safety() {
    let provider = operator_entry(
        "authorization_url: https://${connectionConfig.hostname}/auth\n\
         token_url: https://login.example.com/token\n",
    );
    validate_connection_config(&provider, &params(json!({"hostname": "sso.acme.com"}))).unwrap();
    // The whole authority: a port and a path are fine, anything else is not.
    validate_connection_config(&provider, &params(json!({"hostname": "sso.acme.com:8443/idp"}))).unwrap();
    for bad in ["evil.com?x", "a@evil.com", "evil.com:0", "evil.com/../x", "evil.com#x"] {
        assert_eq!(refused_key(&provider, json!({ "hostname": bad })).0, "hostname", "{bad}");
    }
}

#[test]
fn an_enum_lets_a_caller_choose_among_listed_hosts_only() {
    let provider = operator_entry(
        "token_url: https://${connectionConfig.hostname}/token\n\
         connection_config:\n  hostname:\n    type: string\n    enum:\n      - api.example.com\n      - api.example.eu\n  \
         version:\n    type: string\n    optional: true\n    enum: [1, 2]\n",
    );
    assert_eq!(provider.connection_config["version"].allowed_values, ["1", "2"]);
    validate_connection_config(&provider, &params(json!({"hostname": "api.example.eu"}))).unwrap();
    let with_version = json!({"hostname": "api.example.com", "version": 2});
    validate_connection_config(&provider, &params(with_version)).unwrap();
    assert_eq!(refused_key(&provider, json!({"hostname": "evil.com"})).0, "hostname");
    let bad_version = json!({"hostname": "api.example.com", "version": "3"});
    assert_eq!(refused_key(&provider, bad_version).0, "version");
}

#[test]
fn an_enum_that_is_not_a_list_skips_the_entry() {
    let yaml =
        "auth_mode: OAUTH2\nauthorization_url: https://a.example.com\ntoken_url: https://a.example.com\n\
                connection_config:\n  region:\n    enum: {a: b}\n";
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    assert!(crate::catalog::parse::parse_entry("operator", value).is_err());
}

#[test]
fn a_caller_cannot_prefill_what_the_provider_returns_with_the_token() {
    let salesforce = built_in("salesforce");
    let (key, message) = refused_key(&salesforce, json!({"instance_url": "https://evil.com"}));
    assert_eq!(key, "instance_url");
    assert!(message.contains("set by the provider"), "{message}");
    // Even for a key the provider entry also declares as asked of the user.
    let (key, _) = refused_key(&provider(), json!({"subdomain": "acme", "instance_url": "x"}));
    assert_eq!(key, "instance_url");
    validate_connection_config(&salesforce, &params(json!({"login_subdomain": "test"}))).unwrap();
}

#[test]
fn an_update_keeps_provider_filled_keys_but_holds_the_patch_to_the_caller_rules() {
    let salesforce = built_in("salesforce");
    let stored = params(json!({"instance_url": "https://na1.my.salesforce.com"}));
    validate_config_update(&salesforce, &stored, &params(json!({"login_subdomain": "test"}))).unwrap();
    let patch = params(json!({"instance_url": "https://evil.com"}));
    let error = validate_config_update(&salesforce, &stored, &patch).unwrap_err();
    assert!(matches!(error, ParamsError::Invalid { key, .. } if key == "instance_url"));
    let bad_host = params(json!({"login_subdomain": "evil.com/"}));
    assert!(validate_config_update(&salesforce, &stored, &bad_host).is_err());
    // The merged configuration must still have every required key.
    let zendesk = built_in("zendesk");
    let stored = params(json!({"subdomain": "acme"}));
    validate_config_update(&zendesk, &stored, &params(json!({"other": "x"}))).unwrap();
    let cleared = params(json!({"subdomain": null}));
    let error = validate_config_update(&zendesk, &stored, &cleared).unwrap_err();
    assert_eq!(error, ParamsError::Missing { key: "subdomain".into() });
}

#[test]
fn callback_values_may_not_choose_a_credential_host_either() {
    let provider = operator_entry(
        "token_url: https://accounts.example.com/token || ${connectionConfig.accounts-server}/token\n\
         redirect_uri_metadata: [accounts-server, realmId, shard]\n\
         proxy:\n  base_url: https://${connectionConfig.shard}.api.example.com/${connectionConfig.realmId}\n\
         connection_config:\n  shard:\n    type: string\n    enum: [eu, us]\n",
    );
    let fine = params(json!({"realmId": "123", "shard": "eu"}));
    validate_callback_values(&provider, &fine).unwrap();
    let evil = params(json!({"accounts-server": "https://evil.com"}));
    let error = validate_callback_values(&provider, &evil).unwrap_err();
    assert!(matches!(error, ParamsError::HostNotAllowed { key, .. } if key == "accounts-server"));
    // Unless the integration allows the host the value leads to.
    let from_callback = operator_entry(
        "token_url: ${connectionConfig.accounts-server}/token\nredirect_uri_metadata: [accounts-server]\n",
    );
    let allowed = vec!["*.accounts.example.eu".to_owned()];
    let allowed = AllowedHosts::of("crm", &allowed);
    let eu = params(json!({"accounts-server": "https://eu1.accounts.example.eu"}));
    super::validate_callback_values(&from_callback, &eu, &eu, &allowed).unwrap();
    assert!(super::validate_callback_values(&from_callback, &evil, &evil, &allowed).is_err());
    let error = validate_callback_values(&provider, &params(json!({"shard": "ap"}))).unwrap_err();
    assert!(matches!(error, ParamsError::Invalid { key, .. } if key == "shard"));
    let error = validate_callback_values(&provider, &params(json!({"realmId": ".."}))).unwrap_err();
    assert!(matches!(error, ParamsError::Invalid { key, .. } if key == "realmId"));
}

#[test]
fn caller_chosen_authorize_hosts_are_found_unless_an_enum_restricts_them() {
    let mut provider = provider();
    provider.authorization_url = Some("https://${connectionConfig.host}/authorize".into());
    provider.connection_config.insert("host".into(), ConfigParam::default());
    assert_eq!(open_authorize_host_keys(&provider), vec!["host".to_string()]);
    provider.connection_config.insert(
        "host".into(),
        ConfigParam { allowed_values: vec!["eu.example.com".into()], ..ConfigParam::default() },
    );
    assert!(open_authorize_host_keys(&provider).is_empty());
    provider.authorization_url = Some("https://${connectionConfig.subdomain}.zendesk.com/authorize".into());
    assert!(open_authorize_host_keys(&provider).is_empty(), "a fixed parent domain is not open");
}

#[test]
fn allowed_hosts_let_a_caller_choose_exactly_those_credential_hosts() {
    let on_premise = operator_entry(
        "authorization_url: https://${connectionConfig.hostname}/auth\n\
         token_url: https://${connectionConfig.hostname}/token\n\
         proxy:\n  base_url: https://${connectionConfig.hostname}/api\n",
    );
    let patterns = vec!["*.my-okta.com".to_owned(), "login.example.org".to_owned()];
    let allowed = AllowedHosts::of("okta", &patterns);
    let check = |value: &str| {
        super::validate_connection_config(&on_premise, &params(json!({ "hostname": value })), &allowed)
    };
    for fine in
        ["acme.my-okta.com", "a.b.my-okta.com:8443", "login.example.org/tenant/7", "LOGIN.example.org"]
    {
        check(fine).unwrap_or_else(|error| panic!("{fine}: {error}"));
    }
    for refused in ["my-okta.com", "evil.com", "login.example.org.evil.com", "x.login.example.org"] {
        let error = check(refused).unwrap_err();
        assert!(matches!(&error, ParamsError::HostNotAllowed { key, .. } if key == "hostname"), "{refused}");
        assert!(error.to_string().contains("PATCH /integrations/okta"), "{error}");
    }
    // An origin value is held to the same list, by its host.
    let origin = operator_entry("token_url: ${connectionConfig.instance_url}/token\n");
    let instance = |url: &str| params(json!({ "instance_url": url }));
    super::validate_connection_config(&origin, &instance("https://acme.my-okta.com"), &allowed).unwrap();
    assert!(super::validate_connection_config(&origin, &instance("https://evil.com"), &allowed).is_err());
    // A declared enum still governs its key, whatever the allowed hosts.
    let zoho = built_in("zoho");
    let everything = vec!["*.evil.com".to_owned()];
    let error = super::validate_connection_config(
        &zoho,
        &params(json!({"data_center_domain": "x.evil.com"})),
        &AllowedHosts::of("zoho", &everything),
    );
    assert!(matches!(error, Err(ParamsError::Invalid { .. })), "{error:?}");
    // A patch to a stored configuration never moves credential requests to a chosen host.
    let stored = params(json!({"hostname": "acme.my-okta.com"}));
    let patch = params(json!({"hostname": "other.my-okta.com"}));
    assert!(validate_config_update(&on_premise, &stored, &patch).is_err());
}
