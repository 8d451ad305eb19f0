//! URL building, encoding, host validation, flow ids.

use wasm_bindgen_test::wasm_bindgen_test;

use crate::url::{encode_into, parse_host, push_int, UrlBuilder};

#[wasm_bindgen_test]
fn every_reserved_character_is_percent_encoded() {
    let mut out = String::new();
    encode_into(&mut out, "a b&c=d?e/f#g+h%i[j]k:é~._-");
    assert_eq!(out, "a%20b%26c%3Dd%3Fe%2Ff%23g%2Bh%25i%5Bj%5Dk%3A%C3%A9~._-");
}

#[wasm_bindgen_test]
fn popup_url_has_every_part_in_order() {
    let mut url = UrlBuilder::new("http://localhost:3003", "/oauth/connect/", "my integration");
    url.pair("connection_id", "user 42");
    url.pair("public_key", "pk&1");
    url.group_pair("params", "sub]domain", "acme corp");
    url.group_pair("authorization_params", "prompt", "consent");
    url.pair("hmac", "ab12");
    url.pair("flow", "F_-1");
    url.pair("origin", "http://app.test:8080");
    assert_eq!(
        url.finish(),
        "http://localhost:3003/oauth/connect/my%20integration?connection_id=user%2042\
         &public_key=pk%261&params[sub%5Ddomain]=acme%20corp&authorization_params[prompt]=consent\
         &hmac=ab12&flow=F_-1&origin=http%3A%2F%2Fapp.test%3A8080"
    );
}

#[wasm_bindgen_test]
fn host_keeps_its_path_and_loses_trailing_slashes() {
    let host = parse_host("https://Example.COM:443/nango//").expect("valid host");
    assert_eq!(host.base, "https://Example.COM:443/nango");
    assert_eq!(host.origin, "https://example.com");
    let host = parse_host("HTTP://127.0.0.1:3003").expect("valid host");
    assert_eq!(host.base, "http://127.0.0.1:3003");
    assert_eq!(host.origin, "http://127.0.0.1:3003");
    assert_eq!(parse_host("http://localhost:80/").map(|h| h.origin).as_deref(), Some("http://localhost"));
    assert_eq!(parse_host("http://[::1]:3003").map(|h| h.origin).as_deref(), Some("http://[::1]:3003"));
}

#[wasm_bindgen_test]
fn host_must_be_an_absolute_http_url() {
    for bad in [
        "",
        "localhost:3003",
        "//localhost:3003",
        "ftp://example.com",
        "http://",
        "http:///path",
        "https://:443",
        "http://user:pw@example.com",
        "http://example.com/?x=1",
        "http://example.com/#top",
        "http://exa mple.com",
        "http://exämple.com",
        "javascript://alert(1)",
    ] {
        assert!(parse_host(bad).is_none(), "accepted {bad:?}");
    }
}

#[wasm_bindgen_test]
fn flow_ids_are_22_random_url_safe_characters() {
    let ids: Vec<String> =
        (0..50).map(|_| crate::js::get_string(&crate::js::deferred(), "flow").unwrap_or_default()).collect();
    for id in &ids {
        assert_eq!(id.len(), 22, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{id}");
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

#[wasm_bindgen_test]
fn integers_print_in_decimal() {
    for (value, text) in
        [(0, "0"), (7, "7"), (10, "10"), (250, "250"), (1_234_567, "1234567"), (u32::MAX, "4294967295")]
    {
        let mut out = String::new();
        push_int(&mut out, value);
        assert_eq!(out, text);
    }
}
