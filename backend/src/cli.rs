//! The command line: `serve` (default), `keys`, `hmac`, `migrate`, `rotate-key`, `webhook-test`
//! (SPEC §6, §12, §13).

use crate::app::{self, App};
use crate::config::Config;
use crate::crypto::hmac::connect_digest;
use crate::ids::{ConnectionId, IntegrationKey};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "nango-server", version, about = "OAuth connection broker")]
pub struct Cli {
    /// Optional TOML config file; NANGO_* environment variables win over it.
    #[arg(long, global = true, env = "NANGO_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (default).
    Serve,
    /// Print the default environment's keys as JSON.
    Keys,
    /// Print the HMAC digest for `nango.auth(integration, connection_id, {hmac})`.
    Hmac { integration: String, connection_id: String },
    /// Run database migrations and exit.
    Migrate,
    /// Re-seal everything sealed under NANGO_ENCRYPTION_KEY_PREVIOUS with NANGO_ENCRYPTION_KEY.
    /// Safe while servers run (they open both keys) and resumable after a crash.
    RotateKey,
    /// Send a test webhook to the default environment's `webhook_url` now and print what the
    /// receiver answered; fails unless it accepted it (2xx).
    WebhookTest,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Keys => {
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

async fn default_environment(config: Config) -> anyhow::Result<crate::store::Environment> {
    let state = app::build_state(config).await?;
    app::bootstrap_environment(&state).await?;
    state.store.default_environment().await?.ok_or_else(|| anyhow::anyhow!("no default environment"))
}
