//! Area deviation (§22, §36): the measured total against the billed area (收费面积).

use serde::Serialize;

use crate::model::AreaRemeasurement;

/// What a re-measurement found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AreaFinding {
    pub total_m2: f64,
    pub billed_m2: f64,
    /// Measured minus billed, m²: positive when the home is larger than billed.
    pub deviation_m2: f64,
    /// The deviation as a percentage of the billed area.
    pub deviation_pct: f64,
    /// |deviation| is within the tolerance; otherwise the case goes back to the office (§22).
    pub within_tolerance: bool,
}

/// Sums the rooms and compares them with the billed area and the record's tolerance
/// (§22: 误差率不能超过规定标准). A billed area of zero is never within tolerance.
pub fn assess(m: &AreaRemeasurement) -> AreaFinding {
    let total_m2: f64 = m.rooms.iter().map(|r| r.measure.area_m2()).sum();
    deviation(total_m2, m.billed_area_m2, m.tolerance_pct)
}

/// The deviation of a measured total from the billed area, against `tolerance_pct`.
pub fn deviation(total_m2: f64, billed_m2: f64, tolerance_pct: f64) -> AreaFinding {
    let deviation_m2 = total_m2 - billed_m2;
    let deviation_pct = if billed_m2 > 0.0 { deviation_m2 / billed_m2 * 100.0 } else { f64::INFINITY };
    // Areas are entered to 0.01 m²: round the percentage before comparing so that a
    // deviation shown as "3.00 %" is within a 3 % tolerance.
    let shown_pct = (deviation_pct.abs() * 100.0).round() / 100.0;
    AreaFinding {
        total_m2,
        billed_m2,
        deviation_m2,
        deviation_pct,
        within_tolerance: shown_pct <= tolerance_pct,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MeasuredRoom, RoomMeasure};

    fn remeasure(rooms: &[RoomMeasure], billed: f64) -> AreaRemeasurement {
        let mut m = crate::demo::area_remeasurement(crate::demo::now(), billed);
        m.rooms = rooms
            .iter()
            .enumerate()
            .map(|(i, measure)| MeasuredRoom { name: format!("room {i}"), measure: measure.clone() })
            .collect();
        m
    }

    #[test]
    fn rooms_by_dimensions_and_by_area_add_up() {
        let m = remeasure(
            &[
                RoomMeasure::Dimensions { length_m: 5.0, width_m: 4.0 },
                RoomMeasure::Area { area_m2: 30.0 },
                RoomMeasure::Dimensions { length_m: 2.5, width_m: 2.0 },
            ],
            55.0,
        );
        let f = assess(&m);
        assert!((f.total_m2 - 55.0).abs() < 1e-9);
        assert!(f.deviation_m2.abs() < 1e-9);
        assert!(f.within_tolerance);
    }

    #[test]
    fn a_home_larger_than_billed_beyond_tolerance_goes_back_to_the_office() {
        // 3 % tolerance on 100 m²: 103 m² is in, 103.5 m² is out.
        let f = deviation(103.0, 100.0, 3.0);
        assert!(f.within_tolerance);
        assert!((f.deviation_pct - 3.0).abs() < 1e-9);
        let f = deviation(103.5, 100.0, 3.0);
        assert!(!f.within_tolerance);
        assert!((f.deviation_m2 - 3.5).abs() < 1e-9);
    }

    #[test]
    fn a_smaller_home_counts_the_same_way() {
        let f = deviation(90.0, 100.0, 5.0);
        assert!((f.deviation_pct + 10.0).abs() < 1e-9);
        assert!(!f.within_tolerance);
    }

    #[test]
    fn the_tolerance_is_a_setting() {
        assert!(!deviation(104.0, 100.0, 3.0).within_tolerance);
        assert!(deviation(104.0, 100.0, 5.0).within_tolerance);
    }
}
