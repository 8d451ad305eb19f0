//! Identifiers parsed once at the edge, then trusted.
//!
//! A function taking `&ConnectionId` never re-validates; the extractors turn a parse
//! failure into an `ApiError` (see `error.rs`).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $check:expr, $rule:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// What a valid value looks like, for error messages.
            pub const RULE: &'static str = $rule;

            pub fn parse(raw: impl Into<String>) -> Result<Self, &'static str> {
                let raw = raw.into();
                let check: fn(&str) -> bool = $check;
                if check(&raw) {
                    Ok(Self(raw))
                } else {
                    Err($rule)
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = &'static str;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A connection's id, chosen by the app (SPEC §2: 1-255 chars of `[A-Za-z0-9._@|:-]`).
    ConnectionId,
    |raw| (1..=255).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric() || "._@|:-".contains(c)),
    "connection_id must be 1-255 characters of [A-Za-z0-9._@|:-]"
);

id_type!(
    /// An integration's `unique_key` (a.k.a. provider config key, integration id).
    IntegrationKey,
    |raw| (1..=255).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
    "integration key must be 1-255 characters of [A-Za-z0-9._-]"
);

id_type!(
    /// The SDK's per-call flow id: random, 16-128 chars of `[A-Za-z0-9_-]`.
    FlowId,
    |raw| (16..=128).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c)),
    "flow must be 16-128 characters of [A-Za-z0-9_-]"
);

/// The database id of an environment.
pub type EnvironmentId = i64;

/// An absolute http(s) origin: `scheme://host[:port]`, nothing else (no path, query,
/// fragment or user info). Returns it in serialised form.
pub fn parse_origin(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    let well_formed = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.path() == "/"
        && !raw.ends_with(['?', '#']);
    // The serialised form: what `window.location.origin` gives and postMessage compares.
    well_formed.then(|| url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_id_rules() {
        assert!(ConnectionId::parse("user-42").is_ok());
        assert!(ConnectionId::parse("a.b_c@d|e:f-1").is_ok());
        assert!(ConnectionId::parse("").is_err());
        assert!(ConnectionId::parse("a b").is_err());
        assert!(ConnectionId::parse("x/y").is_err());
        assert!(ConnectionId::parse("x".repeat(256)).is_err());
        assert!(ConnectionId::parse("x".repeat(255)).is_ok());
    }

    #[test]
    fn integration_key_rules() {
        assert!(IntegrationKey::parse("github-prod").is_ok());
        assert!(IntegrationKey::parse("a/b").is_err());
        assert!(IntegrationKey::parse("").is_err());
    }

    #[test]
    fn flow_id_rules() {
        assert!(FlowId::parse("abcdefghijklmnop").is_ok());
        assert!(FlowId::parse("short").is_err());
        assert!(FlowId::parse("abcdefghijklmnop<").is_err());
    }

    #[test]
    fn origins() {
        assert_eq!(parse_origin("http://localhost:8080").as_deref(), Some("http://localhost:8080"));
        assert_eq!(parse_origin("https://app.example/").as_deref(), Some("https://app.example"));
        assert_eq!(parse_origin("https://app.example:443").as_deref(), Some("https://app.example"));
        assert!(parse_origin("https://app.example/path").is_none());
        assert!(parse_origin("https://app.example?x=1").is_none());
        assert!(parse_origin("https://user@app.example").is_none());
        assert!(parse_origin("javascript:alert(1)").is_none());
        assert!(parse_origin("null").is_none());
        assert!(parse_origin("*").is_none());
        assert!(parse_origin("ftp://app.example").is_none());
    }
}
