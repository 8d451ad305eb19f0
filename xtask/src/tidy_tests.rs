//! Tests of `cargo xtask tidy`: each rule on small sources, then the repository itself.

use super::*;

fn errors(source: &str) -> Vec<String> {
    let providers = provider_names("demo:\n    x: 1\ngithub:\n    y: 2\n");
    let mut errors = Vec::new();
    check_backend_file("f.rs", source, &providers, &mut errors);
    errors
}

#[test]
fn flags_each_rule_with_its_line() {
    let source = "fn a(p: &str) -> u8 {\n    if p == \"github\" { 1 } else { x.unwrap() }\n}\n\
                  #[derive(Debug)]\npub struct S {\n    pub client_secret: String,\n    pub token_url: String,\n}\n";
    let found = errors(source);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].starts_with("f.rs:2: `.unwrap()`"));
    assert!(found[1].starts_with("f.rs:2: provider name `github`"));
    assert!(found[2].starts_with("f.rs:6: field `client_secret`"));
}

#[test]
fn ignores_tests_comments_strings_and_wrapped_secrets() {
    let source = "// x.unwrap()\nlet s = \"a { .unwrap()\";\nstruct C { access_token: Secret<String> }\n\
                  const DEMO: &str = \"demo\";\nmatch c { '{' => 1, _ => 2 }\n\
                  #[cfg(test)]\nmod tests {\n    fn t() { assert!(p == \"github\"); x.unwrap(); }\n}\n\
                  fn after() { y.expect(\"z\"); }\n";
    let found = errors(source);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("f.rs:10: `.expect(`"));
}

#[test]
fn match_arms_and_raw_strings() {
    let source = "let r = r#\"{ \"#;\nmatch name {\n    \"demo\" | \"other\" => 1,\n    _ => 2,\n}\n";
    let found = errors(source);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("f.rs:3: provider name `demo`"));
}

/// The repository itself: the same check `cargo xtask tidy` runs.
#[test]
fn tidy() {
    let findings = check(&project_root()).unwrap();
    assert!(findings.errors.is_empty(), "tidy findings:\n{}", findings.errors.join("\n"));
}
