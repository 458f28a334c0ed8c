//! Temperature compliance (达标判定): GB/T 33833-2017 §5.1 as applied by the city profile,
//! and the refund the office may owe (DOMAIN.md, "Refunds when below standard").

use serde::Serialize;

use super::CityProfile;
use crate::model::{RoomType, TemperatureCheck, UserCausedFinding};

/// Why a reading below the standard is not the company's failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Excuse {
    /// The outdoor temperature was below the city's design temperature.
    BelowDesignWeather,
    /// The user covered radiators, altered the installation or drew off water.
    UserCaused(UserCausedFinding),
}

/// The verdict of one temperature check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Compliance {
    /// Every bedroom and living room reached the standard.
    Compliant { lowest_c: f64 },
    /// 不达标户: below the standard by the company's failure; needs a repair and a
    /// follow-up visit (§31).
    NonCompliant { lowest_c: f64, shortfall_c: f64 },
    /// Below the standard, but excused.
    Excused { lowest_c: f64, shortfall_c: f64, excuses: Vec<Excuse> },
    /// No bedroom or living room was measured, so nothing can be decided.
    Undecided,
}

impl Compliance {
    /// True when the household needs a repair and a follow-up (§31).
    pub fn needs_follow_up(&self) -> bool {
        matches!(self, Compliance::NonCompliant { .. })
    }
}

/// Readings are taken at 0.1 °C; compare at that resolution so 17.999… is not "below 18".
const RESOLUTION_EPSILON: f64 = 1e-6;

/// Decides compliance (GB/T 33833-2017 §5.1; rulebook §31, §67): the lowest bedroom or
/// living-room reading against `profile.indoor_standard_c`. Other rooms are recorded but do
/// not decide. A shortfall is excused under design weather (the check's flag, or an outdoor
/// reading below `profile.design_outdoor_c`) or when the user caused it.
pub fn assess(check: &TemperatureCheck, profile: &CityProfile) -> Compliance {
    let lowest = check
        .readings
        .iter()
        .filter(|r| matches!(r.room_type, RoomType::Bedroom | RoomType::LivingRoom))
        .map(|r| r.celsius)
        .fold(None, |low: Option<f64>, c| Some(low.map_or(c, |l| l.min(c))));
    let Some(lowest_c) = lowest else {
        return Compliance::Undecided;
    };
    let Some(shortfall_c) = shortfall(lowest_c, profile) else {
        return Compliance::Compliant { lowest_c };
    };
    let mut excuses = Vec::new();
    if check.below_design_weather || cold_outside(check.outdoor_celsius, profile) {
        excuses.push(Excuse::BelowDesignWeather);
    }
    excuses.extend(check.findings.iter().copied().map(Excuse::UserCaused));
    if excuses.is_empty() {
        Compliance::NonCompliant { lowest_c, shortfall_c }
    } else {
        Compliance::Excused { lowest_c, shortfall_c, excuses }
    }
}

/// How far `lowest_c` (the coldest bedroom or living room) is below the standard, °C; None
/// when it reaches the standard at the readings' resolution. What [`assess`] decides on, for
/// callers that keep a check's lowest reading rather than the check (the server's KPI facts).
pub fn shortfall(lowest_c: f64, profile: &CityProfile) -> Option<f64> {
    let shortfall_c = profile.indoor_standard_c - lowest_c;
    (shortfall_c > RESOLUTION_EPSILON).then_some(shortfall_c)
}

/// The outdoor reading is below the city's design temperature: a shortfall is excused.
pub fn cold_outside(outdoor_c: Option<f64>, profile: &CityProfile) -> bool {
    outdoor_c.is_some_and(|t| t < profile.design_outdoor_c)
}

/// The share of the failing days' fee refunded for a shortfall, percent (DOMAIN.md,
/// "Refunds when below standard"): the highest tier whose threshold the shortfall reaches.
/// No shortfall, no refund.
pub fn refund_pct(shortfall_c: f64, profile: &CityProfile) -> f64 {
    if shortfall_c <= RESOLUTION_EPSILON {
        return 0.0;
    }
    profile
        .refund_tiers
        .iter()
        .filter(|tier| shortfall_c + RESOLUTION_EPSILON >= tier.shortfall_from_c)
        .map(|tier| tier.refund_pct)
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    fn check_with(readings: &[(RoomType, f64)]) -> TemperatureCheck {
        let mut check = demo::temperature_check(demo::now());
        check.readings = readings
            .iter()
            .map(|&(room_type, celsius)| crate::model::RoomReading {
                room_name: room_type.to_string(),
                room_type,
                celsius,
                measured_at: demo::now(),
            })
            .collect();
        check
    }

    #[test]
    fn bedrooms_and_living_rooms_at_the_standard_comply() {
        let p = CityProfile::default();
        let c =
            check_with(&[(RoomType::Bedroom, 18.0), (RoomType::LivingRoom, 19.5), (RoomType::Other, 12.0)]);
        assert_eq!(assess(&c, &p), Compliance::Compliant { lowest_c: 18.0 });
    }

    #[test]
    fn one_cold_bedroom_makes_the_household_non_compliant() {
        let p = CityProfile::default();
        let c = check_with(&[(RoomType::Bedroom, 16.5), (RoomType::LivingRoom, 20.0)]);
        let verdict = assess(&c, &p);
        assert!(verdict.needs_follow_up());
        let Compliance::NonCompliant { lowest_c, shortfall_c } = verdict else { panic!("{verdict:?}") };
        assert_eq!(lowest_c, 16.5);
        assert!((shortfall_c - 1.5).abs() < 1e-9);
    }

    #[test]
    fn a_cold_kitchen_does_not_decide() {
        let p = CityProfile::default();
        let c = check_with(&[(RoomType::Other, 10.0), (RoomType::Bedroom, 18.2)]);
        assert!(matches!(assess(&c, &p), Compliance::Compliant { .. }));
        assert_eq!(assess(&check_with(&[(RoomType::Other, 10.0)]), &p), Compliance::Undecided);
    }

    #[test]
    fn the_standard_comes_from_the_profile() {
        let p = CityProfile { indoor_standard_c: 20.0, ..CityProfile::default() };
        let c = check_with(&[(RoomType::Bedroom, 19.0)]);
        assert!(assess(&c, &p).needs_follow_up());
    }

    #[test]
    fn design_weather_excuses_a_shortfall() {
        let p = CityProfile::default();
        let mut c = check_with(&[(RoomType::Bedroom, 16.0)]);
        c.below_design_weather = true;
        assert!(
            matches!(assess(&c, &p), Compliance::Excused { ref excuses, .. } if excuses == &[Excuse::BelowDesignWeather])
        );
        c.below_design_weather = false;
        c.outdoor_celsius = Some(p.design_outdoor_c - 0.5);
        assert!(!assess(&c, &p).needs_follow_up());
        c.outdoor_celsius = Some(p.design_outdoor_c + 0.5);
        assert!(assess(&c, &p).needs_follow_up());
    }

    #[test]
    fn covered_radiators_excuse_a_shortfall() {
        let p = CityProfile::default();
        let mut c = check_with(&[(RoomType::LivingRoom, 15.0)]);
        c.findings = vec![UserCausedFinding::RadiatorsCovered];
        assert_eq!(
            assess(&c, &p),
            Compliance::Excused {
                lowest_c: 15.0,
                shortfall_c: 3.0,
                excuses: vec![Excuse::UserCaused(UserCausedFinding::RadiatorsCovered)]
            }
        );
    }

    #[test]
    fn refunds_follow_the_tiers() {
        let p = CityProfile::default();
        assert_eq!(refund_pct(0.0, &p), 0.0);
        assert_eq!(refund_pct(1.0, &p), 20.0); // 17 °C
        assert_eq!(refund_pct(2.0, &p), 50.0); // 16 °C
        assert_eq!(refund_pct(3.9, &p), 50.0);
        assert_eq!(refund_pct(4.0, &p), 100.0); // 14 °C
        assert_eq!(refund_pct(9.0, &p), 100.0);
    }
}
