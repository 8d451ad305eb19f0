//! Unit tests for the integration body rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use serde_json::json;

fn problems(body: Value, purpose: Purpose) -> Vec<(String, String)> {
    let errors = parse(&body, purpose).unwrap_err();
    errors.into_iter().map(|error| (error.code.to_owned(), error.path.join("."))).collect()
}

fn has(problems: &[(String, String)], code: &str, path: &str) -> bool {
    problems.iter().any(|(c, p)| c == code && p == path)
}

#[test]
fn a_full_create_body() {
    let body = json!({
        "unique_key": "crm",
        "provider": "hubspot",
        "display_name": " My CRM ",
        "credentials": {"type": "oauth2", "client_id": " cid ", "client_secret": "s3", "scopes": "a, b,,c"},
        "allowed_hosts": ["*.My-Okta.com", "login.example.org", "login.example.org"],
    });
    let request = parse(&body, Purpose::Create).unwrap();
    assert_eq!(request.unique_key.unwrap().as_str(), "crm");
    assert_eq!(request.provider.as_deref(), Some("hubspot"));
    assert_eq!(request.display_name, Some(Some("My CRM".to_owned())));
    let credentials = request.credentials.unwrap();
    assert_eq!((credentials.kind.as_str(), credentials.client_id.as_str()), ("OAUTH2", "cid"));
    assert_eq!(credentials.client_secret.expose(), "s3");
    assert_eq!(credentials.scopes.unwrap(), ["a", "b", "c"]);
    // Normalised and without duplicates.
    assert_eq!(request.allowed_hosts.unwrap(), ["*.my-okta.com", "login.example.org"]);
}

#[test]
fn create_needs_a_key_and_a_provider_but_no_credentials() {
    let request = parse(&json!({"unique_key": "bare", "provider": "github"}), Purpose::Create).unwrap();
    assert!(request.credentials.is_none());
    let found = problems(json!({}), Purpose::Create);
    assert!(
        has(&found, "invalid_type", "unique_key") && has(&found, "invalid_type", "provider"),
        "{found:?}"
    );
    let found = problems(json!({"unique_key": "has space", "provider": 3}), Purpose::Create);
    assert!(
        has(&found, "invalid_string", "unique_key") && has(&found, "invalid_type", "provider"),
        "{found:?}"
    );
    assert!(has(&problems(json!([]), Purpose::Create), "invalid_type", ""));
}

#[test]
fn unknown_keys_are_refused_by_path() {
    let body = json!({"unique_key": "a", "provider": "p", "custom": {}, "credentials": {
        "type": "OAUTH2", "client_id": "c", "client_secret": "s", "webhook_secret": "w"}});
    let found = problems(body, Purpose::Create);
    assert!(has(&found, "unrecognized_keys", "custom"), "{found:?}");
    assert!(has(&found, "unrecognized_keys", "credentials.webhook_secret"), "{found:?}");
    // The provider of an integration is fixed once created.
    let found = problems(json!({"provider": "other"}), Purpose::Update);
    assert!(has(&found, "unrecognized_keys", "provider"), "{found:?}");
}

#[test]
fn credentials_are_complete_when_given() {
    let found = problems(json!({"credentials": {"client_id": "c"}}), Purpose::Update);
    assert!(has(&found, "invalid_type", "credentials.type"), "{found:?}");
    assert!(has(&found, "invalid_string", "credentials.client_secret"), "{found:?}");
    let found = problems(
        json!({"credentials": {"type": "OAUTH2", "client_id": "", "client_secret": " "}}),
        Purpose::Update,
    );
    assert!(has(&found, "invalid_string", "credentials.client_id"), "{found:?}");
    assert!(has(&found, "invalid_string", "credentials.client_secret"), "{found:?}");
    assert!(has(&problems(json!({"credentials": "x"}), Purpose::Update), "invalid_type", "credentials"));
    let long = "x".repeat(256);
    let found = problems(
        json!({"credentials": {"type": "OAUTH2", "client_id": long, "client_secret": "s"}}),
        Purpose::Update,
    );
    assert!(has(&found, "invalid_string", "credentials.client_id"), "{found:?}");
}

#[test]
fn display_name_is_1_to_255_characters_or_null_on_update() {
    let cleared = parse(&json!({"display_name": null}), Purpose::Update).unwrap();
    assert_eq!(cleared.display_name, Some(None));
    assert!(parse(&json!({}), Purpose::Update).unwrap().display_name.is_none());
    for bad in [json!(""), json!("  "), json!("x".repeat(256)), json!(5)] {
        let found = problems(json!({ "display_name": bad }), Purpose::Update);
        assert!(has(&found, "invalid_string", "display_name"), "{found:?}");
    }
    let found = problems(json!({"unique_key": "a", "provider": "p", "display_name": null}), Purpose::Create);
    assert!(has(&found, "invalid_string", "display_name"), "{found:?}");
}

#[test]
fn scopes_as_a_list_or_a_comma_string() {
    let request = parse(&json!({"scopes": ["read", " ", "write "]}), Purpose::Update).unwrap();
    assert_eq!(request.scopes.unwrap(), ["read", "write"]);
    let request = parse(&json!({"scopes": "read, write,,admin "}), Purpose::Update).unwrap();
    assert_eq!(request.scopes.unwrap(), ["read", "write", "admin"]);
    assert!(has(&problems(json!({"scopes": [1]}), Purpose::Update), "invalid_type", "scopes"));
}

#[test]
fn allowed_hosts_are_checked_one_by_one() {
    let found = problems(
        json!({"allowed_hosts": ["ok.example.com", "*.com", 7, "https://x.example.com"]}),
        Purpose::Update,
    );
    assert!(!found.iter().any(|(_, path)| path == "allowed_hosts.0"), "{found:?}");
    assert!(has(&found, "invalid_string", "allowed_hosts.1"), "{found:?}");
    assert!(has(&found, "invalid_type", "allowed_hosts.2"), "{found:?}");
    assert!(has(&found, "invalid_string", "allowed_hosts.3"), "{found:?}");
    assert!(has(
        &problems(json!({"allowed_hosts": "a.example.com"}), Purpose::Update),
        "invalid_type",
        "allowed_hosts"
    ));
    let many: Vec<String> = (0..=MAX_ALLOWED_HOSTS).map(|n| format!("h{n}.example.com")).collect();
    assert!(has(&problems(json!({ "allowed_hosts": many }), Purpose::Update), "too_big", "allowed_hosts"));
    assert_eq!(parse(&json!({"allowed_hosts": []}), Purpose::Update).unwrap().allowed_hosts, Some(vec![]));
}
