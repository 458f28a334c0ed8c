//! KPI sums on SQLite, per station and crew member: the reports' counts from the hourly sums
//! ([`super::hours`]) and one pass over the work orders grouped by station and assignee.

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
