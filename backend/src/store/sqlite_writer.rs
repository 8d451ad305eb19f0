//! The one SQLite writer connection, held by the store instead of lent by a pool.
//!
//! sqlx's pool pings a connection each time it comes back (`PoolConnection`'s drop spawns a
//! task that sends the SQLite worker thread a ping and waits for the answer before the next
//! caller may have it): with a single writer, every write statement cost two round trips to
//! the worker thread instead of one, and the writes of the whole process queued behind both
//! (BENCHMARKS.md). Here the connection sits behind an async mutex (first come, first
//! served, as the pool's queue was) and nothing runs between two callers' statements.
//!
//! `&SqliteWriter` is a `sqlx::Executor`, so single statements are written as for a pool;
//! a transaction holds the lock for its whole life (`SqliteWriter::lock`, then
//! `begin_with("BEGIN IMMEDIATE")` on the guard). A transaction dropped without commit queues
//! its rollback on the connection (sqlx does that on drop), which runs before the next
//! caller's statement. A connection whose worker thread died is replaced.

use futures_util::{FutureExt as _, StreamExt as _};
use sqlx::sqlite::{SqliteConnectOptions, SqliteQueryResult, SqliteRow, SqliteStatement, SqliteTypeInfo};
use sqlx::{ConnectOptions as _, Sqlite, SqliteConnection};
use tokio::sync::{Mutex, MutexGuard};

pub(crate) struct SqliteWriter {
    options: SqliteConnectOptions,
    connection: Mutex<SqliteConnection>,
    /// A second handle on the file for `write_inline`, used only while `connection` is locked,
    /// so the two never wait on each other's write lock. Opened on first use.
    inline: std::sync::Mutex<Option<rusqlite::Connection>>,
    path: std::path::PathBuf,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter").finish_non_exhaustive()
    }
}

impl SqliteWriter {
    /// The writer of the database at `path`, opened with `options`.
    pub(crate) async fn connect(path: &std::path::Path, options: SqliteConnectOptions) -> sqlx::Result<Self> {
        let connection = options.connect().await?;
        Ok(Self {
            options,
            connection: Mutex::new(connection),
            inline: std::sync::Mutex::new(None),
            path: path.to_owned(),
        })
    }

    /// `write` in a transaction of its own on this thread, with no hand-off to sqlx's worker
    /// thread, in the writer's turn (for the hottest writes: a flow's). `None` when it could
    /// not run without waiting (another process holds SQLite's write lock) or failed: nothing
    /// of it was committed, and the caller takes the sqlx path, which waits and reports errors.
    pub(crate) async fn write_inline<T>(
        &self,
        write: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Option<T> {
        let _turn = self.connection.lock().await;
        let mut inline = self.inline.lock().ok()?;
        if inline.is_none() {
            *inline = open_inline(&self.path)
                .map_err(|error| tracing::debug!(%error, "inline writer: cannot open"))
                .ok();
        }
        let connection = inline.as_mut()?;
        let written = in_transaction(connection, write);
        if !connection.is_autocommit() {
            // The rollback failed too: closing the connection ends its transaction.
            tracing::warn!("inline writer: a transaction could not be rolled back; closing the connection");
            *inline = None;
        }
        written.map_err(|error| tracing::debug!(%error, "inline writer: falling back to the pool")).ok()
    }

    /// The connection, alone, until the guard drops (for a transaction or the migrations).
    pub(crate) async fn lock(&self) -> MutexGuard<'_, SqliteConnection> {
        self.connection.lock().await
    }

    /// After `result` on `connection`: a connection whose worker thread is gone answers every
    /// command with `WorkerCrashed` from then on, so it is replaced.
    async fn check<T>(&self, connection: &mut SqliteConnection, result: sqlx::Result<T>) -> sqlx::Result<T> {
        if matches!(result, Err(sqlx::Error::WorkerCrashed)) {
            self.reopen(connection).await;
        }
        result
    }

    async fn reopen(&self, connection: &mut SqliteConnection) {
        tracing::warn!("the SQLite writer connection broke; opening it again");
        match self.options.connect().await {
            Ok(fresh) => *connection = fresh,
            Err(error) => tracing::error!(%error, "cannot open the SQLite writer connection again"),
        }
    }
}

/// `write` between `BEGIN IMMEDIATE` and `COMMIT`, rolled back unless it commits. The two are
/// prepared once (`prepare_cached`): rusqlite's `Transaction` runs them through
/// `execute_batch`, which parses and plans them again every time (about 14,000 instructions
/// per flow, BENCHMARKS.md).
fn in_transaction<T>(
    connection: &rusqlite::Connection,
    write: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    connection.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let committed = write(connection).and_then(|value| {
        connection.prepare_cached("COMMIT")?.execute([])?;
        Ok(value)
    });
    if committed.is_err() && !connection.is_autocommit() {
        // A failed rollback leaves the transaction open, which the caller checks.
        let _ = connection.prepare_cached("ROLLBACK").and_then(|mut rollback| rollback.execute([]));
    }
    committed
}

/// The inline writer's connection: the pragmas of the sqlx connections (`sqlite.rs`) that
/// matter to a writer, no busy wait, and no checkpoint inside its commits
/// (`sqlite_checkpoint.rs` runs them on a thread of its own).
fn open_inline(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    super::sqlite_reads::open_unwaiting(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = memory; \
         PRAGMA cache_size = -512; PRAGMA wal_autocheckpoint = 0;",
        8,
    )
}

impl<'w> sqlx::Executor<'w> for &'w SqliteWriter {
    type Database = Sqlite;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> futures_util::stream::BoxStream<'e, sqlx::Result<sqlx::Either<SqliteQueryResult, SqliteRow>>>
    where
        'w: 'e,
        E: 'q + sqlx::Execute<'q, Sqlite>,
    {
        // The results are gathered while the lock is held; callers of the writer collect them
        // anyway (`execute`, `fetch_all`), and no write returns many rows.
        async move {
            let mut connection = self.lock().await;
            let results: Vec<_> = connection.fetch_many(query).collect().await;
            if results.iter().any(|result| matches!(result, Err(sqlx::Error::WorkerCrashed))) {
                self.reopen(&mut connection).await;
            }
            futures_util::stream::iter(results)
        }
        .flatten_stream()
        .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> futures_util::future::BoxFuture<'e, sqlx::Result<Option<SqliteRow>>>
    where
        'w: 'e,
        E: 'q + sqlx::Execute<'q, Sqlite>,
    {
        async move {
            let mut connection = self.lock().await;
            let result = connection.fetch_optional(query).await;
            self.check(&mut connection, result).await
        }
        .boxed()
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [SqliteTypeInfo],
    ) -> futures_util::future::BoxFuture<'e, sqlx::Result<SqliteStatement<'q>>>
    where
        'w: 'e,
    {
        async move { self.lock().await.prepare_with(sql, parameters).await }.boxed()
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> futures_util::future::BoxFuture<'e, sqlx::Result<sqlx::Describe<Sqlite>>>
    where
        'w: 'e,
    {
        async move { self.lock().await.describe(sql).await }.boxed()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::store::conformance::{flows::flow, sqlite_with_connection, NOW};
    use crate::store::{ConnectionStore, EnvironmentStore, FlowOutcome, FlowStore, UpsertConnection};
    use std::time::Duration;

    #[test]
    fn a_failed_write_is_rolled_back_and_the_next_one_commits() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        connection.execute_batch("CREATE TABLE t (x INTEGER UNIQUE)").unwrap();
        let insert = |x: i64| move |c: &rusqlite::Connection| c.execute("INSERT INTO t VALUES (?1)", [x]);
        assert_eq!(super::in_transaction(&connection, insert(1)).unwrap(), 1);
        // The second insert breaks the constraint: the first of the pair is undone with it.
        let pair = |c: &rusqlite::Connection| {
            c.execute("INSERT INTO t VALUES (2)", [])?;
            c.execute("INSERT INTO t VALUES (1)", [])
        };
        assert!(super::in_transaction(&connection, pair).is_err());
        assert!(connection.is_autocommit(), "no transaction left open");
        assert_eq!(super::in_transaction(&connection, insert(3)).unwrap(), 1);
        let rows: Vec<i64> = connection
            .prepare("SELECT x FROM t ORDER BY x")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, [1, 3]);
    }

    #[tokio::test]
    async fn a_write_lock_held_by_another_process_sends_flow_writes_to_the_waiting_path() {
        let dir = tempfile::tempdir().unwrap();
        let (store, key) = sqlite_with_connection(dir.path()).await;
        let environment = store.environment_by_id(key.environment_id).await.unwrap().unwrap();
        // Another process (the CLI, say) holds SQLite's write lock for a moment: the inline
        // writer gets SQLITE_BUSY at once and the sqlx path waits the lock out.
        let holder = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            holder.execute_batch("COMMIT").unwrap();
        });
        let new = flow(&environment, "flow-held-by-another", "state-held", NOW + 600);
        store.insert_flow(&new).await.unwrap();
        release.join().unwrap();

        let consumed = store.consume_flow("state-held", NOW).await.unwrap().unwrap();
        assert_eq!(consumed.flow_id, new.flow_id);
        assert_eq!(consumed.params, new.params);
        assert!(store.consume_flow("state-held", NOW).await.unwrap().is_none(), "single use");
        // A second insert of the same id fails inline, then reports the conflict from the pool.
        assert!(matches!(store.insert_flow(&new).await, Err(crate::store::StoreError::Conflict)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inline_writes_and_sqlx_transactions_take_turns_without_busy_errors() {
        let dir = tempfile::tempdir().unwrap();
        let (store, key) = sqlite_with_connection(dir.path()).await;
        let store = std::sync::Arc::new(store);
        let environment = store.environment_by_id(key.environment_id).await.unwrap().unwrap();
        let mut tasks = Vec::new();
        for i in 0..32 {
            let (store, environment, key) = (store.clone(), environment.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                let new =
                    flow(&environment, &format!("flow-taking-turns-{i}"), &format!("state-{i}"), NOW + 600);
                store.insert_flow(&new).await.unwrap();
                let upsert = UpsertConnection {
                    key,
                    provider: "github".into(),
                    connection_config: Default::default(),
                    sealed_credentials: vec![i as u8],
                    credentials_expires_at: None,
                    end_user: None,
                    tags: None,
                    metadata: None,
                    webhook_url_override: None,
                    finishes_flow: None,
                    now: NOW,
                };
                store.upsert_connection(&upsert).await.unwrap();
                let consumed = store.consume_flow(&format!("state-{i}"), NOW).await.unwrap().unwrap();
                let outcome = FlowOutcome::Success {
                    integration_key: consumed.integration_key.clone(),
                    connection_id: consumed.connection_id.clone(),
                };
                store.finish_flow(&consumed.flow_id, &outcome, NOW).await.unwrap();
                let record = store.flow_record(&consumed.flow_id).await.unwrap().unwrap();
                assert_eq!(record.outcome, Some(outcome));
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        // Every upsert counted: the first made the row, each of the 32 replaced it once.
        let file = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
        let auth_count: i64 =
            file.query_row("SELECT auth_count FROM connections", [], |row| row.get(0)).unwrap();
        assert_eq!(auth_count, 33);
        let pending: i64 = file
            .query_row("SELECT COUNT(*) FROM oauth_flows WHERE outcome_status = 'pending'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(pending, 0);
    }
}
