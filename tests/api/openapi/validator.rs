//! A real OpenAPI 3.1 validator: `@apidevtools/swagger-parser` (pinned, installed from npm by
//! `scripts/test-all.sh` into the folder `OPENAPI_VALIDATOR_DIR` names), run by
//! `tests/openapi/validate.mjs`.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// The validator version the suite is written against.
pub const VERSION: &str = "12.1.0";

/// `$OPENAPI_VALIDATOR_DIR`: a `node_modules` folder holding the validator at `VERSION`;
/// panics with the install command when it is missing or holds something else.
fn validator_dir() -> PathBuf {
    let install = format!(
        "run `bash scripts/test-all.sh`, or `npm install --prefix DIR --no-audit --no-fund \
         --ignore-scripts @apidevtools/swagger-parser@{VERSION}` and export \
         OPENAPI_VALIDATOR_DIR=DIR/node_modules"
    );
    let dir = std::env::var_os("OPENAPI_VALIDATOR_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("OPENAPI_VALIDATOR_DIR is not set: {install}"));
    let manifest = dir.join("@apidevtools/swagger-parser/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|error| {
        panic!("OPENAPI_VALIDATOR_DIR: cannot read {} ({error}): {install}", manifest.display())
    });
    let json: Value = serde_json::from_str(&text).expect("a package.json is JSON");
    assert_eq!(
        json["version"], VERSION,
        "OPENAPI_VALIDATOR_DIR holds swagger-parser {}: {install}",
        json["version"]
    );
    dir
}

/// Validate `document`; `Err` holds the validator's report.
pub async fn validate(document: &Value) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(document).expect("JSON")).expect("write the document");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi/validate.mjs");
    let mut command = Command::new("node");
    command.arg(script).arg(&file).env("OPENAPI_VALIDATOR_DIR", validator_dir());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("node thread")
        .unwrap_or_else(|error| panic!("cannot run `node` (Node.js 20+ is required): {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) if stdout.trim() == "valid" => Ok(()),
        Some(1) => Err(format!("{stderr}{stdout}")),
        _ => panic!("the validator failed to run ({}):\n{stderr}\n{stdout}", output.status),
    }
}
