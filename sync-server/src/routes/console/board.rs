//! The work-order board: open orders in the order they must be reached (overdue arrivals,
//! late completions, emergency, urgent, then by the next deadline, across pages), each with
//! the calls that repeated it; found by number; its CSV export; one order; assign, reassign
//! and cancel through the office's merge.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use hearth_core::model::{WorkOrder, WorkOrderKind, WorkOrderStatus};
use hearth_core::protocol::WorkOrderFields;
use hearth_core::rules::deadlines::is_overdue;
use hearth_core::rules::status::{before_arrival, can_move, is_open};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::intake::{check_assignee, required};
use super::{Office, PathId, audit, csv_response, csv_time, found, page_size, words};
use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::extract::{Json, Query};
use crate::storage::console::{AuditAction, BoardFilter, Call};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/console/work-orders.csv", get(board_csv))
        .route("/v1/console/work-orders/{id}", get(get_order))
        .route("/v1/console/work-orders/{id}/assign", post(assign))
        .route("/v1/console/work-orders/{id}/cancel", post(cancel))
}

/// An order due within this long is "soon due" on the board.
pub const SOON_DUE_HOURS: i64 = 2;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    pub station_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub kind: Option<WorkOrderKind>,
    /// One status; left out, every open one (new, assigned, en_route, on_site).
    pub status: Option<WorkOrderStatus>,
    /// The order's number or its beginning (和平-1202-007, 和平-1202); finds orders of any
    /// status unless `status` is given.
    pub number: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardEntry {
    pub order: WorkOrder,
    pub overdue: bool,
    /// Due within two hours and not overdue yet.
    pub due_soon: bool,
    /// Later calls about the same fault attached to this order (重复来电), oldest first.
    pub repeat_calls: Vec<Call>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Board {
    pub total: u64,
    pub orders: Vec<BoardEntry>,
}

fn board_filter(q: &BoardQuery, limit: u32, now: DateTime<Utc>) -> BoardFilter {
    BoardFilter {
        station_id: q.station_id,
        assignee_id: q.assignee_id,
        kind: q.kind,
        status: q.status,
        number: q.number.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned),
        now,
        limit,
        offset: q.offset.unwrap_or(0),
    }
}

fn entry(order: WorkOrder, now: DateTime<Utc>, repeat_calls: Vec<Call>) -> BoardEntry {
    let overdue = is_overdue(order.due_by, now);
    let due_soon = !overdue && order.due_by.is_some_and(|d| d <= now + Duration::hours(SOON_DUE_HOURS));
    BoardEntry { order, overdue, due_soon, repeat_calls }
}

/// Board entries of `orders`, each with the calls that repeated it.
async fn entries(
    state: &AppState,
    orders: Vec<WorkOrder>,
    now: DateTime<Utc>,
) -> Result<Vec<BoardEntry>, AppError> {
    let mut repeats = state.storage.repeat_calls(orders.iter().map(|o| o.id).collect()).await?;
    Ok(orders
        .into_iter()
        .map(|o| {
            let (mine, rest) = repeats.drain(..).partition(|c| c.work_order_id == Some(o.id));
            repeats = rest;
            entry(o, now, mine)
        })
        .collect())
}

/// The board of work orders in the order they must be reached: overdue arrivals, late
/// completions, emergency, urgent, then the rest, each by its next deadline.
#[utoipa::path(get, path = "/v1/console/work-orders", tag = "console", params(BoardQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "A page of the board", body = Board),
        (status = 400, description = "Bad filter", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn board(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<BoardQuery>,
) -> Result<Json<Board>, AppError> {
    let now = Utc::now();
    let page = state.storage.board(board_filter(&q, page_size(q.limit)?, now)).await?;
    Ok(Json(Board { total: page.total, orders: entries(&state, page.orders, now).await? }))
}

/// The board's headers in the CSV export. 报修时间 is when the call came in (or, for an order
/// not made from a call, 下单时间); the arrival and done times are the server's stamps.
pub const BOARD_CSV_HEADER: [&str; 17] = [
    "工单号",
    "类型",
    "状态",
    "优先级",
    "供热站",
    "维修人员",
    "户号",
    "地址",
    "故障描述",
    "报修或下单时间",
    "到场时限",
    "到场时间",
    "完成时限",
    "完成时间",
    "是否超时",
    "重复来电",
    "工单ID",
];

/// The filtered board as CSV (UTF-8 with BOM, Chinese headers), every matching order.
#[utoipa::path(get, path = "/v1/console/work-orders.csv", tag = "console", params(BoardQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "CSV", content_type = "text/csv"),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn board_csv(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<BoardQuery>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let page = state.storage.board(board_filter(&q, u32::MAX, now)).await?;
    let stations = state.storage.stations().await?;
    let users = state.storage.users().await?;
    let repeats = state.storage.repeat_calls(page.orders.iter().map(|o| o.id).collect()).await?;
    let mut rows = Vec::with_capacity(page.orders.len());
    for o in page.orders {
        let household = state.storage.household(o.household_id).await?;
        let station =
            stations.iter().find(|s| s.id == o.station_id).map_or(String::new(), |s| s.name.clone());
        let assignee = o
            .assignee_id
            .and_then(|a| users.iter().find(|u| u.user.id == a))
            .map_or(String::new(), |u| u.user.display_name.clone());
        let late = (before_arrival(o.status) && is_overdue(o.arrive_by, now))
            || (is_open(o.status) && is_overdue(o.due_by, now));
        rows.push(vec![
            o.number.clone().unwrap_or_default(),
            words::order_kind(o.kind),
            words::status(o.status),
            words::priority(o.priority),
            station,
            assignee,
            household.as_ref().map_or(String::new(), |h| h.account_no.clone()),
            household.as_ref().map_or(String::new(), |h| h.address.clone()),
            o.description.clone(),
            csv_time(o.reported_at),
            o.arrive_by.map(csv_time).unwrap_or_default(),
            o.arrived_at.map(csv_time).unwrap_or_default(),
            o.due_by.map(csv_time).unwrap_or_default(),
            o.done_at.map(csv_time).unwrap_or_default(),
            if late { "是" } else { "否" }.to_owned(),
            repeats.iter().filter(|c| c.work_order_id == Some(o.id)).count().to_string(),
            o.id.to_string(),
        ]);
    }
    csv_response("work-orders.csv", &BOARD_CSV_HEADER, rows)
}

/// One work order as merged.
#[utoipa::path(get, path = "/v1/console/work-orders/{id}", tag = "console",
    params(("id" = Uuid, Path, description = "The order's id")), security(("device_token" = [])),
    responses((status = 200, description = "The order", body = BoardEntry),
        (status = 404, description = "No such order", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn get_order(
    State(state): State<AppState>,
    _office: Office,
    PathId(id): PathId,
) -> Result<Json<BoardEntry>, AppError> {
    let order = found(state.storage.work_order(id).await?, "work order", id)?;
    Ok(Json(one_entry(&state, order).await?))
}

async fn one_entry(state: &AppState, order: WorkOrder) -> Result<BoardEntry, AppError> {
    let mut out = entries(state, vec![order], Utc::now()).await?;
    out.pop().ok_or_else(|| AppError::new(ErrorCode::Internal, "the order went missing"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The technician or inspector who takes the order.
    pub assignee_id: Uuid,
}

/// Assigns or reassigns an order; a new order becomes assigned.
#[utoipa::path(post, path = "/v1/console/work-orders/{id}/assign", tag = "console",
    params(("id" = Uuid, Path, description = "The order's id")), request_body = AssignRequest,
    security(("device_token" = [])),
    responses((status = 200, description = "The order as merged", body = BoardEntry),
        (status = 400, description = "Not an assignable user", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 404, description = "No such order", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 409, description = "The order is finished", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    Office(caller): Office,
    PathId(id): PathId,
    Json(req): Json<AssignRequest>,
) -> Result<Json<BoardEntry>, AppError> {
    let order = found(state.storage.work_order(id).await?, "work order", id)?;
    if !can_move(order.status, WorkOrderStatus::Cancelled) {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("work order {id} is {} already; finished work is not reassigned", order.status),
        ));
    }
    check_assignee(&state, req.assignee_id).await?;
    let status = (order.status == WorkOrderStatus::New).then_some(WorkOrderStatus::Assigned);
    let fields = WorkOrderFields { assignee_id: Some(req.assignee_id), status, ..Default::default() };
    let action =
        if order.assignee_id.is_some() { AuditAction::OrderReassigned } else { AuditAction::OrderAssigned };
    let detail = serde_json::json!({
        "number": order.number,
        "from": audit::named(&state, order.assignee_id).await?,
        "to": audit::named(&state, Some(req.assignee_id)).await?,
    });
    let audit = audit::audit(&caller, action, Some(id), detail);
    let order = audit::audited_edit(&state, &caller, id, fields, audit).await?;
    Ok(Json(one_entry(&state, order).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why the order is cancelled; kept as the order's note.
    #[schema(pattern = r"\S")]
    pub reason: String,
}

/// Cancels an unfinished order. If a crew's "done" arrives later with an older stamp, the
/// finished work wins and the cancel is kept in the conflict log.
#[utoipa::path(post, path = "/v1/console/work-orders/{id}/cancel", tag = "console",
    params(("id" = Uuid, Path, description = "The order's id")), request_body = CancelRequest,
    security(("device_token" = [])),
    responses((status = 200, description = "The order as merged", body = BoardEntry),
        (status = 400, description = "No reason given", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 404, description = "No such order", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 409, description = "The order is finished", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Office(caller): Office,
    PathId(id): PathId,
    Json(req): Json<CancelRequest>,
) -> Result<Json<BoardEntry>, AppError> {
    required("reason", &req.reason)?;
    let order = found(state.storage.work_order(id).await?, "work order", id)?;
    if !can_move(order.status, WorkOrderStatus::Cancelled) {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("work order {id} is {} already and cannot be cancelled", order.status),
        ));
    }
    let reason = req.reason.trim().to_owned();
    let detail = serde_json::json!({"number": order.number, "from_status": order.status, "reason": reason});
    let audit = audit::audit(&caller, AuditAction::OrderCancelled, Some(id), detail);
    let fields = WorkOrderFields {
        status: Some(WorkOrderStatus::Cancelled),
        status_note: Some(reason),
        ..Default::default()
    };
    let order = audit::audited_edit(&state, &caller, id, fields, audit).await?;
    Ok(Json(one_entry(&state, order).await?))
}
