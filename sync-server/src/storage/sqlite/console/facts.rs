//! Report facts: the columns the console lists and the KPIs sum, derived from a signed report
//! when it is stored (in the push's own transaction), so no query parses report JSON.
//!
//! Device times are clamped to the server's receive time: a visit cannot have finished after
//! the record reached the office, whatever the tablet's clock said.

use chrono::{DateTime, Utc};
use hearth_core::model::{RepairOutcome, ReportBody, RoomType, SignedReport, WorkOrder};
use hearth_core::rules::{area, deadlines};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::super::time_text;
use super::office::stored_profile;
use crate::error::Result;

/// Records the facts of `signed`, stored for `station` at `received_at`.
pub(in crate::storage::sqlite) fn record(
    tx: &Transaction<'_>,
    signed: &SignedReport,
    station: &str,
    received_at: DateTime<Utc>,
) -> Result<()> {
    let report = signed.report();
    let received = time_text(received_at);
    let (mut lowest_c, mut outdoor_c, mut excused, mut billed) = (None, None, false, None);
    let (mut arrived_on_time, mut fixed_in_time, mut within_tolerance) = (None, None, None);
    match &report.body {
        ReportBody::TemperatureCheck(check) => {
            lowest_c = check
                .readings
                .iter()
                .filter(|r| matches!(r.room_type, RoomType::Bedroom | RoomType::LivingRoom))
                .map(|r| r.celsius)
                .reduce(f64::min);
            outdoor_c = check.outdoor_celsius;
            excused = check.below_design_weather || !check.findings.is_empty();
            billed = tx
                .prepare_cached(
                    "SELECT json_extract(record, '$.billed_area_m2') FROM households WHERE id = ?1",
                )?
                .query_row([report.household_id.to_string()], |r| r.get::<_, Option<f64>>(0))
                .optional()?
                .flatten();
        }
        ReportBody::RepairVisit(visit) => {
            if let Some(order_id) = report.work_order_id {
                let order: Option<String> = tx
                    .prepare_cached("SELECT record FROM work_orders WHERE id = ?1")?
                    .query_row([order_id.to_string()], |r| r.get(0))
                    .optional()?;
                if let Some(order) = order {
                    let order: WorkOrder = serde_json::from_str(&order)?;
                    let fallback = deadlines::repair_deadlines(
                        order.reported_at,
                        order.appointment,
                        &stored_profile(tx)?,
                    );
                    let arrive_by = order.arrive_by.unwrap_or(fallback.arrive_by);
                    let fix_by = order.due_by.unwrap_or(fallback.fix_by);
                    let arrived = visit.arrived_at.min(received_at);
                    let finished = visit.finished_at.min(received_at);
                    arrived_on_time = Some(arrived <= arrive_by);
                    fixed_in_time = Some(matches!(visit.outcome, RepairOutcome::Fixed) && finished <= fix_by);
                }
            }
        }
        ReportBody::AreaRemeasurement(m) => within_tolerance = Some(area::assess(m).within_tolerance),
        ReportBody::Inspection(inspection) => {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO report_violations (report_id, violation, station_id, author_id, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for v in &inspection.violations {
                insert.execute(params![
                    report.id.to_string(),
                    v.as_str(),
                    station,
                    report.author_id.to_string(),
                    received
                ])?;
            }
        }
    }
    tx.prepare_cached(
        "INSERT OR REPLACE INTO report_facts (report_id, kind, station_id, author_id, household_id,
             work_order_id, amends, created_at, received_at, satisfaction, lowest_c, outdoor_c, excused,
             billed_area_m2, arrived_on_time, fixed_in_time, area_within_tolerance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        report.id.to_string(),
        report.body.kind().as_str(),
        station,
        report.author_id.to_string(),
        report.household_id.to_string(),
        report.work_order_id.map(|w| w.to_string()),
        report.amendment.as_ref().map(|a| a.amends.to_string()),
        time_text(report.created_at),
        received,
        report.feedback.satisfaction.map(|s| s.as_str()),
        lowest_c,
        outdoor_c,
        excused,
        billed,
        arrived_on_time,
        fixed_in_time,
        within_tolerance,
    ])?;
    Ok(())
}

/// Derives the facts of reports stored before the console existed (a database upgraded from
/// the first schema). A record that no longer reads as a signed report is left out and logged.
pub(in crate::storage::sqlite) fn backfill(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    let missing: Vec<(String, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT r.record, r.station_id, r.received_at FROM reports r
             WHERE NOT EXISTS (SELECT 1 FROM report_facts f WHERE f.report_id = r.id)",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
    };
    for (record, station, received_at) in missing {
        match serde_json::from_str::<SignedReport>(&record) {
            Ok(signed) => record_facts(&tx, &signed, &station, &received_at)?,
            Err(e) => tracing::warn!(error = %e, "a stored report does not read back; it has no KPI facts"),
        }
    }
    tx.commit()?;
    Ok(())
}

fn record_facts(tx: &Transaction<'_>, signed: &SignedReport, station: &str, received_at: &str) -> Result<()> {
    record(tx, signed, station, super::super::parse_time(received_at)?)
}
