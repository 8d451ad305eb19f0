//! The provider catalog: the built-in `providers.yaml` plus an operator file (SPEC §4).
//!
//! Loading: the built-in file (embedded in the binary), then the operator file on top (whole
//! entries are added or replaced), then Nango's `alias:` entries are resolved, then each entry
//! is parsed by `parse`. An entry that cannot be used is skipped with a warning naming it; only
//! a file that cannot be read or is not a YAML map is an error.

pub mod fields;
pub mod hosts;
pub mod params;
mod parse;
pub mod provider;
pub mod rewrites;
pub mod template;

pub use provider::{AuthMode, BodyFormat, ClientAuth, ConfigParam, Provider, ProxyConfig};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The catalog shipped with the binary.
const BUILT_IN: &str = include_str!("../../providers.yaml");
const BUILT_IN_NAME: &str = "the built-in providers.yaml";

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} is not a providers file: {message}")]
    Parse { path: String, message: String },
}

#[derive(Debug, Default)]
pub struct Catalog {
    providers: BTreeMap<String, Provider>,
}

impl Catalog {
    /// Built-in entries, then `extra` on top. URLs starting with `/` are relative to
    /// `server_url` (the built-in demo provider).
    pub fn load(extra: Option<&Path>, server_url: &str) -> Result<Self, CatalogError> {
        let mut entries = raw_entries(BUILT_IN, BUILT_IN_NAME)?;
        if let Some(path) = extra {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|error| CatalogError::Read { path: name.clone(), message: error.to_string() })?;
            entries.extend(raw_entries(&text, &name)?);
        }
        Ok(Self::from_entries(entries, server_url))
    }

    pub fn get(&self, name: &str) -> Option<&Provider> {
        self.providers.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// Every entry, by name.
    pub fn providers(&self) -> impl Iterator<Item = &Provider> {
        self.providers.values()
    }

    pub fn len(&self) -> usize {
        self.providers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    fn from_entries(entries: BTreeMap<String, Value>, server_url: &str) -> Self {
        let mut providers = BTreeMap::new();
        for (name, value) in &entries {
            let Some(value) = resolve_alias(name, value, &entries) else { continue };
            match parse::parse_entry(name, value) {
                Ok(mut provider) => {
                    parse::resolve_relative_urls(&mut provider, server_url);
                    if provider.auth_mode == AuthMode::OAuth2 && provider.authorization_url.is_none() {
                        tracing::warn!(
                            provider = %name,
                            "OAuth2 entry without authorization_url: its connections start on the \
                             provider's side, which this server does not support; flows on it fail"
                        );
                    }
                    let open = params::open_authorize_host_keys(&provider);
                    if !open.is_empty() {
                        tracing::warn!(
                            provider = %name,
                            keys = ?open,
                            "authorization_url lets the connecting user choose its host (an open redirect); \
                             restrict those params with an `enum` or fix the domain"
                        );
                    }
                    providers.insert(name.clone(), provider);
                }
                Err(error) => tracing::warn!(provider = %name, %error, "skipping catalog entry"),
            }
        }
        Self { providers }
    }
}

/// The entries of one file, by name. An empty file has none.
fn raw_entries(text: &str, path: &str) -> Result<BTreeMap<String, Value>, CatalogError> {
    let parse_error = |message: String| CatalogError::Parse { path: path.to_owned(), message };
    let document: Value = serde_yaml::from_str(text).map_err(|error| parse_error(error.to_string()))?;
    let mapping = match document {
        Value::Null => Mapping::new(),
        Value::Mapping(mapping) => mapping,
        _ => return Err(parse_error("expected a map of provider name to entry".to_owned())),
    };
    let mut entries = BTreeMap::new();
    for (key, value) in mapping {
        match key {
            Value::String(name) => {
                entries.insert(name, value);
            }
            other => {
                tracing::warn!(file = %path, key = ?other, "skipping catalog entry with a non-text name")
            }
        }
    }
    Ok(entries)
}

/// An entry with `alias: other` becomes a copy of `other` with the entry's own fields on top.
/// Aliases of aliases and aliases of missing entries are skipped with a warning.
fn resolve_alias(name: &str, value: &Value, entries: &BTreeMap<String, Value>) -> Option<Value> {
    let Value::Mapping(entry) = value else {
        tracing::warn!(provider = %name, "skipping catalog entry: not a map");
        return None;
    };
    let Some(alias) = entry.get("alias") else { return Some(value.clone()) };
    let target = alias.as_str().and_then(|alias| entries.get(alias));
    let Some(Value::Mapping(target)) = target else {
        tracing::warn!(provider = %name, alias = ?alias, "skipping catalog entry: its alias is not a catalog entry");
        return None;
    };
    if target.contains_key("alias") {
        tracing::warn!(provider = %name, alias = ?alias, "skipping catalog entry: alias of an alias");
        return None;
    }
    let mut merged = target.clone();
    for (key, field) in entry {
        if key.as_str() != Some("alias") {
            merged.insert(key.clone(), field.clone());
        }
    }
    Some(Value::Mapping(merged))
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod load_tests;
#[cfg(test)]
#[path = "nango_catalog_tests.rs"]
mod nango_catalog_tests;
#[cfg(test)]
mod readme_table;
