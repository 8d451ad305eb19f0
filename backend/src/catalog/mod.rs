//! The provider catalog: the built-in `providers.yaml` plus an operator file (SPEC §4).
//! INTERFACE PLACEHOLDER: the catalog work replaces the bodies; keep the public API.

pub mod provider;

pub use provider::{AuthMode, BodyFormat, ClientAuth, ConfigParam, Provider, ProxyConfig};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
}

#[derive(Debug, Default)]
pub struct Catalog {
    providers: BTreeMap<String, Provider>,
}

impl Catalog {
    /// Built-in entries, then `extra` on top. URLs starting with `/` are relative to
    /// `server_url` (the built-in demo provider).
    pub fn load(_extra: Option<&Path>, _server_url: &str) -> Result<Self, CatalogError> {
        Ok(Self::default())
    }

    pub fn get(&self, name: &str) -> Option<&Provider> {
        self.providers.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }
}
