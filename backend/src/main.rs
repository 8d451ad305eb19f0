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
    // `--log-level`, else RUST_LOG (clap reads it), else info; colour only on a terminal.
    let filter = match telemetry::parse_filter(
        cli.settings.log_level.as_deref().filter(|f| !f.trim().is_empty()).unwrap_or("info"),
    ) {
        Ok(filter) => filter,
        Err(error) => {
            eprintln!("error: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    telemetry::init(filter, format, std::io::stderr().is_terminal(), std::io::stderr);
    match nango_backend::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", nango_backend::cli::describe(&error));
            std::process::ExitCode::FAILURE
        }
    }
}
