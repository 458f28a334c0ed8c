//! Hotline intake on SQLite: household search, calls (with the order made from them, in one
//! transaction), a household's recent calls, one work order. The board is in `board.rs`.

use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, WorkOrder};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::super::{admin, parse_time, parse_uuid, time_text};
use crate::error::{Error, Result};
use crate::storage::console::{Call, CallOutcome};

pub(super) fn find_households(conn: &Connection, query: &str, limit: u32) -> Result<Vec<Household>> {
    let mut out: Vec<Household> = Vec::new();
    let mut add = |json: String| -> Result<()> {
        let household: Household = serde_json::from_str(&json)?;
        if !out.iter().any(|h| h.id == household.id) {
            out.push(household);
        }
        Ok(())
    };
    for sql in [
        "SELECT record FROM households WHERE account_no = ?1 LIMIT ?2",
        "SELECT record FROM households WHERE phone = ?1 LIMIT ?2",
        // A scan: fast enough for an office search over a city's households.
        "SELECT record FROM households WHERE instr(json_extract(record, '$.address'), ?1) > 0
             OR instr(json_extract(record, '$.owner_name'), ?1) > 0 LIMIT ?2",
    ] {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![query, limit])?;
        while let Some(row) = rows.next()? {
            add(row.get(0)?)?;
        }
    }
    out.truncate(limit as usize);
    Ok(out)
}

pub(super) fn household(conn: &Connection, id: Uuid) -> Result<Option<Household>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT record FROM households WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

pub(super) fn record_call(
    tx: &Transaction<'_>,
    call: &Call,
    order: Option<&WorkOrder>,
    clock: Hlc,
) -> Result<Option<WorkOrder>> {
    let order = match order {
        Some(order) => admin::add_work_orders(tx, std::slice::from_ref(order), clock)?.pop(),
        None => None,
    };
    tx.execute(
        "INSERT INTO calls (id, received_at, dispatcher_id, caller_name, phone, household_id, description,
                            outcome, work_order_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            call.id.to_string(),
            time_text(call.received_at),
            call.dispatcher_id.to_string(),
            call.caller_name,
            call.phone,
            call.household_id.map(|h| h.to_string()),
            call.description,
            call.outcome.as_str(),
            call.work_order_id.map(|w| w.to_string()),
        ],
    )?;
    Ok(order)
}

fn outcome(s: &str) -> Result<CallOutcome> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| Error::Corrupt(format!("call outcome {s:?}")))
}

/// A call's columns, from `calls c LEFT JOIN work_orders w ON w.id = c.work_order_id`.
pub(super) const CALL_COLUMNS: &str =
    "c.id, c.received_at, c.dispatcher_id, c.caller_name, c.phone, c.household_id,
     c.description, c.outcome, c.work_order_id, w.number";

/// A call read with [`CALL_COLUMNS`].
pub(super) fn call(row: &Row<'_>) -> Result<Call> {
    let uuid = |s: Option<String>| s.as_deref().map(parse_uuid).transpose();
    Ok(Call {
        id: parse_uuid(&row.get::<_, String>(0)?)?,
        received_at: parse_time(&row.get::<_, String>(1)?)?,
        dispatcher_id: parse_uuid(&row.get::<_, String>(2)?)?,
        caller_name: row.get(3)?,
        phone: row.get(4)?,
        household_id: uuid(row.get(5)?)?,
        description: row.get(6)?,
        outcome: outcome(&row.get::<_, String>(7)?)?,
        work_order_id: uuid(row.get(8)?)?,
        work_order_number: row.get(9)?,
    })
}

pub(super) fn calls(
    conn: &Connection,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: u32,
) -> Result<Vec<Call>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN work_orders w ON w.id = c.work_order_id
         WHERE (?1 IS NULL OR c.received_at >= ?1) AND (?2 IS NULL OR c.received_at < ?2)
         ORDER BY c.received_at DESC LIMIT ?3"
    ))?;
    let mut rows = stmt.query(params![from.map(time_text), to.map(time_text), limit])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(call(row)?);
    }
    Ok(out)
}

pub(super) fn calls_of_household(
    conn: &Connection,
    household_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<Call>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN work_orders w ON w.id = c.work_order_id
         WHERE c.household_id = ?1 AND c.received_at >= ?2 ORDER BY c.received_at DESC"
    ))?;
    let mut rows = stmt.query(params![household_id.to_string(), time_text(since)])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(call(row)?);
    }
    Ok(out)
}

pub(super) fn work_order(conn: &Connection, id: Uuid) -> Result<Option<WorkOrder>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT record FROM work_orders WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}
