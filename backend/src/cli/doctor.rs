//! `nango-server doctor`: checks a setup without changing it and prints one line per check,
//! `✓ name: detail` or `✗ name: problem — what to do`; fails when any check fails.
//!
//! Like `keys`, it reads existing state and creates no database. Checks that need the database
//! are skipped when it is missing or behind on migrations (doctor never migrates).
//!
//! The callback URL: the server's own `{server_url}/oauth/callback` (the default) passes when
//! the server answers there, and also when nothing answers, since doctor usually runs while
//! the server is stopped. A custom `callback_url` (`PATCH /environment`) is a page of the
//! operator's app that must redirect (302/303/307/308) to `/oauth/callback` keeping the query,
//! or be another server's `/oauth/callback` that answers: doctor requests it and fails when it
//! is not reachable or answers otherwise.

use crate::config::{Config, ConfigError};
use crate::store::migration_status::{self, MigrationStatus};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Default)]
struct Report {
    n_failed: usize,
}

impl Report {
    fn pass(&mut self, name: &str, detail: impl std::fmt::Display) {
        println!("✓ {name}: {detail}");
    }

    fn fail(&mut self, name: &str, problem: impl std::fmt::Display, fix: impl std::fmt::Display) {
        self.n_failed += 1;
        println!("✗ {name}: {problem} — {fix}");
    }
}

pub async fn run(loaded: Result<Config, ConfigError>) -> anyhow::Result<()> {
    let mut report = Report::default();
    match loaded {
        Ok(config) => {
            report.pass("configuration", "every setting is valid");
            check_setup(&config, &mut report).await;
        }
        Err(error) => report.fail("configuration", error, "fix the setting named, then run doctor again"),
    }
    if report.n_failed > 0 {
        anyhow::bail!("doctor: {} check(s) failed", report.n_failed);
    }
    Ok(())
}

async fn check_setup(config: &Config, report: &mut Report) {
    if check_database(config, report).await {
        check_state(config, report).await;
    }
    check_catalog(config, report);
    check_sdk(config, report);
}

/// The database exists (or answers) and has this build's migrations; whether to go on.
async fn check_database(config: &Config, report: &mut Report) -> bool {
    let status = match &config.database_url {
        Some(url) => {
            let address = crate::config::database_address(url.expose());
            if let Err(error) = crate::startup::check_database_reachable(url.expose()).await {
                report.fail("database", error, "fix DATABASE_URL or start Postgres");
                return false;
            }
            report.pass("database", format!("Postgres at {address} answers"));
            migration_status::postgres(url.expose()).await
        }
        None => {
            let file = config.data_dir.join(crate::store::SQLITE_FILE);
            if !file.is_file() {
                let problem = format!("no SQLite database at {}", crate::startup::absolute(&file));
                let fix = "run doctor from the directory the server runs in, or point it at the server's \
                           data: NANGO_DATA_DIR=/path/to/data nango-server doctor (or set DATABASE_URL)";
                report.fail("database", problem, fix);
                return false;
            }
            report.pass("database", format!("SQLite at {}", crate::startup::absolute(&file)));
            migration_status::sqlite(&file).await
        }
    };
    match status {
        Ok(status) if status.is_current() => {
            report.pass("migrations", format!("all {} applied", status.known));
            true
        }
        Ok(status) => {
            report.fail(
                "migrations",
                describe_behind(&status),
                "run `nango-server migrate` (or start the server)",
            );
            false
        }
        Err(error) => {
            report.fail("migrations", format!("cannot read them: {error}"), "check the database");
            false
        }
    }
}

fn describe_behind(status: &MigrationStatus) -> String {
    if status.unknown > 0 {
        return format!("{} applied migrations are from a newer nango-server", status.unknown);
    }
    format!("{} of {} applied", status.applied, status.known)
}

/// The encryption key against the stored check value, then the default environment's callback.
async fn check_state(config: &Config, report: &mut Report) {
    let key_file = config.data_dir.join("encryption.key");
    if config.encryption_key.is_none() && !key_file.is_file() {
        let shown = crate::startup::absolute(&key_file);
        report.fail(
            "encryption key",
            format!("NANGO_ENCRYPTION_KEY is not set and there is no {shown}"),
            "set NANGO_ENCRYPTION_KEY to the key the data was sealed with",
        );
        return;
    }
    let cipher = match crate::startup::load_cipher(config) {
        Ok(cipher) => cipher,
        Err(error) => return report.fail("encryption key", error, "set a valid NANGO_ENCRYPTION_KEY"),
    };
    let store = match crate::store::open(config.database_url.as_ref(), &config.data_dir, cipher.clone()).await
    {
        Ok(store) => store,
        Err(error) => {
            return report.fail("database", format!("cannot open it: {error}"), "check the database")
        }
    };
    if let Err(error) = crate::app::check_encryption_key(store.as_ref(), &cipher).await {
        return report.fail(
            "encryption key",
            crate::cli::describe(&error),
            "set NANGO_ENCRYPTION_KEY to the key used before",
        );
    }
    report.pass("encryption key", "opens the stored check value");
    match store.default_environment().await {
        Ok(Some(environment)) => check_callback(config, environment.settings.callback_url, report).await,
        Ok(None) => {
            report.pass("callback URL", format!("{} (no environment yet)", config.default_callback_url()))
        }
        Err(error) => {
            report.fail("callback URL", format!("cannot read the environment: {error}"), "check the database")
        }
    }
}

async fn check_callback(config: &Config, configured: Option<String>, report: &mut Report) {
    let default = config.default_callback_url();
    let url = configured.unwrap_or_else(|| default.clone());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build();
    let check = match client {
        Ok(client) => crate::callback_check::check(&client, &url, &default).await,
        Err(error) => return report.fail("callback URL", error, "report this bug"),
    };
    match check.fix {
        None => report.pass("callback URL", check.detail),
        Some(fix) => report.fail("callback URL", check.detail, fix),
    }
}

fn check_catalog(config: &Config, report: &mut Report) {
    match crate::catalog::Catalog::load(config.providers_file.as_deref(), &config.server_url) {
        Ok(catalog) => report.pass("catalog", format!("{} providers", catalog.len())),
        Err(error) => report.fail(
            "catalog",
            format!("NANGO_PROVIDERS_FILE: {error}"),
            "fix the file or unset NANGO_PROVIDERS_FILE",
        ),
    }
}

fn check_sdk(config: &Config, report: &mut Report) {
    let configured = config.sdk_dir.is_some();
    let dir = config.sdk_dir.clone().unwrap_or_else(|| PathBuf::from(crate::assets::DEFAULT_SDK_DIR));
    let shown = crate::startup::absolute(&dir);
    if dir.join("package.json").is_file() {
        report.pass("SDK package", format!("/sdk/ serves {shown}"));
    } else if configured {
        report.fail(
            "SDK package",
            format!("NANGO_SDK_DIR {shown} has no package.json"),
            "run `cargo xtask build-sdk` or fix NANGO_SDK_DIR",
        );
    } else {
        report.pass(
            "SDK package",
            format!("not built ({shown} is missing): /sdk/ answers 404; `cargo xtask build-sdk` builds it"),
        );
    }
}
