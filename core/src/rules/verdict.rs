//! A temperature check's verdict as the technician and the customer read it on the tablet
//! (达标 / 不达标 / 免责, rulebook §31, §67): [`super::compliance::assess`] with the room that
//! decided it, the thresholds it was held to, and whether the outdoor reading just typed
//! suggests "below design weather" (低于设计室外温度), which the form then offers ticked.

use serde::Serialize;

use super::CityProfile;
use super::compliance::{Compliance, assess};
use crate::model::{RoomType, TemperatureCheck};

/// The verdict of one check with what a person needs to understand it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub compliance: Compliance,
    /// The coldest bedroom or living room, whose reading decided; None when none was measured.
    pub deciding_room: Option<String>,
    /// The standard bedrooms and living rooms are held to, °C.
    pub indoor_standard_c: f64,
    /// The city's design outdoor temperature, °C.
    pub design_outdoor_c: f64,
    /// The outdoor reading is below the design temperature: the check should say so.
    pub suggest_below_design: bool,
}

/// Judges `check` under `profile` (see [`assess`]).
pub fn judge(check: &TemperatureCheck, profile: &CityProfile) -> Verdict {
    let deciding_room = check
        .readings
        .iter()
        .filter(|r| matches!(r.room_type, RoomType::Bedroom | RoomType::LivingRoom))
        .min_by(|a, b| a.celsius.total_cmp(&b.celsius))
        .map(|r| r.room_name.clone());
    Verdict {
        compliance: assess(check, profile),
        deciding_room,
        indoor_standard_c: profile.indoor_standard_c,
        design_outdoor_c: profile.design_outdoor_c,
        suggest_below_design: super::compliance::cold_outside(check.outdoor_celsius, profile),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;
    use crate::model::{RoomReading, UserCausedFinding};
    use crate::rules::compliance::Excuse;

    fn check(rooms: &[(&str, RoomType, f64)], outdoor: Option<f64>) -> TemperatureCheck {
        let mut c = demo::temperature_check(demo::now());
        c.readings = rooms
            .iter()
            .map(|&(name, room_type, celsius)| RoomReading {
                room_name: name.to_owned(),
                room_type,
                celsius,
                measured_at: demo::now(),
            })
            .collect();
        c.outdoor_celsius = outdoor;
        c.below_design_weather = false;
        c.findings.clear();
        c
    }

    #[test]
    fn a_cold_bedroom_is_named_as_the_reason_it_fails() {
        let p = CityProfile::default();
        let c = check(
            &[
                ("客厅", RoomType::LivingRoom, 19.0),
                ("卧室", RoomType::Bedroom, 15.2),
                ("厨房", RoomType::Other, 9.0),
            ],
            Some(-2.0),
        );
        let v = judge(&c, &p);
        assert!(matches!(v.compliance, Compliance::NonCompliant { lowest_c, .. } if lowest_c == 15.2));
        assert_eq!(v.deciding_room.as_deref(), Some("卧室"), "the kitchen does not decide");
        assert_eq!(v.indoor_standard_c, 18.0);
        assert!(!v.suggest_below_design, "-2 °C is warmer than the design temperature");
    }

    #[test]
    fn an_outdoor_reading_below_design_suggests_the_waiver() {
        let p = CityProfile::default();
        let c = check(&[("卧室", RoomType::Bedroom, 16.0)], Some(p.design_outdoor_c - 1.0));
        let v = judge(&c, &p);
        assert!(v.suggest_below_design);
        assert!(
            matches!(v.compliance, Compliance::Excused { ref excuses, .. } if excuses == &[Excuse::BelowDesignWeather])
        );
        assert!(!judge(&check(&[("卧室", RoomType::Bedroom, 16.0)], None), &p).suggest_below_design);
    }

    #[test]
    fn a_user_caused_shortfall_is_excused_and_nothing_measured_is_undecided() {
        let p = CityProfile::default();
        let mut c = check(&[("卧室", RoomType::Bedroom, 16.0)], None);
        c.findings = vec![UserCausedFinding::RadiatorsCovered];
        assert!(matches!(judge(&c, &p).compliance, Compliance::Excused { .. }));
        let v = judge(&check(&[("厨房", RoomType::Other, 12.0)], None), &p);
        assert_eq!(v.compliance, Compliance::Undecided);
        assert_eq!(v.deciding_room, None);
    }
}
