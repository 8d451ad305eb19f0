//! Build and bench orchestration: `cargo xtask <task>` (rust-analyzer's xtask pattern).
//!
//! One module per task. Tasks:
//! - `build-sdk`: build the browser SDK into `sdk-wasm/pkg/` and check its size budget.
//! - `test-sdk`: run the SDK's wasm-bindgen tests in headless Chromium.
//! - `bench`: build and run the `nango-bench` load generator (crate `bench/`) against the
//!   server; writes `<target dir>/bench-report.json`.
//! - `tidy`: the house-rule tests (`cargo test -p xtask tidy`): file size, provider names,
//!   secrets, stubs, paths outside the repository.

mod bench;
mod build_sdk;
mod glue_messages;
mod minify_names;
mod test_sdk;
#[cfg(test)]
mod tidy;
mod tools;

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or_default();
    let rest = args.get(1..).unwrap_or_default();
    match task {
        "build-sdk" => build_sdk::run(),
        "test-sdk" => test_sdk::run(),
        "bench" => bench::run(rest),
        "tidy" => tidy(),
        _ => {
            eprintln!("usage: cargo xtask <build-sdk | test-sdk | bench | tidy>");
            anyhow::bail!("unknown task `{task}`")
        }
    }
}

/// The house rules are tests (`tidy.rs`); this runs just those.
fn tidy() -> anyhow::Result<()> {
    let sh = xshell::Shell::new()?;
    sh.change_dir(project_root());
    xshell::cmd!(sh, "cargo test -p xtask --bin xtask tidy").run()?;
    Ok(())
}

/// The workspace root (the parent of this crate's manifest directory).
pub fn project_root() -> PathBuf {
    // `cargo run` sets it at run time; a binary shared by several checkouts through one
    // target directory must not use the path of the checkout that built it.
    let xtask_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    xtask_dir.parent().map(PathBuf::from).unwrap_or(xtask_dir)
}
