//! Work orders as a push batch writes them back on PostgreSQL: the batch's changed orders in
//! one statement, each under a new feed number (the batch's in-memory copies and the merge are
//! `crate::accept::edit`; the stored orders are read up front with the batch's other needs,
//! `super::batch`).

use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::feed::record_changes;
use crate::accept::edit::{BatchOrder, BatchOrders};
use crate::error::Result;
use crate::feed::{self, Entity};

/// Writes back every order an edit of the batch changed (one statement), each under a new
/// feed number.
pub(super) async fn write_back(tx: &Transaction<'_>, orders: BatchOrders) -> Result<()> {
    let changed = orders.changed();
    if changed.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = changed.iter().map(|o| o.order.id).collect();
    let assignees: Vec<Option<Uuid>> = changed.iter().map(|o| o.order.assignee_id).collect();
    let records: Vec<String> =
        changed.iter().map(|o| serde_json::to_string(&o.order)).collect::<Result<_, _>>()?;
    let clocks: Vec<String> =
        changed.iter().map(|o| serde_json::to_string(&o.clocks)).collect::<Result<_, _>>()?;
    let update = tx
        .prepare_cached(
            "UPDATE work_orders w SET assignee_id = u.assignee_id, record = u.record, clocks = u.clocks
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS u (id, assignee_id, record, clocks)
             WHERE w.id = u.id",
        )
        .await?;
    tx.execute(&update, &[&ids, &assignees, &records, &clocks]).await?;
    let rows = changed.into_iter().map(|BatchOrder { order, clocks, .. }| {
        Ok((Entity::WorkOrder, order.id, feed::work_order(order, clocks)?))
    });
    record_changes(tx, rows.collect::<Result<_>>()?).await
}
