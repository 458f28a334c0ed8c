//! Hourly KPI sums: what one report adds to its station's and author's counts for the hour it
//! arrived in ([`counts`]), gathered for a whole transaction ([`HourSums`]) so a backend
//! writes one row per hour, station and author — a push of 1,000 reports from one crew member
//! updates one row, not a thousand. A KPI range reads the sums of its whole hours and the facts
//! of the part-hours at its ends ([`split`]), so its cost does not grow with the reports.
//!
//! Repair timeliness is not summed here: it is judged per work order from the server's arrival
//! and done stamps; the `repairs_*` counts stay at zero. Sums are judged with the city profile
//! in force; changing the profile rebuilds them, so they always agree with judging every
//! report afresh.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hearth_core::model::{ReportKind, Satisfaction};
use hearth_core::rules::CityProfile;
use uuid::Uuid;

use super::facts::Facts;
use super::verdict::{Verdict, verdict};
use super::{KpiCounts, RefundTierSum};

/// Seconds in a sum's hour.
pub const HOUR_S: i64 = 3600;

/// The hour (since the Unix epoch) a time falls in.
pub fn hour_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(HOUR_S)
}

/// The refund percent of a tier, as the key the counts use ("50").
pub fn tier_key(pct: f64) -> String {
    format!("{pct}")
}

/// What one report adds to the KPI counts.
pub fn counts(f: &Facts, profile: &CityProfile) -> KpiCounts {
    let mut c = KpiCounts::default();
    for v in &f.violations {
        *c.violations.entry(v.clone()).or_default() += 1;
    }
    match f.kind {
        ReportKind::TemperatureCheck => match verdict(f, profile) {
            Verdict::Undecided => c.checks_undecided = 1,
            Verdict::Compliant => c.checks_compliant = 1,
            Verdict::Excused => c.checks_excused = 1,
            Verdict::NonCompliant { refund_pct } => {
                c.checks_non_compliant = 1;
                if refund_pct > 0.0 {
                    c.refund_tiers.insert(
                        tier_key(refund_pct),
                        RefundTierSum { checks: 1, billed_area_m2: f.billed_area_m2.unwrap_or(0.0) },
                    );
                }
            }
        },
        ReportKind::AreaRemeasurement => {
            c.area_remeasurements = u64::from(f.area_within_tolerance.is_some());
            c.area_outside_tolerance = u64::from(f.area_within_tolerance == Some(false));
        }
        _ => {}
    }
    match f.satisfaction {
        Some(Satisfaction::Satisfied) => c.satisfied = 1,
        Some(Satisfaction::FairlySatisfied) => c.fairly_satisfied = 1,
        Some(_) => c.dissatisfied = 1,
        None => {}
    }
    c
}

/// One row of hourly sums to add (`sign` 1) or take away (`sign` -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HourKey {
    pub hour: i64,
    pub station_id: Uuid,
    pub author_id: Uuid,
    pub sign: i64,
}

/// The sums a transaction adds to or takes from, per hour, station and author.
#[derive(Debug, Default)]
pub struct HourSums {
    sums: HashMap<HourKey, KpiCounts>,
}

impl HourSums {
    /// Adds (`sign` 1) or takes away (`sign` -1) one report's counts.
    pub fn note(&mut self, f: &Facts, profile: &CityProfile, sign: i64) {
        let key =
            HourKey { hour: hour_of(f.received_at), station_id: f.station_id, author_id: f.author_id, sign };
        self.sums.entry(key).or_default().add(&counts(f, profile));
    }

    /// The rows to write, in key order.
    pub fn into_rows(self) -> Vec<(HourKey, KpiCounts)> {
        let mut rows: Vec<_> = self.sums.into_iter().collect();
        rows.sort_by_key(|(k, _)| *k);
        rows
    }
}

/// How a KPI range `[from, to)` is read: the sums of the whole hours `whole` (if any), and
/// the facts of the part-hour `edges`.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub whole: Option<(i64, i64)>,
    pub edges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Splits `[from, to)` into whole hours and the part-hours at its ends.
pub fn split(from: DateTime<Utc>, to: DateTime<Utc>) -> Split {
    let first_whole = from.timestamp().div_euclid(HOUR_S)
        + i64::from(from.timestamp().rem_euclid(HOUR_S) != 0 || from.timestamp_subsec_nanos() != 0);
    let end_whole = to.timestamp().div_euclid(HOUR_S);
    if first_whole >= end_whole {
        return Split { whole: None, edges: vec![(from, to)].into_iter().filter(|(a, b)| a < b).collect() };
    }
    let hour_start = |h: i64| DateTime::<Utc>::from_timestamp(h * HOUR_S, 0).unwrap_or(from);
    let edges = [(from, hour_start(first_whole)), (hour_start(end_whole), to)]
        .into_iter()
        .filter(|(a, b)| a < b)
        .collect();
    Split { whole: Some((first_whole, end_whole)), edges }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn facts(kind: ReportKind, received_at: DateTime<Utc>) -> Facts {
        Facts {
            report_id: Uuid::now_v7(),
            kind,
            station_id: Uuid::from_u128(1),
            author_id: Uuid::from_u128(2),
            household_id: Uuid::now_v7(),
            work_order_id: None,
            amends: None,
            created_at: received_at,
            received_at,
            satisfaction: Some(Satisfaction::FairlySatisfied),
            lowest_c: None,
            outdoor_c: None,
            excused: false,
            billed_area_m2: Some(60.0),
            arrived_on_time: None,
            fixed_in_time: None,
            area_within_tolerance: None,
            violations: Vec::new(),
        }
    }

    #[test]
    fn a_cold_home_adds_one_non_compliant_check_and_its_area_to_its_refund_tier() {
        let p = CityProfile::default();
        let mut f = facts(ReportKind::TemperatureCheck, t("2026-12-03T08:30:00Z"));
        f.lowest_c = Some(p.indoor_standard_c - 3.0);
        let c = counts(&f, &p);
        assert_eq!((c.checks_non_compliant, c.fairly_satisfied), (1, 1));
        let tier = c.refund_tiers.values().next().expect("a refund tier");
        assert_eq!((tier.checks, tier.billed_area_m2), (1, 60.0));
    }

    #[test]
    fn a_batch_from_one_crew_member_in_one_hour_is_one_row_and_an_amendment_takes_one_away() {
        let p = CityProfile::default();
        let mut sums = HourSums::default();
        for minute in 0..50 {
            let at = t("2026-12-03T08:00:00Z") + chrono::Duration::minutes(minute);
            sums.note(&facts(ReportKind::AreaRemeasurement, at), &p, 1);
        }
        sums.note(&facts(ReportKind::AreaRemeasurement, t("2026-12-03T08:10:00Z")), &p, -1);
        let rows = sums.into_rows();
        assert_eq!(rows.len(), 2, "one row to add, one to take away");
        assert_eq!(rows.iter().map(|(_, c)| c.fairly_satisfied).collect::<Vec<_>>(), [1, 50]);
    }

    #[test]
    fn a_range_is_whole_hours_and_the_part_hours_at_its_ends() {
        let s = split(t("2026-12-03T08:30:00Z"), t("2026-12-03T11:15:00Z"));
        let h = |s: &str| hour_of(t(s));
        assert_eq!(s.whole, Some((h("2026-12-03T09:00:00Z"), h("2026-12-03T11:00:00Z"))));
        assert_eq!(
            s.edges,
            [
                (t("2026-12-03T08:30:00Z"), t("2026-12-03T09:00:00Z")),
                (t("2026-12-03T11:00:00Z"), t("2026-12-03T11:15:00Z"))
            ]
        );
        let inside = split(t("2026-12-03T08:10:00Z"), t("2026-12-03T08:20:00Z"));
        assert_eq!((inside.whole, inside.edges.len()), (None, 1));
        assert_eq!(split(t("2026-12-03T08:00:00Z"), t("2026-12-03T10:00:00Z")).edges, []);
    }
}
