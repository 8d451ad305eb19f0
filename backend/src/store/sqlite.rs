//! `Store` on an embedded SQLite file: WAL, one writer connection, several readers.
//!
//! All writes go through a single-connection pool, so writers queue in the pool instead of
//! spinning on SQLITE_BUSY; reads run in parallel on their own connections (WAL lets them
//! see every committed write). Transactions start with `BEGIN IMMEDIATE`, so another
//! process (the CLI) cannot slip a write between our read and our write. The statements
//! are shared with Postgres (`sql.rs`).

use super::*;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Sqlite, SqlitePool, Transaction};
use std::time::Duration;

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    /// `get_connection` without the pool's thread hand-off (`sqlite_reads.rs`).
    inline: super::sqlite_reads::InlineReader,
    /// Seals the secrets of environments and integrations (`secrets.rs`).
    cipher: crate::crypto::Cipher,
}

impl SqliteStore {
    /// Open (creating if missing) the database file at `path`.
    pub async fn open(path: &std::path::Path, cipher: crate::crypto::Cipher) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            // 2 MiB of page cache per connection; no memory-mapped I/O: each connection would
            // map the file on its own and resident memory would grow with the database (SPEC
            // budget: under 64 MiB).
            .pragma("cache_size", "-2048")
            // Every statement at `RUST_LOG=debug` would drown the server's own lines.
            .log_statements(log::LevelFilter::Trace);
        // The writer opens the file first so it exists (and is in WAL mode) for the readers.
        // An embedded file cannot go stale like a network connection: skip sqlx's ping before
        // every acquire, a round trip to the connection's worker thread per query.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            .connect_with(options.clone())
            .await?;
        let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 2).clamp(4, 16);
        // `GET /connection` reads through `inline`; these serve the other reads, with less cache.
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(readers as u32)
            .connect_with(options.pragma("cache_size", "-512"))
            .await?;
        Ok(Self { writer, reader, inline: super::sqlite_reads::InlineReader::new(path), cipher })
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        sqlx::migrate!("migrations/sqlite").run(&self.writer).await?;
        Ok(())
    }

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// One connection's row by key on this thread, or `None` to take the pool (`sqlite_reads.rs`).
    fn read_connection_inline(&self, sql: &str, key: &ConnectionKey) -> Option<Option<rows::ConnectionRow>> {
        self.inline.read(|connection| {
            use rusqlite::OptionalExtension as _;
            let params = (key.environment_id, key.integration_key.as_str(), key.connection_id.as_str());
            connection.prepare_cached(sql)?.query_row(params, rows::ConnectionRow::from_rusqlite).optional()
        })
    }
}

// The writer connection is the only writer, so a read-modify-write needs no row lock.
// A tag's value: `json_extract` with the key quoted in the path (tag keys hold no `"`).
super::sql::impl_store!(SqliteStore, lock = "", tag = ("json_extract(tags, '$.\"' || ", " || '\"')"));
// One writer: a claim runs alone, so it needs no row lock.
super::sql::webhook_store!(SqliteStore, db = Sqlite, claim_lock = "");

// One process serves a SQLite file: the flows module's own wake-ups reach every socket.
#[async_trait]
impl FlowNotices for SqliteStore {
    async fn announce_flow_end(&self, _flow_id: &FlowId) -> StoreResult<()> {
        Ok(())
    }

    async fn flow_end_notices(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<FlowId>>> {
        Ok(None)
    }
}
