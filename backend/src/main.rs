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
    telemetry::init("info", format, std::io::stderr().is_terminal(), std::io::stderr);
    let cli = nango_backend::cli::Cli::parse();
    match nango_backend::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
