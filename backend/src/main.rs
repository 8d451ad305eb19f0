//! `nango-server`: parse the command line and hand over to the library.

use clap::Parser;
use nango_backend::telemetry::{self, LogFormat};
use std::io::IsTerminal;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let format = match LogFormat::from_env() {
        Ok(format) => format,
        Err(error) => {
            eprintln!("error: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let cli = nango_backend::cli::Cli::parse();
    // RUST_LOG (read by the filter) or `--log-level`; colour only on a terminal.
    let level = cli.settings.log_level.as_deref().unwrap_or("info");
    telemetry::init(level, format, std::io::stderr().is_terminal(), std::io::stderr);
    match nango_backend::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", nango_backend::cli::describe(&error));
            std::process::ExitCode::FAILURE
        }
    }
}
