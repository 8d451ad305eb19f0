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
//! caller's statement. A connection whose worker thread died is replaced. The hottest writes
//! (a flow's) run on a rusqlite connection of their own in the same turn, grouped into shared
//! commits (`sqlite_group_commit.rs`).

use super::sqlite_group_commit::InlineWriter;
use futures_util::{FutureExt as _, StreamExt as _};
use sqlx::sqlite::{SqliteConnectOptions, SqliteQueryResult, SqliteRow, SqliteStatement, SqliteTypeInfo};
use sqlx::{ConnectOptions as _, Sqlite, SqliteConnection};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, MutexGuard};

pub(crate) struct SqliteWriter {
    options: SqliteConnectOptions,
    connection: Mutex<SqliteConnection>,
    /// A second handle on the file for `write_inline`, used only in the writer's turn (while
    /// `connection` is locked), so the two never wait on each other's write lock; the group of
    /// writes open on it is committed before anyone else takes the turn
    /// (`sqlite_group_commit.rs`).
    inline: std::sync::Mutex<InlineWriter>,
    /// Callers waiting for the turn: a write that finds one leaves its group open for it.
    waiting: AtomicUsize,
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
            inline: std::sync::Mutex::default(),
            waiting: AtomicUsize::new(0),
            path: path.to_owned(),
        })
    }

    /// `write` on this thread, with no hand-off to sqlx's worker thread, in the writer's turn
    /// (for the hottest writes: a flow's), committed with the writes around it
    /// (`sqlite_group_commit.rs`) before this answers. `None` when it could not run without
    /// waiting (another process holds SQLite's write lock) or failed: nothing of it was
    /// committed, and the caller takes the sqlx path, which waits and reports errors.
    pub(crate) async fn write_inline<T>(
        &self,
        write: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Option<T> {
        let turn = self.turn().await;
        let (group, mut outcome, written) = {
            let mut inline = self.inline_writer();
            let written = inline.write(|| open_inline(&self.path), write);
            let Some((group, outcome)) = inline.group() else {
                // Nothing open: the write could not begin (a busy file) or failed with its group.
                return written.map_err(fall_back).ok();
            };
            if self.waiting.load(Ordering::SeqCst) == 0 {
                // Nobody waits for the turn: this write is the group's last, and commits it.
                let committed = inline.commit();
                return written.map_err(fall_back).ok().filter(|_| committed);
            }
            (group, outcome, written)
        };
        drop(turn);
        let value = written.map_err(fall_back).ok()?;
        loop {
            tokio::select! {
                biased;
                done = outcome.wait_for(Option::is_some) => {
                    return done.ok().and_then(|done| *done).filter(|committed| *committed).map(|_| value);
                }
                // The turn came back with the group still open (its next writer gave up
                // waiting): this write commits it.
                _turn = self.connection.lock() => {
                    let mut inline = self.inline_writer();
                    if inline.is_open(group) {
                        inline.commit();
                    }
                }
            }
        }
    }

    /// The connection, alone, until the guard drops (for a transaction or the migrations),
    /// once the inline writes grouped so far are committed.
    pub(crate) async fn lock(&self) -> MutexGuard<'_, SqliteConnection> {
        let turn = self.turn().await;
        self.inline_writer().commit();
        turn
    }

    /// The writer's turn, counted in `waiting` until it comes.
    async fn turn(&self) -> MutexGuard<'_, SqliteConnection> {
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiting);
        self.connection.lock().await
    }

    /// The inline writer's state; a panic while it was held left it consistent (every method
    /// leaves it so between statements), so a poisoned lock is taken as is.
    fn inline_writer(&self) -> std::sync::MutexGuard<'_, InlineWriter> {
        self.inline.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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

fn fall_back(error: rusqlite::Error) {
    tracing::debug!(%error, "inline writer: falling back to the pool");
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
        12,
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

    /// Polls `future` once.
    async fn poll_once<F: std::future::Future>(future: std::pin::Pin<&mut F>) -> std::task::Poll<F::Output> {
        let mut future = Some(future);
        std::future::poll_fn(|cx| std::task::Poll::Ready(future.take().unwrap().poll(cx))).await
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_group_left_open_for_a_waiter_that_gives_up_is_committed_by_its_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let file = rusqlite::Connection::open(&path).unwrap();
        file.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)").unwrap();
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let writer = super::SqliteWriter::connect(&path, options).await.unwrap();
        let insert = |x: i64| move |c: &rusqlite::Connection| c.execute("INSERT INTO t VALUES (?1)", [x]);

        // Two writes queue for the turn while it is held.
        let held = writer.connection.lock().await;
        let mut first = std::pin::pin!(writer.write_inline(insert(1)));
        // Boxed, so that dropping it drops the future (a caller that gives up).
        let mut second = Box::pin(writer.write_inline(insert(2)));
        assert!(poll_once(first.as_mut()).await.is_pending());
        assert!(poll_once(second.as_mut()).await.is_pending());
        drop(held);
        // The first writes and, seeing the second wait, leaves its group open for it.
        assert!(poll_once(first.as_mut()).await.is_pending());
        let count = |file: &rusqlite::Connection| -> i64 {
            file.query_row("SELECT COUNT(*) FROM t", [], |row| row.get(0)).unwrap()
        };
        assert_eq!(count(&file), 0, "not committed yet");
        // The second gives up before its turn: the turn comes back to the first, which commits.
        drop(second);
        assert_eq!(poll_once(first.as_mut()).await, std::task::Poll::Ready(Some(1)));
        assert_eq!(count(&file), 1);
        // A caller of the sqlx connection waiting for the turn: the group is committed before
        // it gets the connection.
        let held = writer.connection.lock().await;
        let mut third = std::pin::pin!(writer.write_inline(insert(3)));
        let mut transaction = std::pin::pin!(writer.lock());
        assert!(poll_once(third.as_mut()).await.is_pending());
        assert!(poll_once(transaction.as_mut()).await.is_pending());
        drop(held);
        assert!(poll_once(third.as_mut()).await.is_pending());
        assert_eq!(count(&file), 1);
        let turn = transaction.await;
        assert_eq!(count(&file), 2, "committed before the sqlx connection was handed out");
        drop(turn);
        assert_eq!(third.await, Some(1));
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
