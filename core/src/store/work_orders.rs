//! Work orders on the device: as the office sent them, with the technician's status moves
//! queued for the server. Each field's last edit keeps its HLC stamp for the per-field merge.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::model::{Report, Role, User, WorkOrder};
use crate::protocol::{WorkOrderFields, WorkOrderState};
use crate::rules::{Problem, ProblemKind, status};
use crate::store::outbox::{self, Entity};
use crate::sync::plan::field;
use crate::{Error, Result};

/// Stores `order` as the office sent it.
pub fn upsert(tx: &Transaction<'_>, order: &WorkOrder) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO work_orders (id, household_id, status, due_by, record) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id, status = excluded.status,
                                        due_by = excluded.due_by, record = excluded.record",
    )?
    .execute((
        order.id.to_string(),
        order.household_id.to_string(),
        order.status.as_str(),
        order.due_by.map(|t| t.to_rfc3339()),
        serde_json::to_string(order)?,
    ))?;
    Ok(())
}

/// The work order with `id`.
pub fn get(conn: &Connection, id: Uuid) -> Result<Option<WorkOrder>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT record FROM work_orders WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

/// The work order with `id` and the HLC stamp of each field's last edit.
pub fn get_state(conn: &Connection, id: Uuid) -> Result<Option<WorkOrderState>> {
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT record, field_clocks FROM work_orders WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(record, clocks)| {
        Ok(WorkOrderState { order: serde_json::from_str(&record)?, clocks: serde_json::from_str(&clocks)? })
    })
    .transpose()
}

/// Stores a work order with its field stamps (as merged after a pull).
pub fn put_state(tx: &Transaction<'_>, state: &WorkOrderState) -> Result<()> {
    upsert(tx, &state.order)?;
    tx.prepare_cached("UPDATE work_orders SET field_clocks = ?2 WHERE id = ?1")?
        .execute((state.order.id.to_string(), serde_json::to_string(&state.clocks)?))?;
    Ok(())
}

/// Removes this device's copy of an order (the server's comes back with the next pull, if
/// the device may still see it).
pub fn forget(tx: &Transaction<'_>, id: Uuid) -> Result<()> {
    tx.prepare_cached("DELETE FROM work_orders WHERE id = ?1")?.execute([id.to_string()])?;
    Ok(())
}

/// Open orders (not yet done, closed or cancelled), soonest due first, undated last.
pub fn list_open(conn: &Connection) -> Result<Vec<WorkOrder>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record FROM work_orders
         WHERE status IN ('new', 'assigned', 'en_route', 'on_site')
         ORDER BY due_by IS NULL, due_by, id",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
}

/// Orders finished (done, could not complete, closed) whose status moved at or after
/// `since`, with when it moved (the wall time of the status's HLC stamp), earliest first.
pub fn list_finished_since(
    conn: &Connection,
    since: DateTime<Utc>,
) -> Result<Vec<(WorkOrderState, DateTime<Utc>)>> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM work_orders WHERE status IN ('done', 'could_not_complete', 'closed')",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut finished = Vec::new();
    for id in ids {
        let Some(state) = get_state(conn, crate::store::parse_uuid(&id)?)? else { continue };
        if let Some(at) = status_moved_at(&state).filter(|&at| at >= since) {
            finished.push((state, at));
        }
    }
    finished.sort_by_key(|(_, at)| *at);
    Ok(finished)
}

/// When the crew reached the household (到达时间): the server's stamp once it has one, else,
/// while the order is on site, when its status moved there — the 已到场 tap on this device
/// (or the move another device made, as the server sent it).
pub fn arrival(state: &WorkOrderState) -> Option<DateTime<Utc>> {
    state.order.arrived_at.or_else(|| {
        (state.order.status == crate::model::WorkOrderStatus::OnSite)
            .then(|| status_moved_at(state))
            .flatten()
    })
}

/// When an order's status last moved: the wall time of the status field's HLC stamp.
fn status_moved_at(state: &WorkOrderState) -> Option<DateTime<Utc>> {
    let stamp = state.clocks.get(field::STATUS)?;
    DateTime::from_timestamp_millis(i64::try_from(stamp.wall_ms).ok()?)
}

/// Finishes the order `id` as the signed `report` made for it says
/// ([`status::after_report`]), stamped `stamp` and queued for the server, in the report's own
/// transaction. An order this device does not have, or one already finished, is left alone.
pub fn finish_with_report(tx: &Transaction<'_>, id: Uuid, report: &Report, stamp: Hlc) -> Result<()> {
    let Some(order) = get(tx, id)? else { return Ok(()) };
    let Some((to, note)) = status::after_report(order.status, report) else { return Ok(()) };
    let fields = WorkOrderFields { status: Some(to), status_note: note, ..WorkOrderFields::default() };
    edit(tx, id, &fields, stamp).map(drop)
}

/// The role of the user logged in on this device; None when nobody is (a device nobody
/// logged in on cannot sync, and the server judges every move again).
fn logged_in_role(conn: &Connection) -> Result<Option<Role>> {
    let user = crate::store::settings::get(conn, crate::store::settings::USER)?;
    Ok(user.and_then(|json| serde_json::from_str::<User>(&json).ok()).map(|user| user.role))
}

/// Changes an order's fields on this device — the technician moving the status on, a
/// dispatcher reassigning — stamping each changed field and queueing the edit for the server,
/// in `tx`. A status may only move forward ([`status::advance`]), and a crew member may make
/// only the crew's moves ([`status::role_may_move`]): closing and cancelling are refused before
/// anything is saved.
pub fn edit(tx: &Transaction<'_>, id: Uuid, fields: &WorkOrderFields, stamp: Hlc) -> Result<WorkOrder> {
    if let Some(to) = fields.status
        && logged_in_role(tx)?.is_some_and(|role| !status::role_may_move(role, to))
    {
        return Err(Error::Invalid(vec![Problem::new(field::STATUS, ProblemKind::OfficeOnlyStatus)]));
    }
    let mut state =
        get_state(tx, id)?.ok_or_else(|| Error::NotFound { what: "work order", id: id.to_string() })?;
    let order = &mut state.order;
    let mut changed = Vec::new();
    if let Some(to) = fields.status {
        let has_record = crate::store::reports::exists_for_work_order(tx, id)?;
        status::advance(order, to, fields.status_note.clone(), has_record)?;
        changed.push(field::STATUS);
    }
    if let Some(note) = &fields.status_note {
        order.status_note = Some(note.clone());
        changed.push(field::STATUS_NOTE);
    }
    if let Some(assignee) = fields.assignee_id {
        order.assignee_id = Some(assignee);
        changed.push(field::ASSIGNEE_ID);
    }
    if let Some(priority) = fields.priority {
        order.priority = priority;
        changed.push(field::PRIORITY);
    }
    if let Some(due_by) = fields.due_by {
        order.due_by = Some(due_by);
        changed.push(field::DUE_BY);
    }
    for name in changed {
        state.clocks.insert(name.to_owned(), stamp);
    }
    put_state(tx, &state)?;
    outbox::enqueue(tx, Entity::WorkOrder, &id, stamp, Some(&serde_json::to_value(fields)?))?;
    Ok(state.order)
}
