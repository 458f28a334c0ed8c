//! The persisted HLC state. Every stamp the device issues is saved in the transaction of the
//! edit it stamps: in that edit's outbox entry (entries are stamped in order, so the newest
//! entry holds the latest stamp) or, for edits with no entry, in `hlc_state`. Removing
//! outbox entries saves the clock to `hlc_state` first. So after a crash, or a reboot with
//! a wrong wall clock, the clock resumes after every stamp it ever gave out — and a save
//! writes no extra row for it.

use rusqlite::{Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::{Error, Result};

/// The HLC node of a device: the random tail of its UUIDv7, unique across devices.
pub fn node_of(device_id: Uuid) -> u64 {
    device_id.as_u64_pair().1
}

/// The last persisted stamp, or [`Hlc::ZERO`] on a new database.
pub fn load(conn: &Connection) -> Result<Hlc> {
    let stamp: Option<String> =
        conn.query_row("SELECT stamp FROM hlc_state WHERE singleton = 1", [], |r| r.get(0)).optional()?;
    match stamp {
        None => Ok(Hlc::ZERO),
        Some(text) => text.parse().map_err(|reason: String| Error::Corrupt(format!("hlc_state: {reason}"))),
    }
}

/// Persists `stamp` as the last one.
pub fn save(tx: &Transaction<'_>, stamp: Hlc) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO hlc_state (singleton, stamp) VALUES (1, ?1)
         ON CONFLICT (singleton) DO UPDATE SET stamp = excluded.stamp",
    )?
    .execute([stamp.to_string()])?;
    Ok(())
}
