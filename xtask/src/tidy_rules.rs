//! The rules behind the tidy tests, as functions over text, with tests of their own on small
//! sources. Line-based on purpose: the house style (one field per line, tests last) is what
//! makes that enough, and clippy covers everything that needs a real parser.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SECRET_WORDS: &[&str] = &["secret", "token", "password", "passwd"];
/// Last words of a field name that make it a setting about a secret, not the secret itself.
const NOT_A_SECRET: &[&str] = &[
    "url", "urls", "params", "metadata", "buffer", "method", "format", "type", "kind", "name", "at", "path",
];

/// The top-level keys of a catalog YAML file.
pub fn provider_names(yaml: &str) -> BTreeSet<String> {
    yaml.lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()))
        .filter_map(|line| line.trim_end().strip_suffix(':'))
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .map(str::to_string)
        .collect()
}

/// `== "name"`, `"name" ==`, `!= "name"`, `.eq("name")`, a match arm `"name" =>` or `"name" |`.
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

/// Fields of a `struct`/`enum` deriving `Debug` or `Serialize` (so it can be printed) whose
/// name says they hold a secret and whose type is a `String` outside `Secret<..>`. Takes
/// numbered code lines, returns `(line number, field name)`. Row types that sqlx decodes into
/// and that become `Secret`s at once derive neither, and pass.
pub fn plain_secret_fields(lines: &[(usize, String)]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut attributes = String::new();
    // Inside a type's body: (printable, brace depth inside it).
    let mut body: Option<(bool, i64)> = None;
    for (number, line) in lines {
        let code = line.trim();
        if let Some((printable, depth)) = body.as_mut() {
            // Fields sit one level inside a struct, or two inside an enum's struct variant.
            if *printable && (*depth == 1 || *depth == 2) {
                if let Some(field) = plain_secret_field(code) {
                    found.push((*number, field));
                }
            }
            *depth += brace_balance(code);
            if *depth <= 0 {
                body = None;
            }
            continue;
        }
        if code.starts_with("#[") {
            attributes.push_str(code);
            continue;
        }
        if opens_type(code) && brace_balance(code) > 0 {
            let printable = attributes.contains("Debug") || attributes.contains("Serialize");
            body = Some((printable, brace_balance(code)));
        }
        if !code.is_empty() {
            attributes.clear();
        }
    }
    found
}

/// The lines of a Rust file that are not tests, numbered from 1, without `//` comment lines:
/// everything before an inline `#[cfg(test)] mod name {`.
pub fn non_test_code(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut after_cfg_test = false;
    for (index, line) in text.lines().enumerate() {
        let code = line.trim();
        if code.starts_with("//") {
            continue;
        }
        if code.starts_with("#[") && code.contains("cfg(test)") {
            after_cfg_test = true;
            continue;
        }
        if after_cfg_test && !code.starts_with("#[") {
            after_cfg_test = false;
            if module_name(code).is_some() && code.ends_with('{') {
                break;
            }
            continue; // the one-line item (`mod x;`, `use ..;`) is test-only
        }
        out.push((index + 1, line.to_string()));
    }
    out
}

pub fn is_test_path(path: &Path) -> bool {
    let name = path.to_string_lossy().replace('\\', "/");
    let file = name.rsplit('/').next().unwrap_or(&name);
    name.starts_with("tests/")
        || name.contains("/tests/")
        || file.ends_with("_tests.rs")
        || file == "tests.rs"
        || file.ends_with(".test.js")
        || file.ends_with(".spec.js")
}

/// Files (`name.rs`, or the `#[path]` given) and folders (`name/`) of modules declared
/// `#[cfg(test)] mod name;`, from `(path, text)` pairs.
pub fn declared_test_modules(files: &[(PathBuf, String)]) -> BTreeSet<PathBuf> {
    let mut modules = BTreeSet::new();
    for (file, text) in files {
        let dir = match file.file_stem().and_then(|stem| stem.to_str()) {
            Some("mod" | "lib" | "main") => file.parent().map(Path::to_path_buf).unwrap_or_default(),
            _ => file.with_extension(""),
        };
        let (mut pending, mut explicit_path) = (false, None);
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[") && line.contains("cfg(test)") {
                pending = true;
            } else if pending && line.starts_with("#[path") {
                explicit_path = line.split('"').nth(1).map(str::to_string);
            } else if pending {
                if let Some(name) = module_name(line).filter(|_| line.ends_with(';')) {
                    let parent = file.parent().map(Path::to_path_buf).unwrap_or_default();
                    match explicit_path.take() {
                        Some(path) => modules.insert(parent.join(path)),
                        None => modules.insert(dir.join(format!("{name}.rs"))),
                    };
                    modules.insert(dir.join(name));
                }
                (pending, explicit_path) = (false, None);
            }
        }
    }
    modules
}

/// `name` of a line `[pub ]mod name;` or `[pub ]mod name {`.
fn module_name(code: &str) -> Option<&str> {
    let rest = code.trim_start_matches("pub(crate) ").trim_start_matches("pub ").strip_prefix("mod ")?;
    let name = rest.trim_end_matches(['{', ';']).trim();
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then_some(name)
}

/// `[pub ]struct X {` or `[pub(..) ]enum X<T> {`.
fn opens_type(code: &str) -> bool {
    let head = code.split('{').next().unwrap_or_default();
    let mut words = head.split_whitespace().skip_while(|word| word.starts_with("pub"));
    matches!(words.next(), Some("struct" | "enum"))
}

/// `{` minus `}` on one line, outside string literals.
fn brace_balance(code: &str) -> i64 {
    let (mut balance, mut in_string, mut escaped) = (0, false, false);
    for c in code.chars() {
        match (in_string, c) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (_, '"') => in_string = !in_string,
            (false, '{') => balance += 1,
            (false, '}') => balance -= 1,
            _ => {}
        }
    }
    balance
}

/// A field declaration `name: ...String...` whose name says it holds a secret, not wrapped
/// in `Secret<..>`. Returns the field name.
fn plain_secret_field(code: &str) -> Option<String> {
    let declaration = code.trim_start_matches("pub(crate) ").trim_start_matches("pub ");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(source: &str) -> Vec<(usize, String)> {
        non_test_code(source)
    }

    #[test]
    fn provider_comparisons_are_found_and_plain_literals_are_not() {
        let providers = provider_names("# comment\ndemo:\n    x: 1\ngithub:\n    y: 2\n");
        assert_eq!(providers.iter().collect::<Vec<_>>(), ["demo", "github"]);
        for compared in ["if p == \"github\" {", "\"demo\" | \"other\" => 1,", "name.eq(\"github\")"] {
            assert!(compared_provider(compared, &providers).is_some(), "{compared}");
        }
        for plain in ["const DEMO: &str = \"demo\";", "lookup(\"github\") || x", "\"githubx\" == p"] {
            assert_eq!(compared_provider(plain, &providers), None, "{plain}");
        }
    }

    #[test]
    fn secret_fields_in_printable_types_only() {
        let source = "#[derive(Debug, Clone)]\npub struct S {\n    pub client_secret: String,\n    \
                      pub token_url: String,\n    access_token: Secret<String>,\n    \
                      #[serde(rename = \"{\")]\n    refresh_token: Option<String>,\n}\n\
                      struct Row {\n    client_secret: String,\n}\n\
                      #[derive(Serialize)]\nenum E {\n    A { api_token: String },\n    B {\n        \
                      password: String,\n    },\n}\nfn f() { let token: String = x; }\n";
        let found = plain_secret_fields(&numbered(source));
        assert_eq!(
            found,
            [(3, "client_secret".into()), (7, "refresh_token".into()), (16, "password".into())]
        );
    }

    #[test]
    fn inline_test_modules_and_comments_are_not_code() {
        let source = "fn a() {}\n// if p == \"github\"\n#[cfg(test)]\nmod other;\nfn b() {}\n\
                      #[cfg(test)]\nmod tests {\n    fn t() {}\n}\n";
        let lines: Vec<usize> = non_test_code(source).into_iter().map(|(number, _)| number).collect();
        assert_eq!(lines, [1, 5]);
    }

    #[test]
    fn test_modules_by_declaration_and_by_path() {
        let files = vec![
            (PathBuf::from("backend/src/store/mod.rs"), "#[cfg(test)]\nmod conformance;\n".to_string()),
            (
                PathBuf::from("backend/src/catalog/mod.rs"),
                "#[cfg(test)]\n#[path = \"load_tests.rs\"]\nmod tests;\n".to_string(),
            ),
            (PathBuf::from("backend/src/app.rs"), "#[cfg(test)]\nmod tests {\n}\n".to_string()),
        ];
        let modules = declared_test_modules(&files);
        assert!(modules.contains(Path::new("backend/src/store/conformance.rs")));
        assert!(modules.contains(Path::new("backend/src/store/conformance")));
        assert!(modules.contains(Path::new("backend/src/catalog/load_tests.rs")));
        assert!(!modules.iter().any(|module| module.starts_with("backend/src/app")));
        assert!(is_test_path(Path::new("backend/src/catalog/template_tests.rs")));
        assert!(is_test_path(Path::new("tests/api/main.rs")));
        assert!(!is_test_path(Path::new("backend/src/catalog/template.rs")));
    }
}
