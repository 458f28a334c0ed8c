//! Report facts, hourly KPI sums and the waiting list on PostgreSQL, as the push keeps them in
//! its own transaction (tables `report_facts`, `report_violations`, `kpi_hours`,
//! `kpi_hour_refunds`, `kpi_hour_violations`, `waiting_checks`). What the facts are, what a
//! report adds to the sums and what it does to the waiting list is decided by [`crate::kpi`];
//! this module writes and reads the rows.
//!
//! An amendment takes the place of the report it corrects (`crate::kpi::record`): the original
//! is marked `superseded` and leaves the sums, so a corrected visit is counted once.

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use hearth_core::model::{ReportKind, Satisfaction, SignedReport};
use hearth_core::rules::CityProfile;
use tokio_postgres::Row;
use uuid::Uuid;

use super::batch::{Known, Pending};
use crate::accept::report::Home;
use crate::error::{Error, Result};
use crate::kpi::KpiCounts;
use crate::kpi::facts::{self, Facts};
use crate::kpi::record;
use crate::kpi::sums::HourSums;
use crate::kpi::waiting::Note;
use crate::storage::Caller;

/// The `report_facts` columns [`from_row`] reads, in its order.
pub(super) const FACT_COLUMNS: &str = "report_id, kind, station_id, author_id, household_id, \
     received_at, satisfaction, lowest_c, outdoor_c, excused, billed_area_m2, arrived_on_time, fixed_in_time, \
     area_within_tolerance, work_order_id, amends, created_at";

/// Facts read with [`FACT_COLUMNS`], without their violations ([`with_violations`]).
pub(super) fn from_row(row: &Row) -> Result<Facts> {
    let kind: &str = row.get(1);
    let satisfaction: Option<&str> = row.get(6);
    Ok(Facts {
        report_id: row.get(0),
        kind: kind.parse::<ReportKind>().map_err(Error::Corrupt)?,
        station_id: row.get(2),
        author_id: row.get(3),
        household_id: row.get(4),
        received_at: row.get(5),
        satisfaction: satisfaction.map(str::parse::<Satisfaction>).transpose().map_err(Error::Corrupt)?,
        lowest_c: row.get(7),
        outdoor_c: row.get(8),
        excused: row.get(9),
        billed_area_m2: row.get(10),
        arrived_on_time: row.get(11),
        fixed_in_time: row.get(12),
        area_within_tolerance: row.get(13),
        work_order_id: row.get(14),
        amends: row.get(15),
        created_at: row.get(16),
        violations: Vec::new(),
    })
}

/// `f` with the violations its inspection found.
pub(super) async fn with_violations(c: &impl GenericClient, mut f: Facts) -> Result<Facts> {
    if f.kind == ReportKind::Inspection {
        let stmt = c.prepare_cached("SELECT violation FROM report_violations WHERE report_id = $1").await?;
        f.violations = c.query(&stmt, &[&f.report_id]).await?.iter().map(|r| r.get(0)).collect();
    }
    Ok(f)
}

/// Derives the facts of `signed`, stored for `home` at `received_at`, and counts it in `sums`
/// (in place of the report it amends, if any); its facts and waiting-list note join the
/// batch's pending writes.
#[allow(clippy::too_many_arguments)] // the batch's context, the report, and where it counts
pub(super) async fn record(
    tx: &Transaction<'_>,
    known: &Known,
    pending: &mut Pending<'_>,
    caller: &Caller,
    signed: &SignedReport,
    home: &Home,
    received_at: DateTime<Utc>,
    profile: &CityProfile,
    sums: &mut HourSums,
) -> Result<()> {
    let order = facts::order_needed(signed).and_then(|id| known.orders.get(&id));
    let f = facts::derive(signed, home.station, home.billed_area_m2, received_at, order, profile);
    let original = match f.amends {
        // The original may be among the batch's pending facts.
        Some(amends) => {
            pending.flush(tx, caller, received_at).await?;
            current_facts(tx, amends).await?
        }
        None => None,
    };
    let plan = record::plan(&f, original.as_ref(), profile, sums);
    if let Some(id) = plan.supersede {
        let stmt =
            tx.prepare_cached("UPDATE report_facts SET superseded = true WHERE report_id = $1").await?;
        tx.execute(&stmt, &[&id]).await?;
        let stmt = tx.prepare_cached("DELETE FROM waiting_checks WHERE report_id = $1").await?;
        tx.execute(&stmt, &[&id]).await?;
    }
    pending.waiting(&f, plan.waiting);
    pending.facts(f);
    Ok(())
}

/// The facts of report `id`, if they still count (not superseded).
async fn current_facts(tx: &Transaction<'_>, id: Uuid) -> Result<Option<Facts>> {
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT {FACT_COLUMNS} FROM report_facts WHERE report_id = $1 AND NOT superseded"
        ))
        .await?;
    match tx.query_opt(&stmt, &[&id]).await? {
        Some(row) => Ok(Some(with_violations(tx, from_row(&row)?).await?)),
        None => Ok(None),
    }
}

/// A household's newest temperature check: a non-compliant one puts (or keeps) it on the
/// list, any other verdict takes it off. An older check than the one noted changes nothing.
async fn note_waiting(tx: &Transaction<'_>, f: &Facts, note: Option<Note>) -> Result<()> {
    let Some(note) = note else { return Ok(()) };
    match note {
        Note::Put { lowest_c } => {
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO waiting_checks (household_id, station_id, report_id, received_at, lowest_c)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (household_id) DO UPDATE SET station_id = excluded.station_id,
                         report_id = excluded.report_id, received_at = excluded.received_at,
                         lowest_c = excluded.lowest_c
                     WHERE excluded.received_at >= waiting_checks.received_at",
                )
                .await?;
            tx.execute(&stmt, &[&f.household_id, &f.station_id, &f.report_id, &f.received_at, &lowest_c])
                .await?;
        }
        Note::Clear => {
            let stmt = tx
                .prepare_cached("DELETE FROM waiting_checks WHERE household_id = $1 AND received_at <= $2")
                .await?;
            tx.execute(&stmt, &[&f.household_id, &f.received_at]).await?;
        }
    }
    Ok(())
}

/// Writes the gathered sums into the hourly tables.
pub(super) async fn write_sums(tx: &Transaction<'_>, sums: HourSums) -> Result<()> {
    for (key, c) in sums.into_rows() {
        add(tx, key.hour, key.station_id, key.author_id, &c, key.sign).await?;
    }
    Ok(())
}

async fn add(
    tx: &Transaction<'_>,
    hour: i64,
    station: Uuid,
    author: Uuid,
    c: &KpiCounts,
    sign: i64,
) -> Result<()> {
    let n = |v: u64| sign * i64::try_from(v).unwrap_or(i64::MAX);
    let stmt = tx
        .prepare_cached(
            "INSERT INTO kpi_hours AS k (hour, station_id, author_id, repairs_with_deadline,
                 repairs_arrived_on_time, repairs_fixed_in_time, checks_compliant, checks_non_compliant,
                 checks_excused, checks_undecided, area_remeasurements, area_outside_tolerance, satisfied,
                 fairly_satisfied, dissatisfied)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (hour, station_id, author_id) DO UPDATE SET
                 repairs_with_deadline = k.repairs_with_deadline + excluded.repairs_with_deadline,
                 repairs_arrived_on_time = k.repairs_arrived_on_time + excluded.repairs_arrived_on_time,
                 repairs_fixed_in_time = k.repairs_fixed_in_time + excluded.repairs_fixed_in_time,
                 checks_compliant = k.checks_compliant + excluded.checks_compliant,
                 checks_non_compliant = k.checks_non_compliant + excluded.checks_non_compliant,
                 checks_excused = k.checks_excused + excluded.checks_excused,
                 checks_undecided = k.checks_undecided + excluded.checks_undecided,
                 area_remeasurements = k.area_remeasurements + excluded.area_remeasurements,
                 area_outside_tolerance = k.area_outside_tolerance + excluded.area_outside_tolerance,
                 satisfied = k.satisfied + excluded.satisfied,
                 fairly_satisfied = k.fairly_satisfied + excluded.fairly_satisfied,
                 dissatisfied = k.dissatisfied + excluded.dissatisfied",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &hour,
            &station,
            &author,
            &n(c.repairs_with_deadline),
            &n(c.repairs_arrived_on_time),
            &n(c.repairs_fixed_in_time),
            &n(c.checks_compliant),
            &n(c.checks_non_compliant),
            &n(c.checks_excused),
            &n(c.checks_undecided),
            &n(c.area_remeasurements),
            &n(c.area_outside_tolerance),
            &n(c.satisfied),
            &n(c.fairly_satisfied),
            &n(c.dissatisfied),
        ],
    )
    .await?;
    let refund = tx
        .prepare_cached(
            "INSERT INTO kpi_hour_refunds AS k (hour, station_id, author_id, tier, checks, billed_area_m2)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (hour, station_id, author_id, tier) DO UPDATE SET checks = k.checks + excluded.checks,
                 billed_area_m2 = k.billed_area_m2 + excluded.billed_area_m2",
        )
        .await?;
    for (tier, sum) in &c.refund_tiers {
        let area = sign as f64 * sum.billed_area_m2;
        tx.execute(&refund, &[&hour, &station, &author, tier, &n(sum.checks), &area]).await?;
    }
    let violation = tx
        .prepare_cached(
            "INSERT INTO kpi_hour_violations AS k (hour, station_id, author_id, violation, count)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (hour, station_id, author_id, violation) DO UPDATE SET count = k.count + excluded.count",
        )
        .await?;
    for (v, count) in &c.violations {
        tx.execute(&violation, &[&hour, &station, &author, v, &n(*count)]).await?;
    }
    Ok(())
}

/// Recomputes every sum and the waiting list from the facts, judged with `profile`.
pub(super) async fn rebuild(tx: &Transaction<'_>, profile: &CityProfile) -> Result<()> {
    tx.batch_execute(
        "DELETE FROM kpi_hours; DELETE FROM kpi_hour_refunds; DELETE FROM kpi_hour_violations;
         DELETE FROM waiting_checks;",
    )
    .await?;
    let mut sums = HourSums::default();
    let rows = tx
        .query(
            &format!(
                "SELECT {FACT_COLUMNS} FROM report_facts WHERE NOT superseded ORDER BY received_at, report_id"
            ),
            &[],
        )
        .await?;
    for row in rows {
        let f = with_violations(tx, from_row(&row)?).await?;
        let note = record::count(&f, profile, &mut sums);
        note_waiting(tx, &f, note).await?;
    }
    write_sums(tx, sums).await
}
