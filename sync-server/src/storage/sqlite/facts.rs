//! Report facts, hourly KPI sums and the waiting list on SQLite, as the push keeps them in its
//! own transaction (tables `report_facts`, `report_violations`, `kpi_hours`,
//! `kpi_hour_refunds`, `kpi_hour_violations`, `waiting_checks`). What the facts are, what a
//! report adds to the sums and what it does to the waiting list is decided by [`crate::kpi`];
//! this module writes and reads the rows.
//!
//! An amendment takes the place of the report it corrects (`crate::kpi::record`): the original
//! is marked `superseded` and leaves the sums, so a corrected visit is counted once.

use chrono::{DateTime, Utc};
use hearth_core::model::{ReportKind, Satisfaction, SignedReport};
use hearth_core::rules::CityProfile;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::{orders, parse_time, parse_uuid, profile, time_text};
use crate::error::{Error, Result};
use crate::kpi::KpiCounts;
use crate::kpi::facts::{self, Facts};
use crate::kpi::record;
use crate::kpi::sums::HourSums;
use crate::kpi::waiting::Note;

/// The `report_facts` columns [`from_row`] reads, in its order.
pub(super) const FACT_COLUMNS: &str = "report_id, kind, station_id, author_id, household_id, \
     received_at, satisfaction, lowest_c, outdoor_c, excused, billed_area_m2, arrived_on_time, fixed_in_time, \
     area_within_tolerance, work_order_id, amends, created_at";

/// Facts read with [`FACT_COLUMNS`], without their violations ([`with_violations`]).
pub(super) fn from_row(row: &Row<'_>) -> Result<Facts> {
    let uuid = |s: Option<String>| s.as_deref().map(parse_uuid).transpose();
    let kind: String = row.get(1)?;
    let satisfaction: Option<String> = row.get(6)?;
    Ok(Facts {
        report_id: parse_uuid(&row.get::<_, String>(0)?)?,
        kind: kind.parse::<ReportKind>().map_err(Error::Corrupt)?,
        station_id: parse_uuid(&row.get::<_, String>(2)?)?,
        author_id: parse_uuid(&row.get::<_, String>(3)?)?,
        household_id: parse_uuid(&row.get::<_, String>(4)?)?,
        received_at: parse_time(&row.get::<_, String>(5)?)?,
        satisfaction: satisfaction
            .as_deref()
            .map(str::parse::<Satisfaction>)
            .transpose()
            .map_err(Error::Corrupt)?,
        lowest_c: row.get(7)?,
        outdoor_c: row.get(8)?,
        excused: row.get(9)?,
        billed_area_m2: row.get(10)?,
        arrived_on_time: row.get(11)?,
        fixed_in_time: row.get(12)?,
        area_within_tolerance: row.get(13)?,
        work_order_id: uuid(row.get(14)?)?,
        amends: uuid(row.get(15)?)?,
        created_at: parse_time(&row.get::<_, String>(16)?)?,
        violations: Vec::new(),
    })
}

/// `f` with the violations its inspection found.
pub(super) fn with_violations(conn: &Connection, mut f: Facts) -> Result<Facts> {
    if f.kind == ReportKind::Inspection {
        let mut stmt = conn.prepare_cached("SELECT violation FROM report_violations WHERE report_id = ?1")?;
        f.violations =
            stmt.query_map([f.report_id.to_string()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    }
    Ok(f)
}

/// Derives and records the facts of `signed`, stored for `station` at `received_at`, and counts
/// it in `sums` (in place of the report it amends, if any).
pub(super) fn record(
    tx: &Transaction<'_>,
    signed: &SignedReport,
    station: Uuid,
    billed_area_m2: Option<f64>,
    received_at: DateTime<Utc>,
    profile: &CityProfile,
    sums: &mut HourSums,
) -> Result<()> {
    let order = match facts::order_needed(signed) {
        Some(id) => orders::order(tx, id)?,
        None => None,
    };
    let f = facts::derive(signed, station, billed_area_m2, received_at, order.as_ref(), profile);
    let original = match f.amends {
        Some(amends) => current_facts(tx, amends)?,
        None => None,
    };
    let plan = record::plan(&f, original.as_ref(), profile, sums);
    insert(tx, &f)?;
    if let Some(id) = plan.supersede {
        let id = id.to_string();
        tx.prepare_cached("UPDATE report_facts SET superseded = 1 WHERE report_id = ?1")?.execute([&id])?;
        tx.prepare_cached("DELETE FROM waiting_checks WHERE report_id = ?1")?.execute([&id])?;
    }
    note_waiting(tx, &f, plan.waiting)
}

fn insert(tx: &Transaction<'_>, f: &Facts) -> Result<()> {
    let (id, station, author, received) = (
        f.report_id.to_string(),
        f.station_id.to_string(),
        f.author_id.to_string(),
        time_text(f.received_at),
    );
    let mut insert_violation = tx.prepare_cached(
        "INSERT OR IGNORE INTO report_violations (report_id, violation, station_id, author_id, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for v in &f.violations {
        insert_violation.execute(params![id, v, station, author, received])?;
    }
    tx.prepare_cached(
        "INSERT INTO report_facts (report_id, kind, station_id, author_id, household_id,
             work_order_id, amends, created_at, received_at, satisfaction, lowest_c, outdoor_c, excused,
             billed_area_m2, arrived_on_time, fixed_in_time, area_within_tolerance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        id,
        f.kind.as_str(),
        station,
        author,
        f.household_id.to_string(),
        f.work_order_id.map(|w| w.to_string()),
        f.amends.map(|a| a.to_string()),
        time_text(f.created_at),
        received,
        f.satisfaction.map(Satisfaction::as_str),
        f.lowest_c,
        f.outdoor_c,
        f.excused,
        f.billed_area_m2,
        f.arrived_on_time,
        f.fixed_in_time,
        f.area_within_tolerance,
    ])?;
    Ok(())
}

/// The facts of report `id`, if they still count (not superseded).
fn current_facts(tx: &Transaction<'_>, id: Uuid) -> Result<Option<Facts>> {
    let found = tx
        .prepare_cached(&format!(
            "SELECT {FACT_COLUMNS} FROM report_facts WHERE report_id = ?1 AND superseded = 0"
        ))?
        .query_row([id.to_string()], |row| Ok(from_row(row)))
        .optional()?
        .transpose()?;
    found.map(|f| with_violations(tx, f)).transpose()
}

/// A household's newest temperature check: a non-compliant one puts (or keeps) it on the
/// list, any other verdict takes it off. An older check than the one noted changes nothing.
fn note_waiting(tx: &Transaction<'_>, f: &Facts, note: Option<Note>) -> Result<()> {
    let (household, received) = (f.household_id.to_string(), time_text(f.received_at));
    let Some(note) = note else { return Ok(()) };
    match note {
        Note::Put { lowest_c } => {
            tx.prepare_cached(
                "INSERT INTO waiting_checks (household_id, station_id, report_id, received_at, lowest_c)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO UPDATE SET station_id = excluded.station_id, report_id = excluded.report_id,
                     received_at = excluded.received_at, lowest_c = excluded.lowest_c
                 WHERE excluded.received_at >= waiting_checks.received_at",
            )?
            .execute(params![
                household,
                f.station_id.to_string(),
                f.report_id.to_string(),
                received,
                lowest_c
            ])?;
        }
        Note::Clear => {
            tx.prepare_cached("DELETE FROM waiting_checks WHERE household_id = ?1 AND received_at <= ?2")?
                .execute(params![household, received])?;
        }
    }
    Ok(())
}

/// Writes the gathered sums into the hourly tables.
pub(super) fn write_sums(tx: &Transaction<'_>, sums: HourSums) -> Result<()> {
    for (key, c) in sums.into_rows() {
        add(tx, key.hour, &key.station_id.to_string(), &key.author_id.to_string(), &c, key.sign)?;
    }
    Ok(())
}

fn add(tx: &Transaction<'_>, hour: i64, station: &str, author: &str, c: &KpiCounts, sign: i64) -> Result<()> {
    let n = |v: u64| sign * i64::try_from(v).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "INSERT INTO kpi_hours (hour, station_id, author_id, repairs_with_deadline, repairs_arrived_on_time,
             repairs_fixed_in_time, checks_compliant, checks_non_compliant, checks_excused, checks_undecided,
             area_remeasurements, area_outside_tolerance, satisfied, fairly_satisfied, dissatisfied)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT DO UPDATE SET
             repairs_with_deadline = repairs_with_deadline + excluded.repairs_with_deadline,
             repairs_arrived_on_time = repairs_arrived_on_time + excluded.repairs_arrived_on_time,
             repairs_fixed_in_time = repairs_fixed_in_time + excluded.repairs_fixed_in_time,
             checks_compliant = checks_compliant + excluded.checks_compliant,
             checks_non_compliant = checks_non_compliant + excluded.checks_non_compliant,
             checks_excused = checks_excused + excluded.checks_excused,
             checks_undecided = checks_undecided + excluded.checks_undecided,
             area_remeasurements = area_remeasurements + excluded.area_remeasurements,
             area_outside_tolerance = area_outside_tolerance + excluded.area_outside_tolerance,
             satisfied = satisfied + excluded.satisfied,
             fairly_satisfied = fairly_satisfied + excluded.fairly_satisfied,
             dissatisfied = dissatisfied + excluded.dissatisfied",
    )?
    .execute(params![
        hour,
        station,
        author,
        n(c.repairs_with_deadline),
        n(c.repairs_arrived_on_time),
        n(c.repairs_fixed_in_time),
        n(c.checks_compliant),
        n(c.checks_non_compliant),
        n(c.checks_excused),
        n(c.checks_undecided),
        n(c.area_remeasurements),
        n(c.area_outside_tolerance),
        n(c.satisfied),
        n(c.fairly_satisfied),
        n(c.dissatisfied),
    ])?;
    let mut refund = tx.prepare_cached(
        "INSERT INTO kpi_hour_refunds (hour, station_id, author_id, tier, checks, billed_area_m2)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO UPDATE SET checks = checks + excluded.checks,
             billed_area_m2 = billed_area_m2 + excluded.billed_area_m2",
    )?;
    for (tier, sum) in &c.refund_tiers {
        refund.execute(params![
            hour,
            station,
            author,
            tier,
            n(sum.checks),
            sign as f64 * sum.billed_area_m2
        ])?;
    }
    let mut violation = tx.prepare_cached(
        "INSERT INTO kpi_hour_violations (hour, station_id, author_id, violation, count) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO UPDATE SET count = count + excluded.count",
    )?;
    for (v, count) in &c.violations {
        violation.execute(params![hour, station, author, v, n(*count)])?;
    }
    Ok(())
}

/// Recomputes every sum and the waiting list from the facts, judged with `profile`.
pub(super) fn rebuild(tx: &Transaction<'_>, profile: &CityProfile) -> Result<()> {
    tx.execute_batch(
        "DELETE FROM kpi_hours; DELETE FROM kpi_hour_refunds; DELETE FROM kpi_hour_violations;
         DELETE FROM waiting_checks;",
    )?;
    let mut sums = HourSums::default();
    let mut stmt = tx.prepare(&format!(
        "SELECT {FACT_COLUMNS} FROM report_facts WHERE superseded = 0 ORDER BY received_at, report_id"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let f = with_violations(tx, from_row(row)?)?;
        note_waiting(tx, &f, record::count(&f, profile, &mut sums))?;
    }
    write_sums(tx, sums)
}

/// Derives the facts of reports stored before the console existed (a database upgraded from
/// the first schema), then the KPI sums if they are missing. A record that no longer reads as
/// a signed report is left out and logged.
pub(super) fn backfill(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    let profile = profile::stored_profile(&tx)?;
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
            Ok(signed) => record(
                &tx,
                &signed,
                parse_uuid(&station)?,
                billed,
                parse_time(&received_at)?,
                &profile,
                &mut sums,
            )?,
            Err(e) => tracing::warn!(error = %e, "a stored report does not read back; it has no KPI facts"),
        }
    }
    if sums_missing {
        rebuild(&tx, &profile)?;
    } else {
        write_sums(&tx, sums)?;
    }
    tx.commit()?;
    Ok(())
}
