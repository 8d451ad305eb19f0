//! Checks before opening storage, each failing with one message that names the setting, the
//! problem and the fix: the key requirement for shared databases, a writable data directory,
//! a reachable Postgres (a bounded wait instead of the pool's long time-out); and loading the
//! cipher. Used by `app::build_state` and `nango-server doctor`.

use crate::config::Config;
use crate::crypto::Cipher;
use std::path::Path;
use std::time::Duration;

/// How long the first connection to Postgres may take before start-up gives up.
pub const DATABASE_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn preflight(config: &Config) -> anyhow::Result<()> {
    // SPEC §13 "At rest": replicas sharing a database must share the key; a key generated into
    // one replica's data directory would make every other replica's credentials unreadable.
    if config.database_url.is_some() && config.encryption_key.is_none() {
        anyhow::bail!(
            "NANGO_ENCRYPTION_KEY must be set when DATABASE_URL is: every replica needs the same key \
             (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)"
        );
    }
    ensure_writable_dir(&config.data_dir)?;
    if let Some(url) = &config.database_url {
        check_database_reachable(url.expose()).await?;
    }
    Ok(())
}

/// The data directory exists (created if needed) and accepts files.
pub fn ensure_writable_dir(dir: &Path) -> anyhow::Result<()> {
    let shown = absolute(dir);
    let fail = |error: std::io::Error| {
        anyhow::anyhow!(
            "NANGO_DATA_DIR: cannot write to {shown}: {error} — set NANGO_DATA_DIR (or --data-dir) to a \
             writable directory, or fix its permissions"
        )
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".nango-write-check");
    std::fs::write(&probe, b"").map_err(fail)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// One connection with a bounded wait; the error names host and port, never the password.
pub async fn check_database_reachable(url: &str) -> anyhow::Result<()> {
    let address = crate::config::database_address(url);
    let fix =
        "check that Postgres runs there and that DATABASE_URL's host, port, user and password are right";
    match tokio::time::timeout(DATABASE_CONNECT_TIMEOUT, crate::store::postgres::try_connect(url)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => {
            anyhow::bail!("DATABASE_URL: cannot connect to the database at {address}: {error} — {fix}")
        }
        Err(_) => anyhow::bail!(
            "DATABASE_URL: the database at {address} did not answer within {} s — {fix}",
            DATABASE_CONNECT_TIMEOUT.as_secs()
        ),
    }
}

/// `NANGO_ENCRYPTION_KEY` (and `_PREVIOUS`), or the key file in the data directory (generated
/// on first start).
pub fn load_cipher(config: &Config) -> anyhow::Result<Cipher> {
    let cipher = match &config.encryption_key {
        Some(key) => {
            Cipher::from_base64(key).map_err(|error| anyhow::anyhow!("NANGO_ENCRYPTION_KEY: {error}"))?
        }
        None => {
            let (cipher, generated) = Cipher::load_or_generate(&config.data_dir)
                .map_err(|error| anyhow::anyhow!("NANGO_ENCRYPTION_KEY unset and {error}"))?;
            if generated {
                tracing::warn!(
                    dir = %config.data_dir.display(),
                    "NANGO_ENCRYPTION_KEY is not set: generated a key into the data directory; back it up, or set NANGO_ENCRYPTION_KEY"
                );
            }
            cipher
        }
    };
    match &config.encryption_key_previous {
        Some(previous) => cipher
            .with_previous(previous)
            .map_err(|error| anyhow::anyhow!("NANGO_ENCRYPTION_KEY_PREVIOUS: {error}")),
        None => Ok(cipher),
    }
}

/// `path` made absolute against the working directory, for messages.
pub fn absolute(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}
