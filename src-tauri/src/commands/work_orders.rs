//! The technician's work orders: the open ones and those finished lately (the UI picks a
//! day from them by the tablet's local date), and the status moves, forward only
//! (hearth-core's `rules::status` decides; this module only asks).

use chrono::{DateTime, Utc};
use hearth_core::model::{WorkOrder, WorkOrderStatus};
use hearth_core::protocol::WorkOrderState;
use hearth_core::rules::deadlines::is_overdue;
use hearth_core::store::{Store, households};
use hearth_core::sync::plan::field;
use tauri::State;

use super::{parse_id, with_store};
use crate::dto::WorkOrderDto;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// When the order's status last moved: the wall time of the status field's HLC stamp.
fn status_moved_at(state: &WorkOrderState) -> Option<DateTime<Utc>> {
    let stamp = state.clocks.get(field::STATUS)?;
    DateTime::from_timestamp_millis(i64::try_from(stamp.wall_ms).ok()?)
}

fn dto(store: &Store, order: &WorkOrder) -> hearth_core::Result<WorkOrderDto> {
    let household = households::get(store.conn(), order.household_id)?;
    Ok(WorkOrderDto::new(order, household.as_ref(), is_overdue(order.due_by, Utc::now())))
}

/// Orders finished (done, could not complete, closed) whose status moved at or after
/// `since`, with when it moved.
///
/// The one query of the shell's own: hearth-core's store lists open orders only. It belongs
/// in `hearth_core::store::work_orders` beside `list_open`, and moves there with the next
/// change to core's store.
fn finished_orders_since(
    store: &Store,
    since: DateTime<Utc>,
) -> hearth_core::Result<Vec<(WorkOrderState, DateTime<Utc>)>> {
    let ids: Vec<String> = store
        .conn()
        .prepare_cached(
            "SELECT id FROM work_orders WHERE status IN ('done', 'could_not_complete', 'closed')",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut finished = Vec::new();
    for id in ids {
        let Some(state) = store.work_order(parse_id("work order", &id)?)? else { continue };
        if let Some(at) = status_moved_at(&state).filter(|&at| at >= since) {
            finished.push((state, at));
        }
    }
    finished.sort_by_key(|(_, at)| *at);
    Ok(finished)
}

/// The orders of the logged-in user (or of nobody yet): every open one, soonest due first,
/// then those finished since `finished_since` (RFC 3339; the UI sends the start of the
/// earliest local day it shows), each with when it was finished. Overdue ones are marked.
#[tauri::command(async)]
#[specta::specta]
pub fn my_work_orders(state: State<'_, AppState>, finished_since: String) -> IpcResult<Vec<WorkOrderDto>> {
    let since = DateTime::parse_from_rfc3339(&finished_since)
        .map_err(|e| IpcError::new("invalid_argument", format!("finished_since: {e}")))?
        .with_timezone(&Utc);
    with_store(&state, |store, _| {
        let me = AppState::user(store).map(|u| u.id);
        let mine = |o: &WorkOrder| o.assignee_id.is_none() || o.assignee_id == me;
        let mut orders = Vec::new();
        for order in store.open_work_orders()?.iter().filter(|o| mine(o)) {
            orders.push(dto(store, order)?);
        }
        for (state, at) in finished_orders_since(store, since)?.iter().filter(|(s, _)| mine(&s.order)) {
            let mut finished = dto(store, &state.order)?;
            finished.finished_at = Some(at.to_rfc3339());
            finished.overdue = false;
            orders.push(finished);
        }
        Ok(orders)
    })
}

/// One work order with its household.
#[tauri::command(async)]
#[specta::specta]
pub fn work_order(state: State<'_, AppState>, id: String) -> IpcResult<WorkOrderDto> {
    with_store(&state, |store, _| {
        let id = parse_id("work order", &id)?;
        let state = store
            .work_order(id)?
            .ok_or_else(|| hearth_core::Error::NotFound { what: "work order", id: id.to_string() })?;
        dto(store, &state.order)
    })
}

/// Moves an order's status forward (en_route, on_site, done, could_not_complete with a
/// reason) and queues the change for the server.
#[tauri::command(async)]
#[specta::specta]
pub fn advance_work_order(
    state: State<'_, AppState>,
    id: String,
    to: String,
    note: Option<String>,
) -> IpcResult<WorkOrderDto> {
    let to: WorkOrderStatus = to.parse().map_err(|e: String| IpcError::new("invalid_argument", e))?;
    let order = with_store(&state, |store, _| {
        let order = store.advance_work_order(parse_id("work order", &id)?, to, note)?;
        dto(store, &order)
    })?;
    state.wake_sync();
    Ok(order)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use hearth_core::demo;

    use super::*;

    #[test]
    fn finished_orders_carry_when_their_status_moved() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(dir.path().join("device.sqlite")).expect("store");
        let homes: Vec<_> = demo::households(2026, 1).collect();
        store.put_households(&homes).expect("a household");
        let before = Utc::now() - Duration::seconds(1);
        let on_site = || {
            let mut order = demo::work_order(before);
            order.household_id = homes[0].id;
            order.station_id = homes[0].station_id;
            order.status = WorkOrderStatus::OnSite;
            order
        };
        let (open, finished) = (on_site(), on_site());
        store.put_work_order(&open).expect("open order");
        store.put_work_order(&finished).expect("order to finish");
        store.advance_work_order(finished.id, WorkOrderStatus::Done, None).expect("done");

        let found = finished_orders_since(&store, before).expect("finished orders");
        assert_eq!(found.len(), 1, "only the finished order");
        let (state, at) = &found[0];
        assert_eq!(state.order.id, finished.id);
        assert!(*at >= before && *at <= Utc::now(), "finished just now, not {at}");
        let later = finished_orders_since(&store, Utc::now() + Duration::hours(1)).expect("finished orders");
        assert!(later.is_empty(), "nothing finished after the day asked for");
    }
}
