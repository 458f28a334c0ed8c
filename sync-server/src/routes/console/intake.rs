//! Hotline intake and the work-order board: find the caller's household, record every call
//! (§31: 100 % handled), make the work order with its due times from the rules (§74: an
//! ordinary fault fixed within 8 hours), assign, reassign, cancel, and the board of open
//! orders, overdue and soon-due first.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use hearth_core::model::{
    Household, Priority, Role, TimeWindow, WorkOrder, WorkOrderKind, WorkOrderSource, WorkOrderStatus,
};
use hearth_core::protocol::WorkOrderFields;
use hearth_core::rules::CityProfile;
use hearth_core::rules::deadlines::{is_overdue, repair_deadlines};
use hearth_core::rules::status::can_move;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    Office, PathId, check_range, csv_response, csv_time, found, now, office_edit, office_stamp, page_size,
};
use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::extract::{Json, Query};
use crate::storage::console::{BoardFilter, Call, CallOutcome};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/console/households", get(find_households))
        .route("/v1/console/households/by-id", get(households_by_id))
        .route("/v1/console/households/{id}", get(get_household))
        .route("/v1/console/calls", post(record_call).get(list_calls))
        .route("/v1/console/work-orders", post(create_order).get(board))
        .route("/v1/console/work-orders.csv", get(board_csv))
        .route("/v1/console/work-orders/{id}", get(get_order))
        .route("/v1/console/work-orders/{id}/assign", post(assign))
        .route("/v1/console/work-orders/{id}/cancel", post(cancel))
}

/// An order due within this long is "soon due" on the board.
pub const SOON_DUE_HOURS: i64 = 2;

fn bad(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::BadRequest, message)
}

fn required(field: &str, value: &str) -> Result<(), AppError> {
    if value.trim().is_empty() { Err(bad(format!("{field} is empty; fill it in"))) } else { Ok(()) }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HouseholdQuery {
    /// Account number, phone, or a part of the address or owner's name.
    pub q: String,
    pub limit: Option<u32>,
}

/// Households by account number, phone, address or owner's name.
#[utoipa::path(get, path = "/v1/console/households", tag = "console", params(HouseholdQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "Matching households (hearth-core `Household`)", body = [Object]),
        (status = 400, description = "Empty query", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn find_households(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<HouseholdQuery>,
) -> Result<Json<Vec<Household>>, AppError> {
    let query = q.q.trim().to_owned();
    required("q (what to search for)", &query)?;
    Ok(Json(state.storage.find_households(query, page_size(q.limit)?).await?))
}

/// One household, for the board and lists that name orders' households.
#[utoipa::path(get, path = "/v1/console/households/{id}", tag = "console",
    params(("id" = Uuid, Path, description = "The household's id")), security(("device_token" = [])),
    responses((status = 200, description = "The household (hearth-core `Household`)", body = Object),
        (status = 404, description = "No such household", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn get_household(
    State(state): State<AppState>,
    _office: Office,
    PathId(id): PathId,
) -> Result<Json<Household>, AppError> {
    Ok(Json(found(state.storage.household(id).await?, "household", id)?))
}

/// The most households one `by-id` request names: a board or records page is 50 rows.
pub const MAX_HOUSEHOLD_IDS: usize = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HouseholdIds {
    /// Household ids, comma-separated, at most 100.
    pub ids: String,
}

/// Several households at once, for a board or records page that names up to 50 of them:
/// one request instead of one each. Ids the server does not know are left out.
#[utoipa::path(get, path = "/v1/console/households/by-id", tag = "console", params(HouseholdIds),
    security(("device_token" = [])),
    responses((status = 200, description = "The households found, in the order asked (hearth-core `Household`)", body = [Object]),
        (status = 400, description = "An id that is not one, or more than 100", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn households_by_id(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<HouseholdIds>,
) -> Result<Json<Vec<Household>>, AppError> {
    let ids = q
        .ids
        .split(',')
        .filter(|id| !id.trim().is_empty())
        .map(|id| id.trim().parse::<Uuid>().map_err(|_| bad(format!("ids: {id:?} is not a household id"))))
        .collect::<Result<Vec<_>, _>>()?;
    if ids.len() > MAX_HOUSEHOLD_IDS {
        return Err(bad(format!("ids: at most {MAX_HOUSEHOLD_IDS} households a request, not {}", ids.len())));
    }
    Ok(Json(state.storage.households(ids).await?))
}

/// The work order to make from a call, or directly.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    #[schema(value_type = String, example = "repair")]
    pub kind: WorkOrderKind,
    #[schema(value_type = String, example = "normal")]
    pub priority: Priority,
    /// The fault as the caller described it, or what the office wants done.
    pub description: String,
    /// A technician or inspector; left out, the order waits for the station's crew.
    pub assignee_id: Option<Uuid>,
    /// A time the customer asked for.
    #[schema(value_type = Option<Object>)]
    pub appointment: Option<TimeWindow>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    pub caller_name: String,
    pub phone: String,
    /// The household found for the caller, if any.
    pub household_id: Option<Uuid>,
    pub description: String,
    pub outcome: CallOutcome,
    /// Required when the outcome is `work_order`, refused otherwise.
    pub work_order: Option<OrderRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallRecorded {
    pub call: Call,
    #[schema(value_type = Option<Object>)]
    pub work_order: Option<WorkOrder>,
}

/// Checks an order request and makes the order for `household`, reported `now`, with due
/// times from the city profile's deadlines.
async fn new_order(
    state: &AppState,
    req: OrderRequest,
    household: &Household,
    source: WorkOrderSource,
    now: DateTime<Utc>,
) -> Result<WorkOrder, AppError> {
    required("description", &req.description)?;
    if let Some(w) = req.appointment
        && w.end <= w.start
    {
        return Err(bad("the appointment ends before it starts"));
    }
    if let Some(assignee) = req.assignee_id {
        check_assignee(state, assignee).await?;
    }
    let profile = state.storage.city_profile().await?;
    let (arrive_by, due_by) = due_times(req.kind, now, req.appointment, &profile);
    Ok(WorkOrder {
        id: hearth_core::new_id(),
        household_id: household.id,
        station_id: household.station_id,
        kind: req.kind,
        source,
        status: if req.assignee_id.is_some() { WorkOrderStatus::Assigned } else { WorkOrderStatus::New },
        priority: req.priority,
        description: req.description.trim().to_owned(),
        reported_at: now,
        appointment: req.appointment,
        arrive_by,
        due_by,
        assignee_id: req.assignee_id,
        status_note: None,
        follows_up: None,
        arrived_at: None,
        done_at: None,
    })
}

/// A fault (repair, or a complaint of low temperature) gets the repair deadlines (§74); other
/// work is due by its appointment, if it has one.
pub fn due_times(
    kind: WorkOrderKind,
    reported_at: DateTime<Utc>,
    appointment: Option<TimeWindow>,
    profile: &CityProfile,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    match kind {
        WorkOrderKind::Repair | WorkOrderKind::TemperatureCheck => {
            let d = repair_deadlines(reported_at, appointment, profile);
            (Some(d.arrive_by), Some(d.fix_by))
        }
        _ => (appointment.map(|w| w.end), appointment.map(|w| w.end)),
    }
}

pub(super) async fn check_assignee(state: &AppState, id: Uuid) -> Result<(), AppError> {
    let users = state.storage.users().await?;
    match users.iter().find(|u| u.user.id == id) {
        None => Err(bad(format!("there is no user {id} to assign"))),
        Some(u) if u.disabled_at.is_some() => {
            Err(bad(format!("{} is disabled and cannot take work", u.user.username)))
        }
        Some(u) if !matches!(u.user.role, Role::Technician | Role::Inspector) => Err(bad(format!(
            "{} is a {}; assign work to a technician or inspector",
            u.user.username, u.user.role
        ))),
        Some(_) => Ok(()),
    }
}

async fn household_of(state: &AppState, id: Uuid) -> Result<Household, AppError> {
    state.storage.household(id).await?.ok_or_else(|| bad(format!("there is no household {id}")))
}

/// Records a hotline call, and the work order made from it in the same transaction.
#[utoipa::path(post, path = "/v1/console/calls", tag = "console", request_body = CallRequest,
    security(("device_token" = [])),
    responses((status = 201, description = "Recorded", body = CallRecorded),
        (status = 400, description = "Bad input; nothing stored", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn record_call(
    State(state): State<AppState>,
    Office(caller): Office,
    Json(req): Json<CallRequest>,
) -> Result<(axum::http::StatusCode, Json<CallRecorded>), AppError> {
    required("phone", &req.phone)?;
    required("description", &req.description)?;
    let household = match req.household_id {
        Some(id) => Some(household_of(&state, id).await?),
        None => None,
    };
    let now = now();
    let order = match (req.outcome, req.work_order) {
        (CallOutcome::WorkOrder, Some(order)) => {
            let household = household
                .as_ref()
                .ok_or_else(|| bad("a work order needs the caller's household: give household_id"))?;
            Some(new_order(&state, order, household, WorkOrderSource::Hotline, now).await?)
        }
        (CallOutcome::WorkOrder, None) => {
            return Err(bad("the outcome is work_order: describe it in work_order"));
        }
        (outcome, Some(_)) => {
            return Err(bad(format!(
                "the outcome is {}, which makes no work order; leave work_order out",
                outcome.as_str()
            )));
        }
        (_, None) => None,
    };
    let call = Call {
        id: hearth_core::new_id(),
        received_at: now,
        dispatcher_id: caller.user.id,
        caller_name: req.caller_name.trim().to_owned(),
        phone: req.phone.trim().to_owned(),
        household_id: household.map(|h| h.id),
        description: req.description.trim().to_owned(),
        outcome: req.outcome,
        work_order_id: order.as_ref().map(|o| o.id),
    };
    state.storage.record_call(call.clone(), order.clone(), office_stamp(now)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(CallRecorded { call, work_order: order })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// From this instant (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// To this instant (RFC 3339), exclusive.
    pub to: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}

/// Recorded calls, newest first.
#[utoipa::path(get, path = "/v1/console/calls", tag = "console", params(RangeQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "Calls", body = [Call]),
        (status = 400, description = "Bad range", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn list_calls(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<RangeQuery>,
) -> Result<Json<Vec<Call>>, AppError> {
    check_range(q.from, q.to)?;
    Ok(Json(state.storage.calls(q.from, q.to, page_size(q.limit)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrderRequest {
    pub household_id: Uuid,
    #[serde(flatten)]
    pub order: OrderRequest,
}

/// Makes a planned work order (not from a call).
#[utoipa::path(post, path = "/v1/console/work-orders", tag = "console", request_body = Object,
    security(("device_token" = [])),
    responses((status = 201, description = "The order (hearth-core `WorkOrder`)", body = Object),
        (status = 400, description = "Bad input; nothing stored", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn create_order(
    State(state): State<AppState>,
    _office: Office,
    Json(req): Json<CreateOrderRequest>,
) -> Result<(axum::http::StatusCode, Json<WorkOrder>), AppError> {
    let household = household_of(&state, req.household_id).await?;
    let now = now();
    let order = new_order(&state, req.order, &household, WorkOrderSource::Planned, now).await?;
    state.storage.add_work_orders(vec![order.clone()], office_stamp(now)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(order)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    pub station_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    #[param(value_type = Option<String>)]
    pub kind: Option<WorkOrderKind>,
    /// One status; left out, every open one (new, assigned, en_route, on_site).
    #[param(value_type = Option<String>)]
    pub status: Option<WorkOrderStatus>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardEntry {
    pub order: WorkOrder,
    pub overdue: bool,
    /// Due within two hours and not overdue yet.
    pub due_soon: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Board {
    pub total: u64,
    pub orders: Vec<BoardEntry>,
}

fn board_filter(q: &BoardQuery, limit: u32) -> BoardFilter {
    BoardFilter {
        station_id: q.station_id,
        assignee_id: q.assignee_id,
        kind: q.kind,
        status: q.status,
        limit,
        offset: q.offset.unwrap_or(0),
    }
}

fn entry(order: WorkOrder, now: DateTime<Utc>) -> BoardEntry {
    let overdue = is_overdue(order.due_by, now);
    let due_soon = !overdue && order.due_by.is_some_and(|d| d <= now + Duration::hours(SOON_DUE_HOURS));
    BoardEntry { order, overdue, due_soon }
}

/// The board of work orders, overdue and soon-due first.
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
    let page = state.storage.board(board_filter(&q, page_size(q.limit)?)).await?;
    let now = Utc::now();
    Ok(Json(Board { total: page.total, orders: page.orders.into_iter().map(|o| entry(o, now)).collect() }))
}

/// The board's headers in the CSV export.
pub const BOARD_CSV_HEADER: [&str; 12] = [
    "工单编号",
    "类型",
    "状态",
    "优先级",
    "供热站",
    "维修人员",
    "户号",
    "地址",
    "故障描述",
    "报修时间",
    "完成时限",
    "是否超时",
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
    let page = state.storage.board(board_filter(&q, u32::MAX)).await?;
    let stations = state.storage.stations().await?;
    let users = state.storage.users().await?;
    let now = Utc::now();
    let mut rows = Vec::with_capacity(page.orders.len());
    for o in page.orders {
        let household = state.storage.household(o.household_id).await?;
        let station =
            stations.iter().find(|s| s.id == o.station_id).map_or(String::new(), |s| s.name.clone());
        let assignee = o
            .assignee_id
            .and_then(|a| users.iter().find(|u| u.user.id == a))
            .map_or(String::new(), |u| u.user.display_name.clone());
        rows.push(vec![
            o.id.to_string(),
            o.kind.to_string(),
            o.status.to_string(),
            o.priority.to_string(),
            station,
            assignee,
            household.as_ref().map_or(String::new(), |h| h.account_no.clone()),
            household.as_ref().map_or(String::new(), |h| h.address.clone()),
            o.description.clone(),
            csv_time(o.reported_at),
            o.due_by.map(csv_time).unwrap_or_default(),
            if is_overdue(o.due_by, now) { "是" } else { "否" }.to_owned(),
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
    Ok(Json(entry(order, Utc::now())))
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
    let order = office_edit(&state, &caller, id, fields).await?;
    Ok(Json(entry(order, Utc::now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why the order is cancelled; kept as the order's note.
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
    let fields = WorkOrderFields {
        status: Some(WorkOrderStatus::Cancelled),
        status_note: Some(req.reason.trim().to_owned()),
        ..Default::default()
    };
    let order = office_edit(&state, &caller, id, fields).await?;
    Ok(Json(entry(order, Utc::now())))
}
