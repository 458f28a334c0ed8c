//! Report facts: the columns the console lists and the KPIs sum, derived from a signed report
//! when it is stored (in the push's own transaction), so no query parses report JSON. The
//! same transaction adds the report to its hour's KPI sums ([`super::hours`]).
//!
//! Device times are clamped to the server's receive time: a visit cannot have finished after
//! the record reached the office, whatever the tablet's clock said.
//!
//! An amendment takes the place of the report it corrects: the original is marked
//! `superseded` and leaves the KPI sums, so a corrected visit is counted once.

use chrono::{DateTime, Utc};
use hearth_core::model::{RepairOutcome, ReportBody, RoomType, SignedReport, WorkOrder};
use hearth_core::rules::{CityProfile, area, deadlines};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::super::{parse_time, time_text};
use super::hours::{self, HourSums};
use super::office::stored_profile;
use crate::error::Result;

/// The facts of one report, as `report_facts` keeps them.
#[derive(Debug, Clone, Default)]
pub(in crate::storage::sqlite) struct Facts {
    pub report_id: String,
    pub kind: String,
    pub station_id: String,
    pub author_id: String,
    pub household_id: String,
    pub received_at: String,
    pub satisfaction: Option<String>,
    /// Temperature checks: the lowest bedroom/living-room reading, and what may excuse it.
    pub lowest_c: Option<f64>,
    pub outdoor_c: Option<f64>,
    pub excused: bool,
    pub billed_area_m2: Option<f64>,
    /// Repair visits, judged against their order's deadlines when the report arrived.
    pub arrived_on_time: Option<bool>,
    pub fixed_in_time: Option<bool>,
    /// Area re-measurements.
    pub area_within_tolerance: Option<bool>,
}

/// The `report_facts` columns [`Facts::from_row`] reads, in its order.
pub(in crate::storage::sqlite) const FACT_COLUMNS: &str = "report_id, kind, station_id, author_id, household_id, \
     received_at, satisfaction, lowest_c, outdoor_c, excused, billed_area_m2, arrived_on_time, fixed_in_time, \
     area_within_tolerance";

impl Facts {
    pub(in crate::storage::sqlite) fn from_row(row: &Row<'_>) -> rusqlite::Result<Facts> {
        Ok(Facts {
            report_id: row.get(0)?,
            kind: row.get(1)?,
            station_id: row.get(2)?,
            author_id: row.get(3)?,
            household_id: row.get(4)?,
            received_at: row.get(5)?,
            satisfaction: row.get(6)?,
            lowest_c: row.get(7)?,
            outdoor_c: row.get(8)?,
            excused: row.get(9)?,
            billed_area_m2: row.get(10)?,
            arrived_on_time: row.get(11)?,
            fixed_in_time: row.get(12)?,
            area_within_tolerance: row.get(13)?,
        })
    }
}

/// Records the facts of `signed`, stored for `station` (whose household's billed area the
/// caller read with it) at `received_at`, and counts it in the
/// KPI sums (in place of the report it amends, if any).
pub(in crate::storage::sqlite) fn record(
    tx: &Transaction<'_>,
    signed: &SignedReport,
    station: &str,
    billed_area_m2: Option<f64>,
    received_at: DateTime<Utc>,
    profile: &CityProfile,
    sums: &mut HourSums,
) -> Result<()> {
    let report = signed.report();
    let received = time_text(received_at);
    let mut facts = Facts {
        report_id: report.id.to_string(),
        kind: report.body.kind().as_str().to_owned(),
        station_id: station.to_owned(),
        author_id: report.author_id.to_string(),
        household_id: report.household_id.to_string(),
        received_at: received.clone(),
        satisfaction: report.feedback.satisfaction.map(|s| s.as_str().to_owned()),
        ..Facts::default()
    };
    let mut violations: Vec<String> = Vec::new();
    match &report.body {
        ReportBody::TemperatureCheck(check) => {
            facts.lowest_c = check
                .readings
                .iter()
                .filter(|r| matches!(r.room_type, RoomType::Bedroom | RoomType::LivingRoom))
                .map(|r| r.celsius)
                .reduce(f64::min);
            facts.outdoor_c = check.outdoor_celsius;
            facts.excused = check.below_design_weather || !check.findings.is_empty();
            facts.billed_area_m2 = billed_area_m2;
        }
        ReportBody::RepairVisit(visit) => {
            if let Some(order_id) = report.work_order_id {
                let order: Option<String> = tx
                    .prepare_cached("SELECT record FROM work_orders WHERE id = ?1")?
                    .query_row([order_id.to_string()], |r| r.get(0))
                    .optional()?;
                if let Some(order) = order {
                    let order: WorkOrder = serde_json::from_str(&order)?;
                    let fallback = deadlines::repair_deadlines(order.reported_at, order.appointment, profile);
                    let arrive_by = order.arrive_by.unwrap_or(fallback.arrive_by);
                    let fix_by = order.due_by.unwrap_or(fallback.fix_by);
                    let arrived = visit.arrived_at.min(received_at);
                    let finished = visit.finished_at.min(received_at);
                    facts.arrived_on_time = Some(arrived <= arrive_by);
                    facts.fixed_in_time =
                        Some(matches!(visit.outcome, RepairOutcome::Fixed) && finished <= fix_by);
                }
            }
        }
        ReportBody::AreaRemeasurement(m) => {
            facts.area_within_tolerance = Some(area::assess(m).within_tolerance)
        }
        ReportBody::Inspection(inspection) => {
            violations.extend(inspection.violations.iter().map(|v| v.as_str().to_owned()));
        }
    }
    let mut insert_violation = tx.prepare_cached(
        "INSERT OR IGNORE INTO report_violations (report_id, violation, station_id, author_id, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for v in &violations {
        insert_violation.execute(params![facts.report_id, v, station, facts.author_id, received])?;
    }
    tx.prepare_cached(
        "INSERT INTO report_facts (report_id, kind, station_id, author_id, household_id,
             work_order_id, amends, created_at, received_at, satisfaction, lowest_c, outdoor_c, excused,
             billed_area_m2, arrived_on_time, fixed_in_time, area_within_tolerance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        facts.report_id,
        facts.kind,
        station,
        facts.author_id,
        facts.household_id,
        report.work_order_id.map(|w| w.to_string()),
        report.amendment.as_ref().map(|a| a.amends.to_string()),
        time_text(report.created_at),
        received,
        facts.satisfaction,
        facts.lowest_c,
        facts.outdoor_c,
        facts.excused,
        facts.billed_area_m2,
        facts.arrived_on_time,
        facts.fixed_in_time,
        facts.area_within_tolerance,
    ])?;
    if let Some(amendment) = &report.amendment {
        supersede(tx, amendment.amends, profile, sums)?;
    }
    hours::count(tx, sums, &facts, &violations, profile, 1)?;
    Ok(())
}

/// Takes the report `id` out of the KPIs: an amendment of it has arrived. A report amended
/// twice leaves them once.
fn supersede(tx: &Transaction<'_>, id: Uuid, profile: &CityProfile, sums: &mut HourSums) -> Result<()> {
    let id = id.to_string();
    let original = tx
        .prepare_cached(&format!(
            "SELECT {FACT_COLUMNS} FROM report_facts WHERE report_id = ?1 AND superseded = 0"
        ))?
        .query_row([&id], Facts::from_row)
        .optional()?;
    let Some(original) = original else { return Ok(()) };
    let violations = hours::violations_of(tx, &original)?;
    tx.prepare_cached("UPDATE report_facts SET superseded = 1 WHERE report_id = ?1")?.execute([&id])?;
    tx.prepare_cached("DELETE FROM waiting_checks WHERE report_id = ?1")?.execute([&id])?;
    hours::count(tx, sums, &original, &violations, profile, -1)
}

/// Derives the facts of reports stored before the console existed (a database upgraded from
/// the first schema), then the KPI sums if they are missing. A record that no longer reads as
/// a signed report is left out and logged.
pub(in crate::storage::sqlite) fn backfill(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    let profile = stored_profile(&tx)?;
    let missing: Vec<(String, String, String, Option<f64>)> = {
        let mut stmt = tx.prepare(
            "SELECT r.record, r.station_id, r.received_at, json_extract(h.record, '$.billed_area_m2')
             FROM reports r LEFT JOIN households h ON h.id = r.household_id
             WHERE NOT EXISTS (SELECT 1 FROM report_facts f WHERE f.report_id = r.id)
             ORDER BY r.rowid",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    // Facts kept without sums (a database from before the sums): every sum is rebuilt below.
    let sums_missing: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM report_facts) AND NOT EXISTS (SELECT 1 FROM kpi_hours)",
        [],
        |r| r.get(0),
    )?;
    let mut sums = HourSums::default();
    for (json, station, received_at, billed) in missing {
        match serde_json::from_str::<SignedReport>(&json) {
            Ok(signed) => {
                record(&tx, &signed, &station, billed, parse_time(&received_at)?, &profile, &mut sums)?
            }
            Err(e) => tracing::warn!(error = %e, "a stored report does not read back; it has no KPI facts"),
        }
    }
    if sums_missing {
        hours::rebuild(&tx, &profile)?;
    } else {
        sums.write(&tx)?;
    }
    tx.commit()?;
    Ok(())
}
