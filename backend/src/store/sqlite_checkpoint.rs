//! WAL checkpoints off the request path. By default SQLite checkpoints inside the commit that
//! grows the WAL past 1,000 pages, copying them back into the database file and syncing it.
//! A flow's writes commit on the calling thread (`sqlite_writer.rs`), so that copy and sync
//! would block a runtime worker thread. The inline writer's connection therefore never
//! checkpoints (`wal_autocheckpoint = 0`). Instead a thread of its own runs a passive checkpoint
//! once a second on a connection of its own: readers and the writer carry on meanwhile, and
//! it copies only what no reader still needs. The sqlx connections keep SQLite's automatic
//! checkpoint as a backstop. The thread ends when the store drops its `Checkpointer`.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

const INTERVAL: Duration = Duration::from_secs(1);

pub(crate) struct Checkpointer {
    /// Dropped with the store: the thread sees the channel close and ends.
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Checkpoints of the database at `path` (which exists and is in WAL mode) every second.
    pub(crate) fn start(path: &Path) -> Self {
        let (stop, stopped) = mpsc::channel::<()>();
        let path = path.to_owned();
        let spawned = std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
            let connection = match open(&path) {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::warn!(%error, "no WAL checkpoint thread; SQLite checkpoints at commits");
                    return;
                }
            };
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                let done = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                if let Err(error) = done {
                    tracing::debug!(%error, "WAL checkpoint");
                }
            }
        });
        if let Err(error) = spawned {
            tracing::warn!(%error, "no WAL checkpoint thread; SQLite checkpoints at commits");
        }
        Self { _stop: stop }
    }
}

fn open(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    super::sqlite_reads::open_unwaiting(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
        "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;",
        0,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_thread_copies_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x BLOB); \
                 INSERT INTO t SELECT randomblob(1024) FROM generate_series(1, 1024);",
            )
            .or_else(|_| {
                // Without the series extension: one row at a time.
                writer.execute_batch("CREATE TABLE IF NOT EXISTS t (x BLOB);")?;
                for _ in 0..1024 {
                    writer.execute("INSERT INTO t VALUES (randomblob(1024))", [])?;
                }
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
        let file_size = || std::fs::metadata(&path).unwrap().len();
        assert!(file_size() < 512 * 1024, "the rows are in the WAL, not yet in the file");

        let checkpoints = Checkpointer::start(&path);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while file_size() < 1024 * 1024 {
            assert!(std::time::Instant::now() < deadline, "no checkpoint within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(checkpoints);
    }
}
