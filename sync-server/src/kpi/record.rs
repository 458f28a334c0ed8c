//! What storing one report's facts changes in the KPIs, decided once the backend has loaded
//! the facts of the report it amends (if any, and not superseded yet): an amendment takes the
//! original's place, so the original leaves the hourly sums and the waiting list, and the new
//! report is counted and noted. A backend writes the plan; it decides nothing.

use hearth_core::rules::CityProfile;
use uuid::Uuid;

use super::facts::Facts;
use super::sums::HourSums;
use super::verdict::verdict;
use super::waiting::{Note, note};

/// The writes that follow from storing a report's facts (the sums are gathered in the
/// transaction's [`HourSums`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The original report to mark superseded and take off the waiting list.
    pub supersede: Option<Uuid>,
    /// What the new report does to its household's place on the waiting list.
    pub waiting: Option<Note>,
}

/// Counts `facts` in `sums` in place of `original` (the stored, not yet superseded facts of
/// the report it amends), judged with `profile`.
pub fn plan(facts: &Facts, original: Option<&Facts>, profile: &CityProfile, sums: &mut HourSums) -> Plan {
    if let Some(original) = original {
        sums.note(original, profile, -1);
    }
    Plan { supersede: original.map(|o| o.report_id), waiting: count(facts, profile, sums) }
}

/// Counts stored facts afresh (rebuilding the sums): what they add, and their waiting note.
pub fn count(facts: &Facts, profile: &CityProfile, sums: &mut HourSums) -> Option<Note> {
    sums.note(facts, profile, 1);
    note(facts, verdict(facts, profile))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use hearth_core::model::ReportKind;

    fn check(lowest_c: f64, amends: Option<Uuid>) -> Facts {
        let now = Utc::now();
        Facts {
            report_id: Uuid::now_v7(),
            kind: ReportKind::TemperatureCheck,
            station_id: Uuid::from_u128(1),
            author_id: Uuid::from_u128(2),
            household_id: Uuid::from_u128(3),
            work_order_id: None,
            amends,
            created_at: now,
            received_at: now,
            satisfaction: None,
            lowest_c: Some(lowest_c),
            outdoor_c: None,
            excused: false,
            billed_area_m2: Some(70.0),
            arrived_on_time: None,
            fixed_in_time: None,
            area_within_tolerance: None,
            violations: Vec::new(),
        }
    }

    #[test]
    fn an_amendment_takes_its_originals_place_in_the_sums_and_the_waiting_list() {
        let p = CityProfile::default();
        let original = check(15.0, None);
        let corrected = check(19.0, Some(original.report_id));
        let mut sums = HourSums::default();
        let plan = plan(&corrected, Some(&original), &p, &mut sums);
        assert_eq!(plan, Plan { supersede: Some(original.report_id), waiting: Some(Note::Clear) });
        let mut net = crate::kpi::KpiCounts::default();
        let mut taken = crate::kpi::KpiCounts::default();
        for (key, c) in sums.into_rows() {
            if key.sign > 0 { net.add(&c) } else { taken.add(&c) }
        }
        assert_eq!((net.checks_compliant, taken.checks_non_compliant), (1, 1), "counted once, as corrected");
    }

    #[test]
    fn a_first_cold_check_is_counted_and_put_on_the_waiting_list() {
        let p = CityProfile::default();
        let mut sums = HourSums::default();
        let plan = plan(&check(15.0, None), None, &p, &mut sums);
        assert_eq!(plan, Plan { supersede: None, waiting: Some(Note::Put { lowest_c: 15.0 }) });
    }
}
