//! Tests for loading the catalog: built-in file, operator file, aliases, Nango's own file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

const SERVER: &str = "http://localhost:3003";

#[test]
fn demo_urls_are_resolved_against_the_server_url() {
    let catalog = Catalog::load(None, "http://127.0.0.1:9999/").unwrap();
    let demo = catalog.get("demo").unwrap();
    assert_eq!(demo.authorization_url.as_deref(), Some("http://127.0.0.1:9999/demo/oauth/authorize"));
    assert_eq!(demo.token_url.as_deref(), Some("http://127.0.0.1:9999/demo/oauth/token"));
    assert_eq!(demo.proxy.as_ref().unwrap().base_url, "http://127.0.0.1:9999/demo/api");
    assert!(demo.connection_config["subdomain"].optional);
    let _ = SERVER;
}
