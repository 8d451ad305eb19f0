//! The common settings as command-line flags, so `--help` lists them with their environment
//! variables and defaults.
//!
//! `Config` stays the one place that validates settings: clap only collects the text of a flag
//! (or of its variable, which clap reads to show it in `--help`), and `Settings::as_vars` hands
//! it to `Config::load_with` as if it were that variable, so a flag and its variable are
//! checked by the same code with the same messages. The defaults live in `Config` and are only
//! quoted in the help texts below (a clap `default_value` would hide a value set in the
//! `--config` file). Precedence: flag, then environment, then config file, then default.

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Default, Args)]
pub struct Settings {
    /// IP address to listen on [default: 127.0.0.1]
    #[arg(long, global = true, env = "NANGO_HOST", value_name = "IP")]
    pub host: Option<String>,
    /// Port to listen on; 0 picks a free one [default: 3003]
    #[arg(long, global = true, env = "NANGO_PORT", value_name = "PORT")]
    pub port: Option<String>,
    /// Directory of the SQLite database and the generated encryption key [default: ./data]
    #[arg(long, global = true, env = "NANGO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Public base URL of this server, used in callback URLs [default: http://localhost:PORT]
    #[arg(long, global = true, env = "NANGO_SERVER_URL", value_name = "URL")]
    pub server_url: Option<String>,
    /// Postgres URL (postgres://USER:PASSWORD@HOST:PORT/DB) for several replicas; prefer the
    /// variable to the flag, command lines are visible to other users [default: SQLite in the
    /// data directory]
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Base64 of 32 random bytes sealing secrets at rest (`openssl rand -base64 32`); required
    /// with DATABASE_URL; prefer the variable to the flag [default: a key generated into the data
    /// directory]
    #[arg(long, global = true, env = "NANGO_ENCRYPTION_KEY", hide_env_values = true, value_name = "KEY")]
    pub encryption_key: Option<String>,
    /// YAML file of extra or overriding providers, merged over the built-in catalog [default:
    /// none]
    #[arg(long, global = true, env = "NANGO_PROVIDERS_FILE", value_name = "FILE")]
    pub providers_file: Option<PathBuf>,
    /// Enable the built-in demo provider and /demo pages [default: false]
    #[arg(
        long,
        global = true,
        env = "NANGO_DEMO",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub demo: Option<String>,
    /// Log filter, e.g. `info` or `nango_backend=debug`; the flag wins over RUST_LOG [default: info]
    #[arg(long, global = true, env = "RUST_LOG", value_name = "FILTER")]
    pub log_level: Option<String>,
}

impl Settings {
    /// The flags given, as the variables `Config` reads (empty values count as unset there).
    pub fn as_vars(&self) -> Vec<(String, String)> {
        let path = |value: &Option<PathBuf>| value.as_ref().map(|path| path.display().to_string());
        let pairs = [
            ("NANGO_HOST", self.host.clone()),
            ("NANGO_PORT", self.port.clone()),
            ("NANGO_DATA_DIR", path(&self.data_dir)),
            ("NANGO_SERVER_URL", self.server_url.clone()),
            ("DATABASE_URL", self.database_url.clone()),
            ("NANGO_ENCRYPTION_KEY", self.encryption_key.clone()),
            ("NANGO_PROVIDERS_FILE", path(&self.providers_file)),
            ("NANGO_DEMO", self.demo.clone()),
        ];
        pairs.into_iter().filter_map(|(name, value)| Some((name.to_string(), value?))).collect()
    }
}

pub const AFTER_HELP: &str = "\
Every flag above also reads the environment variable shown; a flag wins over its variable,
which wins over the --config file (same names in lowercase without NANGO_, e.g. `port = 3003`),
which wins over the default. More settings (limits, rate limits, refresh, webhooks, metrics,
outbound policy, SDK directory) are environment or file only: see the Configuration table in
the README.";
