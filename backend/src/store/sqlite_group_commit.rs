//! Group commit for the inline writer (`sqlite_writer.rs`): the writes that reach the writer
//! while others wait for it share one transaction, each in a savepoint of its own.
//!
//! A write whose caller finds another waiting for the writer's turn leaves its transaction
//! open: the next write joins it, and the last of the group (the one that finds nobody waiting)
//! commits for all. Each caller is answered only once the commit that holds its write is done,
//! so nothing is acknowledged before it is durable; a write that fails is undone alone (its
//! savepoint), and a commit that fails answers every write of its group `None` (nothing of it
//! was kept, so each caller takes the sqlx path, which writes it again and reports errors).
//! Grouping pays where SQLite's cost is per commit: each commit appends every page it changed
//! to the WAL, and a page that several flows change (the table's last leaf, an index's) is
//! written once per group instead of once per write (BENCHMARKS.md).

use tokio::sync::watch;

/// Whether a group committed (`Some(true)`), failed (`Some(false)`) or is still open (`None`).
pub(crate) type GroupOutcome = watch::Receiver<Option<bool>>;

/// The inline writer's connection (opened on first use) and the group open on it.
#[derive(Default)]
pub(crate) struct InlineWriter {
    connection: Option<rusqlite::Connection>,
    open: Option<OpenGroup>,
    groups: u64,
}

struct OpenGroup {
    number: u64,
    outcome: watch::Sender<Option<bool>>,
}

impl InlineWriter {
    /// `write` in the open group, in a savepoint (an error undoes this write only), or as the
    /// first write of a new group. `open` opens the connection the first time.
    pub(crate) fn write<T>(
        &mut self,
        open: impl FnOnce() -> rusqlite::Result<rusqlite::Connection>,
        write: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        if self.connection.is_none() {
            self.connection = Some(open()?);
        }
        let Some(connection) = self.connection.as_ref() else { unreachable_connection()? };
        if self.open.is_none() {
            connection.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
            self.groups += 1;
            self.open = Some(OpenGroup { number: self.groups, outcome: watch::channel(None).0 });
            // The group's first write needs no savepoint: if it fails, the whole transaction
            // (nothing but it) is rolled back. A savepoint copies each page it changes first
            // (SQLite's sub-journal), about 9,000 instructions per write.
            let written = write(connection);
            if written.is_err() {
                self.fail();
            }
            return written;
        }
        let written = in_savepoint(connection, write);
        if written.is_err() && connection.is_autocommit() {
            // The savepoint could not be undone alone and SQLite ended the transaction: the
            // group's other writes went with it.
            self.fail();
        }
        written
    }

    /// The open group: its number and a receiver of its outcome.
    pub(crate) fn group(&self) -> Option<(u64, GroupOutcome)> {
        self.open.as_ref().map(|group| (group.number, group.outcome.subscribe()))
    }

    /// Is group `number` still open?
    pub(crate) fn is_open(&self, number: u64) -> bool {
        self.open.as_ref().is_some_and(|group| group.number == number)
    }

    /// Commit the open group, if any, and tell its writers; a commit that fails is rolled back.
    /// True when nothing is left uncommitted because of a failure.
    pub(crate) fn commit(&mut self) -> bool {
        let Some(group) = self.open.take() else { return true };
        let committed = match self.connection.as_ref() {
            Some(connection) => connection.prepare_cached("COMMIT").and_then(|mut commit| commit.execute([])),
            None => Err(rusqlite::Error::InvalidQuery),
        };
        match committed {
            Ok(_) => {
                group.outcome.send_replace(Some(true));
                true
            }
            Err(error) => {
                tracing::warn!(%error, "inline writer: a commit failed; its writes take the pool");
                self.open = Some(group);
                self.fail();
                false
            }
        }
    }

    /// Roll the open group back and tell its writers none of it was kept; a connection whose
    /// rollback fails too is closed (closing ends its transaction).
    fn fail(&mut self) {
        if let Some(connection) = self.connection.as_ref() {
            if !connection.is_autocommit() {
                let _ = connection.prepare_cached("ROLLBACK").and_then(|mut rollback| rollback.execute([]));
            }
            if !connection.is_autocommit() {
                tracing::warn!(
                    "inline writer: a transaction could not be rolled back; closing the connection"
                );
                self.connection = None;
            }
        }
        if let Some(group) = self.open.take() {
            group.outcome.send_replace(Some(false));
        }
    }
}

/// `write` between `SAVEPOINT` and `RELEASE`, undone (`ROLLBACK TO`) unless it succeeds. The
/// statements are prepared once (`prepare_cached`): run as a batch they would be parsed and
/// planned again each time (BENCHMARKS.md).
fn in_savepoint<T>(
    connection: &rusqlite::Connection,
    write: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    connection.prepare_cached("SAVEPOINT inline_write")?.execute([])?;
    let written = write(connection);
    if written.is_err() {
        connection.prepare_cached("ROLLBACK TO inline_write")?.execute([])?;
    }
    connection.prepare_cached("RELEASE inline_write")?.execute([])?;
    written
}

/// The connection was set just above; an error instead of a panic all the same.
fn unreachable_connection<T>() -> rusqlite::Result<T> {
    Err(rusqlite::Error::InvalidQuery)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn rows(connection: &rusqlite::Connection) -> Vec<i64> {
        let mut select = connection.prepare("SELECT x FROM t ORDER BY x").unwrap();
        select.query_map([], |row| row.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    fn writer(dir: &std::path::Path) -> (InlineWriter, impl Fn() -> rusqlite::Result<rusqlite::Connection>) {
        let path = dir.join("t.db");
        let setup = rusqlite::Connection::open(&path).unwrap();
        setup.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER UNIQUE)").unwrap();
        (InlineWriter::default(), move || rusqlite::Connection::open(&path))
    }

    #[test]
    fn a_group_is_seen_only_once_committed_and_a_failed_write_is_undone_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (mut writer, open) = writer(dir.path());
        let other = open().unwrap();
        let insert = |x: i64| move |c: &rusqlite::Connection| c.execute("INSERT INTO t VALUES (?1)", [x]);
        // A group's first write that fails takes its transaction with it: no group is left open.
        assert!(writer.write(&open, |c| c.execute("INSERT INTO missing VALUES (1)", [])).is_err());
        assert!(writer.group().is_none());
        writer.write(&open, insert(1)).unwrap();
        let (number, outcome) = writer.group().unwrap();
        // The second breaks the constraint after inserting 2: only its own rows are undone.
        let pair = |c: &rusqlite::Connection| {
            c.execute("INSERT INTO t VALUES (2)", [])?;
            c.execute("INSERT INTO t VALUES (1)", [])
        };
        assert!(writer.write(&open, pair).is_err());
        writer.write(&open, insert(3)).unwrap();
        assert!(writer.is_open(number));
        assert_eq!(*outcome.borrow(), None);
        assert!(rows(&other).is_empty(), "nothing is visible before the commit");
        assert!(writer.commit());
        assert_eq!(*outcome.borrow(), Some(true));
        assert!(!writer.is_open(number) && writer.group().is_none());
        assert_eq!(rows(&other), [1, 3]);
        // The next write begins a group of its own.
        writer.write(&open, insert(4)).unwrap();
        assert!(writer.group().is_some_and(|(next, _)| next != number));
        assert!(writer.commit());
        assert_eq!(rows(&other), [1, 3, 4]);
    }

    #[test]
    fn a_commit_that_fails_tells_every_writer_of_its_group_and_keeps_none_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let (mut writer, open) = writer(dir.path());
        let other = open().unwrap();
        other.execute_batch("CREATE TABLE parent (id INTEGER PRIMARY KEY)").unwrap();
        other
            .execute_batch(
                "CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
            )
            .unwrap();
        let with_keys = || {
            let connection = open()?;
            connection.execute_batch("PRAGMA foreign_keys = ON")?;
            Ok(connection)
        };
        writer.write(with_keys, |c| c.execute("INSERT INTO t VALUES (1)", [])).unwrap();
        let (_, outcome) = writer.group().unwrap();
        // A deferred foreign key fails at COMMIT, not at the statement.
        writer.write(with_keys, |c| c.execute("INSERT INTO child VALUES (7)", [])).unwrap();
        assert!(!writer.commit());
        assert_eq!(*outcome.borrow(), Some(false));
        assert!(writer.group().is_none());
        assert!(rows(&other).is_empty(), "the failed group left nothing");
        writer.write(with_keys, |c| c.execute("INSERT INTO t VALUES (2)", [])).unwrap();
        assert!(writer.commit());
        assert_eq!(rows(&other), [2]);
    }
}
