//! The city profile: the settings that differ between cities and companies, with defaults
//! from DOMAIN.md ("Measurement practice and city rules").

use serde::{Deserialize, Serialize};

/// A refund step: from this many degrees below the standard, this share of the failing days'
/// fee is refunded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundTier {
    pub shortfall_from_c: f64,
    pub refund_pct: f64,
}

/// Settings of one city and company. Every rule function takes its thresholds from here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityProfile {
    /// Bedrooms and living rooms must reach this, °C (GB/T 33833-2017 §5.1: 18 °C).
    pub indoor_standard_c: f64,
    /// The city's outdoor design temperature, °C; below it the standard is waived.
    pub design_outdoor_c: f64,
    /// Doors and windows closed at least this long before measuring (30 min to 2 h by city).
    pub min_doors_closed_minutes: u32,
    /// The probe's allowed height, metres (1.0–1.4 m; Tianjin 1.2 ± 0.1 m).
    pub probe_height_min_m: f64,
    pub probe_height_max_m: f64,
    /// Largest allowed deviation of measured from billed area, percent (a company setting).
    pub area_tolerance_pct: f64,
    /// A household larger than this is surely a typing error, m².
    pub max_household_area_m2: f64,
    /// The crew must be on site this many hours after the report (§74: 规定时间内赶到现场).
    pub arrive_within_hours: u32,
    /// An ordinary fault is fixed within this many hours of the report (§74: 8 hours).
    pub fix_within_hours: u32,
    /// Refund steps, by degrees below the standard, in ascending order.
    pub refund_tiers: Vec<RefundTier>,
    /// The company's name, at the top of every printed service report. A profile stored
    /// before there was one reads with the neutral default.
    #[serde(default = "default_company_name")]
    pub company_name: String,
    /// The heating fee for a season, 元 per m² of billed area (Tianjin residential: 25). The
    /// refund exposure in 元 is counted from it; a profile stored before it reads the default.
    #[serde(default = "default_price_yuan_per_m2")]
    pub price_yuan_per_m2: f64,
    /// The heating season's length, days (Tianjin: 15 November to 15 March, 121 days): a
    /// failing day's fee is the season's fee divided by it.
    #[serde(default = "default_season_days")]
    pub season_days: u32,
}

/// The name a printed report carries until the admin sets the company's own.
fn default_company_name() -> String {
    "供热服务有限公司".to_owned()
}

/// Tianjin's residential heating fee, 元/m² a season.
fn default_price_yuan_per_m2() -> f64 {
    25.0
}

/// Tianjin's heating season, 15 November to 15 March.
fn default_season_days() -> u32 {
    121
}

impl Default for CityProfile {
    /// The company's own rules where it has them (8-hour fix), national ones elsewhere,
    /// Xuzhou's refund tiers (16–18 °C → 20 %, 14–16 °C → 50 %, < 14 °C → 100 %), and the
    /// demo city's: Tianjin's design outdoor temperature (−7.0 °C, GB 50736-2012 Appendix A),
    /// fee and season.
    fn default() -> Self {
        CityProfile {
            indoor_standard_c: 18.0,
            design_outdoor_c: -7.0,
            min_doors_closed_minutes: 30,
            probe_height_min_m: 1.0,
            probe_height_max_m: 1.4,
            area_tolerance_pct: 3.0,
            max_household_area_m2: 2000.0,
            arrive_within_hours: 2,
            fix_within_hours: 8,
            refund_tiers: vec![
                RefundTier { shortfall_from_c: 0.0, refund_pct: 20.0 },
                RefundTier { shortfall_from_c: 2.0, refund_pct: 50.0 },
                RefundTier { shortfall_from_c: 4.0, refund_pct: 100.0 },
            ],
            company_name: default_company_name(),
            price_yuan_per_m2: default_price_yuan_per_m2(),
            season_days: default_season_days(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_stored_before_the_company_name_reads_with_the_default() {
        let mut stored = serde_json::to_value(CityProfile::default()).unwrap();
        stored.as_object_mut().unwrap().remove("company_name");
        let profile: CityProfile = serde_json::from_value(stored).unwrap();
        assert_eq!(profile.company_name, "供热服务有限公司");
    }

    #[test]
    fn a_profile_stored_before_the_price_and_season_reads_with_tianjins() {
        let mut stored = serde_json::to_value(CityProfile::default()).unwrap();
        let fields = stored.as_object_mut().unwrap();
        fields.remove("price_yuan_per_m2");
        fields.remove("season_days");
        fields.insert("design_outdoor_c".to_owned(), serde_json::json!(-9.4));
        let profile: CityProfile = serde_json::from_value(stored).unwrap();
        assert_eq!((profile.price_yuan_per_m2, profile.season_days), (25.0, 121));
        assert_eq!(profile.design_outdoor_c, -9.4, "a stored setting is kept");
        assert_eq!(CityProfile::default().design_outdoor_c, -7.0, "Tianjin, GB 50736-2012");
    }
}
