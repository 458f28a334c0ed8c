//! KPI sums on SQLite: one pass over the report facts of a date range grouped by station and
//! author, one over the work orders grouped by station and assignee, one over violations.
//! Compliance and refund tiers are judged in SQL with the profile's thresholds, the same way
//! `hearth_core::rules::compliance` judges one check.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hearth_core::rules::CityProfile;
use hearth_core::rules::compliance::refund_pct;
use rusqlite::{Connection, params};

use super::super::{parse_time, parse_uuid, time_text};
use crate::error::Result;
use crate::storage::console::{KpiCounts, KpiGroup, WaitingHousehold};

/// The compliance module's resolution: 17.999… is not below 18.
const EPSILON: f64 = 1e-6;

/// SQL for "below the standard and not excused" (?3: standard − ε, ?4: design temperature).
const NON_COMPLIANT: &str = "(lowest_c < ?3 AND NOT (excused OR coalesce(outdoor_c < ?4, 0)))";

/// The refund percent of a tier, as the key the counts use.
fn tier_key(pct: f64) -> String {
    format!("{pct}")
}

type Groups = BTreeMap<(String, Option<String>), KpiCounts>;

pub(super) fn kpi_groups(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
) -> Result<Vec<KpiGroup>> {
    let (from, to) = (time_text(from), time_text(to));
    let mut groups = Groups::new();
    report_sums(conn, &from, &to, profile, &mut groups)?;
    order_sums(conn, &from, &to, &mut groups)?;
    violation_sums(conn, &from, &to, &mut groups)?;
    groups
        .into_iter()
        .map(|((station, crew), counts)| {
            Ok(KpiGroup {
                station_id: parse_uuid(&station)?,
                crew_id: crew.as_deref().map(parse_uuid).transpose()?,
                counts,
            })
        })
        .collect()
}

fn report_sums(
    conn: &Connection,
    from: &str,
    to: &str,
    profile: &CityProfile,
    groups: &mut Groups,
) -> Result<()> {
    // Temperature checks, grouped by their lowest reading: each group is judged here with the
    // compliance rules, so the per-row work in SQL is three sums.
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, lowest_c, count(*),
                count(CASE WHEN excused OR coalesce(outdoor_c < ?3, 0) THEN 1 END),
                total(CASE WHEN NOT (excused OR coalesce(outdoor_c < ?3, 0)) THEN billed_area_m2 END)
         FROM report_facts INDEXED BY report_facts_by_kind
         WHERE kind = 'temperature_check' AND received_at >= ?1 AND received_at < ?2
         GROUP BY station_id, author_id, lowest_c",
    )?;
    let standard = profile.indoor_standard_c - EPSILON;
    let mut rows = stmt.query(params![from, to, profile.design_outdoor_c])?;
    while let Some(row) = rows.next()? {
        let c = groups.entry((row.get(0)?, Some(row.get(1)?))).or_default();
        let n = row.get::<_, i64>(3)?.unsigned_abs();
        match row.get::<_, Option<f64>>(2)? {
            None => c.checks_undecided += n,
            Some(lowest) if lowest >= standard => c.checks_compliant += n,
            Some(lowest) => {
                let excused = row.get::<_, i64>(4)?.unsigned_abs();
                c.checks_excused += excused;
                c.checks_non_compliant += n - excused;
                let pct = refund_pct(profile.indoor_standard_c - lowest, profile);
                if n > excused && pct > 0.0 {
                    let sum = c.refund_tiers.entry(tier_key(pct)).or_default();
                    sum.checks += n - excused;
                    sum.billed_area_m2 += row.get::<_, f64>(5)?;
                }
            }
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, count(fixed_in_time), count(CASE WHEN arrived_on_time THEN 1 END),
                count(CASE WHEN fixed_in_time THEN 1 END)
         FROM report_facts INDEXED BY report_facts_by_kind
         WHERE kind = 'repair_visit' AND received_at >= ?1 AND received_at < ?2
         GROUP BY station_id, author_id",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(row) = rows.next()? {
        let c = groups.entry((row.get(0)?, Some(row.get(1)?))).or_default();
        c.repairs_with_deadline += row.get::<_, i64>(2)?.unsigned_abs();
        c.repairs_arrived_on_time += row.get::<_, i64>(3)?.unsigned_abs();
        c.repairs_fixed_in_time += row.get::<_, i64>(4)?.unsigned_abs();
    }
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, count(area_within_tolerance),
                count(CASE WHEN area_within_tolerance = 0 THEN 1 END)
         FROM report_facts INDEXED BY report_facts_by_kind
         WHERE kind = 'area_remeasurement' AND received_at >= ?1 AND received_at < ?2
         GROUP BY station_id, author_id",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(row) = rows.next()? {
        let c = groups.entry((row.get(0)?, Some(row.get(1)?))).or_default();
        c.area_remeasurements += row.get::<_, i64>(2)?.unsigned_abs();
        c.area_outside_tolerance += row.get::<_, i64>(3)?.unsigned_abs();
    }
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, satisfaction, count(*)
         FROM report_facts INDEXED BY report_facts_by_satisfaction
         WHERE received_at >= ?1 AND received_at < ?2 AND satisfaction IS NOT NULL
         GROUP BY station_id, author_id, satisfaction",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(row) = rows.next()? {
        let c = groups.entry((row.get(0)?, Some(row.get(1)?))).or_default();
        let n = row.get::<_, i64>(3)?.unsigned_abs();
        match row.get::<_, String>(2)?.as_str() {
            "satisfied" => c.satisfied += n,
            "fairly_satisfied" => c.fairly_satisfied += n,
            _ => c.dissatisfied += n,
        }
    }
    Ok(())
}

fn order_sums(conn: &Connection, from: &str, to: &str, groups: &mut Groups) -> Result<()> {
    // Compared as instants: the order's JSON times and the bounds are written differently.
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, assignee_id, count(CASE WHEN status != 'cancelled' THEN 1 END),
                count(CASE WHEN status IN ('done', 'could_not_complete', 'closed') THEN 1 END)
         FROM work_orders WHERE julianday(reported_at) >= julianday(?1) AND julianday(reported_at) < julianday(?2)
         GROUP BY station_id, assignee_id",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(row) = rows.next()? {
        let c = groups.entry((row.get(0)?, row.get(1)?)).or_default();
        c.orders += row.get::<_, i64>(2)?.unsigned_abs();
        c.orders_closed += row.get::<_, i64>(3)?.unsigned_abs();
    }
    Ok(())
}

fn violation_sums(conn: &Connection, from: &str, to: &str, groups: &mut Groups) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, violation, count(*) FROM report_violations
         WHERE received_at >= ?1 AND received_at < ?2 GROUP BY station_id, author_id, violation",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(row) = rows.next()? {
        let c = groups.entry((row.get(0)?, Some(row.get(1)?))).or_default();
        *c.violations.entry(row.get(2)?).or_default() += row.get::<_, i64>(3)?.unsigned_abs();
    }
    Ok(())
}

/// Households whose latest temperature check is non-compliant and whose follow-up is not done.
pub(super) fn waiting_households(conn: &Connection, profile: &CityProfile) -> Result<Vec<WaitingHousehold>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT household_id, station_id, report_id, received_at, lowest_c FROM report_facts f
         WHERE kind = 'temperature_check' AND {NON_COMPLIANT}
           AND received_at = (SELECT max(received_at) FROM report_facts g
                              WHERE g.household_id = f.household_id AND g.kind = 'temperature_check')
         ORDER BY received_at, household_id"
    ))?;
    let standard = profile.indoor_standard_c - EPSILON;
    // ?1, ?2 are unused here; the numbering keeps the shared NON_COMPLIANT text.
    let mut rows = stmt.query(params![0, 0, standard, profile.design_outdoor_c])?;
    let mut checks = Vec::new();
    while let Some(row) = rows.next()? {
        checks.push((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, f64>(4)?,
        ));
    }
    let mut orders =
        conn.prepare_cached("SELECT kind, status, reported_at FROM work_orders WHERE household_id = ?1")?;
    let mut out = Vec::new();
    for (household, station, report, received_at, lowest_c) in checks {
        let checked = parse_time(&received_at)?;
        let (mut repaired, mut follow_up_open, mut followed_up) = (false, false, false);
        let mut rows = orders.query([&household])?;
        while let Some(row) = rows.next()? {
            let (kind, status): (String, String) = (row.get(0)?, row.get(1)?);
            let reported: DateTime<Utc> = parse_time(&row.get::<_, String>(2)?)?;
            if reported < checked {
                continue;
            }
            let finished = matches!(status.as_str(), "done" | "closed");
            let open = matches!(status.as_str(), "new" | "assigned" | "en_route" | "on_site");
            match kind.as_str() {
                "repair" if finished => repaired = true,
                "follow_up" if finished => followed_up = true,
                "follow_up" if open => follow_up_open = true,
                _ => {}
            }
        }
        if followed_up {
            continue;
        }
        let stage = if follow_up_open {
            "follow_up_scheduled"
        } else if repaired {
            "awaiting_follow_up"
        } else {
            "awaiting_repair"
        };
        out.push(WaitingHousehold {
            household_id: parse_uuid(&household)?,
            station_id: parse_uuid(&station)?,
            report_id: parse_uuid(&report)?,
            checked_received_at: checked,
            lowest_c,
            stage: stage.to_owned(),
        });
    }
    Ok(out)
}
