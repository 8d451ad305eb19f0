//! The command line: `serve` (default), `keys`, `hmac`, `migrate`, `rotate-key`, `webhook-test`
//! (SPEC §6, §12, §13).

use crate::app::{self, App};
use crate::config::Config;
use crate::crypto::hmac::connect_digest;
use crate::ids::{ConnectionId, IntegrationKey};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod doctor;
mod settings;

pub use settings::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "nango-server",
    version,
    about = "OAuth connection broker, compatible with Nango's clients",
    long_about = "OAuth connection broker, compatible with Nango's clients.\n\n\
                  Without a subcommand it serves (`serve`). Configure it with the flags below, \
                  their environment variables, or a TOML file (--config).",
    after_help = settings::AFTER_HELP
)]
pub struct Cli {
    /// Optional TOML config file; flags and environment variables win over it [default: none]
    #[arg(long, global = true, env = "NANGO_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (default).
    #[command(after_help = settings::AFTER_HELP)]
    Serve,
    /// Print the default environment's keys as JSON.
    #[command(after_help = settings::AFTER_HELP)]
    Keys,
    /// Print the HMAC digest for `nango.auth(integration, connection_id, {hmac})`.
    #[command(after_help = settings::AFTER_HELP)]
    Hmac {
        /// The integration's unique key (`provider_config_key`), e.g. `github`.
        integration: String,
        /// The connection id the frontend will pass to `nango.auth`.
        connection_id: String,
    },
    /// Run database migrations and exit.
    #[command(after_help = settings::AFTER_HELP)]
    Migrate,
    /// Re-seal everything sealed under NANGO_ENCRYPTION_KEY_PREVIOUS with NANGO_ENCRYPTION_KEY.
    /// Safe while servers run (they open both keys) and resumable after a crash.
    #[command(after_help = settings::AFTER_HELP)]
    RotateKey,
    /// Check the configuration, database, migrations, encryption key, callback URL, catalog
    /// and SDK package without changing anything; fails when a check fails.
    #[command(after_help = settings::AFTER_HELP)]
    Doctor,
    /// Send a test webhook to the default environment's `webhook_url` now and print what the
    /// receiver answered; fails unless it accepted it (2xx).
    #[command(after_help = settings::AFTER_HELP)]
    WebhookTest,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let loaded = Config::load_with(cli.config.as_deref(), &cli.settings.as_vars());
    let command = cli.command.unwrap_or(Command::Serve);
    // Doctor reports a configuration error as one of its checks; the others stop on it.
    let config = match (&command, loaded) {
        (Command::Doctor, loaded) => return doctor::run(loaded).await,
        (_, loaded) => loaded?,
    };
    match command {
        Command::Doctor => doctor::run(Ok(config)).await,
        Command::Serve => serve(config).await,
        Command::Keys => {
            require_existing_state(&config, "keys")?;
            let environment = default_environment(config).await?;
            let keys = serde_json::json!({
                "environment": environment.name,
                "secret_key": environment.secret_key.expose(),
                "public_key": environment.public_key,
            });
            println!("{}", serde_json::to_string_pretty(&keys)?);
            Ok(())
        }
        Command::Hmac { integration, connection_id } => {
            let integration = IntegrationKey::parse(integration).map_err(anyhow::Error::msg)?;
            let connection_id = ConnectionId::parse(connection_id).map_err(anyhow::Error::msg)?;
            require_existing_state(&config, "hmac")?;
            let environment = default_environment(config).await?;
            let Some(key) = environment.settings.hmac_key.as_ref() else {
                anyhow::bail!("no HMAC key is set: PATCH /environment with `hmac_key` first");
            };
            println!("{}", connect_digest(key, integration.as_str(), connection_id.as_str()));
            Ok(())
        }
        Command::Migrate => {
            app::build_state(config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::RotateKey => {
            if config.encryption_key.is_none() || config.encryption_key_previous.is_none() {
                anyhow::bail!(
                    "rotate-key needs NANGO_ENCRYPTION_KEY (the new key) and NANGO_ENCRYPTION_KEY_PREVIOUS (the old one)"
                );
            }
            let state = app::build_state(config).await?;
            let report = |n_resealed: u64| println!("resealed {n_resealed}");
            let n_resealed = state.store.rotate_key(&report).await?;
            println!(
                "rotation done: {n_resealed} values re-sealed; NANGO_ENCRYPTION_KEY_PREVIOUS may be removed"
            );
            Ok(())
        }
        Command::WebhookTest => {
            let state = app::build_state(config).await?;
            app::bootstrap_environment(&state).await?;
            let environment = state.store.default_environment().await?;
            let environment = environment.ok_or_else(|| anyhow::anyhow!("no default environment"))?;
            let sent = crate::webhooks::actions::send_test(&state, &environment).await?;
            println!("{}", serde_json::to_string_pretty(&sent.to_json())?);
            if !sent.delivered {
                anyhow::bail!("the receiver did not accept the test webhook");
            }
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    if let Some(environment) = &app.generated_keys {
        // Printed once, on the start that generated them; `nango-server keys` shows them again.
        println!(
            "Generated keys for environment `{}`:\n  secret key: {}\n  public key: {}",
            environment.name,
            environment.secret_key.expose(),
            environment.public_key
        );
    }
    let addr = app.local_addr()?;
    tracing::info!(%addr, url = %app.state().config.server_url, "nango-server listening");
    // One stable line on stdout for scripts and tests that start the server on port 0.
    println!("nango-server listening on http://{addr}");
    app.run_until_stopped(app::shutdown_signal()).await?;
    Ok(())
}

/// `keys` and `hmac` read an existing server's state: pointed at the wrong directory they would
/// otherwise create an empty database there and print keys nobody uses.
pub fn require_existing_state(config: &Config, command: &str) -> anyhow::Result<()> {
    if config.database_url.is_some() {
        return Ok(());
    }
    let file = config.data_dir.join(crate::store::SQLITE_FILE);
    if file.is_file() {
        return Ok(());
    }
    let shown = crate::startup::absolute(&file);
    anyhow::bail!(
        "NANGO_DATA_DIR: no database at {shown}; `{command}` reads the state of an existing server and \
         does not create one — run it from the directory the server runs in, or point it at the \
         server's data directory: NANGO_DATA_DIR=/path/to/data nango-server {command} (or set \
         DATABASE_URL for Postgres)"
    )
}

async fn default_environment(config: Config) -> anyhow::Result<crate::store::Environment> {
    let state = app::build_state(config).await?;
    app::bootstrap_environment(&state).await?;
    state.store.default_environment().await?.ok_or_else(|| anyhow::anyhow!("no default environment"))
}

/// The error and its causes on one line, each cause once: many errors already include their
/// source's text, which `{:#}` would repeat.
pub fn describe(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
    }
    message
}
