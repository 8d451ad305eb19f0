//! WAL checkpoints off the request path. By default SQLite checkpoints inside the commit that
//! grows the WAL past 1,000 pages, copying them back into the database file and syncing it.
//! A flow's writes commit on a runtime thread (`sqlite_writer.rs`), so that copy and sync
//! would block a runtime worker thread. The inline writer's connection therefore never
//! checkpoints (`wal_autocheckpoint = 0`). Instead a thread of its own runs a passive checkpoint
//! once a second on a connection of its own: readers and the writer carry on meanwhile, and
//! it copies only what no reader still needs. A passive checkpoint alone never lets the WAL
//! start over under a steady stream of writes: SQLite restarts it only at a write that finds
//! every frame copied, and a write always came between (in the bench, the WAL grew by 200 MB a
//! second of flows, to 2 GB, with a 5 MiB index mapped in memory). So each second's checkpoint
//! is finished in the writer's turn (`TurnHandle`): a second passive checkpoint, with no write
//! under way, copies what came in meanwhile (a few hundred pages), and the next write starts
//! the WAL over, cut back to `journal_size_limit` (`sqlite_writer.rs`). The sqlx connections
//! keep SQLite's automatic checkpoint as a backstop. The thread ends when the store drops its
//! `Checkpointer`.

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
    pub(crate) fn start(path: &Path, turn: super::sqlite_writer::TurnHandle) -> Self {
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
                checkpoint(&connection, &turn);
            }
        });
        if let Err(error) = spawned {
            tracing::warn!(%error, "no WAL checkpoint thread; SQLite checkpoints at commits");
        }
        Self { _stop: stop }
    }
}

/// A passive checkpoint (the bulk of the copy and the sync, writes carrying on), then one in
/// the writer's turn for what was written meanwhile.
fn checkpoint(connection: &rusqlite::Connection, turn: &super::sqlite_writer::TurnHandle) {
    let passive = || {
        let done = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        if let Err(error) = done {
            tracing::debug!(%error, "WAL checkpoint");
        }
    };
    passive();
    turn.hold(passive);
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
    use crate::store::sqlite_writer::SqliteWriter;

    /// A database at `dir/t.db` in WAL mode with a table `t (x BLOB)`, and its writer.
    async fn writer(dir: &Path) -> (std::path::PathBuf, SqliteWriter) {
        let path = dir.join("t.db");
        let file = rusqlite::Connection::open(&path).unwrap();
        file.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x BLOB)").unwrap();
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let writer = SqliteWriter::connect(&path, options).await.unwrap();
        (path, writer)
    }

    #[tokio::test]
    async fn the_thread_copies_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let (path, writer) = writer(dir.path()).await;
        for _ in 0..1024 {
            writer.write_inline(|c| c.execute("INSERT INTO t VALUES (randomblob(1024))", [])).await.unwrap();
        }
        let file_size = || std::fs::metadata(&path).unwrap().len();
        assert!(file_size() < 512 * 1024, "the rows are in the WAL, not yet in the file");

        let checkpoints = Checkpointer::start(&path, writer.turn_handle());
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while file_size() < 1024 * 1024 {
            assert!(std::time::Instant::now() < deadline, "no checkpoint within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(checkpoints);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_starts_over_under_a_steady_stream_of_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (path, writer) = writer(dir.path()).await;
        let checkpoints = Checkpointer::start(&path, writer.turn_handle());
        // Writes back to back: a passive checkpoint alone never finds every frame copied at
        // the start of a write, so the WAL would only grow.
        let until = std::time::Instant::now() + Duration::from_millis(3500);
        while std::time::Instant::now() < until {
            writer.write_inline(|c| c.execute("INSERT INTO t VALUES (randomblob(200))", [])).await.unwrap();
        }
        drop(checkpoints);
        // The WAL header's checkpoint sequence number (bytes 12-15) counts the restarts.
        let mut header = [0u8; 16];
        use std::io::Read as _;
        std::fs::File::open(dir.path().join("t.db-wal")).unwrap().read_exact(&mut header).unwrap();
        let restarts = u32::from_be_bytes([header[12], header[13], header[14], header[15]]);
        assert!(restarts >= 1, "the WAL never started over");
    }
}
