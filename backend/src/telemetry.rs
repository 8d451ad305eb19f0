//! The tracing subscriber. The writer is a parameter so tests can stay quiet.
//!
//! `NANGO_LOG_FORMAT` picks the line format: `text` (the default, for people) or `json` (one
//! JSON object per line, the event's fields at the top level, for log pipelines). The logger
//! starts before `Config::load` so that everything after it can log, so this one setting is
//! not part of `Config`: `config::log_format_var` reads it (config stays the only reader of
//! `NANGO_*` variables) and `LogFormat::parse` checks it here; `main` stops with an error
//! naming the setting when it is neither. The filter is the caller's: `main` passes
//! `--log-level`, else `RUST_LOG` (clap resolves the flag over the variable), else `info`; a
//! filter tracing cannot parse is an error naming both. Colour (ANSI escapes) only when the
//! caller says its output is a terminal, never into a pipe or a file.

use crate::config::ConfigError;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

const SETTING: &str = "NANGO_LOG_FORMAT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `text`, `json`, or nothing (unset or empty: `text`).
    pub fn parse(raw: Option<&str>) -> Result<Self, ConfigError> {
        match raw.map(str::trim) {
            None | Some("") | Some("text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(ConfigError::Invalid {
                setting: SETTING,
                message: format!("`{other}` is not a log format; use `text` or `json`"),
            }),
        }
    }

    /// The format the process environment asks for.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::parse(crate::config::log_format_var().as_deref())
    }
}

/// The filter of `--log-level` / `RUST_LOG`, or an error naming them.
pub fn parse_filter(filter: &str) -> Result<EnvFilter, ConfigError> {
    EnvFilter::try_new(filter).map_err(|error| ConfigError::Invalid {
        setting: "--log-level / RUST_LOG",
        message: format!(
            "`{filter}` is not a log filter ({error}); use a level such as `info` or `nango_backend=debug`"
        ),
    })
}

/// Install a global subscriber with `filter` (see `parse_filter`). `ansi`: colour, for a
/// terminal only. A second call is a no-op.
pub fn init<W>(filter: EnvFilter, format: LogFormat, ansi: bool, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_target(false);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(ansi).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_the_default_and_anything_else_names_the_setting() {
        assert_eq!(LogFormat::parse(None).unwrap(), LogFormat::Text);
        assert_eq!(LogFormat::parse(Some("")).unwrap(), LogFormat::Text);
        assert_eq!(LogFormat::parse(Some("text")).unwrap(), LogFormat::Text);
        assert_eq!(LogFormat::parse(Some("json")).unwrap(), LogFormat::Json);
        let error = LogFormat::parse(Some("xml")).unwrap_err().to_string();
        assert!(error.starts_with("NANGO_LOG_FORMAT") && error.contains("xml"), "{error}");
    }

    #[test]
    fn a_bad_filter_names_both_settings() {
        assert!(parse_filter("info").is_ok());
        assert!(parse_filter("nango_backend=debug,warn").is_ok());
        let error = parse_filter("nango_backend=loud").unwrap_err().to_string();
        assert!(
            error.contains("--log-level") && error.contains("RUST_LOG") && error.contains("loud"),
            "{error}"
        );
    }
}
