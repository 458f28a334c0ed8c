//! The KPI model, backend-neutral: a stored report's facts ([`facts`]), a temperature
//! check's verdict through hearth-core's compliance rule ([`verdict`]), what each report adds
//! to the hourly sums ([`sums`]), and the households waiting for a follow-up ([`waiting`]).
//! Backends keep the facts and sums in tables and read them back; the judging is all here.

pub mod facts;
pub mod record;
pub mod sums;
pub mod verdict;
pub mod waiting;

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// Signed temperature checks in one refund tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, ToSchema)]
pub struct RefundTierSum {
    /// Non-compliant checks whose shortfall falls in this tier.
    pub checks: u64,
    /// Their billed area, m².
    pub billed_area_m2: f64,
}

/// Additive KPI counts of one station and crew member over a date range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct KpiCounts {
    /// Repair orders reported in the range whose timeliness is decided: finished, or past a
    /// deadline they have not met (§74-75).
    pub repairs_with_deadline: u64,
    /// … of which the crew was on site (已到场, server-stamped) by the arrival deadline.
    pub repairs_arrived_on_time: u64,
    /// … of which the order was done by its completion deadline (8 hours for an ordinary fault).
    pub repairs_fixed_in_time: u64,
    /// … of which both: on time in the rulebook's sense (§75 维修及时率).
    pub repairs_on_time: u64,
    /// Work orders reported in the range, not cancelled.
    pub orders: u64,
    /// … of which done, could not complete (with a reason) or closed.
    pub orders_closed: u64,
    pub checks_compliant: u64,
    pub checks_non_compliant: u64,
    /// Below the standard, but excused (design weather, user-caused).
    pub checks_excused: u64,
    /// No bedroom or living room measured.
    pub checks_undecided: u64,
    pub area_remeasurements: u64,
    pub area_outside_tolerance: u64,
    pub satisfied: u64,
    pub fairly_satisfied: u64,
    pub dissatisfied: u64,
    /// Violation type → count.
    pub violations: BTreeMap<String, u64>,
    /// Refund percent (as text, e.g. "50") → non-compliant checks in that tier.
    pub refund_tiers: BTreeMap<String, RefundTierSum>,
}

impl KpiCounts {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &KpiCounts) {
        self.repairs_with_deadline += other.repairs_with_deadline;
        self.repairs_arrived_on_time += other.repairs_arrived_on_time;
        self.repairs_fixed_in_time += other.repairs_fixed_in_time;
        self.repairs_on_time += other.repairs_on_time;
        self.orders += other.orders;
        self.orders_closed += other.orders_closed;
        self.checks_compliant += other.checks_compliant;
        self.checks_non_compliant += other.checks_non_compliant;
        self.checks_excused += other.checks_excused;
        self.checks_undecided += other.checks_undecided;
        self.area_remeasurements += other.area_remeasurements;
        self.area_outside_tolerance += other.area_outside_tolerance;
        self.satisfied += other.satisfied;
        self.fairly_satisfied += other.fairly_satisfied;
        self.dissatisfied += other.dissatisfied;
        for (k, v) in &other.violations {
            *self.violations.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.refund_tiers {
            let sum = self.refund_tiers.entry(k.clone()).or_default();
            sum.checks += v.checks;
            sum.billed_area_m2 += v.billed_area_m2;
        }
    }
}
