//! Seeding many connections fast: rows go straight into the server's SQLite file in big
//! multi-row INSERTs, each credential sealed with the backend's own `Credentials::seal` and
//! `ConnectionKey::aad`, so the server's real read path (open + decrypt) serves them.

use anyhow::Context;
use nango_backend::credentials::Credentials;
use nango_backend::crypto::Cipher;
use nango_backend::ids::{ConnectionId, IntegrationKey};
use nango_backend::secret::Secret;
use nango_backend::store::ConnectionKey;
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::{Duration, Instant};

/// Rows per INSERT statement (2 bound values each; SQLite allows 32,766).
const ROWS_PER_STATEMENT: usize = 1000;
/// Rows per transaction: bounds the WAL between checkpoints.
const ROWS_PER_TRANSACTION: u64 = 100_000;

/// The connection id of seeded row `n`.
pub fn connection_id(n: u64) -> String {
    format!("seed-{n:07}")
}

pub struct Seeder {
    pool: SqlitePool,
    cipher: Cipher,
    environment_id: i64,
    integration: String,
    provider: String,
    /// Rows `0..seeded` exist.
    pub seeded: u64,
}

impl Seeder {
    pub async fn open(
        db_path: &Path,
        encryption_key: &str,
        integration: &str,
        provider: &str,
    ) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(db_path)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        let environment_id: i64 = sqlx::query_scalar("SELECT id FROM environments ORDER BY id LIMIT 1")
            .fetch_one(&pool)
            .await
            .context("the server's database has no environment")?;
        let cipher = Cipher::from_base64(&Secret::new(encryption_key.to_string()))?;
        Ok(Self {
            pool,
            cipher,
            environment_id,
            integration: integration.to_string(),
            provider: provider.to_string(),
            seeded: 0,
        })
    }

    /// Add rows until `total` exist; returns the time it took.
    pub async fn seed_to(&mut self, total: u64, now: i64) -> anyhow::Result<Duration> {
        let started = Instant::now();
        while self.seeded < total {
            let until = total.min(self.seeded + ROWS_PER_TRANSACTION);
            self.seed_transaction(self.seeded, until, now).await?;
            self.seeded = until;
        }
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        Ok(started.elapsed())
    }

    /// Mark every connection as read at `now`, so reads within the next minute do not write.
    pub async fn touch_all(&self, now: i64) -> anyhow::Result<()> {
        sqlx::query("UPDATE connections SET last_fetched_at = ?").bind(now).execute(&self.pool).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        Ok(())
    }

    async fn seed_transaction(&self, from: u64, until: u64, now: i64) -> anyhow::Result<()> {
        // Far-future expiry: reads never refresh.
        let expires_at = now + 10 * 365 * 24 * 3600;
        let mut transaction = self.pool.begin().await?;
        let mut n = from;
        while n < until {
            let batch_end = until.min(n + ROWS_PER_STATEMENT as u64);
            let rows = (batch_end - n) as usize;
            let sql = insert_sql(rows, self.environment_id, &self.integration, &self.provider, now)?;
            let mut query = sqlx::query(&sql);
            for row in n..batch_end {
                let id = connection_id(row);
                let credentials = Credentials::OAuth2 {
                    access_token: Secret::new(format!("seeded-access-token-{row}")),
                    refresh_token: Some(Secret::new(format!("seeded-refresh-token-{row}"))),
                    expires_at: Some(expires_at),
                    raw: Secret::new(nango_backend::credentials::raw_json(
                        &json!({ "access_token": format!("seeded-access-token-{row}") }),
                    )),
                };
                let key = ConnectionKey {
                    environment_id: self.environment_id,
                    integration_key: IntegrationKey::parse(self.integration.as_str())
                        .map_err(anyhow::Error::msg)?,
                    connection_id: ConnectionId::parse(id.as_str()).map_err(anyhow::Error::msg)?,
                };
                let aad = key.aad();
                let sealed = credentials.seal(&self.cipher, &aad)?;
                query = query.bind(id).bind(sealed);
            }
            query.execute(&mut *transaction).await?;
            n = batch_end;
        }
        transaction.commit().await?;
        Ok(())
    }
}

/// `INSERT INTO connections (...) VALUES (..., ?, ?), ...` for `rows` rows; the constant
/// columns are literals (checked to need no quoting).
fn insert_sql(
    rows: usize,
    environment_id: i64,
    integration: &str,
    provider: &str,
    now: i64,
) -> anyhow::Result<String> {
    let plain = |text: &str| text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    anyhow::ensure!(plain(integration) && plain(provider), "bench names must be plain words");
    let mut sql = String::from(
        "INSERT INTO connections (environment_id, integration_key, provider, connection_config, metadata, \
         status, created_at, updated_at, connection_id, credentials) VALUES ",
    );
    let row = format!(
        "({environment_id}, '{integration}', '{provider}', '{{}}', '{{}}', 'active', {now}, {now}, ?, ?)"
    );
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&row);
    }
    Ok(sql)
}
