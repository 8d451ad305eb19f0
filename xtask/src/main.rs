//! Build and bench orchestration: `cargo xtask <task>` (rust-analyzer's xtask pattern).
//!
//! One module per task. Tasks:
//! - `build-sdk`: build the browser SDK into `sdk-wasm/pkg/` and check its size budget.
//! - `test-sdk`: run the SDK's wasm-bindgen tests in headless Chromium.
//! - `bench`: measure the server against the SPEC budgets; writes `target/bench-report.json`.
//! - `tidy`: house-rule checks over the sources (file size, provider names, secrets, panics).

mod bench;
mod build_sdk;
mod minify_names;
mod test_sdk;
mod tidy;
mod tools;

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "build-sdk" => build_sdk::run(),
        "test-sdk" => test_sdk::run(),
        "bench" => bench::run(),
        "tidy" => tidy::run(),
        _ => {
            eprintln!("usage: cargo xtask <build-sdk | test-sdk | bench | tidy>");
            anyhow::bail!("unknown task `{task}`")
        }
    }
}

/// The workspace root (the parent of this crate's manifest directory).
pub fn project_root() -> PathBuf {
    let xtask_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    xtask_dir.parent().map(PathBuf::from).unwrap_or(xtask_dir)
}
