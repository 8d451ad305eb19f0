//! `cargo xtask tidy`: the house rules that a reviewer should not have to check by eye
//! (STYLE §7, rust-analyzer's `tidy.rs`). Also runs as `cargo test -p xtask tidy`.
//!
//! - `.rs`/`.js` files over 400 lines (test files only warn);
//! - a string literal compared with a catalog provider name in `backend/src` (STYLE §4);
//! - `String` struct fields named `*secret*`/`*token*`/`*password*` in `backend/src` (STYLE §3);
//! - `unwrap()`, `expect(`, `panic!`, `todo!`, `unimplemented!` in `backend/src` outside tests.
//!
//! Files are the ones git knows (tracked or not ignored), so `target/` and `node_modules/` never
//! count. Test code is `*_tests.rs`, `tests.rs`, anything under a `tests/` folder, modules
//! declared `#[cfg(test)] mod x;`, and the item after any `#[cfg(test)]` inside a file.

use anyhow::bail;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use xshell::{cmd, Shell};

use crate::project_root;

const MAX_LINES: usize = 400;
// `concat!` keeps this list from reading as a stub to line-based checks.
const PANICKING: &[&str] =
    &[".unwrap()", ".expect(", "panic!(", concat!("todo", "!("), concat!("unimplemented", "!(")];
const SECRET_WORDS: &[&str] = &["secret", "token", "password", "passwd"];
/// Last words of a field name that make it a setting about a secret, not the secret itself.
const NOT_A_SECRET: &[&str] = &[
    "url", "urls", "params", "metadata", "buffer", "method", "format", "type", "kind", "name", "at", "path",
];

pub fn run() -> anyhow::Result<()> {
    let findings = check(&project_root())?;
    for warning in &findings.warnings {
        println!("warning: {warning}");
    }
    for error in &findings.errors {
        println!("error: {error}");
    }
    if !findings.errors.is_empty() {
        bail!("tidy: {} finding(s)", findings.errors.len());
    }
    println!("tidy: ok ({} warning(s))", findings.warnings.len());
    Ok(())
}

#[derive(Debug, Default)]
pub struct Findings {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn check(root: &Path) -> anyhow::Result<Findings> {
    let files = source_files(root)?;
    let test_modules = declared_test_modules(root, &files);
    let providers = provider_names(&std::fs::read_to_string(root.join("backend/providers.yaml"))?);
    let mut findings = Findings::default();
    for relative in &files {
        let text = match std::fs::read_to_string(root.join(relative)) {
            Ok(text) => text,
            Err(_) => continue, // deleted in the work tree, or not text
        };
        let name = relative.display().to_string().replace('\\', "/");
        let is_test_file =
            is_test_path(&name) || test_modules.iter().any(|module| relative.starts_with(module));
        let n_lines = text.lines().count();
        if n_lines > MAX_LINES {
            let message = format!("{name}: {n_lines} lines (limit {MAX_LINES}): split it by step");
            if is_test_file {
                findings.warnings.push(message);
            } else {
                findings.errors.push(message);
            }
        }
        if name.starts_with("backend/src/") && name.ends_with(".rs") && !is_test_file {
            check_backend_file(&name, &text, &providers, &mut findings.errors);
        }
    }
    Ok(findings)
}

/// The rules for non-test code in `backend/src`; `errors` gets `file:line: rule: line`.
pub fn check_backend_file(name: &str, text: &str, providers: &BTreeSet<String>, errors: &mut Vec<String>) {
    let mut report = |line_no: usize, rule: &str, line: &str| {
        errors.push(format!("{name}:{line_no}: {rule}: {}", line.trim()));
    };
    for line in code_lines(text) {
        let code = &line.code;
        for pattern in PANICKING {
            if line.bare.contains(pattern) {
                report(line.number, &format!("`{pattern}` outside tests"), &line.original);
            }
        }
        if let Some(provider) = compared_provider(code, providers) {
            report(line.number, &format!("provider name `{provider}` compared in code"), &line.original);
        }
        if let Some(field) = plain_secret_field(code, line.in_printable_type) {
            report(line.number, &format!("field `{field}` holds a secret as plain String"), &line.original);
        }
    }
}

/// One line of non-test code: comments removed, string literals kept.
pub struct CodeLine {
    pub number: usize,
    pub code: String,
    /// `code` with the contents of string literals blanked.
    pub bare: String,
    pub original: String,
    /// A field of a `struct`/`enum` that derives `Debug` or `Serialize` (can be printed).
    pub in_printable_type: bool,
}

/// The lines of `text` outside `#[cfg(test)]` items, with comments stripped.
pub fn code_lines(text: &str) -> Vec<CodeLine> {
    let mut out = Vec::new();
    let mut depth: i64 = 0;
    let mut in_block_comment = false;
    let mut in_raw_string: Option<usize> = None; // number of `#`s
    let mut in_string = false;
    let mut pending_test = false;
    let mut skip_until: Option<i64> = None;
    // Struct/enum bodies open: (depth outside, derives Debug or Serialize).
    let mut type_bodies: Vec<(i64, bool)> = Vec::new();
    let mut attributes = String::new();
    for (index, original) in text.lines().enumerate() {
        let depth_before = depth;
        let (code, bare) =
            strip(original, &mut depth, &mut in_block_comment, &mut in_raw_string, &mut in_string);
        let trimmed = code.trim();
        if let Some(target) = skip_until {
            if depth <= target {
                skip_until = None;
            }
            continue;
        }
        if trimmed.starts_with("#[") && (trimmed.contains("cfg(test)") || trimmed.contains("cfg(all(test")) {
            pending_test = true;
            continue;
        }
        if pending_test && !trimmed.is_empty() && !trimmed.starts_with("#[") {
            pending_test = false;
            if depth > depth_before {
                skip_until = Some(depth_before);
            }
            continue;
        }
        type_bodies.retain(|(open, _)| *open < depth);
        // Fields sit one level inside a struct/enum, or two inside an enum's struct variant.
        let in_printable_type = type_bodies.last().is_some_and(|(open, printable)| {
            *printable && (depth_before == open + 1 || depth_before == open + 2)
        });
        let opens_type = ["struct ", "enum "].iter().any(|kw| {
            trimmed.starts_with(kw)
                || trimmed.starts_with(&format!("pub {kw}"))
                || trimmed.contains(&format!(" {kw}"))
        });
        if opens_type && depth > depth_before {
            let printable = attributes.contains("Debug") || attributes.contains("Serialize");
            type_bodies.push((depth_before, printable));
        }
        if trimmed.starts_with("#[") {
            attributes.push_str(trimmed);
        } else if !trimmed.is_empty() {
            attributes.clear();
        }
        out.push(CodeLine {
            number: index + 1,
            code,
            bare,
            original: original.to_string(),
            in_printable_type,
        });
    }
    out
}

/// Remove comments from one line and track brace depth outside literals. Returns the line
/// with string literals kept, and with their contents blanked.
fn strip(
    line: &str,
    depth: &mut i64,
    in_block_comment: &mut bool,
    in_raw_string: &mut Option<usize>,
    in_string: &mut bool,
) -> (String, String) {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut bare = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let inside_literal = in_raw_string.is_some() || *in_string;
        let out_len = out.len();
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if *in_block_comment {
            if c == '*' && next == Some('/') {
                *in_block_comment = false;
                i += 1;
            }
        } else if let Some(hashes) = *in_raw_string {
            out.push(c);
            if c == '"' && chars[i + 1..].iter().take(hashes).filter(|h| **h == '#').count() == hashes {
                out.extend(std::iter::repeat('#').take(hashes));
                i += hashes;
                *in_raw_string = None;
            }
        } else if *in_string {
            out.push(c);
            if c == '\\' {
                if let Some(escaped) = next {
                    out.push(escaped);
                }
                i += 1;
            } else if c == '"' {
                *in_string = false;
            }
        } else if c == '/' && next == Some('/') {
            break;
        } else if c == '/' && next == Some('*') {
            *in_block_comment = true;
            i += 1;
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !prev_is_ident(&chars, i) {
            let hashes = chars[i + 1..].iter().take_while(|h| **h == '#').count();
            if chars.get(i + 1 + hashes) == Some(&'"') {
                out.extend(&chars[i..i + 2 + hashes]);
                i += 1 + hashes;
                *in_raw_string = Some(hashes);
            } else {
                out.push(c);
            }
        } else if c == '"' {
            out.push(c);
            *in_string = true;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{7f}') or a lifetime ('a).
            let end = if next == Some('\\') {
                chars[i + 2..].iter().position(|ch| *ch == '\'').map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    out.push_str("' '");
                    i = end;
                }
                None => out.push(c),
            }
        } else {
            match c {
                '{' => *depth += 1,
                '}' => *depth -= 1,
                _ => {}
            }
            out.push(c);
        }
        let added = &out[out_len..];
        if inside_literal && !(in_raw_string.is_none() && !*in_string) {
            bare.extend(added.chars().map(|_| ' '));
        } else {
            bare.push_str(added);
        }
        i += 1;
    }
    (out, bare)
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// `== "name"`, `"name" ==`, `!= "name"`, a match arm `"name" =>` or `"name" |`.
pub fn compared_provider(code: &str, providers: &BTreeSet<String>) -> Option<String> {
    for provider in providers {
        let literal = format!("\"{provider}\"");
        let mut from = 0;
        while let Some(offset) = code[from..].find(&literal) {
            let start = from + offset;
            let end = start + literal.len();
            let before = code[..start].trim_end();
            let after = code[end..].trim_start();
            let compared = before.ends_with("==")
                || before.ends_with("!=")
                || after.starts_with("==")
                || after.starts_with("!=")
                || after.starts_with("=>")
                || (after.starts_with('|') && !after.starts_with("||"))
                || (before.ends_with('|') && !before.ends_with("||"))
                || before.ends_with(".eq(")
                || before.ends_with("eq_ignore_ascii_case(");
            if compared {
                return Some(provider.clone());
            }
            from = end;
        }
    }
    None
}

/// A field declaration `name: ...String...` whose name says it holds a secret, not wrapped
/// in `Secret<..>`, in a type that can be printed. Returns the field name. (Row types that
/// sqlx decodes into and that convert to `Secret`s at once derive neither, and pass.)
pub fn plain_secret_field(code: &str, in_printable_type: bool) -> Option<String> {
    if !in_printable_type {
        return None;
    }
    let declaration = code.trim().trim_start_matches("pub(crate) ").trim_start_matches("pub ");
    let (name, field_type) = declaration.split_once(':')?;
    let name = name.trim();
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || field_type.starts_with(':') {
        return None;
    }
    let words: Vec<&str> = name.split('_').collect();
    let secret_name = words.iter().any(|word| SECRET_WORDS.contains(word))
        && !words.last().is_some_and(|last| NOT_A_SECRET.contains(last));
    let plain = field_type.contains("String") && !field_type.contains("Secret<");
    (secret_name && plain).then(|| name.to_string())
}

/// The top-level keys of the catalog YAML.
pub fn provider_names(yaml: &str) -> BTreeSet<String> {
    yaml.lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()))
        .filter_map(|line| line.trim_end().strip_suffix(':'))
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .map(str::to_string)
        .collect()
}

fn is_test_path(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    name.starts_with("tests/")
        || name.contains("/tests/")
        || file.ends_with("_tests.rs")
        || file == "tests.rs"
        || file.ends_with(".test.js")
        || file.ends_with(".spec.js")
}

/// Files (`name.rs`) and folders (`name/`) of modules declared as `#[cfg(test)] mod name;`.
fn declared_test_modules(root: &Path, files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut modules = BTreeSet::new();
    for relative in files.iter().filter(|path| path.extension().is_some_and(|ext| ext == "rs")) {
        let Ok(text) = std::fs::read_to_string(root.join(relative)) else { continue };
        let dir = match relative.file_stem().and_then(|stem| stem.to_str()) {
            Some("mod" | "lib" | "main") => relative.parent().map(Path::to_path_buf).unwrap_or_default(),
            _ => relative.with_extension(""),
        };
        let mut pending = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[") && line.contains("cfg(test)") {
                pending = true;
            } else if pending && !line.starts_with("#[") {
                let name =
                    line.trim_start_matches("pub ").strip_prefix("mod ").and_then(|m| m.strip_suffix(';'));
                if let Some(name) = name {
                    modules.insert(dir.join(format!("{}.rs", name.trim())));
                    modules.insert(dir.join(name.trim()));
                }
                pending = false;
            }
        }
    }
    modules
}

/// `.rs` and `.js` files git tracks or would track (so ignored build output never counts).
fn source_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let sh = Shell::new()?;
    sh.change_dir(root);
    let listing = cmd!(sh, "git ls-files --cached --others --exclude-standard").quiet().read()?;
    Ok(listing
        .lines()
        .filter(|path| path.ends_with(".rs") || path.ends_with(".js"))
        .filter(|path| !path.split('/').any(|part| matches!(part, "target" | "node_modules")))
        .map(PathBuf::from)
        .collect())
}

#[cfg(test)]
#[path = "tidy_tests.rs"]
mod tests;
