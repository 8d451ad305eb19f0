//! A fresh Postgres database per test (the isolation `#[sqlx::test]` gives), created on the
//! server named by `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`) and
//! dropped when the test ends. Unreachable is a failure, never a skip: `scripts/test-all.sh`
//! starts a private server when none answers and sets `DATABASE_URL` for the suite.

use sqlx::{Connection, PgConnection};

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct TestDatabase {
    /// URL of the fresh database.
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let admin_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.into());
        let name = format!("t_{}", nango_backend::crypto::random::hex_key(8));
        let mut connection = PgConnection::connect(&admin_url).await.unwrap_or_else(|error| {
            panic!(
                "Postgres tests need a server at DATABASE_URL ({admin_url}): {error}; \
                 `bash scripts/test-all.sh` starts a private one when none answers"
            )
        });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .expect("CREATE DATABASE");
        let _ = connection.close().await;
        let mut url = url::Url::parse(&admin_url).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        Self { url: url.to_string(), admin_url, name }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime: clean up on a thread with its own.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(mut connection) = PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&sql).execute(&mut connection).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}
