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
}
