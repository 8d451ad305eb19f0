//! Group commit for the inline writer (`sqlite_writer.rs`): writes queue as jobs, and the caller
//! that takes the writer's turn runs every job queued by then, its own and the others', in one
//! transaction.
//!
//! The turn is never handed from one waiting caller to the next (each hand-over a task wake-up,
//! the turn idle until the woken task runs, which under load put every flow's writes behind
//! the whole run queue): whoever holds it runs what is queued, so the writes of many flows cost
//! one turn and one commit. Each caller is answered only once the commit that holds its write
//! is done, so nothing is acknowledged before it is durable. A job that fails rolls back its
//! transaction, and a commit that fails loses it: either way every job of it is answered
//! `None`, nothing of it being kept, and each caller takes the sqlx path, which writes it again
//! and reports errors; the jobs after a failed one start a new transaction. Grouping pays
//! where SQLite's cost is per commit: each commit appends every page it changed to the WAL, and
//! a page that several flows change (the table's last leaf, an index's) is written once per
//! group instead of once per write (BENCHMARKS.md).

use tokio::sync::oneshot;

/// A queued write: runs on the connection and says whether it succeeded; its caller's answer
/// waits for the commit.
pub(crate) type Job = Box<dyn FnOnce(&rusqlite::Connection) -> (bool, Answer) + Send>;
/// Answers a job's caller: `true` when its write was committed.
pub(crate) type Answer = Box<dyn FnOnce(bool) + Send>;

/// A job for `write`, and the receiver of its caller's answer: the value once committed;
/// `None`, or a closed channel (a job dropped without running), when nothing of it was kept.
pub(crate) fn job<T: Send + 'static>(
    write: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
) -> (Job, oneshot::Receiver<Option<T>>) {
    let (answer, answered) = oneshot::channel();
    let job: Job = Box::new(move |connection| {
        let written = write(connection)
            .map_err(|error| tracing::debug!(%error, "inline writer: falling back to the pool"));
        let ok = written.is_ok();
        let answer: Answer = Box::new(move |committed| {
            let _ = answer.send(written.ok().filter(|_| committed));
        });
        (ok, answer)
    });
    (job, answered)
}

/// The inline writer's connection, opened on first use.
#[derive(Default)]
pub(crate) struct InlineWriter {
    connection: Option<rusqlite::Connection>,
}

impl InlineWriter {
    /// Run `jobs` in as few transactions as their failures allow, then answer each; a job not
    /// run (the file was busy, the connection broke) is dropped, which answers its caller.
    /// `open` opens the connection the first time.
    pub(crate) fn run(
        &mut self,
        open: impl FnOnce() -> rusqlite::Result<rusqlite::Connection>,
        jobs: Vec<Job>,
    ) {
        if self.connection.is_none() {
            match open() {
                Ok(connection) => self.connection = Some(connection),
                Err(error) => return tracing::debug!(%error, "inline writer: cannot open"),
            }
        }
        let Some(connection) = self.connection.as_ref() else { return };
        // The answers of the jobs kept in the open transaction.
        let mut group: Vec<Answer> = Vec::with_capacity(jobs.len());
        let mut lost = false;
        let mut jobs = jobs.into_iter();
        for job in jobs.by_ref() {
            if connection.is_autocommit() && step(connection, "BEGIN IMMEDIATE").is_err() {
                // A busy file (another process writes): the sqlx path waits it out.
                break;
            }
            let (ok, answer) = job(connection);
            if ok {
                group.push(answer);
                // SQLite ends the whole transaction on some errors (a full disk, an I/O error).
                if connection.is_autocommit() {
                    lost = true;
                    break;
                }
                continue;
            }
            // A job that failed may have left some of its statements done. Its transaction
            // is rolled back, and with it the jobs run before it in the group: each caller
            // is answered that nothing was kept and takes the sqlx path. A savepoint per job
            // would undo the failed one alone, but costs every job a copy of each page it
            // changes (SQLite's sub-journal), for a failure that is rare.
            answer(false);
            for answer in group.drain(..) {
                answer(false);
            }
            // (Some errors end the transaction themselves, leaving nothing to roll back.)
            if !connection.is_autocommit() && step(connection, "ROLLBACK").is_err() {
                lost = true;
                break;
            }
        }
        // Jobs not run are dropped here: their callers are answered that nothing was kept.
        drop(jobs);
        let committed = !lost && (group.is_empty() || step(connection, "COMMIT").is_ok());
        if !committed {
            tracing::warn!("inline writer: a group of writes was not committed; they take the pool");
            self.roll_back();
        }
        for answer in group {
            answer(committed);
        }
    }

    /// Roll back whatever is open; a connection whose rollback fails is closed (closing ends
    /// its transaction).
    fn roll_back(&mut self) {
        if let Some(connection) = self.connection.as_ref() {
            if !connection.is_autocommit() {
                let _ = step(connection, "ROLLBACK");
            }
            if !connection.is_autocommit() {
                tracing::warn!(
                    "inline writer: a transaction could not be rolled back; closing the connection"
                );
                self.connection = None;
            }
        }
    }
}

/// The inline writer's connection: the pragmas of the sqlx connections (`sqlite.rs`) that
/// matter to a writer, no busy wait, and no checkpoint inside its commits
/// (`sqlite_checkpoint.rs` runs them on a thread of its own).
pub(crate) fn open(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    super::sqlite_reads::open_unwaiting(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = memory; \
         PRAGMA cache_size = -512; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 16777216;",
        12,
    )
}

/// One statement without parameters, prepared once (`prepare_cached`): run as a batch it
/// would be parsed and planned again each time (BENCHMARKS.md).
fn step(connection: &rusqlite::Connection, sql: &str) -> rusqlite::Result<()> {
    connection.prepare_cached(sql)?.execute([]).map(|_| ())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn rows(connection: &rusqlite::Connection) -> Vec<i64> {
        let mut select = connection.prepare("SELECT x FROM t ORDER BY x").unwrap();
        select.query_map([], |row| row.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    fn setup(
        dir: &std::path::Path,
    ) -> (rusqlite::Connection, impl Fn() -> rusqlite::Result<rusqlite::Connection>) {
        let path = dir.join("t.db");
        let file = rusqlite::Connection::open(&path).unwrap();
        file.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER UNIQUE); \
             CREATE TABLE parent (id INTEGER PRIMARY KEY); \
             CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);",
        )
        .unwrap();
        let open = move || {
            let connection = rusqlite::Connection::open(&path)?;
            connection.busy_timeout(std::time::Duration::ZERO)?;
            connection.execute_batch("PRAGMA foreign_keys = ON")?;
            Ok(connection)
        };
        (file, open)
    }

    fn insert(x: i64) -> (Job, oneshot::Receiver<Option<usize>>) {
        job(move |c| c.execute("INSERT INTO t VALUES (?1)", [x]))
    }

    fn answers(receivers: Vec<oneshot::Receiver<Option<usize>>>) -> Vec<Option<usize>> {
        receivers.into_iter().map(|mut answered| answered.try_recv().ok().flatten()).collect()
    }

    #[test]
    fn a_group_commits_together_and_a_failing_job_takes_its_transaction_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let (file, open) = setup(dir.path());
        let mut writer = InlineWriter::default();
        // The first job fails (no such table): rolled back, the next begins again. The fourth
        // inserts 2, then breaks the constraint: its transaction, with 1 and 3, is rolled back
        // (those callers write again through the sqlx path); the fifth starts a new one.
        let pair = job(|c| {
            c.execute("INSERT INTO t VALUES (2)", [])?;
            c.execute("INSERT INTO t VALUES (1)", [])
        });
        let (jobs, receivers): (Vec<_>, Vec<_>) = [
            job(|c| c.execute("INSERT INTO missing VALUES (1)", [])),
            insert(1),
            insert(3),
            pair,
            insert(4),
            insert(5),
        ]
        .into_iter()
        .unzip();
        writer.run(&open, jobs);
        assert_eq!(answers(receivers), [None, None, None, None, Some(1), Some(1)]);
        assert_eq!(rows(&file), [4, 5]);
        // The connection is left with no transaction open: the next group runs as well.
        let (next, answered) = insert(6);
        writer.run(&open, vec![next]);
        assert_eq!(answers(vec![answered]), [Some(1)]);
        assert_eq!(rows(&file), [4, 5, 6]);
    }

    #[test]
    fn a_commit_that_fails_answers_every_job_of_its_group_and_keeps_none_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let (file, open) = setup(dir.path());
        let mut writer = InlineWriter::default();
        // A deferred foreign key fails at COMMIT, not at its statement.
        let orphan = job(|c| c.execute("INSERT INTO child VALUES (7)", []));
        let (jobs, receivers): (Vec<_>, Vec<_>) = [insert(1), orphan, insert(2)].into_iter().unzip();
        writer.run(&open, jobs);
        assert_eq!(answers(receivers), [None, None, None]);
        assert!(rows(&file).is_empty(), "the failed group left nothing");
        let (next, answered) = insert(3);
        writer.run(&open, vec![next]);
        assert_eq!(answers(vec![answered]), [Some(1)]);
        assert_eq!(rows(&file), [3]);
    }

    #[test]
    fn a_file_another_process_writes_answers_none_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let (file, open) = setup(dir.path());
        let mut writer = InlineWriter::default();
        file.execute_batch("BEGIN IMMEDIATE").unwrap();
        let (jobs, receivers): (Vec<_>, Vec<_>) = [insert(1), insert(2)].into_iter().unzip();
        writer.run(&open, jobs);
        assert_eq!(answers(receivers), [None, None]);
        file.execute_batch("COMMIT").unwrap();
        assert!(rows(&file).is_empty());
    }
}
