//! `Config::load`: an optional TOML file plus `NANGO_*` environment variables (env wins),
//! validated once. The only reader of the process environment (SPEC §6) that validates: the
//! command line's flags (`cli/settings.rs`) reach it through `load_with` as the variables they
//! stand for. clap reads those variables too (to show them in `--help`, and as a flag's text
//! when the flag is absent, which is then the variable's own text) but never interprets them.

mod database;
mod file;
mod numbers;

pub use database::database_address;
use numbers::{default_server_url, number, validate_base_url};

use crate::secret::Secret;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    pub data_dir: PathBuf,
    /// Public base URL without trailing slash, e.g. `http://localhost:3003`. When not
    /// configured, `App::build` derives it from the bound address (`explicit_server_url`).
    pub server_url: String,
    /// Whether `NANGO_SERVER_URL` was set; if not, the bound port decides (`NANGO_PORT=0`).
    pub explicit_server_url: bool,
    /// `None` = SQLite in `data_dir`.
    pub database_url: Option<Secret<String>>,
    pub encryption_key: Option<Secret<String>>,
    /// The key being rotated away from (`nango-server rotate-key`): opens, never seals.
    pub encryption_key_previous: Option<Secret<String>>,
    pub secret_key: Option<Secret<String>>,
    pub public_key: Option<String>,
    pub providers_file: Option<PathBuf>,
    /// Directory of the built npm package served at `/sdk/` (default: `sdk-wasm/pkg` when present).
    pub sdk_dir: Option<PathBuf>,
    /// How long a started OAuth flow may take (SPEC §2: default 10 min).
    pub flow_ttl_seconds: i64,
    /// Time-out of requests to providers (token exchange, refresh, proxy).
    pub provider_timeout_seconds: u64,
    /// `NANGO_OUTBOUND_ALLOW`: private addresses and hosts outbound requests may reach.
    pub outbound_allow: crate::outbound::OutboundPolicy,
    /// Per-IP request rates (SPEC §13 "Limits").
    pub rate_limits: crate::rate_limit::RateSettings,
    /// Unfinished flows an environment may have at once.
    pub max_pending_flows: u64,
    /// Open WebSocket result sockets (SPEC §8) at most; more are answered 503.
    pub max_result_sockets: usize,
    /// Header-read time-out, connection cap, shutdown grace (SPEC §13 "Limits").
    pub limits: crate::serve::Limits,
    /// `NANGO_DEMO=true`: the built-in demo provider, `/demo/*` and the demo integration
    /// (SPEC §13 "Demo"); off by default.
    pub demo: bool,
    /// `NANGO_METRICS`: who may read `GET /metrics` (`off`, `open` (default), `secret`).
    pub metrics: crate::metrics::MetricsAccess,
    /// The status machine's grace period and back-off (SPEC §11).
    pub refresh_policy: crate::connections::status::RefreshPolicy,
    /// The background refresher (SPEC §11 "Proactive refresh").
    pub proactive_refresh: crate::connections::proactive::ProactiveSettings,
    /// `NANGO_WEBHOOK_*`: the outbox's retry schedule, time-out and concurrency (SPEC §12).
    pub webhooks: crate::webhooks::WebhookSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "--config / NANGO_CONFIG: cannot read the config file {path}: {reason} — check the path, \
         or leave the setting out to configure with environment variables only"
    )]
    Read { path: String, reason: String },
    #[error("--config / NANGO_CONFIG: the config file {path} is not valid TOML: {message}")]
    Parse { path: String, message: String },
    #[error("{setting}: {message}")]
    Invalid { setting: &'static str, message: String },
}

/// `NANGO_LOG_FORMAT` alone: the logger starts before `Config::load` (see `telemetry`).
pub fn log_format_var() -> Option<String> {
    std::env::var_os("NANGO_LOG_FORMAT").map(|value| value.to_string_lossy().into_owned())
}

impl Config {
    /// Load from an optional TOML file and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with(file, &[])
    }

    /// Like `load`, with `overrides` (command-line flags, as the variables they stand for)
    /// winning over the environment.
    pub fn load_with(file: Option<&Path>, overrides: &[(String, String)]) -> Result<Self, ConfigError> {
        let vars: Vec<(String, String)> = overrides.iter().cloned().chain(std::env::vars()).collect();
        Self::from_sources(file, &vars)
    }

    /// Load from a file and an explicit list of variables (tests pass their own).
    pub fn from_sources(file: Option<&Path>, vars: &[(String, String)]) -> Result<Self, ConfigError> {
        let file_config = match file {
            Some(path) => file::read_file(path)?,
            None => file::FileConfig::default(),
        };
        let var = |name: &str| {
            vars.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).filter(|v| !v.is_empty())
        };
        let host_text = var("NANGO_HOST").or(file_config.host).unwrap_or_else(|| "127.0.0.1".into());
        let host: IpAddr = host_text.parse().map_err(|_| ConfigError::Invalid {
            setting: "NANGO_HOST",
            message: format!("`{host_text}` is not an IP address"),
        })?;
        let port = match var("NANGO_PORT") {
            Some(text) => text.parse().map_err(|_| ConfigError::Invalid {
                setting: "NANGO_PORT",
                message: format!("`{text}` is not a port number"),
            })?,
            None => file_config.port.unwrap_or(3003),
        };
        let data_dir = var("NANGO_DATA_DIR")
            .map(PathBuf::from)
            .or(file_config.data_dir)
            .unwrap_or_else(|| "./data".into());
        let configured_server_url = var("NANGO_SERVER_URL").or(file_config.server_url);
        let explicit_server_url = configured_server_url.is_some();
        let server_url = configured_server_url.unwrap_or_else(|| default_server_url(host, port));
        let server_url = validate_base_url("NANGO_SERVER_URL", &server_url)?;
        let flow_ttl_seconds = match var("NANGO_FLOW_TTL_SECONDS") {
            Some(text) => text.parse().map_err(|_| ConfigError::Invalid {
                setting: "NANGO_FLOW_TTL_SECONDS",
                message: format!("`{text}` is not a number of seconds"),
            })?,
            None => file_config.flow_ttl_seconds.unwrap_or(600),
        };
        if flow_ttl_seconds <= 0 {
            return Err(ConfigError::Invalid {
                setting: "NANGO_FLOW_TTL_SECONDS",
                message: "must be positive".into(),
            });
        }
        let provider_timeout_seconds = match var("NANGO_PROVIDER_TIMEOUT_SECONDS") {
            Some(text) => text.parse().map_err(|_| ConfigError::Invalid {
                setting: "NANGO_PROVIDER_TIMEOUT_SECONDS",
                message: format!("`{text}` is not a number of seconds"),
            })?,
            None => file_config.provider_timeout_seconds.unwrap_or(15),
        };
        let demo = match var("NANGO_DEMO").as_deref() {
            None => file_config.demo.unwrap_or(false),
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    setting: "NANGO_DEMO",
                    message: format!("`{other}` is not true or false"),
                })
            }
        };
        let metrics = match var("NANGO_METRICS").or(file_config.metrics) {
            Some(text) => crate::metrics::MetricsAccess::parse(&text)
                .map_err(|message| ConfigError::Invalid { setting: "NANGO_METRICS", message })?,
            None => crate::metrics::MetricsAccess::default(),
        };
        let public_key = var("NANGO_PUBLIC_KEY").or(file_config.public_key);
        let secret_key = var("NANGO_SECRET_KEY").map(Secret::new).or(file_config.secret_key);
        if let Some(key) = &secret_key {
            if key.expose().len() < 16 {
                return Err(ConfigError::Invalid {
                    setting: "NANGO_SECRET_KEY",
                    message: "must be at least 16 characters".into(),
                });
            }
        }
        let database_url = var("DATABASE_URL").map(Secret::new).or(file_config.database_url);
        if let Some(url) = &database_url {
            database::validate_database_url(url.expose())?;
        }
        Ok(Self {
            host,
            port,
            data_dir,
            server_url,
            explicit_server_url,
            database_url,
            encryption_key: var("NANGO_ENCRYPTION_KEY").map(Secret::new).or(file_config.encryption_key),
            encryption_key_previous: var("NANGO_ENCRYPTION_KEY_PREVIOUS")
                .map(Secret::new)
                .or(file_config.encryption_key_previous),
            secret_key,
            public_key,
            providers_file: var("NANGO_PROVIDERS_FILE").map(PathBuf::from).or(file_config.providers_file),
            sdk_dir: var("NANGO_SDK_DIR").map(PathBuf::from).or(file_config.sdk_dir),
            flow_ttl_seconds,
            provider_timeout_seconds,
            demo,
            metrics,
            outbound_allow: crate::outbound::OutboundPolicy::parse(
                &var("NANGO_OUTBOUND_ALLOW").or(file_config.outbound_allow).unwrap_or_default(),
            )
            .map_err(|message| ConfigError::Invalid { setting: "NANGO_OUTBOUND_ALLOW", message })?,
            rate_limits: crate::rate_limit::RateSettings {
                browser_per_minute: number(
                    &var,
                    "NANGO_RATE_LIMIT_BROWSER_PER_MINUTE",
                    file_config.rate_limit_browser_per_minute,
                    600,
                )?,
                wrong_secret_keys_per_minute: number(
                    &var,
                    "NANGO_RATE_LIMIT_WRONG_SECRET_KEYS_PER_MINUTE",
                    file_config.rate_limit_wrong_secret_keys_per_minute,
                    30,
                )?,
            },
            max_pending_flows: number(
                &var,
                "NANGO_MAX_PENDING_FLOWS",
                file_config.max_pending_flows,
                10_000,
            )?,
            max_result_sockets: number(
                &var,
                "NANGO_MAX_RESULT_SOCKETS",
                file_config.max_result_sockets,
                10_000,
            )?,
            refresh_policy: crate::connections::status::RefreshPolicy {
                grace_seconds: number(
                    &var,
                    "NANGO_REFRESH_GRACE_SECONDS",
                    file_config.refresh_grace_seconds,
                    86_400,
                )?,
                retry_base_seconds: number(
                    &var,
                    "NANGO_REFRESH_RETRY_BASE_SECONDS",
                    file_config.refresh_retry_base_seconds,
                    30,
                )?,
            },
            proactive_refresh: crate::connections::proactive::ProactiveSettings {
                interval: std::time::Duration::from_secs(number(
                    &var,
                    "NANGO_REFRESH_INTERVAL_SECONDS",
                    file_config.refresh_interval_seconds,
                    60,
                )?),
                batch_size: number(&var, "NANGO_REFRESH_BATCH_SIZE", file_config.refresh_batch_size, 100)?,
                concurrency: number(&var, "NANGO_REFRESH_CONCURRENCY", file_config.refresh_concurrency, 8)?,
            },
            webhooks: crate::webhooks::WebhookSettings::from_numbers(
                number(&var, "NANGO_WEBHOOK_RETRY_BASE_MS", file_config.webhook_retry_base_ms, 5_000)?,
                number(&var, "NANGO_WEBHOOK_RETRY_MAX_MS", file_config.webhook_retry_max_ms, 3_600_000)?,
                number(&var, "NANGO_WEBHOOK_RETRY_HOURS", file_config.webhook_retry_hours, 24)?,
                number(&var, "NANGO_WEBHOOK_TIMEOUT_SECONDS", file_config.webhook_timeout_seconds, 10)?,
                number(&var, "NANGO_WEBHOOK_CONCURRENCY", file_config.webhook_concurrency, 16)?,
            ),
            limits: crate::serve::Limits {
                max_connections: number(&var, "NANGO_MAX_CONNECTIONS", file_config.max_connections, 4096)?,
                header_read_timeout: std::time::Duration::from_secs(number(
                    &var,
                    "NANGO_HEADER_TIMEOUT_SECONDS",
                    file_config.header_timeout_seconds,
                    10,
                )?),
                ..crate::serve::Limits::default()
            },
        })
    }

    /// After binding: the server URL follows the bound port unless it was configured.
    pub fn with_bound_port(mut self, port: u16) -> Self {
        self.port = port;
        if !self.explicit_server_url {
            self.server_url = default_server_url(self.host, port);
        }
        self
    }

    /// The server's own callback URL: `{server_url}/oauth/callback`.
    pub fn default_callback_url(&self) -> String {
        format!("{}/oauth/callback", self.server_url)
    }
}

#[cfg(test)]
mod tests;
