//! Running the real `nango-server` binary (its subcommands) against a test app's data dir.

use crate::app::{TestApp, PUBLIC_KEY, SECRET_KEY};
use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/nango-server` next to this test binary, built first when missing.
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/api-<hash> → target/<profile>
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target dir").to_path_buf();
    let binary = profile_dir.join(format!("nango-server{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let target_dir = profile_dir.parent().expect("target root").to_path_buf();
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "nango-backend", "--bin", "nango-server"])
            .env("CARGO_TARGET_DIR", target_dir)
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of nango-server failed");
    }
    assert!(binary.exists(), "no nango-server binary at {}", binary.display());
    binary
}

impl TestApp {
    /// Run `nango-server <args>` with this app's data dir, keys and providers file (and
    /// nothing else from the environment); returns stdout, panics on failure.
    pub fn run_cli(&self, args: &[&str]) -> String {
        let config = &self.state().config;
        let mut command = Command::new(server_binary());
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUST_LOG", "error")
            .env("NANGO_DATA_DIR", &self.data_dir)
            .env("NANGO_SECRET_KEY", SECRET_KEY)
            .env("NANGO_PUBLIC_KEY", PUBLIC_KEY);
        if let Some(file) = &config.providers_file {
            command.env("NANGO_PROVIDERS_FILE", file);
        }
        if let Some(url) = &config.database_url {
            command.env("DATABASE_URL", url.expose());
        }
        if let Some(key) = &config.encryption_key {
            command.env("NANGO_ENCRYPTION_KEY", key.expose());
        }
        let output = command.output().expect("run nango-server");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "nango-server {args:?} failed: {stdout}\n{stderr}");
        stdout
    }
}
