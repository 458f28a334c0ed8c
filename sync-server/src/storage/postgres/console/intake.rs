//! Hotline intake on PostgreSQL: household search, calls (with the order made from them, in
//! one transaction), a household's recent calls, one work order. The board is in `board.rs`.

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, WorkOrder};
use tokio_postgres::Row;
use uuid::Uuid;

use super::super::admin;
use crate::error::{Error, Result};
use crate::storage::console::{Call, CallOutcome};

/// The searches a query is tried with, best match first: the account number, the phone, then
/// words of the address or the owner's name (a scan: fast enough for an office search over a
/// city's households). Each in id order, so the same query finds the same homes (SQLite
/// scans in the order they were imported, which for ids made in time order is the same).
const SEARCHES: [&str; 3] = [
    "SELECT record FROM households WHERE account_no = $1 LIMIT $2",
    "SELECT record FROM households WHERE phone = $1 ORDER BY id LIMIT $2",
    "SELECT h.record FROM households h, LATERAL (SELECT h.record::jsonb AS j) r
     WHERE strpos(r.j ->> 'address', $1) > 0 OR strpos(r.j ->> 'owner_name', $1) > 0 ORDER BY h.id LIMIT $2",
];

pub(super) async fn find_households(
    c: &impl GenericClient,
    query: &str,
    limit: u32,
) -> Result<Vec<Household>> {
    let mut out: Vec<Household> = Vec::new();
    for sql in SEARCHES {
        let stmt = c.prepare_cached(sql).await?;
        for row in c.query(&stmt, &[&query, &i64::from(limit)]).await? {
            let household: Household = serde_json::from_str(row.try_get(0)?)?;
            if !out.iter().any(|h| h.id == household.id) {
                out.push(household);
            }
        }
    }
    out.truncate(limit as usize);
    Ok(out)
}

pub(super) async fn household(c: &impl GenericClient, id: Uuid) -> Result<Option<Household>> {
    let stmt = c.prepare_cached("SELECT record FROM households WHERE id = $1").await?;
    let row = c.query_opt(&stmt, &[&id]).await?;
    row.map(|r| -> Result<Household> { Ok(serde_json::from_str(r.try_get(0)?)?) }).transpose()
}

/// The households among `ids` that exist, in the order asked.
pub(super) async fn households(c: &impl GenericClient, ids: &[Uuid]) -> Result<Vec<Household>> {
    let stmt = c.prepare_cached("SELECT record FROM households WHERE id = ANY($1)").await?;
    let mut found = Vec::new();
    for row in c.query(&stmt, &[&ids]).await? {
        found.push(serde_json::from_str::<Household>(row.try_get(0)?)?);
    }
    Ok(ids.iter().filter_map(|id| found.iter().find(|h| h.id == *id).cloned()).collect())
}

/// Records a call and the order made from it.
pub(super) async fn record_call(
    tx: &Transaction<'_>,
    call: &Call,
    order: Option<&WorkOrder>,
    clock: Hlc,
) -> Result<Option<WorkOrder>> {
    let order = match order {
        Some(order) => admin::add_work_orders(tx, std::slice::from_ref(order), clock).await?.pop(),
        None => None,
    };
    let stmt = tx
        .prepare_cached(
            "INSERT INTO calls (id, received_at, dispatcher_id, caller_name, phone, household_id, description,
                                outcome, work_order_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &call.id,
            &call.received_at,
            &call.dispatcher_id,
            &call.caller_name,
            &call.phone,
            &call.household_id,
            &call.description,
            &call.outcome.as_str(),
            &call.work_order_id,
        ],
    )
    .await?;
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
pub(super) fn call(row: &Row) -> Result<Call> {
    Ok(Call {
        id: row.try_get(0)?,
        received_at: row.try_get(1)?,
        dispatcher_id: row.try_get(2)?,
        caller_name: row.try_get(3)?,
        phone: row.try_get(4)?,
        household_id: row.try_get(5)?,
        description: row.try_get(6)?,
        outcome: outcome(row.try_get(7)?)?,
        work_order_id: row.try_get(8)?,
        work_order_number: row.try_get(9)?,
    })
}

pub(super) async fn calls(
    c: &impl GenericClient,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: u32,
) -> Result<Vec<Call>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN work_orders w ON w.id = c.work_order_id
             WHERE ($1::timestamptz IS NULL OR c.received_at >= $1)
                 AND ($2::timestamptz IS NULL OR c.received_at < $2)
             ORDER BY c.received_at DESC LIMIT $3"
        ))
        .await?;
    c.query(&stmt, &[&from, &to, &i64::from(limit)]).await?.iter().map(call).collect()
}

pub(super) async fn calls_of_household(
    c: &impl GenericClient,
    household_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<Call>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN work_orders w ON w.id = c.work_order_id
             WHERE c.household_id = $1 AND c.received_at >= $2 ORDER BY c.received_at DESC"
        ))
        .await?;
    c.query(&stmt, &[&household_id, &since]).await?.iter().map(call).collect()
}

pub(super) async fn work_order(c: &impl GenericClient, id: Uuid) -> Result<Option<WorkOrder>> {
    let stmt = c.prepare_cached("SELECT record FROM work_orders WHERE id = $1").await?;
    let row = c.query_opt(&stmt, &[&id]).await?;
    row.map(|r| -> Result<WorkOrder> { Ok(serde_json::from_str(r.try_get(0)?)?) }).transpose()
}
