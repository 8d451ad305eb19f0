//! `cargo xtask test-sdk`: runs the SDK's wasm-bindgen tests in headless Chromium.

use anyhow::bail;
use xshell::{cmd, Shell};

use crate::{project_root, tools};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub fn run() -> anyhow::Result<()> {
    let root = project_root();
    let sh = Shell::new()?;
    sh.change_dir(&root);
    tools::ensure_wasm_target(&sh)?;
    tools::ensure_wasm_bindgen(&sh, &root)?;
    let chromedriver = sh.var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.to_owned());
    if !std::path::Path::new(&chromedriver).exists() {
        eprintln!("{chromedriver} missing: installing chromium and chromium-driver");
        cmd!(sh, "apt-get update").run()?;
        cmd!(sh, "apt-get install -y chromium chromium-driver").run()?;
        if !std::path::Path::new(&chromedriver).exists() {
            bail!("no chromedriver at {chromedriver}");
        }
    }
    let _runner = sh.push_env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner");
    let _driver = sh.push_env("CHROMEDRIVER", &chromedriver);
    cmd!(sh, "cargo test -p nango-sdk --target wasm32-unknown-unknown").run()?;
    Ok(())
}
