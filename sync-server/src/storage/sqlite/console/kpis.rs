//! KPI sums on SQLite, per station and crew member: the reports' counts from the hourly sums
//! (whole hours) and the facts (the part-hours at the range's ends), split and judged by
//! [`crate::kpi`], and one pass over the work orders grouped by station and assignee, which
//! also judges the repair orders' timeliness.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use hearth_core::model::{WorkOrderKind, WorkOrderStatus};
use hearth_core::rules::CityProfile;
use rusqlite::{Connection, params};
use uuid::Uuid;

use super::super::facts::{FACT_COLUMNS, from_row, with_violations};
use super::super::{parse_uuid, time_text};
use crate::error::Result;
use crate::kpi::sums::{counts, split};
use crate::kpi::{KpiCounts, RefundTierSum};
use crate::order_schema::{FINISHED, sql_list};
use crate::storage::console::KpiGroup;

type Groups = BTreeMap<(Uuid, Option<Uuid>), KpiCounts>;

pub(super) fn kpi_groups(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
) -> Result<Vec<KpiGroup>> {
    let mut groups: Groups = BTreeMap::new();
    report_counts(conn, from, to, profile, &mut groups)?;
    order_sums(conn, &time_text(from), &time_text(to), &mut groups)?;
    Ok(groups
        .into_iter()
        .map(|((station_id, crew_id), counts)| KpiGroup { station_id, crew_id, counts })
        .collect())
}

/// The KPI counts of the reports received in `[from, to)`, by station and author: the sums of
/// the whole hours inside the range, plus the facts of the part-hours at its ends.
fn report_counts(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
    out: &mut Groups,
) -> Result<()> {
    let range = split(from, to);
    for (from, to) in range.edges {
        facts_between(conn, from, to, profile, out)?;
    }
    let Some((first_whole, end_whole)) = range.whole else { return Ok(()) };
    let mut group = |row: &rusqlite::Row<'_>, c: KpiCounts| -> Result<()> {
        let key = (parse_uuid(&row.get::<_, String>(0)?)?, Some(parse_uuid(&row.get::<_, String>(1)?)?));
        out.entry(key).or_default().add(&c);
        Ok(())
    };
    let u = |row: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<u64> {
        Ok(row.get::<_, i64>(i)?.unsigned_abs())
    };
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, sum(checks_compliant), sum(checks_non_compliant), sum(checks_excused),
                sum(checks_undecided), sum(area_remeasurements), sum(area_outside_tolerance), sum(satisfied),
                sum(fairly_satisfied), sum(dissatisfied)
         FROM kpi_hours WHERE hour >= ?1 AND hour < ?2 GROUP BY station_id, author_id",
    )?;
    let mut rows = stmt.query(params![first_whole, end_whole])?;
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
        group(row, c)?;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, violation, sum(count) FROM kpi_hour_violations
         WHERE hour >= ?1 AND hour < ?2 GROUP BY station_id, author_id, violation HAVING sum(count) > 0",
    )?;
    let mut rows = stmt.query(params![first_whole, end_whole])?;
    while let Some(row) = rows.next()? {
        let mut c = KpiCounts::default();
        c.violations.insert(row.get(2)?, u(row, 3)?);
        group(row, c)?;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT station_id, author_id, tier, sum(checks), sum(billed_area_m2) FROM kpi_hour_refunds
         WHERE hour >= ?1 AND hour < ?2 GROUP BY station_id, author_id, tier HAVING sum(checks) > 0",
    )?;
    let mut rows = stmt.query(params![first_whole, end_whole])?;
    while let Some(row) = rows.next()? {
        let mut c = KpiCounts::default();
        c.refund_tiers.insert(row.get(2)?, RefundTierSum { checks: u(row, 3)?, billed_area_m2: row.get(4)? });
        group(row, c)?;
    }
    Ok(())
}

/// Adds the counts of the reports received in `[from, to)`, read from their facts.
fn facts_between(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
    out: &mut Groups,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {FACT_COLUMNS} FROM report_facts
         WHERE received_at >= ?1 AND received_at < ?2 AND superseded = 0"
    ))?;
    let mut rows = stmt.query(params![time_text(from), time_text(to)])?;
    while let Some(row) = rows.next()? {
        let f = with_violations(conn, from_row(row)?)?;
        out.entry((f.station_id, Some(f.author_id))).or_default().add(&counts(&f, profile));
    }
    Ok(())
}

/// The orders' query, its status lists built from [`crate::order_schema`].
static ORDER_SUMS: LazyLock<String> = LazyLock::new(|| {
    let finished = sql_list(&FINISHED);
    let cancelled = sql_list(&[WorkOrderStatus::Cancelled]);
    let repair = WorkOrderKind::Repair.as_str();
    format!(
        "WITH o AS (
             SELECT station_id, assignee_id, status, kind,
                    julianday(json_extract(record, '$.arrive_by')) AS arrive_by,
                    julianday(due_by) AS due_by,
                    julianday(json_extract(record, '$.arrived_at')) AS arrived_at,
                    julianday(json_extract(record, '$.done_at')) AS done_at
             FROM work_orders
             WHERE julianday(reported_at) >= julianday(?1) AND julianday(reported_at) < julianday(?2)
         ),
         judged AS (
             SELECT *,
                    arrived_at IS NOT NULL AND (arrive_by IS NULL OR arrived_at <= arrive_by) AS arrived_in_time,
                    done_at IS NOT NULL AND (due_by IS NULL OR done_at <= due_by) AS done_in_time,
                    kind = '{repair}' AND status != {cancelled} AND (
                        status IN ({finished})
                        OR (arrive_by IS NOT NULL AND coalesce(arrived_at, julianday(?3)) > arrive_by)
                        OR (due_by IS NOT NULL AND julianday(?3) > due_by)
                    ) AS decided
             FROM o
         )
         SELECT station_id, assignee_id,
                count(CASE WHEN status != {cancelled} THEN 1 END),
                count(CASE WHEN status IN ({finished}) THEN 1 END),
                count(CASE WHEN decided THEN 1 END),
                count(CASE WHEN decided AND arrived_in_time THEN 1 END),
                count(CASE WHEN decided AND done_in_time THEN 1 END),
                count(CASE WHEN decided AND arrived_in_time AND done_in_time THEN 1 END)
         FROM judged GROUP BY station_id, assignee_id"
    )
});

/// The orders' counts: closure over every order reported in the range, and the repair orders'
/// timeliness (§74-75), judged from the server's stamps (`arrived_at`, `done_at`: see
/// `crate::merge`) against the order's deadlines. A repair counts once its timeliness is
/// decided: it is finished, or a deadline it has not met has passed (so an order still within
/// both deadlines neither helps nor hurts the rate yet).
fn order_sums(conn: &Connection, from: &str, to: &str, groups: &mut Groups) -> Result<()> {
    // Compared as instants: the order's JSON times and the bounds are written differently.
    let mut stmt = conn.prepare_cached(&ORDER_SUMS)?;
    let now = time_text(Utc::now());
    let mut rows = stmt.query(params![from, to, now])?;
    let n = |row: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<u64> {
        Ok(row.get::<_, i64>(i)?.unsigned_abs())
    };
    while let Some(row) = rows.next()? {
        let station = parse_uuid(&row.get::<_, String>(0)?)?;
        let crew = row.get::<_, Option<String>>(1)?.as_deref().map(parse_uuid).transpose()?;
        let c = groups.entry((station, crew)).or_default();
        c.orders += n(row, 2)?;
        c.orders_closed += n(row, 3)?;
        c.repairs_with_deadline += n(row, 4)?;
        c.repairs_arrived_on_time += n(row, 5)?;
        c.repairs_fixed_in_time += n(row, 6)?;
        c.repairs_on_time += n(row, 7)?;
    }
    Ok(())
}
