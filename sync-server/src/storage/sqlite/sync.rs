//! Push and pull on SQLite: applying a batch of outbox entries inside the writer's one
//! transaction, and reading pages of the change feed.
//!
//! Only accepted work-order edits go to `push_log`: a rejected entry (a missing blob, say) is
//! meant to be sent again once its cause is fixed, and must then be judged afresh. A report
//! needs no log entry: it is stored under its own id, and a retry finds it there.

use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Role, SignedReport};
use hearth_core::protocol::{
    EntryResult, Incoming, Outcome, Outgoing, RejectCode, Withdrawn, WithdrawnKind, WorkOrderEdit,
};
use hearth_core::rules::{CityProfile, status};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::batch_orders::{BatchOrder, BatchOrders};
use super::console::hours::HourSums;
use super::{parse_time, parse_uuid, time_text};
use crate::error::Result;
use crate::merge::{Overruled, merge_edit};
use crate::storage::{Caller, ChangePage, CheckedEntry};

/// Which records a caller may see and change.
enum Scope {
    /// Dispatchers and admins: everything.
    Office,
    /// Technicians and inspectors: their station's records and what is assigned to them.
    Crew { station: Option<Uuid>, user: Uuid },
}

fn scope(caller: &Caller) -> Scope {
    match caller.user.role {
        Role::Dispatcher | Role::Admin => Scope::Office,
        Role::Technician | Role::Inspector => {
            Scope::Crew { station: caller.user.station_id, user: caller.user.id }
        }
    }
}

/// Gives `entity` `id` its latest state in the change feed, under a new, higher seq. If the
/// record leaves a station or a crew member (a household moved, an order reassigned), a
/// withdrawal goes to them first, so their tablets forget it (`Incoming::Withdrawn`).
pub(super) fn record_change(
    tx: &Transaction<'_>,
    entity: &str,
    id: Uuid,
    station: Option<Uuid>,
    assignee: Option<Uuid>,
    payload: &str,
) -> Result<()> {
    let id_text = id.to_string();
    let (station, assignee) = (station.map(|s| s.to_string()), assignee.map(|a| a.to_string()));
    if let Some(kind) = withdrawable(entity) {
        let seen_by: Option<(Option<String>, Option<String>)> = tx
            .prepare_cached(
                "SELECT station_id, assignee_id FROM changes WHERE entity = ?1 AND entity_id = ?2",
            )?
            .query_row(params![entity, id_text], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((old_station, old_assignee)) = seen_by {
            let withdrawal = serde_json::to_string(&Incoming::Withdrawn(Withdrawn { kind, id }))?;
            if let Some(old) = old_station.filter(|old| Some(old) != station.as_ref()) {
                replace_change(
                    tx,
                    WITHDRAWN,
                    &format!("{id_text}@station:{old}"),
                    Some(&old),
                    None,
                    &withdrawal,
                )?;
            }
            if let Some(old) = old_assignee.filter(|old| Some(old) != assignee.as_ref()) {
                replace_change(
                    tx,
                    WITHDRAWN,
                    &format!("{id_text}@assignee:{old}"),
                    None,
                    Some(&old),
                    &withdrawal,
                )?;
            }
        }
    }
    replace_change(tx, entity, &id_text, station.as_ref(), assignee.as_ref(), payload)
}

/// The `entity` of withdrawal rows in the change feed.
const WITHDRAWN: &str = "withdrawn";

/// The kind a withdrawal names, for the entities that move between stations and crews.
fn withdrawable(entity: &str) -> Option<WithdrawnKind> {
    match entity {
        "household" => Some(WithdrawnKind::Household),
        "work_order" => Some(WithdrawnKind::WorkOrder),
        _ => None,
    }
}

fn replace_change(
    tx: &Transaction<'_>,
    entity: &str,
    entity_id: &str,
    station: Option<&String>,
    assignee: Option<&String>,
    payload: &str,
) -> Result<()> {
    // REPLACE deletes the old row and inserts a new one; AUTOINCREMENT numbers it above
    // every number ever used, so devices past the old number see the new state.
    tx.prepare_cached(
        "INSERT OR REPLACE INTO changes (entity, entity_id, station_id, assignee_id, payload)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![entity, entity_id, station, assignee, payload])?;
    Ok(())
}

pub(super) fn push(
    tx: &Transaction<'_>,
    caller: &Caller,
    entries: Vec<CheckedEntry>,
    now: DateTime<Utc>,
) -> Result<Vec<EntryResult>> {
    let mut results = Vec::with_capacity(entries.len());
    let mut orders = BatchOrders::default();
    let mut sums = HourSums::default();
    // The KPI judgement of each report uses the thresholds in force: read once per batch.
    let profile = super::console::office::stored_profile(tx)?;
    for CheckedEntry { entry, report_json } in entries {
        let outcome = match &entry.change {
            // A report is its own log: sent again, it is found by its id and answered as before.
            Outgoing::Report(report) => {
                apply_report(tx, caller, report, report_json, now, &profile, &mut sums)?
            }
            Outgoing::WorkOrderEdit(edit) => {
                let entry_id = entry.id.to_string();
                let earlier: Option<String> = tx
                    .prepare_cached("SELECT result FROM push_log WHERE entry_id = ?1")?
                    .query_row([&entry_id], |r| r.get(0))
                    .optional()?;
                match earlier {
                    Some(json) => serde_json::from_str(&json)?,
                    None => {
                        let outcome = apply_edit(tx, &mut orders, caller, entry.hlc, edit, now)?;
                        if matches!(outcome, Outcome::Accepted { .. }) {
                            tx.prepare_cached(
                                "INSERT INTO push_log (entry_id, device_id, result) VALUES (?1, ?2, ?3)",
                            )?
                            .execute(params![
                                entry_id,
                                caller.device_id.to_string(),
                                serde_json::to_string(&outcome)?
                            ])?;
                        }
                        outcome
                    }
                }
            }
        };
        results.push(EntryResult { id: entry.id, outcome });
    }
    orders.write_back(tx)?;
    sums.write(tx)?;
    Ok(results)
}

fn rejected(code: RejectCode, message: String) -> Outcome {
    Outcome::Rejected { code, message }
}

fn apply_report(
    tx: &Transaction<'_>,
    caller: &Caller,
    signed: &SignedReport,
    json: Option<String>,
    now: DateTime<Utc>,
    profile: &CityProfile,
    sums: &mut HourSums,
) -> Result<Outcome> {
    let report = signed.report();
    // Stored already (a retried push): the same answer as the first time. Other content under
    // the same id is refused and logged: a signed report never changes.
    let stored: Option<(String, String)> = tx
        .prepare_cached("SELECT record_hash, received_at FROM reports WHERE id = ?1")?
        .query_row([report.id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((hash, received_at)) = stored {
        if hash == signed.record_hash().as_str() {
            return Ok(Outcome::Accepted { received_at: parse_time(&received_at)? });
        }
        log_conflict(
            tx,
            "report",
            report.id,
            &Overruled {
                field: "record_hash",
                losing_value: serde_json::Value::String(signed.record_hash().to_string()),
                winning_value: serde_json::Value::String(hash),
                losing_hlc: Hlc::ZERO,
                winning_hlc: Hlc::ZERO,
            },
            caller,
            now,
        )?;
        return Ok(rejected(
            RejectCode::Conflict,
            format!(
                "report {} is already stored with other content; a signed report never changes, \
                 record an amendment instead",
                report.id
            ),
        ));
    }

    // The household's billed area comes with it: the report's KPI facts need it.
    let home: Option<(String, Option<f64>)> = tx
        .prepare_cached(
            "SELECT station_id, json_extract(record, '$.billed_area_m2') FROM households WHERE id = ?1",
        )?
        .query_row([report.household_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((station, billed_area_m2)) = home else {
        return Ok(rejected(
            RejectCode::UnknownReference,
            format!("household {} is not known to the server", report.household_id),
        ));
    };
    let station = parse_uuid(&station)?;
    if let Scope::Crew { station: own, .. } = scope(caller)
        && own != Some(station)
    {
        return Ok(rejected(
            RejectCode::Forbidden,
            format!("household {} belongs to another station's crews", report.household_id),
        ));
    }
    if let Some(refusal) = authorship_refusal(tx, caller, report.author_id)? {
        return Ok(rejected(RejectCode::Forbidden, refusal));
    }

    let mut missing = Vec::new();
    let wanted = report
        .attachments
        .iter()
        .map(|a| &a.sha256)
        .chain(signed.signatures().iter().filter_map(|s| s.png.as_ref().map(|p| &p.sha256)));
    for sha in wanted {
        if !has_blob(tx, sha.as_str())? {
            missing.push(sha.to_string());
        }
    }
    if !missing.is_empty() {
        return Ok(rejected(
            RejectCode::BlobMissing,
            format!("upload these blobs first, then push again: {}", missing.join(", ")),
        ));
    }

    let json = match json {
        Some(json) => json,
        None => serde_json::to_string(signed)?,
    };
    tx.prepare_cached(
        "INSERT INTO reports (id, record, record_hash, household_id, station_id, device_id, delivered_by,
                              received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        report.id.to_string(),
        json,
        signed.record_hash().as_str(),
        report.household_id.to_string(),
        station.to_string(),
        caller.device_id.to_string(),
        caller.user.id.to_string(),
        time_text(now),
    ])?;
    super::console::facts::record(tx, signed, &station.to_string(), billed_area_m2, now, profile, sums)?;
    Ok(Outcome::Accepted { received_at: now })
}

/// Why a crew member may not deliver a report naming `author` (None: he may). Tablets are
/// shared within a crew, so the author may be the caller, or a technician or inspector of the
/// caller's station who has logged in on the caller's device (`device_users`, kept at every
/// login). The office delivers what it is given.
fn authorship_refusal(tx: &Transaction<'_>, caller: &Caller, author: Uuid) -> Result<Option<String>> {
    let Scope::Crew { station, user } = scope(caller) else { return Ok(None) };
    if author == user {
        return Ok(None);
    }
    let crew_mate: Option<(Option<String>, String, bool)> = tx
        .prepare_cached(
            "SELECT u.station_id, u.role,
                    EXISTS (SELECT 1 FROM device_users d WHERE d.device_id = ?2 AND d.user_id = u.id)
             FROM users u WHERE u.id = ?1",
        )?
        .query_row(params![author.to_string(), caller.device_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let refusal = match crew_mate {
        None => format!("the report names user {author} as its author, who is not known to the server"),
        Some((author_station, role, _))
            if author_station != station.map(|s| s.to_string())
                || !matches!(role.as_str(), "technician" | "inspector") =>
        {
            format!(
                "the report names user {author} as its author, who is not a crew member of your \
                 station; a report is delivered by its author or a crew mate on the same tablet"
            )
        }
        Some((_, _, false)) => format!(
            "the report names user {author} as its author, who has never logged in on this device; \
             a crew mate's report is accepted only from a tablet they used"
        ),
        Some((_, _, true)) => return Ok(None),
    };
    Ok(Some(format!("{refusal}; nothing was stored")))
}

fn apply_edit(
    tx: &Transaction<'_>,
    orders: &mut BatchOrders,
    caller: &Caller,
    hlc: Hlc,
    edit: &WorkOrderEdit,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let id = edit.work_order_id;
    let Some(BatchOrder { order, clocks, changed }) = orders.get(tx, id)? else {
        return Ok(rejected(
            RejectCode::UnknownReference,
            format!("work order {id} is not known to the server"),
        ));
    };
    if let Scope::Crew { station, user } = scope(caller) {
        if station != Some(order.station_id) && order.assignee_id != Some(user) {
            return Ok(rejected(
                RejectCode::Forbidden,
                format!("work order {id} is neither assigned to you nor to your station"),
            ));
        }
        let f = &edit.fields;
        if f.assignee_id.is_some() || f.priority.is_some() || f.due_by.is_some() {
            return Ok(rejected(
                RejectCode::Forbidden,
                "a crew member may change only an order's status and its note; assignment, priority and due time are the office's".to_owned(),
            ));
        }
        if let Some(to) = f.status.filter(|&to| !status::role_may_move(caller.user.role, to)) {
            return Ok(rejected(
                RejectCode::Forbidden,
                format!(
                    "a crew member may not move work order {id} to {to}: closing and cancelling an \
                     order are the office's (call the dispatcher); nothing was stored"
                ),
            ));
        }
    }
    let outcome = merge_edit(order, clocks, hlc, &edit.fields, now);
    *changed |= outcome.changed;
    for overruled in &outcome.overruled {
        log_conflict(tx, "work_order", id, overruled, caller, now)?;
    }
    Ok(Outcome::Accepted { received_at: now })
}

fn log_conflict(
    tx: &Transaction<'_>,
    entity: &str,
    id: Uuid,
    overruled: &Overruled,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<()> {
    let stamp = |h: Hlc| (h != Hlc::ZERO).then(|| h.to_string());
    tx.prepare_cached(
        "INSERT INTO conflicts (entity, entity_id, field, losing_value, winning_value, losing_hlc,
                                winning_hlc, device_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        entity,
        id.to_string(),
        overruled.field,
        overruled.losing_value.to_string(),
        overruled.winning_value.to_string(),
        stamp(overruled.losing_hlc),
        stamp(overruled.winning_hlc),
        caller.device_id.to_string(),
        time_text(now),
    ])?;
    Ok(())
}

pub(super) fn pull(conn: &Connection, caller: &Caller, after: u64, limit: u32) -> Result<ChangePage> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let fetch = i64::from(limit) + 1;
    let mut changes = Vec::with_capacity(limit.min(5000) as usize + 1);
    let mut read = |row: &rusqlite::Row<'_>| -> rusqlite::Result<()> {
        changes.push((row.get::<_, i64>(0)? as u64, row.get::<_, String>(1)?));
        Ok(())
    };
    match scope(caller) {
        Scope::Office => {
            let mut stmt =
                // The office sees every record where it is now: withdrawals are not for it.
                conn.prepare_cached(
                    "SELECT seq, payload FROM changes WHERE seq > ?1 AND entity != 'withdrawn' ORDER BY seq LIMIT ?2",
                )?;
            let mut rows = stmt.query(params![after, fetch])?;
            while let Some(row) = rows.next()? {
                read(row)?;
            }
        }
        Scope::Crew { station, user } => {
            // Two index range scans merged by seq, rather than `station_id = ? OR
            // assignee_id = ?`, which SQLite answers by sorting every later change of the
            // station for each page (5x slower on a 25,000-household station).
            let mut stmt = conn.prepare_cached(
                "SELECT seq, payload FROM changes WHERE seq IN (
                     SELECT seq FROM (SELECT seq FROM changes WHERE station_id = ?3 AND seq > ?1
                                      ORDER BY seq LIMIT ?2)
                     UNION ALL
                     SELECT seq FROM (SELECT seq FROM changes WHERE assignee_id = ?4 AND seq > ?1
                                      ORDER BY seq LIMIT ?2)
                 ) ORDER BY seq LIMIT ?2",
            )?;
            let mut rows =
                stmt.query(params![after, fetch, station.map(|s| s.to_string()), user.to_string()])?;
            while let Some(row) = rows.next()? {
                read(row)?;
            }
        }
    }
    let more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    Ok(ChangePage { changes, more })
}

/// How many changes above `after` the caller may see: what [`pull`] would still return, counted
/// on the indexes alone (`changes_by_station`, `changes_by_assignee`, the `(entity,
/// entity_id)` key), without reading a payload.
pub(super) fn remaining(conn: &Connection, caller: &Caller, after: u64) -> Result<u64> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let count: i64 = match scope(caller) {
        // Every change but the withdrawals (few: counted through the entity key). Counting
        // rows by seq walks the table itself (9 ms for 100,000 households), so the smaller
        // side is counted: early in a pull, all rows (on the smallest index) less those
        // already pulled.
        Scope::Office => conn
            .prepare_cached(
                "SELECT CASE WHEN ?1 * 2 < (SELECT coalesce(max(seq), 0) FROM changes)
                             THEN (SELECT count(*) FROM changes)
                                - (SELECT count(*) FROM changes WHERE seq <= ?1)
                             ELSE (SELECT count(*) FROM changes WHERE seq > ?1) END
                      - (SELECT count(*) FROM changes WHERE entity = 'withdrawn' AND seq > ?1)",
            )?
            .query_row([after], |r| r.get(0))?,
        // The station's changes, and those assigned to the caller that are not also the
        // station's (the pull's two scans, without counting a change twice).
        Scope::Crew { station, user } => conn
            .prepare_cached(
                "SELECT (SELECT count(*) FROM changes WHERE station_id = ?2 AND seq > ?1)
                      + (SELECT count(*) FROM changes WHERE assignee_id = ?3 AND seq > ?1
                                                        AND (?2 IS NULL OR station_id IS NOT ?2))",
            )?
            .query_row(params![after, station.map(|s| s.to_string()), user.to_string()], |r| r.get(0))?,
    };
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(super) fn has_blob(conn: &Connection, sha256: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?1)")?
        .query_row([sha256], |r| r.get(0))?)
}
