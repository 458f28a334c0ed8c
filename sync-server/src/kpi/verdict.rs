//! A temperature check's verdict from its facts: hearth-core's compliance rule
//! (`hearth_core::rules::compliance`: the shortfall at the readings' resolution, design
//! weather, refund tiers) applied to the lowest reading the facts keep, so the KPIs and the
//! tablet can never disagree.

use hearth_core::rules::CityProfile;
use hearth_core::rules::compliance::{cold_outside, refund_pct, shortfall};

use super::facts::Facts;

/// A temperature check's verdict under a city profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// No bedroom or living room measured.
    Undecided,
    Compliant,
    /// Below the standard, but excused (design weather, user-caused).
    Excused,
    /// Below the standard: the refund percent its shortfall earns (0 if none).
    NonCompliant {
        refund_pct: f64,
    },
}

/// Judges a temperature check's facts the way `hearth_core::rules::compliance::assess` judges
/// the check.
pub fn verdict(f: &Facts, profile: &CityProfile) -> Verdict {
    let Some(lowest) = f.lowest_c else { return Verdict::Undecided };
    match shortfall(lowest, profile) {
        None => Verdict::Compliant,
        Some(_) if f.excused || cold_outside(f.outdoor_c, profile) => Verdict::Excused,
        Some(short) => Verdict::NonCompliant { refund_pct: refund_pct(short, profile) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::model::{ReportBody, RoomType, SignedReport, UserCausedFinding};
    use hearth_core::rules::compliance::{Compliance, assess};
    use uuid::Uuid;

    /// The demo's signed check with its rooms replaced, re-signed, with its facts.
    fn check(bedroom: f64, outdoor: Option<f64>, finding: bool) -> (SignedReport, Facts) {
        let home = hearth_core::demo::households(1, 1).next().unwrap();
        let author = Uuid::now_v7();
        let mut report = hearth_core::demo::signed_temperature_check(&home, author, hearth_core::demo::now())
            .unwrap()
            .report()
            .clone();
        let ReportBody::TemperatureCheck(c) = &mut report.body else { panic!() };
        for r in &mut c.readings {
            if matches!(r.room_type, RoomType::Bedroom | RoomType::LivingRoom) {
                r.celsius = 25.0;
            }
        }
        c.readings[0].room_type = RoomType::Bedroom;
        c.readings[0].celsius = bedroom;
        c.outdoor_celsius = outdoor;
        c.below_design_weather = false;
        c.findings = if finding { vec![UserCausedFinding::RadiatorsCovered] } else { Vec::new() };
        let signed = hearth_core::demo::sign(report, "张三", hearth_core::demo::now()).unwrap();
        let facts = super::super::facts::derive(
            &signed,
            home.station_id,
            Some(80.0),
            chrono::Utc::now(),
            None,
            &CityProfile::default(),
        );
        (signed, facts)
    }

    fn cores(signed: &SignedReport, p: &CityProfile) -> Verdict {
        let ReportBody::TemperatureCheck(c) = &signed.report().body else { panic!() };
        match assess(c, p) {
            Compliance::Undecided => Verdict::Undecided,
            Compliance::Compliant { .. } => Verdict::Compliant,
            Compliance::Excused { .. } => Verdict::Excused,
            Compliance::NonCompliant { shortfall_c, .. } => {
                Verdict::NonCompliant { refund_pct: refund_pct(shortfall_c, p) }
            }
        }
    }

    #[test]
    fn the_verdict_agrees_with_cores_at_and_around_the_threshold() {
        let p = CityProfile::default();
        let t = p.indoor_standard_c;
        for bedroom in [t + 0.1, t, t - 1e-9, t - 1e-7, t - 0.1, t - 1.0, t - 2.0, t - 3.0, t - 5.0] {
            for (outdoor, finding) in [(None, false), (Some(p.design_outdoor_c - 1.0), false), (None, true)] {
                let (signed, facts) = check(bedroom, outdoor, finding);
                assert_eq!(
                    verdict(&facts, &p),
                    cores(&signed, &p),
                    "{bedroom} °C, outdoor {outdoor:?}, finding {finding}"
                );
            }
        }
        let (_, at_standard) = check(t - 1e-9, None, false);
        assert_eq!(verdict(&at_standard, &p), Verdict::Compliant, "17.999… is not below 18");
    }
}
