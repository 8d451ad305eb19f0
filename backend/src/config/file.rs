//! The optional TOML config file (`--config` / `NANGO_CONFIG`): its keys and reading it.

use super::ConfigError;
use crate::secret::Secret;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The keys a TOML file may set; same names as the env variables without `NANGO_`, lowercase.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) host: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) data_dir: Option<PathBuf>,
    pub(super) server_url: Option<String>,
    pub(super) database_url: Option<Secret<String>>,
    pub(super) encryption_key: Option<Secret<String>>,
    pub(super) encryption_key_previous: Option<Secret<String>>,
    pub(super) secret_key: Option<Secret<String>>,
    pub(super) public_key: Option<String>,
    pub(super) providers_file: Option<PathBuf>,
    pub(super) sdk_dir: Option<PathBuf>,
    pub(super) flow_ttl_seconds: Option<i64>,
    pub(super) provider_timeout_seconds: Option<u64>,
    pub(super) demo: Option<bool>,
    pub(super) max_connections: Option<usize>,
    pub(super) outbound_allow: Option<String>,
    pub(super) rate_limit_browser_per_minute: Option<u32>,
    pub(super) rate_limit_wrong_secret_keys_per_minute: Option<u32>,
    pub(super) max_pending_flows: Option<u64>,
    pub(super) max_result_sockets: Option<usize>,
    pub(super) header_timeout_seconds: Option<u64>,
    pub(super) metrics: Option<String>,
    pub(super) refresh_grace_seconds: Option<i64>,
    pub(super) refresh_retry_base_seconds: Option<i64>,
    pub(super) refresh_interval_seconds: Option<u64>,
    pub(super) refresh_batch_size: Option<u32>,
    pub(super) refresh_concurrency: Option<usize>,
    pub(super) webhook_retry_base_ms: Option<u64>,
    pub(super) webhook_retry_max_ms: Option<u64>,
    pub(super) webhook_retry_hours: Option<u64>,
    pub(super) webhook_timeout_seconds: Option<u64>,
    pub(super) webhook_concurrency: Option<u64>,
}

pub(super) fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: shown.display().to_string(),
        reason: error.to_string(),
    })?;
    toml::from_str(&text)
        .map_err(|error| ConfigError::Parse { path: path.display().to_string(), message: error.to_string() })
}
