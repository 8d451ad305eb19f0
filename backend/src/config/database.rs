//! `DATABASE_URL`: only Postgres URLs; unset means SQLite in the data directory. Messages never
//! repeat the value, which may hold a password.

use super::ConfigError;

const FIX: &str = "expected postgres://USER:PASSWORD@HOST:5432/DATABASE (or postgresql://); \
                   leave DATABASE_URL unset to use SQLite in NANGO_DATA_DIR (the default)";

pub(super) fn validate_database_url(raw: &str) -> Result<(), ConfigError> {
    let invalid = |message: String| ConfigError::Invalid { setting: "DATABASE_URL", message };
    let url = url::Url::parse(raw).map_err(|error| invalid(format!("is not a URL ({error}) — {FIX}")))?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(invalid(format!(
            "the `{}://` scheme is not supported, only Postgres is — {FIX}",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(format!("names no host — {FIX}")));
    }
    Ok(())
}

/// `host:port` of a valid `DATABASE_URL`, for messages (never the user or password).
pub fn database_address(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(url) => format!("{}:{}", url.host_str().unwrap_or("?"), url.port().unwrap_or(5432)),
        Err(_) => "?".into(),
    }
}
