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

use super::sqlite_group_commit::{InlineWriter, Job};
use futures_util::{FutureExt as _, StreamExt as _};
use sqlx::sqlite::{SqliteConnectOptions, SqliteQueryResult, SqliteRow, SqliteStatement, SqliteTypeInfo};
use sqlx::{ConnectOptions as _, Sqlite, SqliteConnection};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard, Notify};

/// Rounds of queued jobs one holder of the turn runs at most before giving it back (and waking
/// the callers whose jobs are still queued), so that a steady stream of writes cannot keep one
/// caller from its answer.
const MAX_ROUNDS: usize = 4;

pub(crate) struct SqliteWriter {
    options: SqliteConnectOptions,
    /// The sqlx connection and the turn on the file's writes that goes with it; shared with the
    /// checkpoint thread (`TurnHandle`).
    turn: Arc<Turn>,
    /// A second handle on the file for `write_inline`, used only in the writer's turn, so the
    /// two never wait on each other's write lock.
    inline: std::sync::Mutex<InlineWriter>,
    /// Inline writes waiting for whoever holds the turn to run them (`sqlite_group_commit.rs`).
    queue: std::sync::Mutex<Vec<Job>>,
    path: std::path::PathBuf,
}

struct Turn {
    connection: Mutex<SqliteConnection>,
    /// Told each time the turn is given back: callers whose jobs are still queued try to take it.
    released: Notify,
}

/// The writer's turn for a thread outside the runtime: the checkpoint thread
/// (`sqlite_checkpoint.rs`) finishes each checkpoint in it, with no write under way.
#[derive(Clone)]
pub(crate) struct TurnHandle(Arc<Turn>);

impl TurnHandle {
    /// `f` in the writer's turn, waiting for it (blocking this thread); the callers whose
    /// writes queued meanwhile are told when it is given back.
    pub(crate) fn hold<T>(&self, f: impl FnOnce() -> T) -> T {
        let _turn = self.0.given_back_on_drop(self.0.connection.blocking_lock());
        f()
    }
}

impl Turn {
    /// `guard` as a turn that tells the waiting callers when it drops.
    fn given_back_on_drop<'a>(&'a self, guard: MutexGuard<'a, SqliteConnection>) -> WriterTurn<'a> {
        WriterTurn { guard, _released: Released(&self.released) }
    }
}

/// The writer's sqlx connection, alone until this drops; then the callers whose inline writes
/// are queued are told the turn is free.
pub(crate) struct WriterTurn<'a> {
    // Declared first, dropped first: the turn is given back before the callers are told.
    guard: MutexGuard<'a, SqliteConnection>,
    _released: Released<'a>,
}

struct Released<'a>(&'a Notify);

impl Drop for Released<'_> {
    fn drop(&mut self) {
        self.0.notify_waiters();
    }
}

impl std::ops::Deref for WriterTurn<'_> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.guard
    }
}

impl std::ops::DerefMut for WriterTurn<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.guard
    }
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
            turn: Arc::new(Turn { connection: Mutex::new(connection), released: Notify::new() }),
            inline: std::sync::Mutex::default(),
            queue: std::sync::Mutex::default(),
            path: path.to_owned(),
        })
    }

    /// `write` on a runtime thread, with no hand-off to sqlx's worker thread (for the hottest
    /// writes: a flow's), committed with the writes queued beside it (`sqlite_group_commit.rs`)
    /// before this answers. `None` when it could not run without waiting (another process
    /// holds SQLite's write lock) or failed: nothing of it was committed, and the caller takes
    /// the sqlx path, which waits and reports errors. A caller that stops waiting (its request
    /// was dropped) leaves its write queued: it runs all the same, as it would have had it
    /// been dropped right after its commit.
    pub(crate) async fn write_inline<T: Send + 'static>(
        &self,
        write: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Option<T> {
        let (job, mut answered) = super::sqlite_group_commit::job(write);
        self.queued().push(job);
        loop {
            // Registered before the turn is tried, so a release in between is not missed.
            let released = self.turn.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if let Ok(guard) = self.turn.connection.try_lock() {
                let _turn = self.turn.given_back_on_drop(guard);
                self.run_queued();
            }
            tokio::select! {
                biased;
                answer = &mut answered => return answer.ok().flatten(),
                () = &mut released => {}
            }
        }
    }

    /// With the turn held: the queued jobs, in groups, until none is left or `MAX_ROUNDS`.
    fn run_queued(&self) {
        for _ in 0..MAX_ROUNDS {
            let jobs = std::mem::take(&mut *self.queued());
            if jobs.is_empty() {
                return;
            }
            self.inline_writer().run(|| super::sqlite_group_commit::open(&self.path), jobs);
        }
    }

    /// The connection, alone, until the turn drops (for a transaction or the migrations); the
    /// inline writes queued by then run first.
    pub(crate) async fn lock(&self) -> WriterTurn<'_> {
        let guard = self.turn.connection.lock().await;
        self.run_queued();
        self.turn.given_back_on_drop(guard)
    }

    /// The turn, for the checkpoint thread.
    pub(crate) fn turn_handle(&self) -> TurnHandle {
        TurnHandle(self.turn.clone())
    }

    fn queued(&self) -> std::sync::MutexGuard<'_, Vec<Job>> {
        // Pushing or taking a vector leaves it whole: a poisoned lock is taken as is.
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The inline writer's state; `InlineWriter::run` leaves it consistent between statements,
    /// so a poisoned lock is taken as is.
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

    #[tokio::test(flavor = "current_thread")]
    async fn writes_queued_behind_a_held_turn_run_when_it_is_given_back_and_before_the_next_holder() {
        use futures_util::FutureExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let file = rusqlite::Connection::open(&path).unwrap();
        file.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)").unwrap();
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let writer = super::SqliteWriter::connect(&path, options).await.unwrap();
        let insert = |x: i64| move |c: &rusqlite::Connection| c.execute("INSERT INTO t VALUES (?1)", [x]);
        let count = |file: &rusqlite::Connection| -> i64 {
            file.query_row("SELECT COUNT(*) FROM t", [], |row| row.get(0)).unwrap()
        };

        // Two writes queue while a transaction holds the turn; giving it back runs both.
        let turn = writer.lock().await;
        let mut first = std::pin::pin!(writer.write_inline(insert(1)));
        let mut second = std::pin::pin!(writer.write_inline(insert(2)));
        assert!(first.as_mut().now_or_never().is_none());
        assert!(second.as_mut().now_or_never().is_none());
        assert_eq!(count(&file), 0);
        drop(turn);
        assert_eq!(first.await, Some(1));
        assert_eq!(second.await, Some(1));
        assert_eq!(count(&file), 2);

        // A write queued while the turn is busy, and a transaction waiting for the turn: the
        // transaction's turn runs the queued write before it is handed out.
        let held = writer.turn.connection.lock().await;
        let mut third = std::pin::pin!(writer.write_inline(insert(3)));
        let mut transaction = std::pin::pin!(writer.lock());
        assert!(third.as_mut().now_or_never().is_none());
        assert!(transaction.as_mut().now_or_never().is_none());
        drop(held);
        let turn = transaction.await;
        assert_eq!(count(&file), 3, "committed before the sqlx connection was handed out");
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
