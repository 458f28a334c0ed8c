//! Hotline intake: find the caller's household and see its open orders and recent calls,
//! record every call (§31: 100 % handled), attach a repeated call to the open order it
//! repeats instead of making another, and make the work order with its due times from the
//! rules (§74: an ordinary fault fixed within 8 hours). The board of orders is `board.rs`.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use hearth_core::model::{
    Household, Priority, Role, TimeWindow, WorkOrder, WorkOrderKind, WorkOrderSource, WorkOrderStatus,
};
use hearth_core::rules::CityProfile;
use hearth_core::rules::deadlines::repair_deadlines;
use hearth_core::rules::status::is_open;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Office, PathId, check_range, found, now, office_stamp, page_size};
use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::extract::{Json, Query};
use crate::storage::console::{AuditAction, Call, CallOutcome};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/console/households", get(find_households))
        .route("/v1/console/households/by-id", get(households_by_id))
        .route("/v1/console/households/{id}", get(get_household))
        .route("/v1/console/households/{id}/activity", get(household_activity))
        .route("/v1/console/calls", post(record_call).get(list_calls))
        .route("/v1/console/work-orders", post(create_order).get(super::board::board))
}

pub(super) fn bad(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::BadRequest, message)
}

pub(super) fn required(field: &str, value: &str) -> Result<(), AppError> {
    if value.trim().is_empty() { Err(bad(format!("{field} is empty; fill it in"))) } else { Ok(()) }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HouseholdQuery {
    /// Account number, phone, or a part of the address or owner's name.
    #[param(pattern = r"\S")]
    pub q: String,
    #[param(minimum = 1, maximum = 1000)]
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

/// How many days of a household's calls intake shows when it is picked.
pub const RECENT_CALL_DAYS: i64 = 7;

/// A household's open orders and recent calls: what a dispatcher must see before making
/// another order for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdActivity {
    /// Its open orders (new, assigned, en route, on site), oldest first.
    #[schema(value_type = Vec<Object>)]
    pub open_orders: Vec<WorkOrder>,
    /// Its calls of the last `call_days` days, newest first.
    pub recent_calls: Vec<Call>,
    pub call_days: i64,
}

/// The household's open orders and its calls of the last 7 days, for intake.
#[utoipa::path(get, path = "/v1/console/households/{id}/activity", tag = "console",
    params(("id" = Uuid, Path, description = "The household's id")), security(("device_token" = [])),
    responses((status = 200, description = "Open orders and recent calls", body = HouseholdActivity),
        (status = 404, description = "No such household", body = crate::routes::openapi::schemas::ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = crate::routes::openapi::schemas::ErrorBody)))]
pub async fn household_activity(
    State(state): State<AppState>,
    _office: Office,
    PathId(id): PathId,
) -> Result<Json<HouseholdActivity>, AppError> {
    found(state.storage.household(id).await?, "household", id)?;
    let since = now() - Duration::days(RECENT_CALL_DAYS);
    Ok(Json(HouseholdActivity {
        open_orders: state.storage.open_orders_of(id).await?,
        recent_calls: state.storage.calls_of_household(id, since).await?,
        call_days: RECENT_CALL_DAYS,
    }))
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
    pub kind: WorkOrderKind,
    pub priority: Priority,
    /// The fault as the caller described it, or what the office wants done.
    #[schema(pattern = r"\S")]
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
    #[schema(pattern = r"\S")]
    pub caller_name: String,
    #[schema(pattern = r"\S")]
    pub phone: String,
    /// The household found for the caller, if any.
    pub household_id: Option<Uuid>,
    #[schema(pattern = r"\S")]
    pub description: String,
    pub outcome: CallOutcome,
    /// Required when the outcome is `work_order`, refused otherwise.
    pub work_order: Option<OrderRequest>,
    /// With the outcome `duplicate`: the household's open order this call repeats; the call
    /// is attached to it (and shown with it) instead of making another order.
    pub work_order_id: Option<Uuid>,
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
        number: None,
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
    let repeats = match (req.outcome, req.work_order_id) {
        (CallOutcome::Duplicate, Some(id)) => {
            let household = household.as_ref().ok_or_else(|| {
                bad("a repeated call is attached to its household's order: give household_id")
            })?;
            Some(repeated_order(&state, id, household).await?)
        }
        (outcome, Some(_)) => {
            return Err(bad(format!(
                "work_order_id attaches a repeated call (outcome duplicate) to its order, not a call with outcome {}",
                outcome.as_str()
            )));
        }
        (_, None) => None,
    };
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
        work_order_id: order.as_ref().or(repeats.as_ref()).map(|o| o.id),
        work_order_number: repeats.as_ref().and_then(|o| o.number.clone()),
    };
    let order = match order {
        // An order made from the call is an office action: kept in the audit trail with it.
        Some(order) => {
            let detail = serde_json::json!({
                "call_id": call.id, "household_id": order.household_id,
                "assignee": super::audit::named(&state, order.assignee_id).await?,
            });
            let audit = super::audit::audit(&caller, AuditAction::OrderFromCall, None, detail);
            state.storage.record_call_audited(call.clone(), Some(order), office_stamp(now), audit).await?
        }
        None => state.storage.record_call(call.clone(), None, office_stamp(now)).await?,
    };
    let call = Call {
        work_order_number: call.work_order_number.or_else(|| order.as_ref().and_then(|o| o.number.clone())),
        ..call
    };
    Ok((axum::http::StatusCode::CREATED, Json(CallRecorded { call, work_order: order })))
}

/// The open order of `household` a repeated call names; refused in words otherwise.
async fn repeated_order(state: &AppState, id: Uuid, household: &Household) -> Result<WorkOrder, AppError> {
    let order = state
        .storage
        .work_order(id)
        .await?
        .ok_or_else(|| bad(format!("there is no work order {id} to attach the call to")))?;
    if order.household_id != household.id {
        return Err(bad(format!(
            "work order {id} is another household's; attach the call to this household's order"
        )));
    }
    if !is_open(order.status) {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("work order {id} is {} already; make a new order for the call", order.status),
        ));
    }
    Ok(order)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// From this instant (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// To this instant (RFC 3339), exclusive.
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 1000)]
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
    Office(caller): Office,
    Json(req): Json<CreateOrderRequest>,
) -> Result<(axum::http::StatusCode, Json<WorkOrder>), AppError> {
    let household = household_of(&state, req.household_id).await?;
    let now = now();
    let order = new_order(&state, req.order, &household, WorkOrderSource::Planned, now).await?;
    let detail = serde_json::json!({
        "household_id": order.household_id,
        "assignee": super::audit::named(&state, order.assignee_id).await?,
    });
    let audit = super::audit::audit(&caller, AuditAction::OrderCreated, None, detail);
    let order = state.storage.add_work_order_audited(order, office_stamp(now), audit).await?;
    Ok((axum::http::StatusCode::CREATED, Json(order)))
}
