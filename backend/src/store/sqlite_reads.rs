//! SQLite point reads on the calling thread, for the hottest read (`GET /connection/{id}`).
//!
//! sqlx runs every SQLite statement on a worker thread of its own and hands the command and
//! each row across a channel: two thread wake-ups per query, which profiling showed cost
//! several times the lookup itself (see BENCHMARKS.md). A point lookup by a unique key whose
//! pages are cached takes a few microseconds, so here it runs where the request already is,
//! on a read-only connection with its statement prepared once.
//!
//! It never waits: the connections have no busy timeout, and a busy database (or no idle
//! connection, or any error) makes the caller take the pooled sqlx path, which waits as usual.
//! WAL lets these readers see every committed write, so nothing read here is stale.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Connections kept open: about one per runtime worker thread (each read finishes before its
/// thread runs anything else, so more would sit idle).
const MAX_IDLE: usize = 4;
/// Page cache per connection, in KiB (SQLite's negative `cache_size`).
const CACHE_KIB: i64 = 512;

pub(crate) struct InlineReader {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl InlineReader {
    /// Readers of the database at `path`, which must exist and be in WAL mode (opened lazily).
    pub(crate) fn new(path: &Path) -> Self {
        Self { path: path.to_owned(), idle: Mutex::new(Vec::new()) }
    }

    /// `read` on an idle connection, on this thread; `None` when it could not run without
    /// waiting or failed (the caller then takes the pooled path, which reports real errors).
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Option<T> {
        let connection = match self.idle.lock().ok()?.pop() {
            Some(connection) => connection,
            None => {
                self.open().map_err(|error| tracing::debug!(%error, "inline reader: cannot open")).ok()?
            }
        };
        let result = read(&connection);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE {
                idle.push(connection);
            }
        }
        result.map_err(|error| tracing::debug!(%error, "inline reader: falling back to the pool")).ok()
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        let pragmas = format!("PRAGMA cache_size = -{CACHE_KIB};");
        open_unwaiting(&self.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY, &pragmas, 16)
    }
}

/// A rusqlite connection to the database at `path` (`access`: read-only or read-write) that
/// never waits for a lock (busy timeout 0: a busy file sends its caller to the sqlx path), with
/// `pragmas` run and room for `statements` prepared statements. The inline reader, the inline
/// writer and the checkpoint thread open theirs here.
pub(crate) fn open_unwaiting(
    path: &std::path::Path,
    access: rusqlite::OpenFlags,
    pragmas: &str,
    statements: usize,
) -> rusqlite::Result<rusqlite::Connection> {
    let connection =
        rusqlite::Connection::open_with_flags(path, access | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    connection.busy_timeout(std::time::Duration::ZERO)?;
    connection.execute_batch(pragmas)?;
    connection.set_prepared_statement_cache_capacity(statements);
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConnectionStore;

    #[tokio::test]
    async fn every_committed_write_is_seen_by_the_next_inline_read() {
        let dir = tempfile::tempdir().unwrap();
        let (store, key) = crate::store::conformance::sqlite_with_connection(dir.path()).await;
        // The same statement, prepared once and reused by every read below.
        let reader = InlineReader::new(&dir.path().join("t.db"));
        let sealed = |reader: &InlineReader| {
            reader.read(|connection| {
                use rusqlite::OptionalExtension as _;
                let params = (key.environment_id, key.integration_key.as_str(), key.connection_id.as_str());
                let sql = "SELECT credentials FROM connections \
                           WHERE environment_id = $1 AND integration_key = $2 AND connection_id = $3";
                connection.prepare_cached(sql)?.query_row(params, |row| row.get::<_, Vec<u8>>(0)).optional()
            })
        };
        assert_eq!(sealed(&reader), Some(Some(vec![1, 2, 3])));

        let metadata: crate::store::JsonMap = serde_json::from_str(r#"{"plan":"pro"}"#).unwrap();
        store.replace_metadata(&key, &metadata, 5).await.unwrap();
        let read = store.get_connection(&key).await.unwrap().unwrap();
        assert_eq!(read.metadata, metadata);

        assert!(store.delete_connection(&key).await.unwrap());
        assert_eq!(sealed(&reader), Some(None), "a deleted row is gone for the inline reader at once");
        assert!(store.get_connection(&key).await.unwrap().is_none());
    }

    #[test]
    fn a_database_it_cannot_open_sends_the_caller_to_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let reader = InlineReader::new(&dir.path().join("missing.db"));
        assert_eq!(
            reader.read(|connection| connection.query_row("SELECT 1", [], |row| row.get::<_, i64>(0))),
            None
        );
    }

    #[test]
    fn a_busy_database_sends_the_caller_to_the_pool_instead_of_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let holder = rusqlite::Connection::open(&path).unwrap();
        holder
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        // An exclusive locking-mode writer holding its lock: WAL readers then get SQLITE_BUSY.
        holder
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO t VALUES (2);")
            .unwrap();
        let reader = InlineReader::new(&path);
        let read = reader.read(|connection| {
            connection.query_row("SELECT COUNT(*) FROM t", [], |row| row.get::<_, i64>(0))
        });
        // With no busy timeout this answers at once (the pool's connections would wait 5 s).
        assert_eq!(read, None);
        holder.execute_batch("COMMIT").unwrap();
    }
}
