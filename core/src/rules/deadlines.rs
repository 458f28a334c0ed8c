//! Repair deadlines (§74-75): on site within the set time, an ordinary fault fixed within
//! 8 hours of the report; the on-time rate target is 99 %.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::CityProfile;
use crate::model::{RepairOutcome, RepairVisit, TimeWindow, WorkOrder};
use crate::rules::status;

/// When a repair must be reached and finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RepairDeadlines {
    pub arrive_by: DateTime<Utc>,
    pub fix_by: DateTime<Utc>,
}

/// The deadlines of a reported fault (§74: 接到检修任务在规定时间内赶到现场，一般故障8小时内解决).
///
/// Without an appointment the crew must arrive within `arrive_within_hours` of the report.
/// A customer who asks for a later time sets the arrival window instead: arriving by its end
/// is on time, and the fix clock starts at the window's start, so the crew is not blamed for
/// waiting on the customer.
pub fn repair_deadlines(
    reported_at: DateTime<Utc>,
    appointment: Option<TimeWindow>,
    profile: &CityProfile,
) -> RepairDeadlines {
    let fix_hours = Duration::hours(i64::from(profile.fix_within_hours));
    match appointment {
        Some(window) => {
            RepairDeadlines { arrive_by: window.end, fix_by: window.start.max(reported_at) + fix_hours }
        }
        None => RepairDeadlines {
            arrive_by: reported_at + Duration::hours(i64::from(profile.arrive_within_hours)),
            fix_by: reported_at + fix_hours,
        },
    }
}

/// Whether a visit met its deadlines (§75: 维修及时率 ≥ 99 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RepairTimeliness {
    pub arrived_on_time: bool,
    /// Fixed, and finished by the deadline. A fault not fixed never counts as fixed in time.
    pub fixed_in_time: bool,
}

/// Judges a visit against its deadlines (§74-75).
pub fn assess_visit(deadlines: &RepairDeadlines, visit: &RepairVisit) -> RepairTimeliness {
    RepairTimeliness {
        arrived_on_time: visit.arrived_at <= deadlines.arrive_by,
        fixed_in_time: matches!(visit.outcome, RepairOutcome::Fixed) && visit.finished_at <= deadlines.fix_by,
    }
}

/// True when a job due at `due_by` is still open at `now`: the list marks it.
pub fn is_overdue(due_by: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    due_by.is_some_and(|due| now > due)
}

/// The crew is not on site yet and the order's arrival deadline has passed at `now`.
pub fn arrival_overdue(order: &WorkOrder, now: DateTime<Utc>) -> bool {
    status::before_arrival(order.status) && is_overdue(order.arrive_by, now)
}

/// The order is still open and its completion deadline has passed at `now`.
pub fn completion_overdue(order: &WorkOrder, now: DateTime<Utc>) -> bool {
    status::is_open(order.status) && is_overdue(order.due_by, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    fn at(h: i64, m: i64) -> DateTime<Utc> {
        demo::now() + Duration::hours(h) + Duration::minutes(m)
    }

    fn visit(arrived: DateTime<Utc>, finished: DateTime<Utc>, outcome: RepairOutcome) -> RepairVisit {
        RepairVisit { arrived_at: arrived, finished_at: finished, outcome, ..demo::repair_visit(arrived) }
    }

    #[test]
    fn an_ordinary_fault_is_due_eight_hours_after_the_report() {
        let d = repair_deadlines(at(0, 0), None, &CityProfile::default());
        assert_eq!(d.fix_by, at(8, 0));
        assert_eq!(d.arrive_by, at(2, 0));
    }

    #[test]
    fn a_fix_at_eight_hours_is_on_time_and_one_minute_later_is_not() {
        let d = repair_deadlines(at(0, 0), None, &CityProfile::default());
        let on_time = assess_visit(&d, &visit(at(1, 0), at(8, 0), RepairOutcome::Fixed));
        assert_eq!(on_time, RepairTimeliness { arrived_on_time: true, fixed_in_time: true });
        let late = assess_visit(&d, &visit(at(2, 1), at(8, 1), RepairOutcome::Fixed));
        assert_eq!(late, RepairTimeliness { arrived_on_time: false, fixed_in_time: false });
    }

    #[test]
    fn a_fault_not_fixed_is_never_fixed_in_time() {
        let d = repair_deadlines(at(0, 0), None, &CityProfile::default());
        let v = visit(at(0, 30), at(1, 0), RepairOutcome::NotFixed { reason: "缺配件".into() });
        assert!(!assess_visit(&d, &v).fixed_in_time);
    }

    #[test]
    fn an_appointment_the_customer_chose_moves_both_deadlines() {
        let window = TimeWindow { start: at(20, 0), end: at(22, 0) };
        let d = repair_deadlines(at(0, 0), Some(window), &CityProfile::default());
        assert_eq!(d.arrive_by, at(22, 0));
        assert_eq!(d.fix_by, at(28, 0));
    }

    #[test]
    fn the_fix_deadline_is_a_setting() {
        let p = CityProfile { fix_within_hours: 48, ..CityProfile::default() };
        assert_eq!(repair_deadlines(at(0, 0), None, &p).fix_by, at(48, 0));
    }

    #[test]
    fn overdue_means_open_past_due() {
        assert!(is_overdue(Some(at(1, 0)), at(1, 1)));
        assert!(!is_overdue(Some(at(1, 0)), at(1, 0)));
        assert!(!is_overdue(None, at(100, 0)));
    }

    #[test]
    fn an_arrival_is_overdue_only_until_the_crew_is_on_site() {
        use crate::model::WorkOrderStatus::*;
        let mut order = demo::work_order(at(0, 0));
        assert!(!arrival_overdue(&order, at(2, 0)), "on the deadline is in time");
        assert!(arrival_overdue(&order, at(2, 1)));
        assert!(!completion_overdue(&order, at(2, 1)), "the 8 hours are not up");
        order.status = OnSite;
        assert!(!arrival_overdue(&order, at(3, 0)), "on site: the arrival is no longer awaited");
        assert!(completion_overdue(&order, at(8, 1)));
        order.status = Done;
        assert!(!completion_overdue(&order, at(20, 0)), "done work is never overdue");
    }
}
