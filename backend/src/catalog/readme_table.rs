//! The README's table of the built-in providers is generated from `providers.yaml`: this
//! test fails when the two differ, printing the table to paste (or, with `UPDATE_README=1`,
//! writes it into README.md between its `providers-table` markers).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{AuthMode, Catalog};

const START: &str = "<!-- providers-table:start -->";
const END: &str = "<!-- providers-table:end -->";

/// One row per built-in entry but the demo: key, name, auth mode, what a user is asked for.
fn table(catalog: &Catalog) -> String {
    let mut rows = vec![
        "| Key | Provider | Auth | Asks the user for | Docs |".to_owned(),
        "|---|---|---|---|---|".to_owned(),
    ];
    let mut providers: Vec<_> = catalog.providers().filter(|provider| provider.name != "demo").collect();
    providers.sort_by(|a, b| a.name.cmp(&b.name));
    for provider in providers {
        let auth = match provider.auth_mode {
            AuthMode::OAuth2 => "OAuth 2",
            AuthMode::ApiKey => "API key",
            AuthMode::Basic => "username + password",
        };
        let asks: Vec<String> = provider
            .connection_config
            .iter()
            .filter(|(_, param)| !param.automated)
            .map(|(key, param)| format!("`{key}`{}", if param.optional { " (optional)" } else { "" }))
            .collect();
        let docs = provider.docs.as_deref().map_or_else(String::new, |url| format!("[docs]({url})"));
        rows.push(format!(
            "| `{}` | {} | {auth} | {} | {docs} |",
            provider.name,
            provider.display_name.as_deref().unwrap_or(&provider.name),
            if asks.is_empty() { "—".to_owned() } else { asks.join(", ") },
        ));
    }
    rows.join("\n")
}

#[test]
fn the_readme_lists_the_built_in_providers() {
    let catalog = Catalog::load(None, "http://localhost:3003").unwrap();
    let expected = table(&catalog);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md has no {START} … {END} markers");
    };
    let current = readme[start + START.len()..end].trim();
    if current == expected {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{START}\n{expected}\n{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    panic!(
        "README.md's provider table is not the catalog's: run `UPDATE_README=1 cargo test -p \
         nango-backend --lib the_readme_lists_the_built_in_providers`, or paste:\n{expected}"
    );
}
