//! Running the real `nango-server` binary (its subcommands) against a test app's data dir.

use crate::app::{TestApp, PUBLIC_KEY, SECRET_KEY};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// `target/<profile>/nango-server` next to this test binary. Built (or found up to date) once
/// per test process with the same cargo, profile and target dir, so it is never stale.
pub fn server_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(build_server_binary).clone()
}

fn build_server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/api-<hash> → target/<profile>
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target dir").to_path_buf();
    let target_dir = profile_dir.parent().expect("target root").to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["build", "--quiet", "-p", "nango-backend", "--bin", "nango-server"]);
    if profile_dir.file_name().is_some_and(|name| name == "release") {
        command.arg("--release");
    }
    // Cargo sets `CARGO_PKG_*` and friends for this test process; build scripts (ring's)
    // watch them, so passing them on would rebuild half the graph on every run.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let per_crate = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_BIN_", "CARGO_CRATE_", "CARGO_PRIMARY_"]
            .iter()
            .any(|prefix| name.starts_with(prefix));
        if per_crate || name == "CARGO_TARGET_TMPDIR" || name == "CARGO_RUSTC_CURRENT_DIR" {
            command.env_remove(name.as_ref());
        }
    }
    let status = command.env("CARGO_TARGET_DIR", target_dir).status().expect("run cargo build");
    assert!(status.success(), "cargo build of nango-server failed");
    let binary = profile_dir.join(format!("nango-server{}", std::env::consts::EXE_SUFFIX));
    assert!(binary.exists(), "no nango-server binary at {}", binary.display());
    binary
}

impl TestApp {
    /// Run `nango-server <args>` with this app's data dir, keys and providers file (and
    /// nothing else from the environment); returns stdout, panics on failure.
    pub fn run_cli(&self, args: &[&str]) -> String {
        let run = self.run_cli_with(args, &[]);
        assert!(run.success, "nango-server {args:?} failed: {}\n{}", run.stdout, run.stderr);
        run.stdout
    }

    /// Like `run_cli` with `vars` added (they win), returning how it went.
    pub fn run_cli_with(&self, args: &[&str], vars: &[(&str, &str)]) -> CliRun {
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
        for (key, value) in vars {
            command.env(key, value);
        }
        command.output().expect("run nango-server").into()
    }
}

/// What a run of the binary left: its exit status and everything it wrote.
pub struct CliRun {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for CliRun {
    fn from(output: Output) -> Self {
        Self {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// `nango-server <args>` in `dir` with only `PATH`, `RUST_LOG=error` and `vars` in its
/// environment.
pub fn run_binary(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> CliRun {
    let mut command = Command::new(server_binary());
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "error");
    for (key, value) in vars {
        command.env(key, value);
    }
    command.output().expect("run nango-server").into()
}
