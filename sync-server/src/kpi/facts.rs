//! A stored report's facts: the columns the console lists and the KPIs sum, derived from the
//! signed report once, when it is stored, so no query parses report JSON.
//!
//! Device times are clamped to the server's receive time: a visit cannot have finished after
//! the record reached the office, whatever the tablet's clock said. A repair visit is judged
//! against its order's deadlines (§74-75) as the order stood when the report arrived.

use chrono::{DateTime, Utc};
use hearth_core::model::{
    RepairOutcome, ReportBody, ReportKind, RoomType, Satisfaction, SignedReport, WorkOrder,
};
use hearth_core::rules::{CityProfile, area, deadlines};
use uuid::Uuid;

/// The facts of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub report_id: Uuid,
    pub kind: ReportKind,
    pub station_id: Uuid,
    pub author_id: Uuid,
    pub household_id: Uuid,
    pub work_order_id: Option<Uuid>,
    /// The report this one corrects: it takes the original's place in the KPIs.
    pub amends: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub satisfaction: Option<Satisfaction>,
    /// Temperature checks: the lowest bedroom/living-room reading, and what may excuse it.
    pub lowest_c: Option<f64>,
    pub outdoor_c: Option<f64>,
    /// The crew recorded an excuse: design weather ticked, or a user-caused finding.
    pub excused: bool,
    pub billed_area_m2: Option<f64>,
    /// Repair visits, judged against their order's deadlines when the report arrived.
    pub arrived_on_time: Option<bool>,
    pub fixed_in_time: Option<bool>,
    /// Area re-measurements.
    pub area_within_tolerance: Option<bool>,
    /// Inspections: the violations found (type names).
    pub violations: Vec<String>,
}

/// The work order whose deadlines judge the report (a repair visit's), for the backend to load.
pub fn order_needed(signed: &SignedReport) -> Option<Uuid> {
    let report = signed.report();
    match report.body {
        ReportBody::RepairVisit(_) => report.work_order_id,
        _ => None,
    }
}

/// The facts of `signed`, stored for `station` (whose household's billed area is given) at
/// `received_at`; `order` is the stored order of [`order_needed`], if any.
pub fn derive(
    signed: &SignedReport,
    station: Uuid,
    billed_area_m2: Option<f64>,
    received_at: DateTime<Utc>,
    order: Option<&WorkOrder>,
    profile: &CityProfile,
) -> Facts {
    let report = signed.report();
    let mut facts = Facts {
        report_id: report.id,
        kind: report.body.kind(),
        station_id: station,
        author_id: report.author_id,
        household_id: report.household_id,
        work_order_id: report.work_order_id,
        amends: report.amendment.as_ref().map(|a| a.amends),
        created_at: report.created_at,
        received_at,
        satisfaction: report.feedback.satisfaction,
        lowest_c: None,
        outdoor_c: None,
        excused: false,
        billed_area_m2: None,
        arrived_on_time: None,
        fixed_in_time: None,
        area_within_tolerance: None,
        violations: Vec::new(),
    };
    match &report.body {
        ReportBody::TemperatureCheck(check) => {
            facts.lowest_c = check
                .readings
                .iter()
                .filter(|r| matches!(r.room_type, RoomType::Bedroom | RoomType::LivingRoom))
                .map(|r| r.celsius)
                .reduce(f64::min);
            facts.outdoor_c = check.outdoor_celsius;
            facts.excused = check.below_design_weather || !check.findings.is_empty();
            facts.billed_area_m2 = billed_area_m2;
        }
        ReportBody::RepairVisit(visit) => {
            if let Some(order) = order {
                let fallback = deadlines::repair_deadlines(order.reported_at, order.appointment, profile);
                let arrive_by = order.arrive_by.unwrap_or(fallback.arrive_by);
                let fix_by = order.due_by.unwrap_or(fallback.fix_by);
                let arrived = visit.arrived_at.min(received_at);
                let finished = visit.finished_at.min(received_at);
                facts.arrived_on_time = Some(arrived <= arrive_by);
                facts.fixed_in_time =
                    Some(matches!(visit.outcome, RepairOutcome::Fixed) && finished <= fix_by);
            }
        }
        ReportBody::AreaRemeasurement(m) => {
            facts.area_within_tolerance = Some(area::assess(m).within_tolerance)
        }
        ReportBody::Inspection(inspection) => {
            facts.violations = inspection.violations.iter().map(|v| v.as_str().to_owned()).collect();
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_keeps_its_coldest_bedroom_or_living_room_and_its_households_area() {
        let home = hearth_core::demo::households(1, 1).next().unwrap();
        let signed =
            hearth_core::demo::signed_temperature_check(&home, Uuid::now_v7(), hearth_core::demo::now())
                .unwrap();
        let ReportBody::TemperatureCheck(check) = &signed.report().body else { panic!() };
        let coldest = check
            .readings
            .iter()
            .filter(|r| matches!(r.room_type, RoomType::Bedroom | RoomType::LivingRoom))
            .map(|r| r.celsius)
            .fold(f64::INFINITY, f64::min);
        let f =
            derive(&signed, home.station_id, Some(81.5), chrono::Utc::now(), None, &CityProfile::default());
        assert_eq!(
            (f.kind, f.lowest_c, f.billed_area_m2),
            (ReportKind::TemperatureCheck, Some(coldest), Some(81.5))
        );
        assert_eq!(order_needed(&signed), None, "a check is judged without its order");
    }
}
