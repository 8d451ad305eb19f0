//! The tracing subscriber. The writer is a parameter so tests can stay quiet.
//!
//! `NANGO_LOG_FORMAT` picks the line format: `text` (the default, for people) or `json` (one
//! JSON object per line, the event's fields at the top level, for log pipelines). The logger
//! starts before `Config::load` so that everything after it can log, so this one setting is
//! not part of `Config`: `config::log_format_var` reads it (config stays the only reader of
//! `NANGO_*` variables) and `LogFormat::parse` checks it here; `main` stops with an error
//! naming the setting when it is neither. `RUST_LOG` is read by tracing-subscriber's
//! `EnvFilter`, as usual. Colour (ANSI escapes) only when the caller says its output is a
//! terminal, never into a pipe or a file.

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

/// Install a global subscriber; `RUST_LOG` overrides `default_filter`. `ansi`: colour, for a
/// terminal only. A second call is a no-op.
pub fn init<W>(default_filter: &str, format: LogFormat, ansi: bool, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
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
}
