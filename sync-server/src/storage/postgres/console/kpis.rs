//! KPI sums on PostgreSQL, per station and crew member: the reports' counts from the hourly
//! sums (whole hours) and the facts (the part-hours at the range's ends), split and judged by
//! [`crate::kpi`], and one pass over the work orders grouped by station and assignee, which
//! also judges the repair orders' timeliness.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use hearth_core::model::{WorkOrderKind, WorkOrderStatus};
use hearth_core::rules::CityProfile;
use tokio_postgres::Row;
use uuid::Uuid;

use super::super::facts::{FACT_COLUMNS, from_row, with_violations};
use crate::error::Result;
use crate::kpi::sums::{counts, split};
use crate::kpi::{KpiCounts, RefundTierSum};
use crate::order_schema::{FINISHED, sql_list};
use crate::storage::console::KpiGroup;

type Groups = BTreeMap<(Uuid, Option<Uuid>), KpiCounts>;

pub(super) async fn kpi_groups(
    c: &impl GenericClient,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
) -> Result<Vec<KpiGroup>> {
    let mut groups: Groups = BTreeMap::new();
    report_counts(c, from, to, profile, &mut groups).await?;
    order_sums(c, from, to, &mut groups).await?;
    Ok(groups
        .into_iter()
        .map(|((station_id, crew_id), counts)| KpiGroup { station_id, crew_id, counts })
        .collect())
}

/// A count column (a `bigint` sum) as a count.
fn n(row: &Row, i: usize) -> Result<u64> {
    Ok(row.try_get::<_, i64>(i)?.unsigned_abs())
}

/// Adds `c` to the group of the row's first two columns (station, author).
fn add_to(out: &mut Groups, row: &Row, c: KpiCounts) -> Result<()> {
    out.entry((row.try_get(0)?, Some(row.try_get(1)?))).or_default().add(&c);
    Ok(())
}

/// The KPI counts of the reports received in `[from, to)`, by station and author: the sums of
/// the whole hours inside the range, plus the facts of the part-hours at its ends.
async fn report_counts(
    c: &impl GenericClient,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
    out: &mut Groups,
) -> Result<()> {
    let range = split(from, to);
    for (from, to) in range.edges {
        facts_between(c, from, to, profile, out).await?;
    }
    let Some((first_whole, end_whole)) = range.whole else { return Ok(()) };
    // `sum` of a bigint is a numeric: each is cast back.
    let stmt = c
        .prepare_cached(
            "SELECT station_id, author_id, sum(checks_compliant)::bigint, sum(checks_non_compliant)::bigint,
                    sum(checks_excused)::bigint, sum(checks_undecided)::bigint, sum(area_remeasurements)::bigint,
                    sum(area_outside_tolerance)::bigint, sum(satisfied)::bigint, sum(fairly_satisfied)::bigint,
                    sum(dissatisfied)::bigint
             FROM kpi_hours WHERE hour >= $1 AND hour < $2 GROUP BY station_id, author_id",
        )
        .await?;
    for row in c.query(&stmt, &[&first_whole, &end_whole]).await? {
        let counts = KpiCounts {
            checks_compliant: n(&row, 2)?,
            checks_non_compliant: n(&row, 3)?,
            checks_excused: n(&row, 4)?,
            checks_undecided: n(&row, 5)?,
            area_remeasurements: n(&row, 6)?,
            area_outside_tolerance: n(&row, 7)?,
            satisfied: n(&row, 8)?,
            fairly_satisfied: n(&row, 9)?,
            dissatisfied: n(&row, 10)?,
            ..KpiCounts::default()
        };
        add_to(out, &row, counts)?;
    }
    let stmt = c
        .prepare_cached(
            "SELECT station_id, author_id, violation, sum(count)::bigint FROM kpi_hour_violations
             WHERE hour >= $1 AND hour < $2 GROUP BY station_id, author_id, violation HAVING sum(count) > 0",
        )
        .await?;
    for row in c.query(&stmt, &[&first_whole, &end_whole]).await? {
        let mut counts = KpiCounts::default();
        counts.violations.insert(row.try_get(2)?, n(&row, 3)?);
        add_to(out, &row, counts)?;
    }
    let stmt = c
        .prepare_cached(
            "SELECT station_id, author_id, tier, sum(checks)::bigint, sum(billed_area_m2) FROM kpi_hour_refunds
             WHERE hour >= $1 AND hour < $2 GROUP BY station_id, author_id, tier HAVING sum(checks) > 0",
        )
        .await?;
    for row in c.query(&stmt, &[&first_whole, &end_whole]).await? {
        let mut counts = KpiCounts::default();
        let sum = RefundTierSum { checks: n(&row, 3)?, billed_area_m2: row.try_get(4)? };
        counts.refund_tiers.insert(row.try_get(2)?, sum);
        add_to(out, &row, counts)?;
    }
    Ok(())
}

/// Adds the counts of the reports received in `[from, to)`, read from their facts.
async fn facts_between(
    c: &impl GenericClient,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
    out: &mut Groups,
) -> Result<()> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {FACT_COLUMNS} FROM report_facts
             WHERE received_at >= $1 AND received_at < $2 AND superseded = false"
        ))
        .await?;
    for row in c.query(&stmt, &[&from, &to]).await? {
        let f = with_violations(c, from_row(&row)?).await?;
        out.entry((f.station_id, Some(f.author_id))).or_default().add(&counts(&f, profile));
    }
    Ok(())
}

/// The orders' query, its status lists built from [`crate::order_schema`]. `$1`, `$2`: the
/// range of report times; `$3`: now.
static ORDER_SUMS: LazyLock<String> = LazyLock::new(|| {
    let finished = sql_list(&FINISHED);
    let cancelled = sql_list(&[WorkOrderStatus::Cancelled]);
    let repair = WorkOrderKind::Repair.as_str();
    format!(
        "WITH o AS (
             SELECT w.station_id, w.assignee_id, w.status, w.kind,
                    hearth_time(r.j ->> 'arrive_by') AS arrive_by,
                    hearth_time(r.j ->> 'due_by') AS due_by,
                    hearth_time(r.j ->> 'arrived_at') AS arrived_at,
                    hearth_time(r.j ->> 'done_at') AS done_at
             FROM work_orders w, LATERAL (SELECT w.record::jsonb AS j) r
             WHERE w.reported_key >= $1 AND w.reported_key < $2
         ),
         judged AS (
             SELECT *,
                    arrived_at IS NOT NULL AND (arrive_by IS NULL OR arrived_at <= arrive_by) AS arrived_in_time,
                    done_at IS NOT NULL AND (due_by IS NULL OR done_at <= due_by) AS done_in_time,
                    kind = '{repair}' AND status <> {cancelled} AND (
                        status IN ({finished})
                        OR (arrive_by IS NOT NULL AND coalesce(arrived_at, $3) > arrive_by)
                        OR (due_by IS NOT NULL AND $3 > due_by)
                    ) AS decided
             FROM o
         )
         SELECT station_id, assignee_id,
                count(*) FILTER (WHERE status <> {cancelled}),
                count(*) FILTER (WHERE status IN ({finished})),
                count(*) FILTER (WHERE decided),
                count(*) FILTER (WHERE decided AND arrived_in_time),
                count(*) FILTER (WHERE decided AND done_in_time),
                count(*) FILTER (WHERE decided AND arrived_in_time AND done_in_time)
         FROM judged GROUP BY station_id, assignee_id"
    )
});

/// The orders' counts: closure over every order reported in the range, and the repair orders'
/// timeliness (§74-75), judged from the server's stamps (`arrived_at`, `done_at`: see
/// `crate::merge`) against the order's deadlines. A repair counts once its timeliness is
/// decided: it is finished, or a deadline it has not met has passed (so an order still within
/// both deadlines neither helps nor hurts the rate yet).
async fn order_sums(
    c: &impl GenericClient,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    groups: &mut Groups,
) -> Result<()> {
    let stmt = c.prepare_cached(&ORDER_SUMS).await?;
    for row in c.query(&stmt, &[&from, &to, &Utc::now()]).await? {
        let counts = groups.entry((row.try_get(0)?, row.try_get(1)?)).or_default();
        counts.orders += n(&row, 2)?;
        counts.orders_closed += n(&row, 3)?;
        counts.repairs_with_deadline += n(&row, 4)?;
        counts.repairs_arrived_on_time += n(&row, 5)?;
        counts.repairs_fixed_in_time += n(&row, 6)?;
        counts.repairs_on_time += n(&row, 7)?;
    }
    Ok(())
}
