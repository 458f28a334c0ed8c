//! Hotline intake and the work-order board on SQLite: household search, calls (with the order
//! made from them, in one transaction) and the board of open orders.

use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, WorkOrder};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::super::{admin, parse_time, parse_uuid, time_text};
use crate::error::{Error, Result};
use crate::storage::console::{BoardFilter, BoardPage, Call, CallOutcome};

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
) -> Result<()> {
    if let Some(order) = order {
        admin::add_work_orders(tx, std::slice::from_ref(order), clock)?;
    }
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
    Ok(())
}

fn outcome(s: &str) -> Result<CallOutcome> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| Error::Corrupt(format!("call outcome {s:?}")))
}

pub(super) fn calls(
    conn: &Connection,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: u32,
) -> Result<Vec<Call>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, received_at, dispatcher_id, caller_name, phone, household_id, description, outcome,
                work_order_id
         FROM calls WHERE (?1 IS NULL OR received_at >= ?1) AND (?2 IS NULL OR received_at < ?2)
         ORDER BY received_at DESC LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![from.map(time_text), to.map(time_text), limit])?;
    let mut out = Vec::new();
    let uuid = |s: Option<String>| s.as_deref().map(parse_uuid).transpose();
    while let Some(row) = rows.next()? {
        out.push(Call {
            id: parse_uuid(&row.get::<_, String>(0)?)?,
            received_at: parse_time(&row.get::<_, String>(1)?)?,
            dispatcher_id: parse_uuid(&row.get::<_, String>(2)?)?,
            caller_name: row.get(3)?,
            phone: row.get(4)?,
            household_id: uuid(row.get(5)?)?,
            description: row.get(6)?,
            outcome: outcome(&row.get::<_, String>(7)?)?,
            work_order_id: uuid(row.get(8)?)?,
        });
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

pub(super) fn board(conn: &Connection, f: &BoardFilter) -> Result<BoardPage> {
    // Without a status: the open orders, straight from the board index in its order.
    let status = match f.status {
        Some(_) => "status = ?1",
        None => "is_open = 1 AND ?1 IS NULL",
    };
    let filter = format!(
        "{status} AND (?2 IS NULL OR station_id = ?2) AND (?3 IS NULL OR assignee_id = ?3)
         AND (?4 IS NULL OR kind = ?4)"
    );
    let args = (
        f.status.map(|s| s.as_str()),
        f.station_id.map(|s| s.to_string()),
        f.assignee_id.map(|a| a.to_string()),
        f.kind.map(|k| k.as_str()),
    );
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM work_orders WHERE {filter}"))?
        .query_row(params![args.0, args.1, args.2, args.3], |r| r.get(0))?;
    // Overdue and soon-due first: the earliest due time first, orders without one last.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT record FROM work_orders WHERE id IN (
             SELECT id FROM work_orders WHERE {filter}
             ORDER BY due_key, reported_key, id LIMIT ?5 OFFSET ?6)
         ORDER BY due_key, reported_key, id"
    ))?;
    let mut rows = stmt.query(params![args.0, args.1, args.2, args.3, f.limit, f.offset])?;
    let mut orders = Vec::new();
    while let Some(row) = rows.next()? {
        orders.push(serde_json::from_str(&row.get::<_, String>(0)?)?);
    }
    Ok(BoardPage { total: total.unsigned_abs(), orders })
}
