//! Parsing single values: positive numbers, base URLs, the default server URL.

use super::ConfigError;
use std::net::IpAddr;

/// A positive whole number from the environment, else the file, else `default`.
pub(super) fn number<T>(
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
pub(super) fn default_server_url(host: IpAddr, port: u16) -> String {
    let host = if host.is_loopback() || host.is_unspecified() {
        "localhost".to_string()
    } else if host.is_ipv6() {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    format!("http://{host}:{port}")
}

pub(super) fn validate_base_url(setting: &'static str, raw: &str) -> Result<String, ConfigError> {
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
