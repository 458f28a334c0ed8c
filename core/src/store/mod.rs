//! The tablet's local store: one SQLite file holding everything the device knows and
//! everything it still owes the server.
//!
//! Invariants:
//! - every write that must reach the server writes its row and its outbox entry in one
//!   transaction ([`outbox`]), stamped by the device's persisted HLC ([`clock`]);
//! - a signed report is verified before it is stored and never changed afterwards;
//! - the store never deletes, recreates or "repairs" a user's database: a file it cannot use
//!   is refused with an error and left exactly as it was.
//!
//! Reads take `&Connection`, writes `&Transaction`; the per-table modules hold free
//! functions and [`Store`] composes them into the device's operations.

pub mod blobs;
pub mod bulk;
pub mod clock;
pub mod drafts;
pub mod households;
pub mod outbox;
pub mod reports;
mod schema;
pub mod scope;
pub mod settings;
pub mod stations;
pub mod work_orders;

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use uuid::Uuid;

use crate::hlc::{Hlc, HlcClock};
use crate::model::{AttachmentRef, Household, SignedReport, WorkOrder, WorkOrderStatus};
use crate::protocol::{WorkOrderFields, WorkOrderState};
use crate::{Error, Result};

pub use drafts::Draft;
pub use outbox::OutboxEntry;

/// The WAL size, in pages, at which SQLite checkpoints on its own: the store's backstop.
pub const WAL_AUTOCHECKPOINT_PAGES: i64 = 10_000;

/// The page cache, in KiB: a station's households and their indexes stay in memory.
const CACHE_KIB: i64 = 32 * 1024;

/// The WAL's file is cut back to this size when a checkpoint has emptied it: after a first
/// pull of a city, which writes it without checkpoints ([`bulk`]), it would keep its
/// hundreds of MB.
const WAL_KEPT_BYTES: i64 = 64 * 1024 * 1024;

/// When a write's commit is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// When the commit returns: the store's way (`synchronous = FULL`), so that what a
    /// technician saw saved survives a dead battery.
    AtCommit,
    /// Soon after: the commit does not wait for the disk (`synchronous = NORMAL`, which in
    /// WAL mode keeps every commit whole but may lose the last ones in a crash). Only for what
    /// the server sends again if it is lost, while a bulk load's flusher syncs the WAL
    /// ([`bulk`]).
    Deferred,
}

/// The device's database, with its one writer connection and its clock.
pub struct Store {
    conn: Connection,
    device_id: Uuid,
    pub(crate) clock: HlcClock,
    wall_offset_ms: i64,
}

/// How long-running work (a sync) reaches the store: only for the moment it reads or writes,
/// never while it waits on the network, so the app's screens use the store in between.
pub trait StoreAccess {
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T;
}

/// The app's store, shared by its screens and its sync worker.
impl StoreAccess for std::sync::Mutex<Store> {
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        // A panic mid-command poisons the lock but leaves the store consistent (every write
        // is one transaction), so the store stays usable.
        let mut store = self.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut store)
    }
}

/// A store this thread has to itself (tests, benchmarks).
impl StoreAccess for std::cell::RefCell<&mut Store> {
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.borrow_mut())
    }
}

impl Store {
    /// Opens (or creates) the database at `path` and brings its schema up to date.
    ///
    /// A file that is not a Hearth database, or that a newer Hearth wrote, is refused before
    /// anything is written to it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        let not_a_database =
            |reason: String| Error::NotADatabase { path: path.display().to_string(), reason };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| not_a_database(e.to_string()))?;
        schema::check_compatible(&conn).map_err(|e| match e {
            Error::Sqlite(e) => not_a_database(e.to_string()),
            other => other,
        })?;
        Store::init(conn)
    }

    /// A throwaway database in memory, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        // WAL: the UI reads while the sync worker writes, and a crash mid-write leaves the
        // last committed state intact (the WAL is replayed or ignored, never half-applied).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: in WAL mode, NORMAL may lose the last commits on power loss; FULL syncs the WAL
        // on every commit, so a form the technician saw "saved" survives a dead battery.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // SQLite leaves foreign keys off unless asked; amendments must point at real reports.
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Another connection (a second window, a diagnostic tool) may hold the write lock
        // briefly: wait for it instead of failing a technician's save.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // A checkpoint copies the WAL into the main file and syncs it: milliseconds that a
        // technician's save should not wait for. The app checkpoints when idle
        // ([`Store::checkpoint`]: at open, after a sync and its search indexing); this threshold (~40 MB of WAL) is
        // only the backstop if idle never comes.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        conn.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)?;
        // A first pull writes 100,000 households into four B-trees (the table, its id, account
        // and name indexes) in random key order: with SQLite's default 2 MB page cache, most
        // of those pages are read back from the WAL at every insert.
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        // The hot paths (save, search, outbox) use a dozen statements; keep them all prepared.
        conn.set_prepared_statement_cache_capacity(64);
        schema::migrate(&mut conn)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let device_id = device_id(&tx)?;
        let last = clock::load(&tx)?;
        households::ensure_lookup_indexes(&tx)?;
        tx.commit()?;
        let clock = HlcClock::new(clock::node_of(device_id), last);
        let store = Store { conn, device_id, clock, wall_offset_ms: 0 };
        store.checkpoint()?;
        Ok(store)
    }

    /// Copies the WAL into the main database file, without waiting for readers. Call it when
    /// nobody waits on a save: at open (done here), after a sync, when the app is idle.
    pub fn checkpoint(&self) -> Result<()> {
        // A first pull turns the automatic checkpoint off until this one ([`bulk`]).
        self.conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The wall clock the HLC reads, in ms since the epoch.
    pub(crate) fn wall_ms(&self) -> u64 {
        now_ms().saturating_add_signed(self.wall_offset_ms)
    }

    /// This device's id: the HLC node, and how the server knows the tablet.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs the reads of `f` on one snapshot, taking the database's read lock once rather
    /// than once a statement (a push batch reads a thousand reports).
    #[cfg(feature = "client")]
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let tx = self.conn.unchecked_transaction()?;
        let out = f(&tx)?;
        // Read only: ending it without a commit keeps nothing from being written.
        drop(tx);
        Ok(out)
    }

    /// Runs `f` in one immediate transaction: all of its writes are saved, or none.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// [`Store::write`], its commit on disk as `durability` says.
    pub(crate) fn write_as<T>(
        &mut self,
        durability: Durability,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        if durability == Durability::AtCommit {
            return self.write(f);
        }
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let written = self.write(f);
        let restored = self.conn.pragma_update(None, "synchronous", "FULL");
        let written = written?;
        restored?;
        Ok(written)
    }

    /// The WAL's file, opened to be synced by a bulk load's flusher ([`bulk`]); `None` for a
    /// database in memory, or if it cannot be opened.
    pub(crate) fn wal_file(&self) -> Option<std::fs::File> {
        let path = self.conn.path().filter(|p| !p.is_empty())?;
        // Write access: Windows syncs only a file opened for writing. Nothing is written.
        std::fs::OpenOptions::new().write(true).open(format!("{path}-wal")).ok()
    }

    /// Like [`Store::write`], with a fresh HLC stamp that `f` must persist in the same
    /// transaction — in its outbox entry, or with [`clock::save`] (see [`clock`]).
    pub(crate) fn write_stamped<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>, Hlc) -> Result<T>,
    ) -> Result<T> {
        let stamp = self.clock.tick(self.wall_ms());
        self.write(|tx| f(tx, stamp))
    }

    /// Saves a signed report and its outbox entry in one transaction, drops the draft it
    /// was signed from, and finishes the work order it was made for
    /// ([`rules::status::after_report`](crate::rules::status::after_report): done, or could
    /// not complete with the reason of a repair not fixed), queueing that move too. A
    /// [`SignedReport`] matches its hashes by construction; saving the same record twice is a
    /// no-op, saving other content under a stored id is refused.
    pub fn save_signed_report(&mut self, signed: &SignedReport) -> Result<()> {
        let json = serde_json::to_string(signed)?;
        self.write_stamped(|tx, stamp| {
            let report = signed.report();
            if !reports::insert(tx, signed, &json, stamp)? {
                return Ok(());
            }
            outbox::enqueue(tx, outbox::Entity::Report, &report.id, stamp, None)?;
            drafts::delete(tx, &report.id)?;
            if let Some(order_id) = report.work_order_id {
                work_orders::finish_with_report(tx, order_id, report, stamp)?;
            }
            Ok(())
        })
    }

    /// The signed reports made for the work order `id`, oldest first.
    pub fn reports_for_work_order(&self, id: Uuid) -> Result<Vec<SignedReport>> {
        reports::for_work_order(&self.conn, id)
    }

    /// The signed report with `id`, verified against its hashes as stored.
    pub fn report(&self, id: Uuid) -> Result<Option<SignedReport>> {
        reports::get(&self.conn, id)
    }

    /// Saves a form as typed, replacing the previous save of the same draft. Local only.
    pub fn save_draft(&mut self, draft: &Draft) -> Result<()> {
        self.write(|tx| drafts::upsert(tx, draft))
    }

    /// The draft with `id`, if it is still open.
    pub fn draft(&self, id: Uuid) -> Result<Option<Draft>> {
        drafts::get(&self.conn, id)
    }

    /// All open drafts, most recently edited first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        drafts::list(&self.conn)
    }

    /// Throws a draft away (the technician chose "discard").
    pub fn discard_draft(&mut self, id: Uuid) -> Result<()> {
        self.write(|tx| drafts::delete(tx, &id).map(drop))
    }

    /// Stores households as the office sent them (they come from the server, so no outbox).
    pub fn put_households<'a>(
        &mut self,
        households: impl IntoIterator<Item = &'a Household>,
    ) -> Result<usize> {
        self.write_stamped(|tx, stamp| {
            clock::save(tx, stamp)?;
            let mut n = 0;
            for h in households {
                households::upsert(tx, h, stamp)?;
                n += 1;
            }
            households::index_backlog(tx, usize::MAX)?;
            Ok(n)
        })
    }

    /// Finds households by account number, address, owner's name or phone, any fragment of
    /// any length, Chinese included.
    pub fn search_households(&self, query: &str, limit: usize) -> Result<Vec<Household>> {
        households::search(&self.conn, query, limit)
    }

    /// Indexes up to `chunk` households that a pull stored unindexed, in one short
    /// transaction, and returns how many are left. The app calls it when idle (after a
    /// sync) until it returns 0; until then search scans the rest and misses nothing.
    pub fn index_household_backlog(&mut self, chunk: usize) -> Result<u64> {
        self.write(|tx| households::index_backlog(tx, chunk))
    }

    /// How many households the search index does not cover yet.
    pub fn household_search_backlog(&self) -> Result<u64> {
        households::backlog(&self.conn)
    }

    /// Stores a work order as the office sent it.
    pub fn put_work_order(&mut self, order: &WorkOrder) -> Result<()> {
        self.write(|tx| work_orders::upsert(tx, order))
    }

    /// Moves a work order's status forward on this device and queues the edit for the server.
    pub fn advance_work_order(
        &mut self,
        id: Uuid,
        to: WorkOrderStatus,
        note: Option<String>,
    ) -> Result<WorkOrder> {
        let fields = WorkOrderFields { status: Some(to), status_note: note, ..WorkOrderFields::default() };
        self.edit_work_order(id, &fields)
    }

    /// Changes a work order's fields on this device and queues the edit for the server.
    pub fn edit_work_order(&mut self, id: Uuid, fields: &WorkOrderFields) -> Result<WorkOrder> {
        self.write_stamped(|tx, stamp| work_orders::edit(tx, id, fields, stamp))
    }

    /// A work order with the HLC stamps of its fields' last edits.
    pub fn work_order(&self, id: Uuid) -> Result<Option<WorkOrderState>> {
        work_orders::get_state(&self.conn, id)
    }

    /// Shifts the wall clock this device's HLC reads, to test devices whose clocks are wrong.
    #[doc(hidden)]
    pub fn skew_wall_clock(&mut self, offset_ms: i64) {
        self.wall_offset_ms = offset_ms;
    }

    /// Open work orders, soonest due first.
    pub fn open_work_orders(&self) -> Result<Vec<WorkOrder>> {
        work_orders::list_open(&self.conn)
    }

    /// Orders finished (done, could not complete, closed) since `since`, with when each was
    /// finished, earliest first: the UI shows them under the day they were finished.
    pub fn finished_work_orders_since(
        &self,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<(crate::protocol::WorkOrderState, chrono::DateTime<chrono::Utc>)>> {
        work_orders::list_finished_since(&self.conn, since)
    }

    /// Entries still owed to the server, oldest first.
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        outbox::pending(&self.conn, limit)
    }

    /// Removes the entries (by `seq`) the server has accepted.
    pub fn acknowledge(&mut self, seqs: &[i64]) -> Result<u64> {
        let last = self.clock.last();
        self.write(|tx| outbox::remove(tx, seqs, last))
    }

    /// How many entries the server refused for good (see [`outbox::reject`]).
    pub fn rejected_len(&self) -> Result<u64> {
        outbox::rejected_len(&self.conn)
    }

    /// Keeps a photo or signature image until the server has it; returns its reference.
    pub fn put_blob(&mut self, bytes: &[u8], mime_type: &str) -> Result<AttachmentRef> {
        self.write(|tx| blobs::put(tx, bytes, mime_type))
    }

    /// A setting or sync-state value.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        settings::get(&self.conn, key)
    }

    /// Saves a setting or sync-state value.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| settings::set(tx, key, value))
    }

    /// How many entries wait for the server: the UI's "waiting to sync".
    pub fn outbox_len(&self) -> Result<u64> {
        outbox::len(&self.conn)
    }

    /// The clock's last stamp.
    pub fn last_stamp(&self) -> Hlc {
        self.clock.last()
    }
}

/// Reads this device's id, making one the first time.
fn device_id(tx: &Transaction<'_>) -> Result<Uuid> {
    let existing: Option<String> =
        tx.query_row("SELECT device_id FROM device WHERE singleton = 1", [], |r| r.get(0)).optional()?;
    if let Some(id) = existing {
        return parse_uuid(&id);
    }
    let id = crate::new_id();
    tx.execute(
        "INSERT INTO device (singleton, device_id, created_at) VALUES (1, ?1, ?2)",
        (id.to_string(), Utc::now().to_rfc3339()),
    )?;
    Ok(id)
}

pub(crate) fn now_ms() -> u64 {
    u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0)
}

/// Reads a stored UUID; a malformed one means the file was changed outside Hearth.
pub(crate) fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| Error::Corrupt(format!("id {text:?}: {e}")))
}

/// Reads a stored time.
pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Corrupt(format!("time {text:?}: {e}")))
}

#[cfg(test)]
mod tests;
