//! Configuration errors of the real binary: each names the setting, the problem and the fix,
//! is printed once, exits non-zero, and never shows the database password.

use nango_tests::cli::{run_binary, CliRun};

const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn migrate(vars: &[(&str, &str)]) -> (tempfile::TempDir, CliRun) {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let mut all = vec![("NANGO_DATA_DIR", data_dir.to_str().unwrap())];
    all.extend_from_slice(vars);
    let run = run_binary(dir.path(), &["migrate"], &all);
    (dir, run)
}

/// One error line, naming `setting`, with every `expected` part, and exit non-zero.
fn assert_one_error(run: &CliRun, setting: &str, expected: &[&str]) {
    assert!(!run.success, "succeeded: {}", run.stdout);
    let lines: Vec<&str> = run.stderr.lines().filter(|line| !line.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "not one line: {}", run.stderr);
    assert!(lines[0].starts_with(&format!("error: {setting}")), "{}", run.stderr);
    for part in expected {
        assert_eq!(lines[0].matches(part).count(), 1, "`{part}` not once in: {}", run.stderr);
    }
    assert!(!run.stderr.contains("hunter2"), "the password leaked: {}", run.stderr);
}

#[test]
fn an_unparsable_database_url_is_named_once() {
    let (_dir, run) = migrate(&[("DATABASE_URL", "garbage")]);
    assert_one_error(&run, "DATABASE_URL", &["is not a URL", "relative URL without a base", "SQLite"]);
}

#[test]
fn a_non_postgres_database_url_is_refused() {
    let (_dir, run) = migrate(&[("DATABASE_URL", "mysql://root:hunter2@localhost/nango")]);
    assert_one_error(&run, "DATABASE_URL", &["`mysql://`", "postgres://", "SQLite"]);
}

#[test]
fn an_unreachable_database_names_host_and_port() {
    let vars =
        [("DATABASE_URL", "postgres://nango:hunter2@127.0.0.1:1/nango"), ("NANGO_ENCRYPTION_KEY", KEY)];
    let (_dir, run) = migrate(&vars);
    assert_one_error(&run, "DATABASE_URL", &["127.0.0.1:1", "check that Postgres runs"]);
}

#[test]
fn a_missing_config_file_is_named_once() {
    let (dir, run) = migrate(&[("NANGO_CONFIG", "missing.toml")]);
    let path = dir.path().join("missing.toml");
    assert_one_error(&run, "--config / NANGO_CONFIG", &[path.to_str().unwrap(), "No such file or directory"]);
}

#[test]
fn an_unwritable_data_dir_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let data_dir = file.join("data");
    let run = run_binary(dir.path(), &["migrate"], &[("NANGO_DATA_DIR", data_dir.to_str().unwrap())]);
    assert_one_error(&run, "NANGO_DATA_DIR", &[data_dir.to_str().unwrap(), "writable directory"]);
}

#[test]
fn a_bad_log_filter_is_named_once() {
    let (_dir, run) = migrate(&[("RUST_LOG", "nango_backend=loud")]);
    assert_one_error(&run, "--log-level / RUST_LOG", &["`nango_backend=loud`", "use a level such as"]);
}

#[test]
fn the_log_level_flag_wins_over_rust_log() {
    // `run_binary` sets RUST_LOG=error, under which a second `migrate` writes nothing to stderr.
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let vars = [("NANGO_DATA_DIR", data_dir.to_str().unwrap())];
    let quiet = run_binary(dir.path(), &["migrate"], &vars);
    assert!(quiet.success && quiet.stderr.trim().is_empty(), "{}", quiet.stderr);
    // At trace the migrations' SQL statements are logged.
    let loud = run_binary(dir.path(), &["--log-level", "trace", "migrate"], &vars);
    assert!(loud.success, "{}", loud.stderr);
    assert!(loud.stderr.contains("TRACE"), "no line at trace: {}", loud.stderr);
}
