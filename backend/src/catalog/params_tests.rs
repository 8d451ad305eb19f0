//! Tests for checking connection configurations against declared params.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::catalog::{AuthMode, ConfigParam, ProxyConfig};
use serde_json::{json, Value};
use std::collections::BTreeMap;

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
        authorization_url: Some("https://${connectionConfig.subdomain}.example.com/authorize".into()),
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
        ParamsError::Invalid { key, .. } => (key, message),
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
    for value in ["acme.example.com", "login.example.com", "evil.com"] {
        let (key, message) = refused_key(&hostname, json!({ "hostname": value }));
        assert_eq!(key, "hostname");
        assert!(message.contains("host that receives") && message.contains("enum"), "{message}");
        assert!(!message.contains(value), "{message}");
    }
    // Declared and required, so the entry cannot be connected until the operator adds an enum.
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
    assert_eq!(refused_key(&provider, json!({"hostname": "evil.com/x"})).0, "hostname");
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
    assert!(matches!(error, ParamsError::Invalid { key, .. } if key == "accounts-server"));
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
