//! `--help` lists the common settings with their variables and defaults, hides secret values,
//! and every subcommand argument has a description.

use nango_tests::cli::run_binary;

fn help(args: &[&str], vars: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let run = run_binary(dir.path(), args, vars);
    assert!(run.success, "{args:?} failed: {}", run.stderr);
    assert!(!dir.path().join("data").exists(), "--help created a data directory");
    run.stdout
}

#[test]
fn help_lists_settings_with_variables_and_defaults() {
    let text = help(&["--help"], &[]);
    for expected in [
        "NANGO_PORT",
        "[default: 3003]",
        "NANGO_HOST",
        "[default: 127.0.0.1]",
        "NANGO_DATA_DIR",
        "[default: ./data]",
        "NANGO_SERVER_URL",
        "DATABASE_URL",
        "NANGO_ENCRYPTION_KEY",
        "NANGO_PROVIDERS_FILE",
        "NANGO_DEMO",
        "RUST_LOG",
        "NANGO_CONFIG",
        "Configuration table",
        "doctor",
    ] {
        assert!(text.contains(expected), "no `{expected}` in:\n{text}");
    }
}

#[test]
fn help_hides_secret_values_but_shows_others() {
    let secret = "postgres://nango:hunter2@db.internal:5432/nango";
    let vars =
        [("DATABASE_URL", secret), ("NANGO_ENCRYPTION_KEY", "sekrit-key-value"), ("NANGO_PORT", "4444")];
    let text = help(&["--help"], &vars);
    assert!(!text.contains("hunter2") && !text.contains("sekrit-key-value"), "{text}");
    assert!(text.contains("[env: NANGO_PORT=4444]"), "{text}");
}

#[test]
fn subcommand_help_describes_arguments_and_settings() {
    let text = help(&["hmac", "--help"], &[]);
    assert!(text.contains("<INTEGRATION>") && text.contains("<CONNECTION_ID>"), "{text}");
    assert!(text.contains("The integration's unique key"), "{text}");
    assert!(text.contains("The connection id"), "{text}");
    assert!(text.contains("NANGO_DATA_DIR"), "settings missing from subcommand help:\n{text}");
    for command in ["serve", "keys", "migrate", "rotate-key", "webhook-test", "doctor"] {
        let text = help(&[command, "--help"], &[]);
        assert!(text.contains("NANGO_PORT") && text.contains("Configuration table"), "{command}:\n{text}");
    }
}

#[test]
fn a_flag_is_validated_like_its_variable() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_binary(dir.path(), &["migrate", "--port", "x"], &[]);
    assert!(!run.success);
    assert!(run.stderr.contains("NANGO_PORT: `x` is not a port number"), "{}", run.stderr);
}
