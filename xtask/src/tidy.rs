//! The house rules a reviewer should not have to check by eye (STYLE §7), as tests in the
//! manner of rust-analyzer's `tidy.rs`: `cargo test -p xtask` runs them, and so does the test
//! script's `cargo test --workspace`; `cargo xtask tidy` is a shortcut for
//! `cargo test -p xtask tidy`.
//!
//! `unwrap`, `expect` and `panic!` outside tests are clippy's job (`[workspace.lints.clippy]`,
//! checked by `cargo clippy` in the test script), so there is no lexer for them here.
//!
//! Files are the ones git knows (tracked, or new and not ignored), so `target/` and
//! `node_modules/` never count. In `backend/src`, test code is `*_tests.rs`, `tests.rs`,
//! modules declared `#[cfg(test)] mod name;`, and an inline `#[cfg(test)] mod name { .. }`
//! with everything after it (the house style keeps it last in the file).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "tidy_rules.rs"]
mod rules;

use rules::{compared_provider, declared_test_modules, non_test_code, plain_secret_fields, provider_names};
use std::path::{Path, PathBuf};
use xshell::{cmd, Shell};

use crate::project_root;

const MAX_LINES: usize = 400;
/// Written with `concat!` so that this file does not trip its own checks.
const STUBS: [&str; 2] = [concat!("todo", "!("), concat!("unimplemented", "!(")];
const OUTSIDE_PATHS: [&str; 2] = [concat!("../", "shared"), concat!("/work/", "shared")];

#[test]
fn files_stay_under_the_size_limit() {
    let mut failures = Vec::new();
    for file in source_files(&["rs", "js", "sh"]) {
        let n_lines = read(&file).lines().count();
        if n_lines > MAX_LINES {
            failures
                .push(format!("{}: {n_lines} lines (limit {MAX_LINES}): split it by step", file.display()));
        }
    }
    report("files over the size limit (STYLE §8)", failures);
}

#[test]
fn backend_never_compares_provider_names() {
    let providers = provider_names(&read(Path::new("backend/providers.yaml")));
    assert!(providers.len() >= 20, "backend/providers.yaml: only {} entries read", providers.len());
    let mut failures = Vec::new();
    for (file, lines) in backend_code() {
        for (number, line) in lines {
            if let Some(provider) = compared_provider(&line, &providers) {
                failures.push(format!("{}:{number}: `{provider}` compared: {}", file.display(), line.trim()));
            }
        }
    }
    report("provider names compared in code; put the quirk in the catalog (STYLE §4)", failures);
}

#[test]
fn backend_secrets_are_wrapped_in_secret() {
    let mut failures = Vec::new();
    for (file, lines) in backend_code() {
        for (number, field) in plain_secret_fields(&lines) {
            failures.push(format!("{}:{number}: field `{field}` is a plain String", file.display()));
        }
    }
    report("secrets in printable types must be `Secret<..>` (STYLE §3)", failures);
}

#[test]
fn no_stubs() {
    let mut failures = Vec::new();
    for file in source_files(&["rs"]) {
        for (index, line) in read(&file).lines().enumerate() {
            let code = line.trim_start();
            if !code.starts_with("//") && STUBS.iter().any(|stub| code.contains(stub)) {
                failures.push(format!("{}:{}: {}", file.display(), index + 1, code));
            }
        }
    }
    report("stubs left in the code", failures);
}

/// A clone of the repository has no team folder beside it, and CI runs on a clean clone.
#[test]
fn no_paths_outside_the_repository() {
    let mut failures = Vec::new();
    let extensions = ["rs", "toml", "sh", "js", "json", "yaml", "yml", "html", "css"];
    let mut files = source_files(&extensions);
    files.push(PathBuf::from(".ci/run"));
    for file in files {
        for (index, line) in read(&file).lines().enumerate() {
            if OUTSIDE_PATHS.iter().any(|path| line.contains(path)) {
                failures.push(format!("{}:{}: {}", file.display(), index + 1, line.trim()));
            }
        }
    }
    report("references to folders outside the repository", failures);
}

/// The non-test lines of every Rust file in `backend/src`, with their line numbers.
fn backend_code() -> Vec<(PathBuf, Vec<(usize, String)>)> {
    let files: Vec<PathBuf> =
        source_files(&["rs"]).into_iter().filter(|file| file.starts_with("backend/src")).collect();
    let texts: Vec<(PathBuf, String)> = files.iter().map(|file| (file.clone(), read(file))).collect();
    let test_modules = declared_test_modules(&texts);
    texts
        .into_iter()
        .filter(|(file, _)| !rules::is_test_path(file) && !test_modules.iter().any(|m| file.starts_with(m)))
        .map(|(file, text)| (file, non_test_code(&text)))
        .collect()
}

fn report(rule: &str, failures: Vec<String>) {
    assert!(failures.is_empty(), "{rule}:\n  {}", failures.join("\n  "));
}

fn read(relative: &Path) -> String {
    let path = project_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// Files git tracks or would track with one of `extensions`, relative to the root. Files
/// deleted in the work tree but still in the index are left out.
fn source_files(extensions: &[&str]) -> Vec<PathBuf> {
    let root = project_root();
    let sh = Shell::new().unwrap();
    sh.change_dir(&root);
    let listing = cmd!(sh, "git ls-files --cached --others --exclude-standard").quiet().read().unwrap();
    listing
        .lines()
        .map(PathBuf::from)
        .filter(|path| path.extension().is_some_and(|ext| extensions.iter().any(|e| ext == *e)))
        .filter(|path| !path.iter().any(|part| part == "target" || part == "node_modules"))
        .filter(|path| root.join(path).is_file())
        .collect()
}
