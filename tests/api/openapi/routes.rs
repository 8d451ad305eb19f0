//! The routes the server's code registers, read from `backend/src`: every `.route("path",
//! get(..).post(..))` and `.nest_service("prefix", ..)` outside test modules. axum cannot list
//! a router's routes, so the source is the other side of the comparison with the document.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `any(..)` forwards every method; the document lists these.
const ANY: [&str; 5] = ["get", "post", "put", "patch", "delete"];
const METHODS: [&str; 8] = ["get", "post", "put", "patch", "delete", "options", "head", "trace"];

/// `(method, path)` of every route in `backend/src`, paths with their parameters blanked.
pub fn registered() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend/src");
    let mut out = BTreeSet::new();
    for file in rust_files(&root) {
        let text = std::fs::read_to_string(&file).expect("read a source file");
        out.extend(routes_in(without_tests(&text)));
    }
    assert!(out.len() > 20, "found only {} routes in {}", out.len(), root.display());
    out
}

/// `/connection/{connection_id}` and `/connection/{id}` alike become `/connection/{}`.
pub fn blank_parameters(path: &str) -> String {
    let mut out = String::new();
    let mut in_parameter = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_parameter = true;
                out.push_str("{}");
            }
            '}' => in_parameter = false,
            _ if in_parameter => {}
            _ => out.push(c),
        }
    }
    out
}

fn routes_in(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (marker, nested) in [(".route(", false), (".nest_service(", true)] {
        let mut rest = code;
        while let Some(start) = rest.find(marker) {
            rest = &rest[start + marker.len()..];
            let Some((path, after)) = string_literal(rest) else { continue };
            if nested {
                out.push(("get".to_string(), blank_parameters(&format!("{path}/{{file}}"))));
                continue;
            }
            for method in top_level_calls(after) {
                let methods: Vec<&str> = if method == "any" { ANY.to_vec() } else { vec![method] };
                out.extend(methods.into_iter().map(|m| (m.to_string(), blank_parameters(path))));
            }
        }
    }
    out
}

/// The first `"..."` of `text` (after whitespace) and the text after it.
fn string_literal(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start().strip_prefix('"')?;
    let end = text.find('"')?;
    Some((&text[..end], &text[end + 1..]))
}

/// The method names called at the top level of a `.route` call's second argument:
/// `get(a).patch(b)` → `get`, `patch`; calls inside the handlers' closures are not looked at.
fn top_level_calls(text: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut word = String::new();
    for c in text.chars() {
        match c {
            '(' => {
                if depth == 0 {
                    let name = word.rsplit("::").next().unwrap_or_default();
                    out.extend(METHODS.iter().chain(["any"].iter()).filter(|m| **m == name).copied());
                }
                depth += 1;
                word.clear();
            }
            ')' if depth == 0 => return out,
            ')' => {
                depth -= 1;
                word.clear();
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == ':' => word.push(c),
            _ => word.clear(),
        }
    }
    out
}

/// The file up to its `#[cfg(test)]` module (routers built by unit tests are not the server's).
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(end) => &text[..end],
        None => text,
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read backend/src") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.to_str().is_some_and(|name| name.ends_with(".rs") && !name.ends_with("tests.rs")) {
            out.push(path);
        }
    }
    out
}

#[test]
fn routes_are_read_with_their_methods() {
    let code = r#"Router::new()
        .route("/a/{id}", get(handler).post(|s, t| change(s, t, Kind::Get)))
        .route("/proxy/{*path}", any(proxy))
        .nest_service("/sdk", Router::new())"#;
    let found: BTreeSet<(String, String)> = routes_in(code).into_iter().collect();
    let expected: BTreeSet<(String, String)> = [
        ("get", "/a/{}"),
        ("post", "/a/{}"),
        ("get", "/proxy/{}"),
        ("post", "/proxy/{}"),
        ("put", "/proxy/{}"),
        ("patch", "/proxy/{}"),
        ("delete", "/proxy/{}"),
        ("get", "/sdk/{}"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    assert_eq!(found, expected);
}
