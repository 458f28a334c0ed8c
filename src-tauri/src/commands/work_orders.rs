//! The technician's work orders: the open ones and those finished lately (the UI picks a
//! day from them by the tablet's local date), and the status moves, forward only
//! (hearth-core's `rules::status` decides; this module only asks).

use chrono::{DateTime, Utc};
use hearth_core::model::{WorkOrder, WorkOrderStatus};
use hearth_core::rules::deadlines::{arrival_overdue, completion_overdue};
use hearth_core::store::{Store, households, work_orders};
use tauri::State;
use uuid::Uuid;

use super::{parse_id, with_store};
use crate::dto::{OrderFacts, WorkOrderDto};
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// `order` as the UI shows it to the user `me`, at `now`.
fn dto(
    store: &Store,
    order: &WorkOrder,
    me: Option<Uuid>,
    now: DateTime<Utc>,
) -> hearth_core::Result<WorkOrderDto> {
    let household = households::get(store.conn(), order.household_id)?;
    let facts = OrderFacts {
        arrival_overdue: arrival_overdue(order, now),
        overdue: completion_overdue(order, now),
        assigned_to_me: me.is_some() && order.assignee_id == me,
    };
    let reports = store.reports_for_work_order(order.id)?;
    let mut dto = WorkOrderDto::new(order, household.as_ref(), facts, &reports);
    // Before the server's stamp arrives, the arrival is the device's own 已到场 tap.
    if order.arrived_at.is_none() && order.status == WorkOrderStatus::OnSite {
        dto.arrived_at =
            store.work_order(order.id)?.and_then(|s| work_orders::arrival(&s)).map(|t| t.to_rfc3339());
    }
    Ok(dto)
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
        let (me, now) = (AppState::user(store).map(|u| u.id), Utc::now());
        let mine = |o: &WorkOrder| o.assignee_id.is_none() || o.assignee_id == me;
        let mut orders = Vec::new();
        for order in store.open_work_orders()?.iter().filter(|o| mine(o)) {
            orders.push(dto(store, order, me, now)?);
        }
        for (state, at) in store.finished_work_orders_since(since)?.iter().filter(|(s, _)| mine(&s.order)) {
            let mut finished = dto(store, &state.order, me, now)?;
            finished.finished_at = Some(at.to_rfc3339());
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
        dto(store, &state.order, AppState::user(store).map(|u| u.id), Utc::now())
    })
}

/// Moves an order's status forward (en_route, on_site, done, could_not_complete with a
/// reason; done needs a note too when no signed record of the order exists) and queues the
/// change for the server.
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
        dto(store, &order, AppState::user(store).map(|u| u.id), Utc::now())
    })?;
    state.wake_sync();
    Ok(order)
}
