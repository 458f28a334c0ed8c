//! A first pull as a bulk load. A new device's first pull brings its households into an empty
//! table — a station's 100,000, or for the office the city's 1,000,000 — and done as ordinary
//! writes most of its time would go to upkeep that can wait or be done alongside:
//!
//! - **The lookup indexes** (account number, name) are dropped and built once the households
//!   are in, by the first chunk of [`households::index_backlog`] — the search index's catching
//!   up, which the app runs when idle: one sort of 1,000,000 names costs a fraction of
//!   1,000,000 inserts at random places in a B-tree, and the pull is not held up by it. Until
//!   then search finds the same households by scanning, as it does those the search index
//!   does not cover yet. After a crash the backlog, or opening the store, builds them.
//! - **No checkpoint** from the load until the store's next one, which the app makes when idle
//!   ([`super::Store::checkpoint`], which turns the automatic checkpoint back on): every page
//!   would otherwise be written twice while the pull waits, once to the WAL and once more, in
//!   40 MB turns, to the database file — and the sync's last write would copy the whole WAL.
//!   The journal size limit gives the WAL's disk space back after that checkpoint.
//! - **The disk is waited for alongside, not at every page**: a page's commit does not wait
//!   for the WAL to reach the disk ([`Durability::Deferred`]); a flusher thread syncs the WAL
//!   every [`FLUSH_EVERY`] while the load goes on, and the load's end waits for the rest. A
//!   crash may lose the last pages applied, never part of one: each page and its cursor are
//!   one transaction, and the pull resumes from the cursor that was kept. The app's own
//!   writes meanwhile (a technician's save) still wait for the disk: only a page's commit is
//!   deferred.
//!
//! A pull into a table that already holds households is an ordinary load.

use std::fs::File;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::{Durability, StoreAccess, households};
use crate::Result;

/// How often the flusher syncs the WAL while a bulk load writes it.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// Runs `load`, a pull, as a bulk load if the households table is empty (see the module
/// documentation); `load` is told how durable its pages' commits must be. What `load` stored
/// is on disk when this returns, whatever `load` returned.
pub fn first_pull<T>(store: &impl StoreAccess, load: impl FnOnce(Durability) -> Result<T>) -> Result<T> {
    let wal = store.with(|s| {
        if households::count(s.conn())? > 0 {
            return Ok(None);
        }
        s.write(households::drop_lookup_indexes)?;
        s.conn().pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok::<_, crate::Error>(Some(s.wal_file()))
    })?;
    let Some(wal) = wal else { return load(Durability::AtCommit) };
    // Without the WAL's file to sync (a database in memory), every commit waits for itself.
    let flusher = wal.map(Flusher::start);
    let loaded = load(if flusher.is_some() { Durability::Deferred } else { Durability::AtCommit });
    let flushed = flusher.map_or(Ok(()), Flusher::finish);
    let loaded = loaded?;
    flushed?;
    Ok(loaded)
}

/// A thread syncing the WAL to disk every [`FLUSH_EVERY`], so that the disk writes while the
/// load works instead of the load waiting for the disk at every page.
struct Flusher {
    wal: std::sync::Arc<File>,
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Flusher {
    fn start(wal: File) -> Flusher {
        let wal = std::sync::Arc::new(wal);
        let (stop, stopped) = mpsc::channel();
        let syncing = wal.clone();
        let thread = std::thread::spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(FLUSH_EVERY) {
                // A failure here is met again by the last sync, which reports it.
                let _ = syncing.sync_data();
            }
        });
        Flusher { wal, stop, thread }
    }

    /// Stops the thread and syncs what the WAL holds that is not on disk yet.
    fn finish(self) -> Result<()> {
        let _ = self.stop.send(());
        let _ = self.thread.join();
        // Reported as SQLite reports a sync of its own that failed.
        self.wal.sync_data().map_err(|e| {
            let code = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR_FSYNC);
            rusqlite::Error::SqliteFailure(
                code,
                Some(format!("the pulled data could not be written to disk: {e}")),
            )
        })?;
        Ok(())
    }
}
