//! Unit tests for `catalog::template`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use serde_json::json;

fn config(value: Value) -> JsonMap {
    match value {
        Value::Object(map) => map,
        _ => panic!("test config must be an object"),
    }
}

fn unsafe_key(result: Result<String, TemplateError>) -> String {
    match result {
        Err(TemplateError::Unsafe { key, .. }) => key,
        other => panic!("expected an unsafe-value error, got {other:?}"),
    }
}

const HOST_TEMPLATE: &str = "https://${connectionConfig.subdomain}.example.com/oauth/token";

#[test]
fn host_placement_accepts_a_plain_label() {
    let filled = fill_url(HOST_TEMPLATE, &config(json!({"subdomain": "acme-1"}))).unwrap();
    assert_eq!(filled, "https://acme-1.example.com/oauth/token");
}

#[test]
fn host_placement_rejects_unsafe_values() {
    for bad in ["evil.com/x", "a@b", "x#", "..", "", "a b", "a:1", "a?b", "a\\b", "a%2f", "é"] {
        let result = fill_url(HOST_TEMPLATE, &config(json!({ "subdomain": bad })));
        match result {
            // An empty value counts as missing.
            Err(TemplateError::Missing { key }) if bad.is_empty() => assert_eq!(key, "subdomain"),
            other => assert_eq!(unsafe_key(other), "subdomain", "value {bad:?} must be refused"),
        }
    }
}

#[test]
fn host_placement_rejects_double_dots_inside_a_value() {
    let result = fill_url(HOST_TEMPLATE, &config(json!({"subdomain": "a..b"})));
    assert_eq!(unsafe_key(result), "subdomain");
}

#[test]
fn placeholder_in_the_middle_of_a_host_is_a_host_placement() {
    let template = "https://accounts.example.${connectionConfig.extension}:8443/x";
    assert_eq!(url_placeholders(template), vec![("extension".to_owned(), Placement::Host)]);
    let filled = fill_url(template, &config(json!({"extension": "eu"}))).unwrap();
    assert_eq!(filled, "https://accounts.example.eu:8443/x");
    assert_eq!(unsafe_key(fill_url(template, &config(json!({"extension": "eu/x"})))), "extension");
}

#[test]
fn path_placement_is_percent_encoded() {
    let template = "https://login.example.com/${connectionConfig.tenant}/oauth2/token";
    let filled = fill_url(template, &config(json!({"tenant": "a b/c?d#e@f"}))).unwrap();
    assert_eq!(filled, "https://login.example.com/a%20b%2Fc%3Fd%23e%40f/oauth2/token");
    // The host stays the template's host, whatever the value.
    assert_eq!(url::Url::parse(&filled).unwrap().host_str(), Some("login.example.com"));
}

#[test]
fn path_placement_refuses_dot_segments() {
    let template = "https://api.example.com/v1/${connectionConfig.org}/items";
    for bad in [".", ".."] {
        assert_eq!(unsafe_key(fill_url(template, &config(json!({ "org": bad })))), "org");
    }
    let filled = fill_url(template, &config(json!({"org": "a..b"}))).unwrap();
    assert_eq!(filled, "https://api.example.com/v1/a..b/items");
}

#[test]
fn query_placement_is_percent_encoded() {
    let template = "https://api.example.com/authorize?audience=${connectionConfig.aud}&x=1";
    assert_eq!(url_placeholders(template), vec![("aud".to_owned(), Placement::Query)]);
    let filled = fill_url(template, &config(json!({"aud": "a&b=c #d"}))).unwrap();
    assert_eq!(filled, "https://api.example.com/authorize?audience=a%26b%3Dc%20%23d&x=1");
}

#[test]
fn numbers_and_booleans_are_stringified() {
    let template =
        "https://${connectionConfig.host}.example.com/${connectionConfig.n}?b=${connectionConfig.b}";
    let filled = fill_url(template, &config(json!({"host": 7, "n": 1.5, "b": true}))).unwrap();
    assert_eq!(filled, "https://7.example.com/1.5?b=true");
    let value = fill_value("v${connectionConfig.n}", &config(json!({"n": 42}))).unwrap();
    assert_eq!(value, "v42");
}

#[test]
fn objects_are_refused() {
    let result = fill_value("${connectionConfig.x}", &config(json!({"x": {"a": 1}})));
    assert!(matches!(result, Err(TemplateError::Unsafe { key, .. }) if key == "x"));
}

#[test]
fn missing_key_is_named() {
    let error = fill_url(HOST_TEMPLATE, &JsonMap::new()).unwrap_err();
    assert_eq!(error, TemplateError::Missing { key: "subdomain".to_owned() });
    assert!(error.to_string().contains("subdomain"));
}

#[test]
fn error_messages_never_contain_the_value() {
    let error = fill_url(HOST_TEMPLATE, &config(json!({"subdomain": "s3cr3t/x"}))).unwrap_err();
    assert!(!error.to_string().contains("s3cr3t"));
}

#[test]
fn alternatives_fall_back_when_a_key_is_missing() {
    let template = "https://${connectionConfig.hostname}/token || https://login.example.com/token";
    assert_eq!(fill_url(template, &JsonMap::new()).unwrap(), "https://login.example.com/token");
    let filled = fill_url(template, &config(json!({"hostname": "acme.example.com"}))).unwrap();
    assert_eq!(filled, "https://acme.example.com/token");
    // An unsafe value is an error, not a reason to fall back silently.
    let result = fill_url(template, &config(json!({"hostname": "evil.com?x"})));
    assert_eq!(unsafe_key(result), "hostname");
    let value = fill_value("${connectionConfig.version} || 2024-01-01", &JsonMap::new()).unwrap();
    assert_eq!(value, "2024-01-01");
}

#[test]
fn origin_placement_takes_an_absolute_url() {
    let template = "${connectionConfig.instance_url}/services/data";
    assert_eq!(url_placeholders(template), vec![("instance_url".to_owned(), Placement::Origin)]);
    let filled = fill_url(template, &config(json!({"instance_url": "https://na1.example.com/"}))).unwrap();
    assert_eq!(filled, "https://na1.example.com/services/data");
    for bad in [
        "evil.com",
        "https://u:p@evil.com",
        "https://x.com?a=b",
        "javascript:alert(1)",
        "https://x.com\\@evil.com",
    ] {
        let result = fill_url(template, &config(json!({ "instance_url": bad })));
        assert_eq!(unsafe_key(result), "instance_url", "value {bad:?} must be refused");
    }
}

#[test]
fn fill_value_inserts_raw_text_and_keeps_other_placeholders() {
    let template = "Bearer ${apiKey} for ${connectionConfig.team}";
    let filled = fill_value(template, &config(json!({"team": "a b/c"}))).unwrap();
    assert_eq!(filled, "Bearer ${apiKey} for a b/c");
}

#[test]
fn templates_without_placeholders_are_unchanged() {
    let template = "https://api.example.com/v1?x=1";
    assert_eq!(fill_url(template, &JsonMap::new()).unwrap(), template);
    assert!(url_placeholders(template).is_empty());
}

#[test]
fn host_deciding_keys_are_those_that_pick_the_registrable_end_of_the_host() {
    let deciding = [
        ("https://accounts.zoho.${connectionConfig.dc}/oauth/v2/token", "dc"),
        ("https://${connectionConfig.hostname}/token", "hostname"),
        ("${connectionConfig.instance_url}/token", "instance_url"),
        ("https://${connectionConfig.name}.com/token", "name"),
        ("https://${connectionConfig.name}zendesk.com/token", "name"),
        ("https://${connectionConfig.a}.example.com:${connectionConfig.port}/x", "port"),
        ("https://login.example.com/x || https://${connectionConfig.host}/x", "host"),
    ];
    for (template, key) in deciding {
        assert_eq!(host_deciding_keys(template), [key.to_owned()], "{template}");
    }
    let fixed = [
        "https://${connectionConfig.subdomain}.zendesk.com/oauth/tokens",
        "https://${connectionConfig.a}.${connectionConfig.b}.example.com",
        "https://${connectionConfig.shop}.myshopify.com:443/admin?x=1",
        "https://login.example.com/${connectionConfig.tenant}/token?t=${connectionConfig.q}",
        "https://login.example.com/token",
    ];
    for template in fixed {
        assert!(host_deciding_keys(template).is_empty(), "{template}");
    }
}

#[test]
fn a_placeholder_that_is_the_whole_authority_takes_a_port_and_a_path() {
    let template = "https://${connectionConfig.hostname}/rest/oauth2/token";
    assert_eq!(url_placeholders(template), vec![("hostname".to_owned(), Placement::Authority)]);
    let fill = |value: &str| fill_url(template, &config(json!({ "hostname": value })));
    assert_eq!(fill("jira.acme.com").unwrap(), "https://jira.acme.com/rest/oauth2/token");
    assert_eq!(fill("jira.acme.com:8443").unwrap(), "https://jira.acme.com:8443/rest/oauth2/token");
    assert_eq!(fill("acme.highq.com/main/").unwrap(), "https://acme.highq.com/main/rest/oauth2/token");
    assert_eq!(fill("h.example.com/a:b/c").unwrap(), "https://h.example.com/a%3Ab/c/rest/oauth2/token");
    for bad in [
        "h.example.com/a b",
        "a@evil.com",
        "evil.com:",
        "evil.com:99999",
        "evil.com:8a",
        "evil.com/../x",
        "evil.com//x",
    ] {
        assert_eq!(unsafe_key(fill(bad)), "hostname", "{bad:?} must be refused");
    }
    for bad in ["evil.com/x?y", "evil.com/x#y", "evil.com/a\\b", "[::1]", "evil.com:80:80"] {
        assert_eq!(unsafe_key(fill(bad)), "hostname", "{bad:?} must be refused");
    }
    // The value decides the host, wherever the template continues.
    assert_eq!(host_deciding_keys(template), ["hostname"]);
    assert_eq!(
        url_placeholders("https://${connectionConfig.host}"),
        vec![("host".to_owned(), Placement::Authority)]
    );
    let query = "https://${connectionConfig.host}?x=1";
    assert_eq!(url_placeholders(query), vec![("host".to_owned(), Placement::Authority)]);
}

#[test]
fn only_a_whole_authority_is_an_authority_placement() {
    let cases = [
        ("https://${connectionConfig.a}.example.com/x", Placement::Host),
        ("https://api.${connectionConfig.a}/x", Placement::Host),
        ("https://${connectionConfig.a}:8443/x", Placement::Host),
        ("${connectionConfig.a}/x", Placement::Origin),
        ("https://example.com/${connectionConfig.a}", Placement::Path),
    ];
    for (template, placement) in cases {
        assert_eq!(url_placeholders(template), vec![("a".to_owned(), placement)], "{template}");
    }
    let two = url_placeholders("https://${connectionConfig.a}${connectionConfig.b}/x");
    assert_eq!(two, vec![("a".to_owned(), Placement::Host), ("b".to_owned(), Placement::Host)]);
}

proptest::proptest! {
    #[test]
    fn the_short_needle_search_finds_what_str_find_finds(text in "[a-z$|:/{}.é]{0,40}") {
        for needle in [PREFIX, "||", "://", "$", "é."] {
            proptest::prop_assert_eq!(find(&text, needle), text.find(needle), "{:?} in {:?}", needle, text);
        }
        let split: Vec<&str> = text.split("||").map(str::trim).collect();
        proptest::prop_assert_eq!(alternatives(&text).collect::<Vec<_>>(), split);
    }
}
