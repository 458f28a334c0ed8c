//! The households waiting for a repair or a follow-up visit: those whose latest temperature
//! check is non-compliant (`waiting_checks`, kept by each push), with how far their follow-up
//! has got, read from their work orders.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, params};

use super::super::{parse_time, parse_uuid};
use super::facts::Facts;
use super::hours::Verdict;
use crate::error::Result;
use crate::storage::console::WaitingHousehold;

/// Notes a household's newest temperature check: a non-compliant one puts (or keeps) it on
/// the list, any other verdict takes it off. An older check than the one noted changes nothing.
pub(super) fn note_check(tx: &Transaction<'_>, f: &Facts, verdict: Verdict) -> Result<()> {
    match (verdict, f.lowest_c) {
        (Verdict::NonCompliant { .. }, Some(lowest)) => {
            tx.prepare_cached(
                "INSERT INTO waiting_checks (household_id, station_id, report_id, received_at, lowest_c)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO UPDATE SET station_id = excluded.station_id, report_id = excluded.report_id,
                     received_at = excluded.received_at, lowest_c = excluded.lowest_c
                 WHERE excluded.received_at >= waiting_checks.received_at",
            )?
            .execute(params![
                f.household_id,
                f.station_id,
                f.report_id,
                f.received_at,
                lowest
            ])?;
        }
        _ => {
            tx.prepare_cached("DELETE FROM waiting_checks WHERE household_id = ?1 AND received_at <= ?2")?
                .execute(params![f.household_id, f.received_at])?;
        }
    }
    Ok(())
}

/// Households whose latest temperature check is non-compliant and whose follow-up is not done.
pub(super) fn waiting_households(conn: &Connection) -> Result<Vec<WaitingHousehold>> {
    let mut stmt = conn.prepare_cached(
        "SELECT household_id, station_id, report_id, received_at, lowest_c FROM waiting_checks
         ORDER BY received_at, household_id",
    )?;
    let mut rows = stmt.query([])?;
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
