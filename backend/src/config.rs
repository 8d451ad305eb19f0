//! `Config::load`: an optional TOML file plus `NANGO_*` environment variables (env wins),
//! validated once. The only reader of the process environment (SPEC §6).

use crate::secret::Secret;
use serde::Deserialize;
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
    #[error("cannot read config file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("config file {path} is not valid TOML: {message}")]
    Parse { path: String, message: String },
    #[error("{setting}: {message}")]
    Invalid { setting: &'static str, message: String },
}

/// `NANGO_LOG_FORMAT` alone: the logger starts before `Config::load` (see `telemetry`).
pub fn log_format_var() -> Option<String> {
    std::env::var_os("NANGO_LOG_FORMAT").map(|value| value.to_string_lossy().into_owned())
}

/// The keys a TOML file may set; same names as the env variables without `NANGO_`, lowercase.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    host: Option<String>,
    port: Option<u16>,
    data_dir: Option<PathBuf>,
    server_url: Option<String>,
    database_url: Option<Secret<String>>,
    encryption_key: Option<Secret<String>>,
    encryption_key_previous: Option<Secret<String>>,
    secret_key: Option<Secret<String>>,
    public_key: Option<String>,
    providers_file: Option<PathBuf>,
    sdk_dir: Option<PathBuf>,
    flow_ttl_seconds: Option<i64>,
    provider_timeout_seconds: Option<u64>,
    demo: Option<bool>,
    max_connections: Option<usize>,
    outbound_allow: Option<String>,
    rate_limit_browser_per_minute: Option<u32>,
    rate_limit_wrong_secret_keys_per_minute: Option<u32>,
    max_pending_flows: Option<u64>,
    max_result_sockets: Option<usize>,
    header_timeout_seconds: Option<u64>,
    metrics: Option<String>,
    refresh_grace_seconds: Option<i64>,
    refresh_retry_base_seconds: Option<i64>,
    refresh_interval_seconds: Option<u64>,
    refresh_batch_size: Option<u32>,
    refresh_concurrency: Option<usize>,
    webhook_retry_base_ms: Option<u64>,
    webhook_retry_max_ms: Option<u64>,
    webhook_retry_hours: Option<u64>,
    webhook_timeout_seconds: Option<u64>,
    webhook_concurrency: Option<u64>,
}

impl Config {
    /// Load from an optional TOML file and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::from_sources(file, &vars)
    }

    /// Load from a file and an explicit list of variables (tests pass their own).
    pub fn from_sources(file: Option<&Path>, vars: &[(String, String)]) -> Result<Self, ConfigError> {
        let file_config = match file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
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
        Ok(Self {
            host,
            port,
            data_dir,
            server_url,
            explicit_server_url,
            database_url: var("DATABASE_URL").map(Secret::new).or(file_config.database_url),
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

/// A positive whole number from the environment, else the file, else `default`.
fn number<T>(
    var: &dyn Fn(&str) -> Option<String>,
    setting: &'static str,
    from_file: Option<T>,
    default: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + Default + Copy,
{
    let value = match var(setting) {
        Some(text) => text.parse().map_err(|_| ConfigError::Invalid {
            setting,
            message: format!("`{text}` is not a whole number"),
        })?,
        None => from_file.unwrap_or(default),
    };
    if value <= T::default() {
        return Err(ConfigError::Invalid { setting, message: "must be positive".into() });
    }
    Ok(value)
}

/// `http://localhost:PORT` for a loopback or unspecified host, else `http://HOST:PORT`.
fn default_server_url(host: IpAddr, port: u16) -> String {
    let host = if host.is_loopback() || host.is_unspecified() {
        "localhost".to_string()
    } else if host.is_ipv6() {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    format!("http://{host}:{port}")
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
    toml::from_str(&text)
        .map_err(|error| ConfigError::Parse { path: path.display().to_string(), message: error.to_string() })
}

fn validate_base_url(setting: &'static str, raw: &str) -> Result<String, ConfigError> {
    let parsed = url::Url::parse(raw)
        .map_err(|error| ConfigError::Invalid { setting, message: format!("`{raw}`: {error}") })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ConfigError::Invalid {
            setting,
            message: format!("`{raw}` must be an absolute http(s) URL"),
        });
    }
    Ok(raw.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults() {
        let config = Config::from_sources(None, &[]).unwrap();
        assert_eq!(config.port, 3003);
        assert_eq!(config.server_url, "http://localhost:3003");
        assert_eq!(config.default_callback_url(), "http://localhost:3003/oauth/callback");
        assert_eq!(config.flow_ttl_seconds, 600);
        assert!(!config.demo, "the demo is off unless asked for");
        assert!(Config::from_sources(None, &vars(&[("NANGO_DEMO", "true")])).unwrap().demo);
        assert!(Config::from_sources(None, &vars(&[("NANGO_DEMO", "yes")])).is_err());
    }

    #[test]
    fn server_url_follows_the_bound_port_unless_configured() {
        let config = Config::from_sources(None, &vars(&[("NANGO_PORT", "0")])).unwrap();
        assert_eq!(config.with_bound_port(4321).server_url, "http://localhost:4321");
        let fixed = vars(&[("NANGO_PORT", "0"), ("NANGO_SERVER_URL", "https://auth.example")]);
        let config = Config::from_sources(None, &fixed).unwrap();
        assert_eq!(config.with_bound_port(4321).server_url, "https://auth.example");
    }

    #[test]
    fn env_wins_over_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nango.toml");
        std::fs::write(&path, "port = 4000\ndata_dir = \"/tmp/x\"\n").unwrap();
        let config = Config::from_sources(Some(&path), &vars(&[("NANGO_PORT", "5000")])).unwrap();
        assert_eq!(config.port, 5000);
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn bad_values_name_the_setting() {
        let error = Config::from_sources(None, &vars(&[("NANGO_PORT", "x")])).unwrap_err();
        assert!(error.to_string().starts_with("NANGO_PORT"));
        let error = Config::from_sources(None, &vars(&[("NANGO_SERVER_URL", "ftp://x")])).unwrap_err();
        assert!(error.to_string().starts_with("NANGO_SERVER_URL"));
        let error = Config::from_sources(None, &vars(&[("NANGO_METRICS", "public")])).unwrap_err();
        assert!(error.to_string().starts_with("NANGO_METRICS"));
    }
}
