//! The work-order board on SQLite, in the order orders must be reached (migration 0005):
//! overdue arrivals, then late completions, then emergency, urgent and the rest by their next
//! deadline. Which open orders are overdue depends on the clock, so the board is three
//! segments split at `now`, each read from its own index in its own order; a page takes the
//! part of each segment it covers, so it costs its own rows and a few index counts, never a
//! sort of every open order. Also a household's open orders and the calls that repeat an order.

use chrono::{DateTime, Utc};
use hearth_core::model::WorkOrder;
use hearth_core::rules::status::is_open;
use rusqlite::{Connection, params, params_from_iter, types::Value};
use uuid::Uuid;

use super::intake::{CALL_COLUMNS, call};
use crate::error::Result;
use crate::storage::console::{BoardFilter, BoardPage, Call};

/// One segment of the open board: the condition that puts an order in it (after the ones
/// before it) and its order, both served by one index of migration 0005.
struct Segment {
    condition: &'static str,
    order: &'static str,
    /// Named, so the planner does not pick a range on another key and sort every row.
    index: &'static str,
}

/// `?7` is "now" as a Julian day, the unit of the board's keys.
const SEGMENTS: [Segment; 3] = [
    // Overdue arrivals.
    Segment {
        condition: "arrive_key < ?7",
        order: "arrive_key, reported_key, id",
        index: "work_orders_board_arrival",
    },
    // Late completions whose arrival is not overdue (it was made, or is still to come).
    Segment {
        condition: "due_key < ?7 AND arrive_key >= ?7",
        order: "due_key, arrive_key, reported_key, id",
        index: "work_orders_board_late",
    },
    // The rest: emergency, urgent, others, each by its next deadline.
    Segment {
        condition: "arrive_key >= ?7 AND due_key >= ?7",
        order: "priority_rank, next_key, reported_key, id",
        index: "work_orders_board_rest",
    },
];

/// The filters every part of the board shares: `?1` status, `?2` station, `?3` assignee,
/// `?4` kind (each NULL for any).
const FILTERS: &str = "(?1 IS NULL OR status = ?1) AND (?2 IS NULL OR station_id = ?2)
     AND (?3 IS NULL OR assignee_id = ?3) AND (?4 IS NULL OR kind = ?4)";

fn julian_day(t: DateTime<Utc>) -> f64 {
    // The Unix epoch is Julian day 2440587.5.
    t.timestamp_millis() as f64 / 86_400_000.0 + 2_440_587.5
}

pub(super) fn board(conn: &Connection, f: &BoardFilter) -> Result<BoardPage> {
    let args: Vec<Value> = vec![
        f.status.map(|s| s.as_str().to_owned()).into(),
        f.station_id.map(|s| s.to_string()).into(),
        f.assignee_id.map(|a| a.to_string()).into(),
        f.kind.map(|k| k.as_str().to_owned()).into(),
    ];
    if let Some(prefix) = f.number.as_deref() {
        return by_number(conn, f, prefix, args);
    }
    if f.status.is_some_and(|s| !is_open(s)) {
        return finished(conn, f, args);
    }
    let mut args = args;
    args.extend([Value::Null, Value::Null, Value::Real(julian_day(f.now))]);
    let count = |index: &str, condition: &str, args: &[Value]| -> Result<u64> {
        let n: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM work_orders INDEXED BY {index} WHERE is_open = 1 AND {condition} AND {FILTERS}"
            ))?
            .query_row(params_from_iter(args), |r| r.get(0))?;
        Ok(n.unsigned_abs())
    };
    let total = count("work_orders_board", "?7 = ?7", &args)?;
    // The page's rows: skip `offset` rows through the segments, then take `limit`.
    let (mut skip, mut want) = (u64::from(f.offset), u64::from(f.limit));
    let mut orders = Vec::new();
    for (i, segment) in SEGMENTS.iter().enumerate() {
        if want == 0 {
            break;
        }
        // The last segment's size is what the others leave of the total.
        let size =
            if i + 1 < SEGMENTS.len() { count(segment.index, segment.condition, &args)? } else { u64::MAX };
        if skip >= size {
            skip -= size;
            continue;
        }
        args[4] = Value::Integer(i64::try_from(want).unwrap_or(i64::MAX));
        args[5] = Value::Integer(i64::try_from(skip).unwrap_or(i64::MAX));
        let taken = rows(
            conn,
            &format!(
                "SELECT record FROM work_orders WHERE id IN (
                     SELECT id FROM work_orders INDEXED BY {index} WHERE is_open = 1 AND {cond} AND {FILTERS}
                     ORDER BY {order} LIMIT ?5 OFFSET ?6)
                 ORDER BY {order}",
                index = segment.index,
                cond = segment.condition,
                order = segment.order,
            ),
            &args,
        )?;
        want = want.saturating_sub(taken.len() as u64);
        skip = 0;
        orders.extend(taken);
    }
    Ok(BoardPage { total, orders })
}

/// Finished orders of one status, by completion deadline (none last), from the status index
/// (`status = ?1` spelled out: the shared filter's `?1 IS NULL OR` would hide it).
fn finished(conn: &Connection, f: &BoardFilter, mut args: Vec<Value>) -> Result<BoardPage> {
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM work_orders WHERE status = ?1 AND {FILTERS}"))?
        .query_row(params_from_iter(&args), |r| r.get(0))?;
    args.extend([Value::Integer(f.limit.into()), Value::Integer(f.offset.into())]);
    let orders = rows(
        conn,
        &format!(
            "SELECT record FROM work_orders WHERE id IN (
                 SELECT id FROM work_orders WHERE status = ?1 AND {FILTERS}
                 ORDER BY due_key, reported_key, id LIMIT ?5 OFFSET ?6)
             ORDER BY due_key, reported_key, id"
        ),
        &args,
    )?;
    Ok(BoardPage { total: total.unsigned_abs(), orders })
}

/// Orders whose number starts with `prefix`, in number order, from the number index.
fn by_number(conn: &Connection, f: &BoardFilter, prefix: &str, mut args: Vec<Value>) -> Result<BoardPage> {
    // Every number starting with the prefix sorts between it and the prefix followed by the
    // last character there is.
    args.extend([
        Value::Text(prefix.to_owned()),
        Value::Text(format!("{prefix}{}", char::MAX)),
        Value::Integer(f.limit.into()),
        Value::Integer(f.offset.into()),
    ]);
    let range = format!("number >= ?5 AND number < ?6 AND {FILTERS}");
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM work_orders WHERE {range}"))?
        .query_row(params_from_iter(&args[..6]), |r| r.get(0))?;
    let orders = rows(
        conn,
        &format!("SELECT record FROM work_orders WHERE {range} ORDER BY number LIMIT ?7 OFFSET ?8"),
        &args,
    )?;
    Ok(BoardPage { total: total.unsigned_abs(), orders })
}

fn rows(conn: &Connection, sql: &str, args: &[Value]) -> Result<Vec<WorkOrder>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(serde_json::from_str(&row.get::<_, String>(0)?)?);
    }
    Ok(out)
}

pub(super) fn open_orders_of(conn: &Connection, household_id: Uuid) -> Result<Vec<WorkOrder>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record FROM work_orders WHERE household_id = ?1 AND is_open = 1 ORDER BY reported_key, id",
    )?;
    let mut rows = stmt.query(params![household_id.to_string()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(serde_json::from_str(&row.get::<_, String>(0)?)?);
    }
    Ok(out)
}

pub(super) fn repeat_calls(conn: &Connection, order_ids: &[Uuid]) -> Result<Vec<Call>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN work_orders w ON w.id = c.work_order_id
         WHERE c.work_order_id = ?1 AND c.outcome = 'duplicate' ORDER BY c.received_at, c.id"
    ))?;
    let mut out = Vec::new();
    for id in order_ids {
        let mut rows = stmt.query([id.to_string()])?;
        while let Some(row) = rows.next()? {
            out.push(call(row)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn julian_days_match_sqlite() {
        let conn = Connection::open_in_memory().unwrap();
        let t: DateTime<Utc> = "2026-12-03T08:30:00Z".parse().unwrap();
        let sqlite: f64 =
            conn.query_row("SELECT julianday('2026-12-03T08:30:00Z')", [], |r| r.get(0)).unwrap();
        assert!((julian_day(t) - sqlite).abs() < 1e-9, "{} vs {sqlite}", julian_day(t));
    }
}
