//! KPI sums on SQLite, per station and crew member: the reports' counts from the hourly sums
//! ([`super::hours`]) and one pass over the work orders grouped by station and assignee,
//! which also judges the repair orders' timeliness.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hearth_core::rules::CityProfile;
use rusqlite::{Connection, params};

use super::super::{parse_uuid, time_text};
use super::hours;
use crate::error::Result;
use crate::storage::console::{KpiCounts, KpiGroup};

type Groups = BTreeMap<(String, Option<String>), KpiCounts>;

pub(super) fn kpi_groups(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    profile: &CityProfile,
) -> Result<Vec<KpiGroup>> {
    let mut groups: Groups = hours::report_counts(conn, from, to, profile)?
        .into_iter()
        .map(|((station, author), counts)| ((station, Some(author)), counts))
        .collect();
    let (from, to) = (time_text(from), time_text(to));
    order_sums(conn, &from, &to, &mut groups)?;
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

/// The orders' counts: closure over every order reported in the range, and the repair orders'
/// timeliness (§74-75), judged from the server's stamps (`arrived_at`, `done_at`: see
/// `crate::merge`) against the order's deadlines. A repair counts once its timeliness is
/// decided: it is finished, or a deadline it has not met has passed (so an order still within
/// both deadlines neither helps nor hurts the rate yet).
fn order_sums(conn: &Connection, from: &str, to: &str, groups: &mut Groups) -> Result<()> {
    // Compared as instants: the order's JSON times and the bounds are written differently.
    let mut stmt = conn.prepare_cached(
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
                    kind = 'repair' AND status != 'cancelled' AND (
                        status IN ('done', 'could_not_complete', 'closed')
                        OR (arrive_by IS NOT NULL AND coalesce(arrived_at, julianday(?3)) > arrive_by)
                        OR (due_by IS NOT NULL AND julianday(?3) > due_by)
                    ) AS decided
             FROM o
         )
         SELECT station_id, assignee_id,
                count(CASE WHEN status != 'cancelled' THEN 1 END),
                count(CASE WHEN status IN ('done', 'could_not_complete', 'closed') THEN 1 END),
                count(CASE WHEN decided THEN 1 END),
                count(CASE WHEN decided AND arrived_in_time THEN 1 END),
                count(CASE WHEN decided AND done_in_time THEN 1 END),
                count(CASE WHEN decided AND arrived_in_time AND done_in_time THEN 1 END)
         FROM judged GROUP BY station_id, assignee_id",
    )?;
    let now = time_text(Utc::now());
    let mut rows = stmt.query(params![from, to, now])?;
    let n = |row: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<u64> {
        Ok(row.get::<_, i64>(i)?.unsigned_abs())
    };
    while let Some(row) = rows.next()? {
        let c = groups.entry((row.get(0)?, row.get(1)?)).or_default();
        c.orders += n(row, 2)?;
        c.orders_closed += n(row, 3)?;
        c.repairs_with_deadline += n(row, 4)?;
        c.repairs_arrived_on_time += n(row, 5)?;
        c.repairs_fixed_in_time += n(row, 6)?;
        c.repairs_on_time += n(row, 7)?;
    }
    Ok(())
}
