//! Validation of a temperature check (§64-67; GB/T 33833 §5.1 measuring method).

use super::{Problems, ValidationContext};
use crate::model::{Report, RoomType, TemperatureCheck};
use crate::rules::{Label, ProblemKind};

pub(super) fn check(p: &mut Problems, c: &TemperatureCheck, report: &Report, ctx: &ValidationContext<'_>) {
    let t = &c.thermometer;
    p.require_text("thermometer.serial", &t.serial, Label::ThermometerSerial);
    p.require_text("thermometer.certificate_no", &t.certificate_no, Label::CertificateNo);
    if !t.checked_working {
        p.push("thermometer.checked_working", ProblemKind::ThermometerNotChecked);
    }
    if t.certificate_expires < report.created_at.date_naive() {
        p.push(
            "thermometer.certificate_expires",
            ProblemKind::CertificateExpired { expired_on: t.certificate_expires },
        );
    }

    let cond = &c.conditions;
    let profile = ctx.profile;
    if cond.doors_windows_closed_minutes < profile.min_doors_closed_minutes {
        p.push(
            "conditions.doors_windows_closed_minutes",
            ProblemKind::DoorsNotClosedLongEnough {
                minutes: cond.doors_windows_closed_minutes,
                required: profile.min_doors_closed_minutes,
            },
        );
    }
    if !cond.probe_at_room_centre {
        p.push("conditions.probe_at_room_centre", ProblemKind::ProbeNotAtCentre);
    }
    let h = cond.probe_height_m;
    if p.finite("conditions.probe_height_m", h)
        && !(profile.probe_height_min_m..=profile.probe_height_max_m).contains(&h)
    {
        p.push(
            "conditions.probe_height_m",
            ProblemKind::ProbeHeightOutOfRange {
                height_m: h,
                min_m: profile.probe_height_min_m,
                max_m: profile.probe_height_max_m,
            },
        );
    }

    if c.readings.is_empty() {
        p.push("readings", ProblemKind::NoRooms);
    } else if !c.readings.iter().any(|r| r.room_type != RoomType::Other) {
        p.push("readings", ProblemKind::NoDecidingRoom);
    }
    for (i, r) in c.readings.iter().enumerate() {
        p.require_text(format!("readings[{i}].room_name"), &r.room_name, Label::RoomName);
        p.temperature(&format!("readings[{i}].celsius"), r.celsius);
        p.not_in_future(format!("readings[{i}].measured_at"), r.measured_at, ctx);
    }
    if let Some(outdoor) = c.outdoor_celsius {
        p.temperature("outdoor_celsius", outdoor);
    }
}
