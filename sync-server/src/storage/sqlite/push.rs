//! A push batch on SQLite, inside the writer's one transaction: for each entry, load what
//! [`crate::accept`] asks for, let it decide, and write what it decided (the report with its
//! facts and sums, the merged orders, the conflict log, the retry log `push_log`).

use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Role, SignedReport};
use hearth_core::protocol::{EntryResult, Outcome, Outgoing, WorkOrderEdit};
use hearth_core::rules::CityProfile;
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::{blobs, facts, orders, parse_time, parse_uuid, profile, time_text};
use crate::accept::edit::{self, BatchOrders};
use crate::accept::report::{Author, Decision, Home, Need, ReportCheck, Step, StoredReport};
use crate::error::{Error, Result};
use crate::kpi::sums::HourSums;
use crate::merge::Overruled;
use crate::storage::{Caller, CheckedEntry};

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
    let profile = profile::stored_profile(tx)?;
    for CheckedEntry { entry, report_json } in entries {
        let outcome = match &entry.change {
            // A report is its own log: sent again, it is found by its id and answered as before.
            Outgoing::Report(report) => {
                push_report(tx, caller, report, report_json, now, &profile, &mut sums)?
            }
            Outgoing::WorkOrderEdit(edit) => {
                push_edit(tx, &mut orders, caller, entry.id, entry.hlc, edit, now)?
            }
        };
        results.push(EntryResult { id: entry.id, outcome });
    }
    orders::write_back(tx, orders)?;
    facts::write_sums(tx, sums)?;
    Ok(results)
}

fn push_report(
    tx: &Transaction<'_>,
    caller: &Caller,
    signed: &SignedReport,
    json: Option<String>,
    now: DateTime<Utc>,
    profile: &CityProfile,
    sums: &mut HourSums,
) -> Result<Outcome> {
    let report = signed.report();
    let mut check = ReportCheck::new(caller, signed);
    let home = loop {
        match check.next() {
            Step::Need(Need::StoredReport(id)) => check.give_stored(stored_report(tx, id)?),
            Step::Need(Need::Household(id)) => check.give_household(household(tx, id)?),
            Step::Need(Need::Author { author, device }) => check.give_author(crew_mate(tx, author, device)?),
            Step::Need(Need::MissingBlobs(wanted)) => check.give_missing_blobs(blobs::missing(tx, wanted)?),
            Step::Decided(Decision::Answer(outcome)) => return Ok(outcome),
            Step::Decided(Decision::Conflict { outcome, overruled }) => {
                log_conflict(tx, "report", report.id, &overruled, caller, now)?;
                return Ok(outcome);
            }
            Step::Decided(Decision::Store { home }) => break home,
        }
    };
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
        home.station.to_string(),
        caller.device_id.to_string(),
        caller.user.id.to_string(),
        time_text(now),
    ])?;
    facts::record(tx, signed, home.station, home.billed_area_m2, now, profile, sums)?;
    Ok(Outcome::Accepted { received_at: now })
}

fn stored_report(tx: &Transaction<'_>, id: Uuid) -> Result<Option<StoredReport>> {
    let stored: Option<(String, String)> = tx
        .prepare_cached("SELECT record_hash, received_at FROM reports WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    stored
        .map(|(record_hash, received_at)| {
            Ok(StoredReport { record_hash, received_at: parse_time(&received_at)? })
        })
        .transpose()
}

/// The household with its billed area (the report's KPI facts need it).
fn household(tx: &Transaction<'_>, id: Uuid) -> Result<Option<Home>> {
    let home: Option<(String, Option<f64>)> = tx
        .prepare_cached(
            "SELECT station_id, json_extract(record, '$.billed_area_m2') FROM households WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    home.map(|(station, billed_area_m2)| Ok(Home { station: parse_uuid(&station)?, billed_area_m2 }))
        .transpose()
}

/// The user a report names as author, and whether they logged in on `device` (`device_users`,
/// kept at every login).
fn crew_mate(tx: &Transaction<'_>, author: Uuid, device: Uuid) -> Result<Option<Author>> {
    let found: Option<(Option<String>, String, bool)> = tx
        .prepare_cached(
            "SELECT u.station_id, u.role,
                    EXISTS (SELECT 1 FROM device_users d WHERE d.device_id = ?2 AND d.user_id = u.id)
             FROM users u WHERE u.id = ?1",
        )?
        .query_row(params![author.to_string(), device.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    found
        .map(|(station, role, used_this_device)| {
            Ok(Author {
                station: station.as_deref().map(parse_uuid).transpose()?,
                role: role.parse::<Role>().map_err(Error::Corrupt)?,
                used_this_device,
            })
        })
        .transpose()
}

fn push_edit(
    tx: &Transaction<'_>,
    orders: &mut BatchOrders,
    caller: &Caller,
    entry_id: Uuid,
    hlc: Hlc,
    change: &WorkOrderEdit,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let entry_id = entry_id.to_string();
    let earlier: Option<String> = tx
        .prepare_cached("SELECT result FROM push_log WHERE entry_id = ?1")?
        .query_row([&entry_id], |r| r.get(0))
        .optional()?;
    if let Some(json) = earlier {
        return Ok(serde_json::from_str(&json)?);
    }
    let id = change.work_order_id;
    if orders.needs(id) {
        orders.give(id, orders::load(tx, id)?);
    }
    let decision = edit::apply(orders, caller, hlc, change, now);
    for overruled in &decision.overruled {
        log_conflict(tx, "work_order", id, overruled, caller, now)?;
    }
    if decision.remember {
        tx.prepare_cached("INSERT INTO push_log (entry_id, device_id, result) VALUES (?1, ?2, ?3)")?
            .execute(params![
                entry_id,
                caller.device_id.to_string(),
                serde_json::to_string(&decision.outcome)?
            ])?;
    }
    Ok(decision.outcome)
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
