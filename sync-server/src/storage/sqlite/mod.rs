//! The embedded SQLite backend: one file `DIR/hearth-server.sqlite`, one writer.
//!
//! Every write runs on the one writer connection under a mutex, inside `spawn_blocking`, in
//! one immediate transaction. That single writer is what keeps the change feed's promise:
//! sequence numbers are taken inside the writing transaction, so no later number can commit
//! before an earlier one. Reads (pulls, token checks) use a second connection, which WAL lets
//! read while the writer writes.
//!
//! A write is acknowledged only once it is on disk, but the disk sync happens after the writer
//! is released ([`sync_wal`]): the next transaction runs while this one's WAL frames are
//! flushed, instead of the writer waiting on the disk for every commit.

mod admin;
mod audit;
mod blobs;
mod console;
mod facts;
mod feed;
mod orders;
mod profile;
mod push;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Station, User, WorkOrder};
use hearth_core::protocol::EntryResult;
use rusqlite::{Connection, TransactionBehavior};
use rusqlite_migration::{M, Migrations};
use uuid::Uuid;

use super::{
    Appended, Caller, ChangePage, CheckedEntry, Credentials, Device, DeviceAuth, ImportSummary, Storage,
};
use crate::error::{Error, Result};

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "hearth-server.sqlite";

/// `PRAGMA application_id` of a hearth-server database ("HRSV"), set by the first migration.
const APPLICATION_ID: i32 = 0x4852_5356;

static MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../../migrations/0001_init.sql")),
    M::up(include_str!("../../../migrations/0002_console.sql")),
    M::up(include_str!("../../../migrations/0003_kpi_hours.sql")),
    M::up(include_str!("../../../migrations/0004_order_numbers.sql")),
    M::up(include_str!("../../../migrations/0005_board_order.sql")),
    M::up(include_str!("../../../migrations/0006_report_delivery.sql")),
    M::up(include_str!("../../../migrations/0007_console_sessions.sql")),
    M::up(include_str!("../../../migrations/0008_audit_log.sql")),
    M::up(include_str!("../../../migrations/0009_blob_parts.sql")),
];

/// The migrations, for `validate()` in tests.
pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The SQLite storage.
#[derive(Clone)]
pub struct SqliteStorage {
    writer: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Connection>>,
    /// The write-ahead log, synced after each write ([`sync_wal`]).
    wal: Arc<PathBuf>,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database in `dir` and brings its schema up to date.
    /// A file of another application or of a newer hearth-server is refused untouched.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DB_FILE);
        let mut writer = connect(&path)?;
        check_compatible(&writer)?;
        migrations().to_latest(&mut writer)?;
        facts::backfill(&mut writer)?;
        let reader = connect(&path)?;
        let wal = dir.join(format!("{DB_FILE}-wal"));
        // What the migrations and the backfill wrote, and the WAL file's own directory entry
        // (SQLite made the file when the database was first opened in WAL mode).
        sync_wal(&wal)?;
        std::fs::File::open(dir)?.sync_all()?;
        Ok(SqliteStorage {
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
            wal: Arc::new(wal),
        })
    }

    /// Runs `f` in one immediate transaction on the writer, off the async threads, and
    /// returns once the commit is on disk.
    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let (writer, wal) = (Arc::clone(&self.writer), Arc::clone(&self.wal));
        tokio::task::spawn_blocking(move || {
            let out = {
                let mut conn =
                    writer.lock().map_err(|_| Error::Task("the writer lock is poisoned".into()))?;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let out = f(&tx)?;
                tx.commit()?;
                out
            };
            sync_wal(&wal)?;
            Ok(out)
        })
        .await?
    }

    /// Runs `f` on the reader connection, off the async threads.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().map_err(|_| Error::Task("the reader lock is poisoned".into()))?;
            f(&conn)
        })
        .await?
    }
}

/// Flushes the write-ahead log to disk: every transaction committed before the call is then
/// durable. (`fsync` on any descriptor of a file flushes all of the file's written pages; the
/// WAL's frames are checksummed in sequence, so recovery keeps every commit up to the last.)
fn sync_wal(wal: &Path) -> Result<()> {
    Ok(std::fs::File::open(wal)?.sync_data()?)
}

fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    // 8 KB pages for a new database (an existing one keeps its size): a stored report is
    // ~2.4 KB, so a 4 KB page holds one and the rest of the page is written to the WAL for
    // nothing; 8 KB pages hold three. A push of 1,000 reports writes ~25 % fewer bytes and
    // its commit waits that much less on the disk.
    conn.pragma_update(None, "page_size", 8192)?;
    // WAL: pulls read while pushes write, and a crash leaves the last commit intact.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Io(std::io::Error::other(format!(
            "the database cannot use a write-ahead log here (journal mode {mode}); put the data \
             directory on a local file system"
        ))));
    }
    // An "accepted" answer lets the device drop its outbox entry, so a commit the server
    // acknowledged must survive a power cut, or the record is lost for good. NORMAL leaves the
    // commit's disk sync to `write`, which syncs the WAL after releasing the writer (FULL
    // would sync while holding it); checkpoints still sync before and after.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Reports must name real households; SQLite leaves this off unless asked.
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A push batch of 1,000 signed reports writes ~5 MB: with SQLite's default 2 MB page
    // cache the transaction spills pages into the WAL before it commits.
    conn.pragma_update(None, "cache_size", -64 * 1024)?;
    // A checkpoint copies the WAL into the main file and syncs it: on the commit path it
    // doubles a push's time. The server checkpoints when idle ([`Storage::checkpoint`]);
    // this threshold (~100 MB of WAL) is only the backstop.
    conn.pragma_update(None, "wal_autocheckpoint", 25_000)?;
    // The CLI (user add, device revoke) may write while the server runs: wait, do not fail.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn check_compatible(conn: &Connection) -> Result<()> {
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if app_id != APPLICATION_ID && (app_id != 0 || tables > 0) {
        return Err(Error::NotHearthServer(
            "the data directory holds a database that is not hearth-server's; it was not changed".into(),
        ));
    }
    if version > MIGRATIONS.len() as i64 {
        return Err(Error::NotHearthServer(format!(
            "the database was written by a newer hearth-server (schema {version}, this one knows {}); \
             it was not changed",
            MIGRATIONS.len()
        )));
    }
    Ok(())
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Database { what: "database error", source: Box::new(e) }
    }
}

impl From<rusqlite_migration::Error> for Error {
    fn from(e: rusqlite_migration::Error) -> Self {
        Error::Database { what: "database upgrade failed", source: Box::new(e) }
    }
}

/// A time as stored: RFC 3339 UTC with microseconds, which sorts like the time.
pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Corrupt(format!("time {s:?}: {e}")))
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| Error::Corrupt(format!("id {s:?}: {e}")))
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn upsert_stations(&self, stations: Vec<Station>) -> Result<()> {
        self.write(move |tx| admin::upsert_stations(tx, &stations)).await
    }

    async fn stations(&self) -> Result<Vec<Station>> {
        self.read(admin::stations).await
    }

    async fn add_user(&self, user: User, password_hash: String) -> Result<()> {
        self.write(move |tx| admin::add_user(tx, &user, &password_hash, Utc::now())).await
    }

    async fn user_count(&self) -> Result<u64> {
        self.read(|conn| {
            let n: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
            Ok(n.unsigned_abs())
        })
        .await
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let username = username.to_owned();
        self.read(move |conn| admin::credentials(conn, &username)).await
    }

    async fn register_device(
        &self,
        device_id: Uuid,
        user_id: Uuid,
        name: String,
        token_hash: String,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.write(move |tx| admin::register_device(tx, device_id, user_id, &name, &token_hash, now)).await
    }

    async fn device_for_token(&self, token_hash: &str) -> Result<Option<DeviceAuth>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| admin::device_for_token(conn, &token_hash)).await
    }

    async fn touch_device(&self, device_id: Uuid, console: Option<bool>, now: DateTime<Utc>) -> Result<()> {
        self.write(move |tx| admin::touch_device(tx, device_id, console, now)).await
    }

    async fn devices(&self) -> Result<Vec<Device>> {
        self.read(admin::devices).await
    }

    async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        self.write(move |tx| admin::revoke_device(tx, device_id, now)).await
    }

    async fn import_households(&self, households: Vec<Household>) -> Result<ImportSummary> {
        self.write(move |tx| admin::import_households(tx, &households)).await
    }

    async fn add_work_orders(&self, orders: Vec<WorkOrder>, clock: Hlc) -> Result<Vec<WorkOrder>> {
        self.write(move |tx| admin::add_work_orders(tx, &orders, clock)).await
    }

    async fn push(
        &self,
        caller: &Caller,
        entries: Vec<CheckedEntry>,
        now: DateTime<Utc>,
    ) -> Result<Vec<EntryResult>> {
        let caller = caller.clone();
        self.write(move |tx| push::push(tx, &caller, entries, now)).await
    }

    async fn pull(&self, caller: &Caller, after: u64, limit: u32) -> Result<ChangePage> {
        let caller = caller.clone();
        let page = self.read(move |conn| feed::pull(conn, &caller, after, limit)).await?;
        // A commit is visible before `write` has synced it: a tablet gets only what is on disk,
        // so a power cut cannot take back a change it already has.
        let wal = Arc::clone(&self.wal);
        tokio::task::spawn_blocking(move || sync_wal(&wal)).await??;
        Ok(page)
    }

    async fn remaining(&self, caller: &Caller, after: u64) -> Result<u64> {
        let caller = caller.clone();
        self.read(move |conn| feed::remaining(conn, &caller, after)).await
    }

    /// Deletes blob uploads untouched for a day, and copies the write-ahead log into the
    /// database file.
    async fn maintain(&self) -> Result<()> {
        let stale = Utc::now() - blobs::UPLOAD_KEPT;
        if self.read(move |conn| blobs::any_stale_upload(conn, stale)).await? {
            self.write(move |tx| blobs::drop_stale_uploads(tx, stale)).await?;
        }
        // On the reader: a passive checkpoint never blocks the writer.
        self.read(|conn| Ok(conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?)).await
    }

    async fn has_blob(&self, sha256: &str) -> Result<bool> {
        let sha256 = sha256.to_owned();
        self.read(move |conn| blobs::has_blob(conn, &sha256)).await
    }

    async fn put_blob(&self, sha256: String, bytes: Vec<u8>) -> Result<bool> {
        self.write(move |tx| blobs::put_blob(tx, &sha256, &bytes)).await
    }

    async fn partial_blob_len(&self, sha256: &str) -> Result<u64> {
        let sha256 = sha256.to_owned();
        self.read(move |conn| blobs::held(conn, &sha256)).await
    }

    async fn append_blob_part(
        &self,
        sha256: String,
        offset: u64,
        total: u64,
        bytes: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<Appended> {
        self.write(move |tx| blobs::append_part(tx, &sha256, offset, total, &bytes, now)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn a_database_of_another_application_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE notes (x TEXT)").unwrap();
        assert!(matches!(SqliteStorage::open(dir.path()), Err(Error::NotHearthServer(_))));
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, 0);
    }

    #[test]
    fn a_reopened_database_keeps_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        drop(SqliteStorage::open(dir.path()).unwrap());
        SqliteStorage::open(dir.path()).unwrap();
    }
}
