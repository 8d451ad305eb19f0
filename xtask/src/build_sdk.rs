//! `cargo xtask build-sdk`: builds the browser SDK into `sdk-wasm/pkg/` and enforces its size budget.
//!
//! Steps (SPEC "Budgets", sdk-size.md): wasm32 release build (profile `wasm-release`) →
//! `wasm-bindgen --target web` → `wasm-opt -Oz` → esbuild-minified glue → the npm package made
//! from `pkg-template/` → gzip -9 sizes, measured as shipped, written to `size-report.json`.
//! Fails when the `.wasm` plus the glue, each gzipped alone, exceed the budget.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use flate2::{write::GzEncoder, Compression};
use xshell::{cmd, Shell};

use crate::{glue_messages, minify_names, project_root, tools};

/// SPEC "Budgets": 11 KiB now, 8 KiB is the target.
pub const BUDGET_BYTES: usize = 11 * 1024;
pub const TARGET_BYTES: usize = 8 * 1024;

/// `wasm-opt` features: exactly what current rustc emits for wasm32. Never `--all-features`:
/// binaryen 132 then writes an import encoding that Node 20 refuses (TOOLCHAIN.md).
const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-reference-types",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
];

pub fn run() -> anyhow::Result<()> {
    let root = project_root();
    let sh = Shell::new()?;
    sh.change_dir(&root);

    tools::ensure_wasm_target(&sh)?;
    tools::ensure_wasm_bindgen(&sh, &root)?;
    let npm_bin = tools::ensure_npm_tools(&sh, &root)?;

    cmd!(sh, "cargo build -p nango-sdk --target wasm32-unknown-unknown --profile wasm-release").run()?;
    let target_dir = sh.var("CARGO_TARGET_DIR").map(Into::into).unwrap_or_else(|_| root.join("target"));
    let raw_wasm = Path::new(&target_dir).join("wasm32-unknown-unknown/wasm-release/nango_sdk.wasm");

    let build = root.join("sdk-wasm/build");
    let _ = sh.remove_path(&build);
    sh.create_dir(&build)?;
    cmd!(
        sh,
        "wasm-bindgen --target web --out-name nango --remove-name-section --remove-producers-section
         --encode-into always --omit-default-module-path --out-dir {build} {raw_wasm}"
    )
    .run()?;

    let wasm_opt = npm_bin.join("wasm-opt");
    let bindgen_wasm = build.join("nango_bg.wasm");
    let opt_wasm = build.join("nango_bg.opt.wasm");
    // `--low-memory-unused`: addresses below 1024 are never accessed, so `load(p + C)` may
    // become `load offset=C (p)` (-70 B gz). True here: rustc puts the 1 MiB stack first and it
    // grows down from 1 MiB, so only a stack deeper than 1 MiB minus 1 KiB would reach there,
    // and a wrapped `p + C` landing there is no valid Rust pointer either. `--flatten
    // --rereloop -Oz` after the first `-Oz`: rebuilds the control flow, then optimises again
    // (-18 B gz; both are semantics-preserving rewrites).
    cmd!(
        sh,
        "{wasm_opt} -Oz --low-memory-unused --flatten --rereloop -Oz --converge --strip-debug
         --strip-producers --strip-target-features {WASM_OPT_FEATURES...} {bindgen_wasm} -o {opt_wasm}"
    )
    .run()?;

    let glue_path = build.join("nango.js");
    // Trims first: they match wasm-bindgen's own export names, which `minify` then renames.
    let glue = glue_messages::shorten(&sh.read_file(&glue_path)?);
    let (wasm, glue) = minify_names::minify(&std::fs::read(&opt_wasm)?, &glue)?;
    std::fs::write(&opt_wasm, wasm)?;
    sh.write_file(&glue_path, glue)?;

    let entry = build.join("index.js");
    sh.write_file(&entry, entry_module(&root, &build)?)?;
    let esbuild = npm_bin.join("esbuild");
    let bundle = build.join("nango.min.js");
    cmd!(sh, "{esbuild} {entry} --bundle --minify --format=esm --log-level=warning --outfile={bundle}")
        .run()?;

    let pkg = root.join("sdk-wasm/pkg");
    let _ = sh.remove_path(&pkg);
    sh.create_dir(&pkg)?;
    let template = root.join("pkg-template");
    let version = crate_version(&root)?;
    let manifest = sh.read_file(template.join("package.json"))?.replace("0.0.0-template", &version);
    sh.write_file(pkg.join("package.json"), manifest)?;
    for file in ["README.md", "LICENSE", "index.d.ts"] {
        sh.copy_file(template.join(file), pkg.join(file))?;
    }
    sh.copy_file(&opt_wasm, pkg.join("nango_bg.wasm"))?;
    sh.copy_file(&bundle, pkg.join("nango.js"))?;

    smoke_test(&sh, &pkg)?;
    let report = SizeReport::measure(&pkg.join("nango_bg.wasm"), &pkg.join("nango.js"))?;
    let json = report.to_json();
    sh.write_file(pkg.join("size-report.json"), &json)?;
    sh.write_file(Path::new(&target_dir).join("sdk-size.json"), &json)?;
    report.print();
    if report.total_gz > BUDGET_BYTES {
        bail!("SDK is {} B gzipped, over the {BUDGET_BYTES} B budget", report.total_gz);
    }
    println!("package ready in {}", pkg.display());
    Ok(())
}

/// Loads the built package in Node and checks the exports work together: the default export is
/// the `Nango` class and constructs before `init()`; `init()` with the wasm bytes; validation
/// throwing (or rejecting with) an `AuthError` that is an `Error`. Catches a glue
/// and wasm that no longer match (e.g. after `minify_names`).
fn smoke_test(sh: &Shell, pkg: &Path) -> anyhow::Result<()> {
    let script = r#"
import { readFileSync } from "node:fs";
const pkg = process.argv[1];
const { default: Nango, Nango: Named, AuthError, init, handleRedirect } = await import(pkg + "/nango.js");
if (Nango !== Named) throw new Error("the default export is not the Nango class");
if (typeof handleRedirect !== "function") throw new Error("no handleRedirect export");
const before = new Nango({ host: "ftp://x", publicKey: "k" });
if (typeof before.auth !== "function" || typeof before.reconnect !== "function") throw new Error("no auth/reconnect");
await init({ module_or_path: readFileSync(new URL(pkg + "/nango_bg.wasm")) });
const fails = (options, type) => {
  try { new Nango(options); } catch (e) {
    if (e instanceof AuthError && e instanceof Error && e.type === type && e.message) return;
    throw new Error("wrong error for " + JSON.stringify(options) + ": " + e);
  }
  throw new Error("no error for " + JSON.stringify(options));
};
fails({ host: "ftp://x", publicKey: "k" }, "invalid_host_url");
const rejects = async (promise, type) => {
  const error = await promise.then(() => null, (e) => e);
  if (!(error instanceof AuthError) || error.type !== type) throw new Error("expected " + type + ": " + error);
};
const credentials = { credentials: { apiKey: "x" } };
await rejects(new Nango({ host: "http://127.0.0.1:3003" }).auth("demo", "user-1", credentials), "missing_auth_token");
await rejects(new Nango({ host: "http://127.0.0.1:3003", publicKey: "k", connectSessionToken: "t" }).auth("demo", credentials), "missing_auth_token");
await rejects(new Nango({ host: "http://127.0.0.1:3003", publicKey: "k" }).reconnect("demo"), "missing_connect_session_token");
"#;
    let pkg_url = format!("file://{}", pkg.display());
    cmd!(sh, "node --input-type=module -e {script} {pkg_url}").quiet().run()?;
    println!("smoke test passed (node: default Nango, init, AuthError)");
    Ok(())
}

/// The package entry: `sdk-wasm/js/package_entry.js` (the default-exported `Nango` that loads
/// the wasm on first use, `init`, `initSync`, `AuthError`), its `./js/` imports pointed at the
/// snippet files wasm-bindgen copied. `AuthError` must come from the very snippet file the glue
/// imports, or `instanceof AuthError` would compare against a second copy of the class.
fn entry_module(root: &Path, build: &Path) -> anyhow::Result<String> {
    let snippet = find_file(&build.join("snippets"), "auth_error.js")?
        .context("wasm-bindgen emitted no auth_error.js snippet")?;
    let snippet_js_dir = snippet.parent().context("snippet without a folder")?;
    let snippet_js_dir = snippet_js_dir.strip_prefix(build)?.to_string_lossy().replace('\\', "/");
    let entry = std::fs::read_to_string(root.join("sdk-wasm/js/package_entry.js"))?;
    Ok(entry.replace("from \"./js/", &format!("from \"./{snippet_js_dir}/")))
}

fn find_file(dir: &Path, name: &str) -> anyhow::Result<Option<std::path::PathBuf>> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name)? {
                return Ok(Some(found));
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

fn crate_version(root: &Path) -> anyhow::Result<String> {
    // The SDK takes `version.workspace = true`; read the workspace's version.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[workspace.package]";
        } else if let Some(value) = line.strip_prefix("version").filter(|_| in_package) {
            return Ok(value.trim_start_matches([' ', '=']).trim().trim_matches('"').to_owned());
        }
    }
    bail!("no version in [workspace.package]")
}

struct SizeReport {
    wasm_raw: usize,
    wasm_gz: usize,
    js_raw: usize,
    js_gz: usize,
    total_gz: usize,
}

impl SizeReport {
    fn measure(wasm: &Path, js: &Path) -> anyhow::Result<Self> {
        let wasm = std::fs::read(wasm)?;
        let js = std::fs::read(js)?;
        let (wasm_gz, js_gz) = (gzip9_len(&wasm)?, gzip9_len(&js)?);
        Ok(Self { wasm_raw: wasm.len(), wasm_gz, js_raw: js.len(), js_gz, total_gz: wasm_gz + js_gz })
    }

    fn print(&self) {
        println!("SDK size (gzip -9, each file alone):");
        println!("  nango_bg.wasm {:>6} B  ({} B raw)", self.wasm_gz, self.wasm_raw);
        println!("  nango.js      {:>6} B  ({} B raw)", self.js_gz, self.js_raw);
        println!(
            "  total         {:>6} B  (budget {BUDGET_BYTES} B, target {TARGET_BYTES} B)",
            self.total_gz
        );
    }

    fn to_json(&self) -> String {
        let value = serde_json::json!({
            "wasm_raw": self.wasm_raw,
            "wasm_gz": self.wasm_gz,
            "js_raw": self.js_raw,
            "js_gz": self.js_gz,
            "total_gz": self.total_gz,
            "budget": BUDGET_BYTES,
            "target": TARGET_BYTES,
            "within_budget": self.total_gz <= BUDGET_BYTES,
        });
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    }
}

fn gzip9_len(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::new(9));
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}
