//! Whose data the device holds: the scope of the server's feed it pulled (a station's, or
//! all of them for the office), and what changes when a user of another scope logs in on a
//! shared tablet.
//!
//! The feed's cursor is a position in one scope's changes: a technician of station B who
//! logs in on a tablet that pulled station A up to change N would otherwise get only B's
//! changes after N, and never B's older households, while A's customers stayed on the tablet
//! for someone who may not see them. So a login in another scope forgets the pulled data and
//! starts the feed again from the beginning, keeping everything that is the crew's own work:
//! signed reports, drafts, unsent edits, and the households and orders they belong to.

use rusqlite::Transaction;

use super::settings;
use crate::Result;
use crate::model::User;

/// The setting that names the scope the pulled data belongs to.
pub const DATA_SCOPE: &str = "data_scope";

/// The feed's scope for `user`: their station's, or everything for an office user.
pub fn of(user: &User) -> String {
    match user.station_id {
        Some(station) => format!("station:{station}"),
        None => "all".to_owned(),
    }
}

/// What was pulled for another scope, forgotten. Returns how many households and orders went.
pub fn forget_pulled(tx: &Transaction<'_>) -> Result<(usize, usize)> {
    // Orders with an edit still to send, or named by one of this device's reports or drafts.
    let orders = tx.execute(
        "DELETE FROM work_orders
         WHERE id NOT IN (SELECT entity_id FROM outbox WHERE entity = 'work_order')
           AND id NOT IN (SELECT work_order_id FROM reports WHERE work_order_id IS NOT NULL)
           AND id NOT IN (SELECT work_order_id FROM drafts WHERE work_order_id IS NOT NULL)",
        [],
    )?;
    let households = tx.execute(
        "DELETE FROM households
         WHERE id NOT IN (SELECT household_id FROM reports)
           AND id NOT IN (SELECT household_id FROM drafts)
           AND id NOT IN (SELECT household_id FROM work_orders)",
        [],
    )?;
    // The search index is rebuilt in the background from what is left and what comes.
    tx.execute("INSERT INTO households_fts (households_fts) VALUES ('delete-all')", [])?;
    settings::set(tx, settings::SEARCH_INDEXED_SEQ, "0")?;
    settings::set(tx, settings::PULL_CURSOR, "0")?;
    settings::set(tx, settings::LAST_SUCCESS_AT, "")?;
    Ok((households, orders))
}
