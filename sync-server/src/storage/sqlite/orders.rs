//! Work orders as a push batch reads and writes them on SQLite: one order with its per-field
//! clocks, and the batch's changed orders written back, each under a new feed number (the
//! batch's in-memory copies and the merge are `crate::accept::edit`).

use std::collections::BTreeMap;

use hearth_core::hlc::Hlc;
use hearth_core::model::WorkOrder;
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::feed::record_change;
use crate::accept::edit::{BatchOrder, BatchOrders};
use crate::error::Result;
use crate::feed::{self, Entity};

/// The stored order `id` with its clocks.
pub(super) fn load(tx: &Transaction<'_>, id: Uuid) -> Result<Option<(WorkOrder, BTreeMap<String, Hlc>)>> {
    let stored: Option<(String, String)> = tx
        .prepare_cached("SELECT record, clocks FROM work_orders WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((record, clocks)) = stored else { return Ok(None) };
    Ok(Some((serde_json::from_str(&record)?, serde_json::from_str(&clocks)?)))
}

/// The stored order `id` alone.
pub(super) fn order(tx: &rusqlite::Connection, id: Uuid) -> Result<Option<WorkOrder>> {
    let json: Option<String> = tx
        .prepare_cached("SELECT record FROM work_orders WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

/// Writes back every order an edit of the batch changed, each under a new feed number.
pub(super) fn write_back(tx: &Transaction<'_>, orders: BatchOrders) -> Result<()> {
    for BatchOrder { order, clocks, .. } in orders.changed() {
        tx.prepare_cached("UPDATE work_orders SET assignee_id = ?2, record = ?3, clocks = ?4 WHERE id = ?1")?
            .execute(params![
                order.id.to_string(),
                order.assignee_id.map(|a| a.to_string()),
                serde_json::to_string(&order)?,
                serde_json::to_string(&clocks)?,
            ])?;
        let id = order.id;
        record_change(tx, Entity::WorkOrder, id, feed::work_order(order, clocks)?)?;
    }
    Ok(())
}
