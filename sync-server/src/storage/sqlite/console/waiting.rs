//! The households waiting for a repair or a follow-up visit on SQLite: those whose latest
//! temperature check is non-compliant (`waiting_checks`, kept by each push: see
//! `super::super::facts`), with how far their follow-up has got ([`crate::kpi::waiting::stage`])
//! read from their work orders.

use hearth_core::model::{WorkOrderKind, WorkOrderStatus};
use rusqlite::Connection;

use super::super::{parse_time, parse_uuid};
use crate::error::{Error, Result};
use crate::kpi::waiting::stage;
use crate::storage::console::WaitingHousehold;

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
        let mut found = Vec::new();
        let mut rows = orders.query([&household])?;
        while let Some(row) = rows.next()? {
            let kind = row.get::<_, String>(0)?.parse::<WorkOrderKind>().map_err(Error::Corrupt)?;
            let status = row.get::<_, String>(1)?.parse::<WorkOrderStatus>().map_err(Error::Corrupt)?;
            found.push((kind, status, parse_time(&row.get::<_, String>(2)?)?));
        }
        let Some(stage) = stage(checked, found) else { continue };
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
