//! Installs and locates the external tools the SDK tasks need, idempotently:
//! the wasm32 target, the wasm-bindgen CLI matching `Cargo.lock`, and the npm tools
//! (binaryen's `wasm-opt`, `esbuild`) pinned in `xtask/package.json`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use xshell::{cmd, Shell};

/// `rustup target add` is a no-op when the target is already installed.
pub fn ensure_wasm_target(sh: &Shell) -> anyhow::Result<()> {
    cmd!(sh, "rustup target add wasm32-unknown-unknown").quiet().ignore_stdout().run()?;
    Ok(())
}

/// The `wasm-bindgen` version pinned in `Cargo.lock`: the CLI must match it exactly.
pub fn locked_wasm_bindgen_version(root: &Path) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = ")) {
                return Ok(version.trim_matches('"').to_owned());
            }
        }
    }
    bail!("no wasm-bindgen entry in Cargo.lock")
}

/// Installs `wasm-bindgen-cli` (which also brings `wasm-bindgen-test-runner`) unless the
/// installed one already matches. No `--locked`: the crates index snapshot here lacks some
/// of the CLI's locked dependency versions (TOOLCHAIN.md).
pub fn ensure_wasm_bindgen(sh: &Shell, root: &Path) -> anyhow::Result<()> {
    let wanted = locked_wasm_bindgen_version(root)?;
    let installed = cmd!(sh, "wasm-bindgen --version").quiet().ignore_stderr().read().unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(wanted.as_str()) {
        return Ok(());
    }
    eprintln!("installing wasm-bindgen-cli {wanted} (found `{installed}`)");
    cmd!(sh, "cargo install wasm-bindgen-cli --version {wanted}").run()?;
    Ok(())
}

/// Installs the pinned npm tools into `xtask/node_modules` and returns their `.bin` folder.
pub fn ensure_npm_tools(sh: &Shell, root: &Path) -> anyhow::Result<PathBuf> {
    let dir = root.join("xtask");
    let bin = dir.join("node_modules/.bin");
    if bin.join("wasm-opt").exists() && bin.join("esbuild").exists() {
        return Ok(bin);
    }
    let _cd = sh.push_dir(&dir);
    if dir.join("package-lock.json").exists() {
        cmd!(sh, "npm ci --no-audit --no-fund").run()?;
    } else {
        cmd!(sh, "npm install --no-audit --no-fund").run()?;
    }
    if !bin.join("wasm-opt").exists() || !bin.join("esbuild").exists() {
        bail!("npm did not install wasm-opt and esbuild into {}", bin.display());
    }
    Ok(bin)
}
