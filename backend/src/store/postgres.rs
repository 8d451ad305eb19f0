//! `Store` on Postgres, for several replicas sharing one database (SPEC §5).
//!
//! The statements are shared with SQLite (`sql.rs`); here live connecting, the migrations
//! folder, and row locks (`SELECT ... FOR UPDATE`) for read-modify-write merges.

use super::*;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions as _, Connection as _, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub struct PostgresStore {
    writer: PgPool,
    /// The same pool as `writer`: Postgres needs no separate readers.
    reader: PgPool,
    /// Seals the secrets of environments and integrations (`secrets.rs`).
    cipher: crate::crypto::Cipher,
}

/// Open and close one connection: whether the database answers (`startup.rs` bounds the wait).
pub async fn try_connect(url: &str) -> Result<(), sqlx::Error> {
    let connection = sqlx::PgConnection::connect_with(&PgConnectOptions::from_str(url)?).await?;
    connection.close().await
}

impl PostgresStore {
    pub async fn connect(url: &str, cipher: crate::crypto::Cipher) -> StoreResult<Self> {
        Self::with_options(PgConnectOptions::from_str(url)?, cipher).await
    }

    /// Connect with `search_path` set to `schema`, creating the schema if needed; tests use
    /// a fresh schema each, so they run in parallel on one database. `schema` must be
    /// `[a-z0-9_]`, starting with a letter or `_`.
    pub async fn connect_with_schema(
        url: &str,
        schema: &str,
        cipher: crate::crypto::Cipher,
    ) -> StoreResult<Self> {
        let valid = schema.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid || schema.len() > 63 {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                format!("invalid schema name `{schema}`").into(),
            )));
        }
        let options = PgConnectOptions::from_str(url)?;
        let mut connection = sqlx::PgConnection::connect_with(&options).await?;
        // The name was checked above: identifiers cannot be bound as parameters.
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).execute(&mut connection).await?;
        connection.close().await?;
        Self::with_options(options.options([("search_path", schema)]), cipher).await
    }

    async fn with_options(options: PgConnectOptions, cipher: crate::crypto::Cipher) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            // Every statement at `RUST_LOG=debug` would drown the server's own lines.
            .connect_with(options.log_statements(log::LevelFilter::Trace))
            .await?;
        Ok(Self { writer: pool.clone(), reader: pool, cipher })
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        sqlx::migrate!("migrations/postgres").run(&self.writer).await?;
        Ok(())
    }

    /// A connection of the pool for a transaction (`begin_write`).
    async fn write_turn(&self) -> StoreResult<sqlx::pool::PoolConnection<Postgres>> {
        Ok(self.writer.acquire().await?)
    }

    async fn begin_write(writer: &mut sqlx::PgConnection) -> StoreResult<Transaction<'_, Postgres>> {
        use sqlx::Connection as _;
        Ok(writer.begin().await?)
    }

    /// Postgres reads always take the pool (only SQLite has an inline reader).
    /// Postgres writes always take the pool (only SQLite has an inline writer).
    async fn write_inline<T: Send + 'static, W>(&self, _make: impl FnOnce() -> W) -> Option<T>
    where
        W: FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        None
    }

    fn read_inline<T>(
        &self,
        _sql: &str,
        _params: impl rusqlite::Params,
        _row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Option<Option<T>> {
        None
    }
}

// Replicas write concurrently: a merge locks its row until it commits.
super::sql::impl_store!(PostgresStore, lock = " FOR UPDATE", tag = ("(tags::jsonb ->> ", ")"));
// Replicas claim at once: each skips the events another is claiming.
super::sql::webhook_store!(PostgresStore, db = Postgres, claim_lock = " FOR UPDATE OF e SKIP LOCKED");

/// The `NOTIFY` channel that carries the ids of ended flows between replicas.
const FLOW_END_CHANNEL: &str = "nango_flow_ends";

#[async_trait]
impl FlowNotices for PostgresStore {
    async fn announce_flow_end(&self, flow_id: &FlowId) -> StoreResult<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(FLOW_END_CHANNEL)
            .bind(flow_id.as_str())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn flow_end_notices(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<FlowId>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.writer).await?;
        listener.listen(FLOW_END_CHANNEL).await?;
        let (sender, receiver) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                // `recv` reconnects after a lost connection (notices sent meanwhile are lost;
                // the sockets' periodic re-read covers them).
                let notification = match listener.recv().await {
                    Ok(notification) => notification,
                    Err(error) => {
                        tracing::warn!(%error, "flow notices: the database connection failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                let Ok(flow_id) = FlowId::parse(notification.payload()) else { continue };
                if sender.send(flow_id).await.is_err() {
                    return;
                }
            }
        });
        Ok(Some(receiver))
    }
}
