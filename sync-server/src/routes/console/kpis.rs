//! KPIs for a date range, per station and per crew member, from the report facts the server
//! derived when each report arrived (DOMAIN.md, "What the office needs from the synced
//! data"). Reports count in the range by the server's receive time, which a tablet's clock
//! cannot move; orders by their report time, which the office set.
//!
//! Rates are `null` when nothing was there to measure.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use hearth_core::model::{Priority, WorkOrder, WorkOrderKind, WorkOrderSource, WorkOrderStatus};
use hearth_core::rules::CityProfile;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Office, check_range, now, office_stamp};
use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::extract::{Json, Query};
use crate::routes::openapi::schemas::ErrorBody;
use crate::storage::console::{AuditAction, KpiCounts, WaitingHousehold};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/console/kpis", get(kpis))
        .route("/v1/console/kpis/waiting", get(waiting))
        .route("/v1/console/follow-ups", post(create_follow_up))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KpiQuery {
    /// From this instant (RFC 3339), inclusive.
    pub from: DateTime<Utc>,
    /// To this instant, exclusive.
    pub to: DateTime<Utc>,
}

/// The rates the rulebook sets targets for, from the counts.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Rates {
    /// Repair orders on site by the arrival deadline and done by the completion deadline, of
    /// those decided (§75 维修及时率, target ≥ 99 %).
    pub repair_on_time: Option<f64>,
    /// Repair orders on site by the arrival deadline, of those decided.
    pub arrived_on_time: Option<f64>,
    /// Repair orders done by the completion deadline (§74: 8 hours for an ordinary fault).
    pub fixed_within_deadline: Option<f64>,
    /// Orders done, closed or ended with a reason, of those not cancelled (target 100 %).
    pub closure: Option<f64>,
    /// Checks meeting the standard (or excused), of the decided ones.
    pub temperature_compliance: Option<f64>,
    /// Satisfied or fairly satisfied, of the customers who said.
    pub satisfaction: Option<f64>,
}

/// What the signed checks imply under the refund tiers, in 元.
///
/// A signed non-compliant check proves one failing day: the day it was measured. Days before
/// or after it are not on record, so each check counts one day and the sum is what the records
/// prove the company owes, not a guess at the whole outage:
/// Σ billed area × price per m² × the tier's refund share × 1 day ÷ the season's days.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RefundExposure {
    /// Non-compliant checks that imply a refund.
    pub checks: u64,
    /// Σ billed area × the tier's refund share, m².
    pub refund_weighted_area_m2: f64,
    /// The failing days on record: one per check.
    pub failing_days: u64,
    /// The refund those days imply, 元.
    pub yuan: f64,
}

/// The city profile's price and season the refund in 元 is counted with.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RefundBasis {
    /// The season's heating fee, 元 per m² of billed area.
    pub price_yuan_per_m2: f64,
    /// The heating season's length, days.
    pub season_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Kpi {
    pub counts: KpiCounts,
    pub rates: Rates,
    pub refund_exposure: RefundExposure,
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Kpi {
    /// The rates and the refund exposure of `counts`, the refund priced with `profile`'s fee
    /// and season.
    pub fn from_counts(counts: KpiCounts, profile: &CityProfile) -> Kpi {
        let c = &counts;
        let passed = c.checks_compliant + c.checks_excused;
        let rates = Rates {
            repair_on_time: ratio(c.repairs_on_time, c.repairs_with_deadline),
            arrived_on_time: ratio(c.repairs_arrived_on_time, c.repairs_with_deadline),
            fixed_within_deadline: ratio(c.repairs_fixed_in_time, c.repairs_with_deadline),
            closure: ratio(c.orders_closed, c.orders),
            temperature_compliance: ratio(passed, passed + c.checks_non_compliant),
            satisfaction: ratio(
                c.satisfied + c.fairly_satisfied,
                c.satisfied + c.fairly_satisfied + c.dissatisfied,
            ),
        };
        let mut exposure =
            RefundExposure { checks: 0, refund_weighted_area_m2: 0.0, failing_days: 0, yuan: 0.0 };
        for (pct, sum) in &c.refund_tiers {
            let pct: f64 = pct.parse().unwrap_or(0.0);
            if pct > 0.0 {
                exposure.checks += sum.checks;
                exposure.refund_weighted_area_m2 += sum.billed_area_m2 * pct / 100.0;
            }
        }
        exposure.failing_days = exposure.checks;
        // One failing day per check (see `RefundExposure`), rounded to the fen.
        let yuan = exposure.refund_weighted_area_m2 * profile.price_yuan_per_m2
            / f64::from(profile.season_days.max(1));
        exposure.yuan = (yuan * 100.0).round() / 100.0;
        Kpi { counts, rates, refund_exposure: exposure }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StationKpi {
    pub station_id: Uuid,
    pub station_name: String,
    pub kpi: Kpi,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CrewKpi {
    pub user_id: Uuid,
    /// Empty when the id is not a known user.
    pub display_name: String,
    pub kpi: Kpi,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub overall: Kpi,
    pub refund_basis: RefundBasis,
    pub stations: Vec<StationKpi>,
    pub crews: Vec<CrewKpi>,
}

/// KPIs of a date range: the company, each station, each crew member.
#[utoipa::path(get, path = "/v1/console/kpis", tag = "console", params(KpiQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "KPIs", body = KpiReport),
        (status = 400, description = "Bad range", body = ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn kpis(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<KpiQuery>,
) -> Result<Json<KpiReport>, AppError> {
    check_range(Some(q.from), Some(q.to))?;
    let profile = state.storage.city_profile().await?;
    let groups = state.storage.kpi_groups(q.from, q.to, profile.clone()).await?;
    let (mut overall, mut stations, mut crews) =
        (KpiCounts::default(), BTreeMap::<Uuid, KpiCounts>::new(), BTreeMap::<Uuid, KpiCounts>::new());
    for g in &groups {
        overall.add(&g.counts);
        stations.entry(g.station_id).or_default().add(&g.counts);
        if let Some(crew) = g.crew_id {
            crews.entry(crew).or_default().add(&g.counts);
        }
    }
    let names = state.storage.stations().await?;
    let users = state.storage.users().await?;
    Ok(Json(KpiReport {
        from: q.from,
        to: q.to,
        overall: Kpi::from_counts(overall, &profile),
        refund_basis: RefundBasis {
            price_yuan_per_m2: profile.price_yuan_per_m2,
            season_days: profile.season_days,
        },
        stations: stations
            .into_iter()
            .map(|(id, c)| StationKpi {
                station_id: id,
                station_name: names.iter().find(|s| s.id == id).map_or(String::new(), |s| s.name.clone()),
                kpi: Kpi::from_counts(c, &profile),
            })
            .collect(),
        crews: crews
            .into_iter()
            .map(|(id, c)| CrewKpi {
                user_id: id,
                display_name: users
                    .iter()
                    .find(|u| u.user.id == id)
                    .map_or(String::new(), |u| u.user.display_name.clone()),
                kpi: Kpi::from_counts(c, &profile),
            })
            .collect(),
    }))
}

/// Non-compliant households still waiting for a repair or a follow-up visit (§31).
#[utoipa::path(get, path = "/v1/console/kpis/waiting", tag = "console", security(("device_token" = [])),
    responses((status = 200, description = "Waiting households, longest waiting first", body = [WaitingHousehold]),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn waiting(
    State(state): State<AppState>,
    _office: Office,
) -> Result<Json<Vec<WaitingHousehold>>, AppError> {
    Ok(Json(state.storage.waiting_households().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpRequest {
    /// The non-compliant temperature check to follow up.
    pub report_id: Uuid,
    pub assignee_id: Option<Uuid>,
}

/// Makes the follow-up visit (回访) of a waiting household's non-compliant check.
#[utoipa::path(post, path = "/v1/console/follow-ups", tag = "console", request_body = FollowUpRequest,
    security(("device_token" = [])),
    responses((status = 201, description = "The follow-up order (hearth-core `WorkOrder`)", body = Object),
        (status = 400, description = "Not a waiting household's check", body = ErrorBody),
        (status = 409, description = "A follow-up is already scheduled", body = ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn create_follow_up(
    State(state): State<AppState>,
    Office(caller): Office,
    Json(req): Json<FollowUpRequest>,
) -> Result<(axum::http::StatusCode, Json<WorkOrder>), AppError> {
    if let Some(assignee) = req.assignee_id {
        super::intake::check_assignee(&state, assignee).await?;
    }
    let waiting = state.storage.waiting_households().await?;
    let Some(w) = waiting.into_iter().find(|w| w.report_id == req.report_id) else {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!("report {} is not the non-compliant check of a household still waiting", req.report_id),
        ));
    };
    if w.stage == "follow_up_scheduled" {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "a follow-up visit is already scheduled for this household",
        ));
    }
    let now = now();
    let order = WorkOrder {
        id: hearth_core::new_id(),
        household_id: w.household_id,
        station_id: w.station_id,
        kind: WorkOrderKind::FollowUp,
        source: WorkOrderSource::FollowUp,
        status: if req.assignee_id.is_some() { WorkOrderStatus::Assigned } else { WorkOrderStatus::New },
        priority: Priority::Normal,
        description: format!("回访：测温不达标（最低 {:.1} °C），确认维修后室温达标", w.lowest_c),
        reported_at: now,
        appointment: None,
        arrive_by: None,
        due_by: None,
        assignee_id: req.assignee_id,
        status_note: None,
        follows_up: Some(w.report_id),
        arrived_at: None,
        done_at: None,
        number: None,
    };
    let detail = serde_json::json!({
        "household_id": order.household_id, "follows_up": w.report_id,
        "assignee": super::audit::named(&state, order.assignee_id).await?,
    });
    let audit = super::audit::audit(&caller, AuditAction::FollowUpCreated, None, detail);
    let order = state.storage.add_work_order_audited(order, office_stamp(now), audit).await?;
    Ok((axum::http::StatusCode::CREATED, Json(order)))
}
