//! `keys` and `hmac` read an existing server's state and refuse to create a new one; `migrate`
//! (like `serve`) creates it.

use nango_tests::cli::run_binary;

#[test]
fn keys_and_hmac_in_an_empty_directory_fail_without_creating_data() {
    let dir = tempfile::tempdir().unwrap();
    let expected = std::path::absolute(dir.path().join("data").join("nango.db")).unwrap();
    for args in [&["keys"][..], &["hmac", "github", "user-1"]] {
        let run = run_binary(dir.path(), args, &[]);
        assert!(!run.success, "{args:?} succeeded: {}", run.stdout);
        assert!(run.stderr.contains(expected.to_str().unwrap()), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("NANGO_DATA_DIR=/path/to/data nango-server"), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(!dir.path().join("data").exists(), "{args:?} created ./data");
    }
}

#[test]
fn migrate_creates_the_database_and_keys_then_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [("NANGO_SECRET_KEY", "secret-key-0123456789abcdef")];
    let run = run_binary(dir.path(), &["migrate"], &vars);
    assert!(run.success, "{}", run.stderr);
    assert!(dir.path().join("data").join("nango.db").is_file());
    let run = run_binary(dir.path(), &["keys"], &vars);
    assert!(run.success, "{}", run.stderr);
    assert!(run.stdout.contains("secret-key-0123456789abcdef"), "{}", run.stdout);
}

#[test]
fn doctor_in_an_empty_directory_fails_without_creating_data() {
    let dir = tempfile::tempdir().unwrap();
    let expected = std::path::absolute(dir.path().join("data").join("nango.db")).unwrap();
    let run = run_binary(dir.path(), &["doctor"], &[]);
    assert!(!run.success, "{}", run.stdout);
    let database = run.stdout.lines().find(|line| line.contains("database:")).unwrap_or_default();
    assert!(database.starts_with("✗ ") && database.contains(expected.to_str().unwrap()), "{}", run.stdout);
    assert!(!dir.path().join("data").exists(), "doctor created ./data");
}
