//! Storage: everything the server keeps, behind one async trait, so the PostgreSQL backend
//! ([`postgres`]) sits beside the embedded SQLite one ([`sqlite`]) without the routes
//! knowing. The backend is chosen from one setting ([`open`], [`DatabaseUrl`]).
//!
//! A backend holds SQL only: it loads what a rule needs, lets the rule decide, and writes the
//! decision, in one transaction. The rules are backend-neutral modules: push acceptance
//! ([`crate::accept`]), the change feed's scope and withdrawals ([`crate::feed`]), the
//! work-order merge ([`crate::merge`]), KPI facts, verdicts and sums ([`crate::kpi`]), and the
//! statuses and fields SQL names ([`crate::order_schema`]). Every backend runs the same
//! conformance suite (`tests/it/storage`).
//!
//! The promises every backend keeps:
//! - a push batch is applied in one transaction: all of its accepted entries or none;
//! - an entry id that was accepted once is never applied again: it gets its first answer;
//! - change sequence numbers become visible in order: a reader that sees change `n` already
//!   sees every change below `n`, so a cursor never passes a number whose change commits
//!   later. (SQLite's single writer gives this; PostgreSQL takes the numbers under a row lock
//!   held until commit: `storage::postgres::feed`.)

pub mod console;
pub mod postgres;
mod select;
pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Station, User, WorkOrder};
use hearth_core::protocol::{EntryResult, PushEntry};
use uuid::Uuid;

use crate::error::Result;

pub use crate::caller::Caller;
pub use postgres::PgStorage;
pub use select::{DatabaseUrl, open};
pub use sqlite::SqliteStorage;

/// A push entry as the routes hand it over, checked. A report comes with the JSON it arrived
/// as, verified against its hashes, and is stored byte for byte: serializing it again would
/// cost as much as the check. Without it (`None`), the storage serializes the report.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedEntry {
    pub entry: PushEntry,
    pub report_json: Option<String>,
}

impl From<PushEntry> for CheckedEntry {
    fn from(entry: PushEntry) -> Self {
        CheckedEntry { entry, report_json: None }
    }
}

/// What a bearer token belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceAuth {
    pub caller: Caller,
    pub device_name: String,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Given to a web browser at login: it expires after the console's idle time.
    pub console: bool,
    /// When the token was last used (to the minute), if since sessions were recorded.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A user's stored credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct Credentials {
    pub user: User,
    /// The argon2 PHC string.
    pub password_hash: String,
}

/// A device as the admin's device list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub id: Uuid,
    pub name: String,
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The device's last contact: its token's last use (to the minute), its login included;
    /// none for a device not heard from since sessions were recorded.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub inserted: usize,
    pub updated: usize,
}

/// A page of the change feed: `(seq, the wire's `Incoming` JSON text)` in seq order.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangePage {
    pub changes: Vec<(u64, String)>,
    pub more: bool,
}

/// Everything the server keeps. Used as `Arc<dyn Storage>`.
#[async_trait]
pub trait Storage: console::ConsoleStorage + Send + Sync {
    /// Adds stations or renames stored ones (by id); each gets a change for its crews.
    async fn upsert_stations(&self, stations: Vec<Station>) -> Result<()>;
    async fn stations(&self) -> Result<Vec<Station>>;

    /// Adds a user; refuses a taken username.
    async fn add_user(&self, user: User, password_hash: String) -> Result<()>;
    async fn user_count(&self) -> Result<u64>;
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>>;

    /// Records a login: the device row (keyed by the device's own id) gets this user and
    /// token hash, replacing an earlier token of that device. A revoked device stays revoked
    /// and gets no token: false.
    async fn register_device(
        &self,
        device_id: Uuid,
        user_id: Uuid,
        name: String,
        token_hash: String,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    async fn device_for_token(&self, token_hash: &str) -> Result<Option<DeviceAuth>>;
    /// Records a token's use at `now` (its device's last contact) and, given, whether it was
    /// given to a web browser (a console session, which expires when idle).
    async fn touch_device(&self, device_id: Uuid, console: Option<bool>, now: DateTime<Utc>) -> Result<()>;
    async fn devices(&self) -> Result<Vec<Device>>;
    /// Revokes a device; false when no such device exists.
    async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool>;

    /// Imports households in one transaction. A household whose account number is stored
    /// keeps its stored id and status; its other fields are replaced.
    async fn import_households(&self, households: Vec<Household>) -> Result<ImportSummary>;
    /// Adds work orders made by the office, every field stamped with `clock`.
    async fn add_work_orders(&self, orders: Vec<WorkOrder>, clock: Hlc) -> Result<Vec<WorkOrder>>;

    /// Applies a push batch (see the module's promises); one result per entry, in order.
    async fn push(
        &self,
        caller: &Caller,
        entries: Vec<CheckedEntry>,
        now: DateTime<Utc>,
    ) -> Result<Vec<EntryResult>>;
    /// Changes above `after` that `caller` may see, at most `limit`, in seq order.
    async fn pull(&self, caller: &Caller, after: u64, limit: u32) -> Result<ChangePage>;
    /// How many changes above `after` `caller` may see: a first pull's progress.
    async fn remaining(&self, caller: &Caller, after: u64) -> Result<u64>;

    /// The backend's own upkeep, called by the server every few seconds: delete partial blob
    /// uploads untouched for a day, and whatever the backend needs (SQLite: copy the
    /// write-ahead log into the database file).
    async fn maintain(&self) -> Result<()>;

    /// Whether the blob is stored (a partial upload is not).
    async fn has_blob(&self, sha256: &str) -> Result<bool>;
    /// Stores a blob whose bytes were checked against `sha256`; false if it was there.
    async fn put_blob(&self, sha256: String, bytes: Vec<u8>) -> Result<bool>;

    /// How many bytes of a partial upload of `sha256` are held: the offset the next part
    /// must start at (0 if none).
    async fn partial_blob_len(&self, sha256: &str) -> Result<u64>;
    /// Appends one part of a resumable upload of a `total`-byte blob, in one transaction:
    /// refused unchanged unless it starts where the held bytes end and names the same total.
    /// Once the held bytes reach `total` they are assembled and hashed: the blob is stored if
    /// they hash to `sha256`, and the partial is dropped either way. `now` is the part's time:
    /// [`Storage::maintain`] deletes partials untouched for a day. `offset + bytes` must not
    /// pass `total` (the caller checks).
    async fn append_blob_part(
        &self,
        sha256: String,
        offset: u64,
        total: u64,
        bytes: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<Appended>;
}

/// What one part of a resumable blob upload did ([`Storage::append_blob_part`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Appended: the partial now holds this many bytes.
    Held(u64),
    /// The bytes were complete and hashed to the address: the blob is stored (`created` is
    /// false when it already was).
    Stored { created: bool },
    /// The part does not start where the held bytes end: nothing changed.
    WrongOffset { held: u64 },
    /// The partial was begun with another total: nothing changed.
    WrongLength { total: u64 },
    /// Complete, but the bytes hash to `actual`: the partial was dropped, nothing stored.
    HashMismatch { actual: String },
}

/// The rules of [`Storage::append_blob_part`] every backend applies, around its own SQL.
pub mod upload {
    use hearth_core::model::Sha256;

    use super::Appended;
    use crate::error::{Error, Result};

    /// Where a part of `len` bytes at `offset` ends; refused if past the upload's `total`.
    pub fn part_end(offset: u64, len: usize, total: u64) -> Result<u64> {
        let end = offset + len as u64;
        if end > total {
            return Err(Error::Refused(format!(
                "the part ends at byte {end}, past the upload's length {total}"
            )));
        }
        Ok(end)
    }

    /// The answer that refuses a part unchanged, given the partial held (its total and held
    /// bytes, if one was begun): begun with another total, or not starting where it ends.
    pub fn refusal(held: Option<(u64, u64)>, offset: u64, total: u64) -> Option<Appended> {
        let (held_total, held) = held.unwrap_or((total, 0));
        if held_total != total {
            return Some(Appended::WrongLength { total: held_total });
        }
        (offset != held).then_some(Appended::WrongOffset { held })
    }

    /// The answer for complete bytes that do not hash to their address `sha256`.
    pub fn mismatch(sha256: &str, whole: &[u8]) -> Option<Appended> {
        let actual = Sha256::of(whole);
        (actual.as_str() != sha256).then(|| Appended::HashMismatch { actual: actual.to_string() })
    }
}
