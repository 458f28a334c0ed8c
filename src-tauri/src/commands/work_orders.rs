//! The technician's work orders: today's list and the status moves, forward only
//! (hearth-core's `rules::status` decides; this module only asks).

use chrono::Utc;
use hearth_core::model::{WorkOrder, WorkOrderStatus};
use hearth_core::rules::deadlines::is_overdue;
use hearth_core::store::{Store, households};
use tauri::State;

use super::{parse_id, with_store};
use crate::dto::WorkOrderDto;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

fn dto(store: &Store, order: &WorkOrder) -> hearth_core::Result<WorkOrderDto> {
    let household = households::get(store.conn(), order.household_id)?;
    Ok(WorkOrderDto::new(order, household.as_ref(), is_overdue(order.due_by, Utc::now())))
}

/// The open orders assigned to the logged-in user (or to nobody yet), soonest due first,
/// with their households; overdue ones are marked.
#[tauri::command(async)]
#[specta::specta]
pub fn work_orders_today(state: State<'_, AppState>) -> IpcResult<Vec<WorkOrderDto>> {
    with_store(&state, |store, _| {
        let me = AppState::user(store).map(|u| u.id);
        store
            .open_work_orders()?
            .iter()
            .filter(|o| o.assignee_id.is_none() || o.assignee_id == me)
            .map(|o| dto(store, o))
            .collect()
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
