//! Checking a connection's configuration against its provider's declared params (SPEC §2 step 1).
//!
//! Declared `pattern`s are not checked: the `regex` crate is not a dependency, and Nango's
//! patterns use look-around that it would not compile anyway. What matters for safety is checked
//! structurally instead: every value that lands in a hostname of one of the provider's URLs must
//! be hostname-safe, wherever the key is declared or not.

use super::template::{self, Placement};
use super::Provider;
use crate::store::JsonMap;

/// Why a connection configuration was refused: a human message naming the key, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("missing required connection configuration `{key}`")]
    Missing { key: String },
    #[error("connection configuration `{key}` {reason}")]
    Invalid { key: String, reason: &'static str },
}

/// Required declared keys are present and non-empty; values placed into any of the provider's
/// URLs (authorization, token, refresh, proxy base) are safe for their placement.
pub fn validate_connection_config(provider: &Provider, params: &JsonMap) -> Result<(), ParamsError> {
    for (key, param) in &provider.connection_config {
        // Keys the provider itself returns (token response, callback query) are filled in by
        // the callback, so the caller cannot be asked for them.
        let from_provider =
            provider.token_response_metadata.contains(key) || provider.redirect_uri_metadata.contains(key);
        if param.optional || from_provider {
            continue;
        }
        if text(params, key)?.is_none() {
            return Err(ParamsError::Missing { key: key.clone() });
        }
    }
    let urls = [
        provider.authorization_url.as_deref(),
        provider.token_url.as_deref(),
        provider.refresh_url.as_deref(),
        provider.proxy.as_ref().map(|proxy| proxy.base_url.as_str()),
    ];
    for template in urls.into_iter().flatten() {
        for (key, placement) in template::url_placeholders(template) {
            let Some(value) = text(params, &key)? else { continue };
            let checked = match placement {
                Placement::Origin => template::check_origin(&value).map(drop),
                Placement::Host => template::check_host(&value),
                Placement::Path => template::check_path(&value),
                Placement::Query => Ok(()),
            };
            checked.map_err(|reason| ParamsError::Invalid { key: key.clone(), reason })?;
        }
    }
    Ok(())
}

fn text(params: &JsonMap, key: &str) -> Result<Option<String>, ParamsError> {
    template::config_text(params, key).map_err(|error| match error {
        template::TemplateError::Unsafe { key, reason } => ParamsError::Invalid { key, reason },
        template::TemplateError::Missing { key } => ParamsError::Missing { key },
    })
}

#[cfg(test)]
mod tests {
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
        let error = validate_connection_config(
            &provider(),
            &params(json!({"subdomain": "acme", "region": "evil.com/"})),
        )
        .unwrap_err();
        assert!(matches!(error, ParamsError::Invalid { key, .. } if key == "region"));
        validate_connection_config(&provider(), &params(json!({"subdomain": "acme", "region": "eu"})))
            .unwrap();
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
        let error =
            validate_connection_config(&provider(), &params(json!({"subdomain": ["a"]}))).unwrap_err();
        assert!(matches!(error, ParamsError::Invalid { key, .. } if key == "subdomain"));
    }

    #[test]
    fn numbers_count_as_present() {
        validate_connection_config(&provider(), &params(json!({"subdomain": 42}))).unwrap();
    }
}
