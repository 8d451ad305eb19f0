//! `nango-server`: parse the command line and hand over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = nango_backend::cli::Cli::parse();
    // RUST_LOG (read by the filter) or `--log-level`.
    nango_backend::telemetry::init(cli.settings.log_level.as_deref().unwrap_or("info"), std::io::stderr);
    match nango_backend::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", nango_backend::cli::describe(&error));
            std::process::ExitCode::FAILURE
        }
    }
}
