use super::*;

fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn defaults() {
    let config = Config::from_sources(None, &[]).unwrap();
    assert_eq!(config.port, 3003);
    assert_eq!(config.server_url, "http://localhost:3003");
    assert_eq!(config.default_callback_url(), "http://localhost:3003/oauth/callback");
    assert_eq!(config.flow_ttl_seconds, 600);
    assert!(!config.demo, "the demo is off unless asked for");
    assert!(Config::from_sources(None, &vars(&[("NANGO_DEMO", "true")])).unwrap().demo);
    assert!(Config::from_sources(None, &vars(&[("NANGO_DEMO", "yes")])).is_err());
}

#[test]
fn server_url_follows_the_bound_port_unless_configured() {
    let config = Config::from_sources(None, &vars(&[("NANGO_PORT", "0")])).unwrap();
    assert_eq!(config.with_bound_port(4321).server_url, "http://localhost:4321");
    let fixed = vars(&[("NANGO_PORT", "0"), ("NANGO_SERVER_URL", "https://auth.example")]);
    let config = Config::from_sources(None, &fixed).unwrap();
    assert_eq!(config.with_bound_port(4321).server_url, "https://auth.example");
}

#[test]
fn env_wins_over_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nango.toml");
    std::fs::write(&path, "port = 4000\ndata_dir = \"/tmp/x\"\n").unwrap();
    let config = Config::from_sources(Some(&path), &vars(&[("NANGO_PORT", "5000")])).unwrap();
    assert_eq!(config.port, 5000);
    assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
}

#[test]
fn bad_values_name_the_setting() {
    let error = Config::from_sources(None, &vars(&[("NANGO_PORT", "x")])).unwrap_err();
    assert!(error.to_string().starts_with("NANGO_PORT"));
    let error = Config::from_sources(None, &vars(&[("NANGO_SERVER_URL", "ftp://x")])).unwrap_err();
    assert!(error.to_string().starts_with("NANGO_SERVER_URL"));
    let error = Config::from_sources(None, &vars(&[("NANGO_METRICS", "public")])).unwrap_err();
    assert!(error.to_string().starts_with("NANGO_METRICS"));
}

#[test]
fn database_url_must_be_postgres_and_is_never_echoed() {
    for url in ["postgres://u:pw@db/nango", "postgresql://u:pw@db:5433/nango"] {
        let config = Config::from_sources(None, &vars(&[("DATABASE_URL", url)])).unwrap();
        assert_eq!(config.database_url.unwrap().expose(), url);
    }
    for url in ["garbage-hunter2", "mysql://u:hunter2@db/nango", "sqlite://hunter2.db", "postgres:///hunter2"]
    {
        let error = Config::from_sources(None, &vars(&[("DATABASE_URL", url)])).unwrap_err().to_string();
        assert!(error.starts_with("DATABASE_URL"), "{url}: {error}");
        assert!(error.contains("SQLite"), "{url}: {error}");
        assert!(!error.contains("hunter2"), "{url}: {error}");
    }
    assert_eq!(database_address("postgres://u:pw@db.internal/nango"), "db.internal:5432");
}
