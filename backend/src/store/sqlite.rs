//! `Store` on an embedded SQLite file: WAL, one writer connection, several readers.
//!
//! All writes go through one connection (`sqlite_writer.rs`), so writers queue for it instead
//! of spinning on SQLITE_BUSY; reads run in parallel on their own connections (WAL lets them
//! see every committed write). Transactions start with `BEGIN IMMEDIATE`, so another
//! process (the CLI) cannot slip a write between our read and our write. The statements
//! are shared with Postgres (`sql.rs`).

use super::*;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Sqlite, SqlitePool, Transaction};
use std::time::Duration;

pub struct SqliteStore {
    /// The only writer connection (`sqlite_writer.rs`).
    writer: super::sqlite_writer::SqliteWriter,
    reader: SqlitePool,
    /// Point reads without the pool's thread hand-offs (`sqlite_reads.rs`).
    inline: super::sqlite_reads::InlineReader,
    /// Seals the secrets of environments and integrations (`secrets.rs`).
    cipher: crate::crypto::Cipher,
    /// WAL checkpoints on a thread of their own (`sqlite_checkpoint.rs`).
    _checkpoints: super::sqlite_checkpoint::Checkpointer,
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
            // 512 KiB of page cache per connection (the flows' writes and the hot reads run on
            // the inline connections, `sqlite_writer.rs` and `sqlite_reads.rs`, with as much);
            // no memory-mapped I/O: each connection would map the file on its own and resident
            // memory would grow with the database (SPEC budget: under 64 MiB).
            .pragma("cache_size", "-512")
            // The WAL cut back to 16 MiB when it starts over (`sqlite_checkpoint.rs`).
            .pragma("journal_size_limit", "16777216")
            // Every statement at `RUST_LOG=debug` would drown the server's own lines.
            .log_statements(log::LevelFilter::Trace);
        // The writer opens the file first so it exists (and is in WAL mode) for the readers.
        // An embedded file cannot go stale like a network connection: the readers skip sqlx's
        // ping before every acquire, a round trip to the connection's worker thread per query.
        let writer = super::sqlite_writer::SqliteWriter::connect(path, options.clone()).await?;
        let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 2).clamp(4, 16);
        // The hot point reads go through `inline`; these serve the other reads.
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(readers as u32)
            .connect_with(options)
            .await?;
        let checkpoints = super::sqlite_checkpoint::Checkpointer::start(path, writer.turn_handle());
        Ok(Self {
            writer,
            reader,
            inline: super::sqlite_reads::InlineReader::new(path),
            cipher,
            _checkpoints: checkpoints,
        })
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        sqlx::migrate!("migrations/sqlite").run_direct(&mut *self.writer.lock().await).await?;
        Ok(())
    }

    /// The write `make` returns, run by the inline writer with the writes queued beside it,
    /// or `None` to take the sqlx path (`sqlite_writer.rs`). `make` gives the write its own
    /// copy of what it needs: it may run in another caller's turn.
    async fn write_inline<T: Send + 'static, W>(&self, make: impl FnOnce() -> W) -> Option<T>
    where
        W: FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.writer.write_inline(make()).await
    }

    /// The writer, alone until the guard drops: `begin_write` on it starts a transaction.
    async fn write_turn(&self) -> StoreResult<super::sqlite_writer::WriterTurn<'_>> {
        Ok(self.writer.lock().await)
    }

    async fn begin_write(writer: &mut sqlx::SqliteConnection) -> StoreResult<Transaction<'_, Sqlite>> {
        use sqlx::Connection as _;
        Ok(writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// At most one row of `sql` on this thread, or `None` to take the pool (`sqlite_reads.rs`):
    /// the point reads every request or flow makes (a connection, an environment, an
    /// integration, the count of unfinished flows).
    fn read_inline<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Option<Option<T>> {
        self.inline.read(|connection| {
            use rusqlite::OptionalExtension as _;
            connection.prepare_cached(sql)?.query_row(params, row).optional()
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The indexes that hold only the rows with a value (migration 0016) still serve the
    /// queries filtering on that value: the list by end user or organization, the refresh
    /// scheduler's scan by expiry; and the `last_fetched_at` flush looks its rows up by id.
    #[tokio::test]
    async fn statements_plan_through_their_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nango.db");
        let store = SqliteStore::open(&path, crate::store::conformance::test_cipher()).await.unwrap();
        store.migrate().await.unwrap();
        let connection = rusqlite::Connection::open(&path).unwrap();
        let plan = |sql: &str| {
            let mut explain = connection.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            // Unbound parameters plan as they would bound (`raw_query` binds none).
            let mut rows = explain.raw_query();
            let mut steps = Vec::new();
            while let Some(row) = rows.next().unwrap() {
                steps.push(row.get::<_, String>(3).unwrap());
            }
            steps.join("; ")
        };
        let cases = [
            (
                "SELECT id FROM connections WHERE environment_id = ?1 AND end_user_id = ?2 ORDER BY id DESC",
                "connections_env_end_user",
            ),
            (
                "SELECT id FROM connections WHERE environment_id = ?1 AND end_user_organization_id = ?2 \
                 ORDER BY id DESC",
                "connections_env_organization",
            ),
            (
                "SELECT id FROM connections WHERE credentials_expires_at IS NOT NULL \
                 AND credentials_expires_at < ?1 AND status <> 'needs_reauth' \
                 ORDER BY credentials_expires_at LIMIT ?2",
                "connections_expiry",
            ),
        ];
        for (sql, index) in cases {
            let steps = plan(sql);
            assert!(steps.contains(&format!("INDEX {index} (")), "{sql}: {steps}");
        }
        // `last_fetched_at` flushed in chunks of 500: each touched connection looked up by id
        // (a scan of the table would read every stored connection once per chunk).
        for pairs in [2, 500] {
            let values = vec!["(CAST(?1 AS BIGINT), CAST(?2 AS BIGINT))"; pairs].join(", ");
            let sql = format!(
                "{}{values}{}",
                crate::store::rows::TOUCHED_PAIRS,
                crate::store::rows::TOUCH_LAST_FETCHED
            );
            let steps = plan(&sql);
            assert!(steps.contains("SEARCH connections USING INTEGER PRIMARY KEY"), "{pairs}: {steps}");
            assert!(!steps.contains("SCAN connections"), "{pairs}: {steps}");
        }
    }
}
