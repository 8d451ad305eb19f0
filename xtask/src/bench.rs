//! `cargo xtask bench`: builds `nango-server` and the `nango-bench` load generator (crate
//! `bench/`) in release and runs the bench, which writes `<target>/bench-report.json` and
//! prints a summary. The load generator lives in its own crate so that xtask stays a thin
//! orchestrator, without the backend library, axum, hyper or sqlx.
//!
//! Options are passed through: `--quick` (short windows, at most 100k connections),
//! `--max-connections N` (default 1,000,000), `--channels-only` (only the memory of the idle
//! result channels), `--flows-only` (only the flows beside Grant's) and `--reads-only` (only
//! `GET /connection` beside the baseline), `--instructions` (the instructions one
//! `GET /connection` costs the server, counted by valgrind), each on a fresh server and leaving
//! BENCHMARKS.md as it is.
//!
//! The peer of the flow comparison, Grant on Express (`bench/peer/grant-server.cjs`), is
//! installed with npm at the pinned versions below into `~/.cache/nango-bench-deps/` on the
//! first run (the only step that needs the npm registry); the bench itself downloads nothing.

use std::path::{Path, PathBuf};
use xshell::{cmd, Shell};

use crate::project_root;

/// The peer's packages, pinned (current releases when the comparison was added).
const PEER_PACKAGES: [&str; 3] = ["grant@5.4.24", "express@5.3.0", "express-session@1.19.0"];

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let root = project_root();
    let sh = Shell::new()?;
    sh.change_dir(&root);
    cmd!(sh, "cargo build --release -p nango-backend -p nango-bench --bins").run()?;
    let release = target_dir(&root).join("release");
    let bench = release.join("nango-bench");
    let server = release.join("nango-server");
    let report = target_dir(&root).join("bench-report.json");
    let peer_modules = install_peer(&sh)?;
    let peer_script = root.join("bench/peer/grant-server.cjs");
    cmd!(
        sh,
        "{bench} --server {server} --report {report} --peer-script {peer_script} --peer-modules {peer_modules} {args...}"
    )
    .run()?;
    if args.iter().any(|arg| {
        matches!(arg.as_str(), "--channels-only" | "--flows-only" | "--reads-only" | "--instructions")
    }) {
        // Prints its figures; writes no report.
    } else if args.iter().any(|arg| arg == "--quick") {
        println!(
            "--quick: BENCHMARKS.md left as it is (figures in {})",
            report.with_extension("md").display()
        );
    } else {
        let figures = std::fs::read_to_string(report.with_extension("md"))?;
        splice_figures(&root.join("BENCHMARKS.md"), &figures)?;
        println!("BENCHMARKS.md: figures replaced");
    }
    Ok(())
}

const BEGIN: &str = "<!-- bench figures: begin (cargo xtask bench writes between these lines) -->";
const END: &str = "<!-- bench figures: end -->";

/// Replace what lies between the markers of BENCHMARKS.md with `figures`; the rest of the file
/// (what was tried and what it gave) is prose kept by hand.
fn splice_figures(path: &Path, figures: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        anyhow::bail!("{} lacks the lines `{BEGIN}` and `{END}`", path.display());
    };
    if end < begin {
        anyhow::bail!("{}: the end marker comes before the begin marker", path.display());
    }
    let spliced = format!("{}{BEGIN}\n\n{}\n{}", &text[..begin], figures.trim_end(), &text[end..]);
    std::fs::write(path, spliced)?;
    Ok(())
}

/// `node_modules` with the peer's pinned packages, installed once per set of versions.
fn install_peer(sh: &Shell) -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = home.join(".cache/nango-bench-deps").join(PEER_PACKAGES.join("_").replace('@', "-"));
    let modules = dir.join("node_modules");
    let installed = PEER_PACKAGES.iter().all(|spec| {
        modules.join(spec.rsplit_once('@').map_or(*spec, |(name, _)| name)).join("package.json").exists()
    });
    if !installed {
        std::fs::create_dir_all(&dir)?;
        let packages = PEER_PACKAGES;
        cmd!(sh, "npm install --prefix {dir} --no-audit --no-fund --no-save --no-package-lock --ignore-scripts {packages...}")
            .run()?;
    }
    Ok(modules)
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
}
