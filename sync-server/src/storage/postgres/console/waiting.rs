//! The households waiting for a repair or a follow-up visit on PostgreSQL: those whose latest
//! temperature check is non-compliant (`waiting_checks`, kept by each push), with how far
//! their follow-up has got ([`crate::kpi::waiting::stage`]) read from their work orders.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use hearth_core::model::{WorkOrderKind, WorkOrderStatus};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::kpi::waiting::stage;
use crate::storage::console::WaitingHousehold;

/// An order as [`stage`] reads it: kind, status, reported at.
type OrderState = (WorkOrderKind, WorkOrderStatus, DateTime<Utc>);

/// Households whose latest temperature check is non-compliant and whose follow-up is not done.
pub(super) async fn waiting_households(c: &impl GenericClient) -> Result<Vec<WaitingHousehold>> {
    let stmt = c
        .prepare_cached(
            "SELECT household_id, station_id, report_id, received_at, lowest_c FROM waiting_checks
             ORDER BY received_at, household_id",
        )
        .await?;
    let checks = c.query(&stmt, &[]).await?;
    let households: Vec<Uuid> = checks.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    // Their orders, in one query.
    let stmt = c
        .prepare_cached(
            "SELECT household_id, kind, status, reported_key FROM work_orders WHERE household_id = ANY($1)",
        )
        .await?;
    let mut orders: HashMap<Uuid, Vec<OrderState>> = HashMap::new();
    for row in c.query(&stmt, &[&households]).await? {
        let kind = row.try_get::<_, &str>(1)?.parse::<WorkOrderKind>().map_err(Error::Corrupt)?;
        let status = row.try_get::<_, &str>(2)?.parse::<WorkOrderStatus>().map_err(Error::Corrupt)?;
        orders.entry(row.try_get(0)?).or_default().push((kind, status, row.try_get(3)?));
    }
    let mut out = Vec::new();
    for row in checks {
        let household: Uuid = row.try_get(0)?;
        let checked: DateTime<Utc> = row.try_get(3)?;
        let Some(stage) = stage(checked, orders.remove(&household).unwrap_or_default()) else { continue };
        out.push(WaitingHousehold {
            household_id: household,
            station_id: row.try_get(1)?,
            report_id: row.try_get(2)?,
            checked_received_at: checked,
            lowest_c: row.try_get(4)?,
            stage: stage.to_owned(),
        });
    }
    Ok(out)
}
