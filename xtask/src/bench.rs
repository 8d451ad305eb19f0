//! `cargo xtask bench`: builds `nango-server` and the `nango-bench` load generator (crate
//! `bench/`) in release and runs the bench, which writes `<target>/bench-report.json` and
//! prints a summary. The load generator lives in its own crate so that xtask stays a thin
//! orchestrator, without the backend library, axum, hyper or sqlx.
//!
//! Options are passed through: `--quick` (short windows, at most 100k connections) and
//! `--max-connections N` (default 1,000,000).

use std::path::{Path, PathBuf};
use xshell::{cmd, Shell};

use crate::project_root;

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let root = project_root();
    let sh = Shell::new()?;
    sh.change_dir(&root);
    cmd!(sh, "cargo build --release -p nango-backend -p nango-bench --bins").run()?;
    let release = target_dir(&root).join("release");
    let bench = release.join("nango-bench");
    let server = release.join("nango-server");
    let report = target_dir(&root).join("bench-report.json");
    cmd!(sh, "{bench} --server {server} --report {report} {args...}").run()?;
    Ok(())
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
}
