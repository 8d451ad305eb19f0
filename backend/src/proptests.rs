//! Property tests for the parsers that take untrusted input (SPEC §13 "Input"): ids, the
//! browser query, `${connectionConfig.x}` templates, token answers and the input rule. They
//! must never panic, and what they accept must keep the promises the rest of the code relies on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::catalog::template;
use crate::connections::token::parse_answer;
use crate::extract::input::check_uri;
use crate::ids::{ConnectionId, IntegrationKey};
use crate::json::JsonMap;
use crate::oauth::query::BrowserQuery;
use proptest::prelude::*;
use serde_json::{json, Value};

const CONNECTION_ID_CHARS: &str = "._@|:-";

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn connection_ids_accept_exactly_the_rule(raw in "\\PC{0,300}") {
        let valid = (1..=255).contains(&raw.len())
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || CONNECTION_ID_CHARS.contains(c));
        prop_assert_eq!(ConnectionId::parse(raw.clone()).is_ok(), valid);
    }

    #[test]
    fn integration_keys_never_panic(raw in "\\PC{0,300}") {
        if let Ok(key) = IntegrationKey::parse(raw.clone()) {
            prop_assert_eq!(key.as_str(), raw.as_str());
        }
    }

    #[test]
    fn browser_queries_never_panic_and_keep_bracketed_params(
        raw in "[ -~]{0,200}",
        name in "[a-zA-Z0-9_]{1,20}",
        value in "\\PC{0,40}",
    ) {
        let _ = BrowserQuery::parse(Some(&raw));
        let encoded: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(&format!("params[{name}]"), &value)
            .finish();
        let query = BrowserQuery::parse(Some(&encoded));
        prop_assert_eq!(query.params.get(&name), Some(&Value::String(value)));
    }

    #[test]
    fn host_templates_never_leave_their_host(value in "\\PC{0,40}") {
        let config: JsonMap = [("subdomain".to_string(), Value::String(value))].into_iter().collect();
        if let Ok(filled) = template::fill_url("https://${connectionConfig.subdomain}.example.com/token", &config) {
            let url = url::Url::parse(&filled).unwrap();
            let host = url.host_str().unwrap();
            prop_assert!(host.ends_with(".example.com"), "{}", filled);
            prop_assert_eq!(url.path(), "/token");
            prop_assert!(url.query().is_none() && url.fragment().is_none());
        }
    }

    #[test]
    fn path_and_query_templates_are_encoded(value in "\\PC{1,40}") {
        let config: JsonMap = [("tenant".to_string(), Value::String(value))].into_iter().collect();
        if let Ok(filled) = template::fill_url("https://idp.example.com/${connectionConfig.tenant}/token?t=${connectionConfig.tenant}", &config) {
            let url = url::Url::parse(&filled).unwrap();
            prop_assert_eq!(url.host_str(), Some("idp.example.com"));
            prop_assert!(url.path().ends_with("/token"), "{}", filled);
            prop_assert!(url.fragment().is_none(), "{}", filled);
        }
    }

    #[test]
    fn token_answers_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_answer(status, &body, 1_700_000_000);
    }

    #[test]
    fn accepted_token_answers_have_a_usable_expiry(expires_in in any::<f64>(), token in "[a-zA-Z0-9]{1,40}") {
        let body = json!({ "access_token": token, "expires_in": expires_in }).to_string();
        let set = parse_answer(200, body.as_bytes(), 1_700_000_000).unwrap();
        prop_assert_eq!(set.access_token.expose(), &token);
        if let Some(at) = set.expires_at {
            prop_assert!(at > 1_700_000_000 && crate::time::rfc3339(at).is_ok());
        }
    }

    #[test]
    fn the_input_rule_refuses_every_control_character(prefix in "[a-z]{0,10}", control in 0u8..32, suffix in "[a-z]{0,10}") {
        let query = format!("state={prefix}%{control:02X}{suffix}");
        prop_assert!(check_uri("/oauth/callback", Some(&query)).is_err());
        let clean = format!("state={prefix}{suffix}");
        prop_assert!(check_uri("/oauth/callback", Some(&clean)).is_ok());
    }

    #[test]
    fn the_input_rule_reads_a_text_as_its_percent_encoding(text in any::<String>()) {
        // The undecoded fast path (no `%`) and the decoding path agree.
        let encoded = percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string();
        let path = |text: &str| check_uri(&format!("/x/{text}"), None).is_ok();
        prop_assert_eq!(path(&text.replace('%', "")), path(&encoded.replace("%25", "")));
        let query = |text: &str| check_uri("/x", Some(&format!("a={text}"))).is_ok();
        prop_assert_eq!(query(&text.replace('%', "")), query(&encoded.replace("%25", "")));
    }
}
