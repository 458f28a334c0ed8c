//! Hourly KPI sums: each report's counts ([`counts`]) added to its station's and author's sums
//! for the hour it arrived in, as it is stored. A KPI range then reads the sums of its whole
//! hours and the facts of the part-hours at its ends, so its cost does not grow with the
//! number of reports.
//!
//! Repair timeliness is not summed here: it is judged per work order from the server's
//! arrival and done stamps ([`super::kpis`]); the `repairs_*` columns stay at zero.
//!
//! Sums are judged with the city profile in force; changing the profile rebuilds them
//! ([`rebuild`]) so that they always agree with judging every report afresh.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hearth_core::rules::CityProfile;
use hearth_core::rules::compliance::refund_pct;
use rusqlite::{Connection, Transaction, params};

use super::super::parse_time;
use super::facts::{FACT_COLUMNS, Facts};
use super::waiting;
use crate::error::Result;
use crate::storage::console::{KpiCounts, RefundTierSum};

/// The compliance module's resolution: 17.999… is not below 18.
const EPSILON: f64 = 1e-6;

/// Seconds in a sum's hour.
const HOUR_S: i64 = 3600;

/// A temperature check's verdict under a city profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Verdict {
    /// No bedroom or living room measured.
    Undecided,
    Compliant,
    /// Below the standard, but excused (design weather, user-caused).
    Excused,
    /// Below the standard: the refund percent its shortfall earns (0 if none).
    NonCompliant {
        refund_pct: f64,
    },
}

/// Judges a temperature check's facts the way `hearth_core::rules::compliance` judges the check.
pub(super) fn verdict(f: &Facts, profile: &CityProfile) -> Verdict {
    match f.lowest_c {
        None => Verdict::Undecided,
        Some(lowest) if lowest >= profile.indoor_standard_c - EPSILON => Verdict::Compliant,
        Some(_) if f.excused || f.outdoor_c.is_some_and(|o| o < profile.design_outdoor_c) => Verdict::Excused,
        Some(lowest) => {
            Verdict::NonCompliant { refund_pct: refund_pct(profile.indoor_standard_c - lowest, profile) }
        }
    }
}

/// The refund percent of a tier, as the key the counts use.
fn tier_key(pct: f64) -> String {
    format!("{pct}")
}

/// What one report adds to the KPI counts; an inspection's violations are in `violations`.
pub(super) fn counts(f: &Facts, violations: &[String], profile: &CityProfile) -> KpiCounts {
    let mut c = KpiCounts::default();
    for v in violations {
        *c.violations.entry(v.clone()).or_default() += 1;
    }
    match f.kind.as_str() {
        "temperature_check" => match verdict(f, profile) {
            Verdict::Undecided => c.checks_undecided = 1,
            Verdict::Compliant => c.checks_compliant = 1,
            Verdict::Excused => c.checks_excused = 1,
            Verdict::NonCompliant { refund_pct } => {
                c.checks_non_compliant = 1;
                if refund_pct > 0.0 {
                    c.refund_tiers.insert(
                        tier_key(refund_pct),
                        RefundTierSum { checks: 1, billed_area_m2: f.billed_area_m2.unwrap_or(0.0) },
                    );
                }
            }
        },
        "area_remeasurement" => {
            c.area_remeasurements = u64::from(f.area_within_tolerance.is_some());
            c.area_outside_tolerance = u64::from(f.area_within_tolerance == Some(false));
        }
        _ => {}
    }
    match f.satisfaction.as_deref() {
        Some("satisfied") => c.satisfied = 1,
        Some("fairly_satisfied") => c.fairly_satisfied = 1,
        Some(_) => c.dissatisfied = 1,
        None => {}
    }
    c
}

/// The hour a stored time falls in.
fn hour_of(received_at: &str) -> Result<i64> {
    Ok(parse_time(received_at)?.timestamp().div_euclid(HOUR_S))
}

/// The KPI sums a transaction adds to or takes from, gathered per hour, station and author and
/// written once at its end ([`HourSums::write`]): a push of 1,000 reports from one crew
/// member updates one row, not a thousand.
#[derive(Debug, Default)]
pub(in crate::storage::sqlite) struct HourSums {
    /// (hour, station, author, sign: 1 to add, -1 to take away) → the counts.
    sums: HashMap<(i64, String, String, i64), KpiCounts>,
}

impl HourSums {
    /// Adds (`sign` 1) or takes away (`sign` -1) one report's counts.
    pub(super) fn note(
        &mut self,
        f: &Facts,
        violations: &[String],
        profile: &CityProfile,
        sign: i64,
    ) -> Result<()> {
        let key = (hour_of(&f.received_at)?, f.station_id.clone(), f.author_id.clone(), sign);
        self.sums.entry(key).or_default().add(&counts(f, violations, profile));
        Ok(())
    }

    /// Writes the gathered sums into the hourly tables.
    pub(in crate::storage::sqlite) fn write(self, tx: &Transaction<'_>) -> Result<()> {
        for ((hour, station, author, sign), c) in self.sums {
            add(tx, hour, &station, &author, &c, sign)?;
        }
        Ok(())
    }
}

/// Counts one report in `sums` (`sign` 1) or takes it out (`sign` -1), and keeps the
/// household's place in the waiting list up to date.
pub(super) fn count(
    tx: &Transaction<'_>,
    sums: &mut HourSums,
    f: &Facts,
    violations: &[String],
    profile: &CityProfile,
    sign: i64,
) -> Result<()> {
    sums.note(f, violations, profile, sign)?;
    if sign > 0 && f.kind == "temperature_check" {
        waiting::note_check(tx, f, verdict(f, profile))?;
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
pub(in crate::storage::sqlite) fn rebuild(tx: &Transaction<'_>, profile: &CityProfile) -> Result<()> {
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
        let f = Facts::from_row(row)?;
        let violations = violations_of(tx, &f)?;
        count(tx, &mut sums, &f, &violations, profile, 1)?;
    }
    sums.write(tx)
}

/// The KPI counts of the reports received in `[from, to)`, by station and author: the sums of
/// the whole hours inside the range, plus the facts of the part-hours at its ends.
pub(super) fn report_counts(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
) -> Result<HashMap<(String, String), KpiCounts>> {
    let mut out: HashMap<(String, String), KpiCounts> = HashMap::new();
    let first_whole = from.timestamp().div_euclid(HOUR_S)
        + i64::from(from.timestamp().rem_euclid(HOUR_S) != 0 || from.timestamp_subsec_nanos() != 0);
    let end_whole = to.timestamp().div_euclid(HOUR_S);
    if first_whole >= end_whole {
        facts_between(conn, from, to, profile, &mut out)?;
        return Ok(out);
    }
    let hour_start = |h: i64| DateTime::<Utc>::from_timestamp(h * HOUR_S, 0).unwrap_or(from);
    facts_between(conn, from, hour_start(first_whole), profile, &mut out)?;
    facts_between(conn, hour_start(end_whole), to, profile, &mut out)?;

    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, sum(checks_compliant), sum(checks_non_compliant), sum(checks_excused),
                sum(checks_undecided), sum(area_remeasurements), sum(area_outside_tolerance), sum(satisfied),
                sum(fairly_satisfied), sum(dissatisfied)
         FROM kpi_hours WHERE hour >= ?1 AND hour < ?2 GROUP BY station_id, author_id",
    )?;
    let mut rows = stmt.query(params![first_whole, end_whole])?;
    let u = |row: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<u64> {
        Ok(row.get::<_, i64>(i)?.unsigned_abs())
    };
    while let Some(row) = rows.next()? {
        let c = KpiCounts {
            checks_compliant: u(row, 2)?,
            checks_non_compliant: u(row, 3)?,
            checks_excused: u(row, 4)?,
            checks_undecided: u(row, 5)?,
            area_remeasurements: u(row, 6)?,
            area_outside_tolerance: u(row, 7)?,
            satisfied: u(row, 8)?,
            fairly_satisfied: u(row, 9)?,
            dissatisfied: u(row, 10)?,
            ..KpiCounts::default()
        };
        out.entry((row.get(0)?, row.get(1)?)).or_default().add(&c);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, violation, sum(count) FROM kpi_hour_violations
         WHERE hour >= ?1 AND hour < ?2 GROUP BY station_id, author_id, violation HAVING sum(count) > 0",
    )?;
    let mut rows = stmt.query(params![first_whole, end_whole])?;
    while let Some(row) = rows.next()? {
        let mut c = KpiCounts::default();
        c.violations.insert(row.get(2)?, u(row, 3)?);
        out.entry((row.get(0)?, row.get(1)?)).or_default().add(&c);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, tier, sum(checks), sum(billed_area_m2) FROM kpi_hour_refunds
         WHERE hour >= ?1 AND hour < ?2 GROUP BY station_id, author_id, tier HAVING sum(checks) > 0",
    )?;
    let mut rows = stmt.query(params![first_whole, end_whole])?;
    while let Some(row) = rows.next()? {
        let mut c = KpiCounts::default();
        c.refund_tiers.insert(row.get(2)?, RefundTierSum { checks: u(row, 3)?, billed_area_m2: row.get(4)? });
        out.entry((row.get(0)?, row.get(1)?)).or_default().add(&c);
    }
    Ok(out)
}

/// Adds the counts of the reports received in `[from, to)`, read from their facts.
fn facts_between(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
    out: &mut HashMap<(String, String), KpiCounts>,
) -> Result<()> {
    if from >= to {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {FACT_COLUMNS} FROM report_facts
         WHERE received_at >= ?1 AND received_at < ?2 AND superseded = 0"
    ))?;
    let mut rows = stmt.query(params![super::super::time_text(from), super::super::time_text(to)])?;
    while let Some(row) = rows.next()? {
        let f = Facts::from_row(row)?;
        let violations = violations_of(conn, &f)?;
        out.entry((f.station_id.clone(), f.author_id.clone())).or_default().add(&counts(
            &f,
            &violations,
            profile,
        ));
    }
    Ok(())
}

/// The violations an inspection's report found.
pub(super) fn violations_of(conn: &Connection, f: &Facts) -> Result<Vec<String>> {
    if f.kind != "inspection" {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT violation FROM report_violations WHERE report_id = ?1")?;
    let found = stmt.query_map([&f.report_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(found)
}
