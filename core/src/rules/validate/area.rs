//! Validation of an area re-measurement (§21-22, §36).

use super::{Problems, ValidationContext};
use crate::model::{AreaRemeasurement, RoomMeasure};
use crate::rules::{Label, ProblemKind};

/// No room in a home has a side longer than this, metres.
const MAX_ROOM_SIDE_M: f64 = 100.0;

pub(super) fn check(p: &mut Problems, m: &AreaRemeasurement, ctx: &ValidationContext<'_>) {
    let max = ctx.profile.max_household_area_m2;
    if !m.appointment.kept {
        p.require_text("appointment.note", &m.appointment.note, Label::AppointmentNote);
    }
    if m.rooms.is_empty() {
        p.push("rooms", ProblemKind::NoRooms);
    }
    for (i, room) in m.rooms.iter().enumerate() {
        p.require_text(format!("rooms[{i}].name"), &room.name, Label::RoomName);
        match room.measure {
            RoomMeasure::Dimensions { length_m, width_m } => {
                for (side, value) in [("length_m", length_m), ("width_m", width_m)] {
                    let field = format!("rooms[{i}].measure.{side}");
                    if !p.finite(&field, value) {
                    } else if value <= 0.0 {
                        p.push(field, ProblemKind::AreaNotPositive);
                    } else if value > MAX_ROOM_SIDE_M {
                        p.push(
                            field,
                            ProblemKind::LengthImplausible { metres: value, max_m: MAX_ROOM_SIDE_M },
                        );
                    }
                }
            }
            RoomMeasure::Area { area_m2 } => p.area(&format!("rooms[{i}].measure.area_m2"), area_m2, max),
        }
    }
    let total: f64 = m.rooms.iter().map(|r| r.measure.area_m2()).sum();
    if total.is_finite() && total > max {
        p.push("rooms", ProblemKind::AreaImplausible { area_m2: total, max_m2: max });
    }
    p.area("billed_area_m2", m.billed_area_m2, max);
    let pct = m.tolerance_pct;
    if p.finite("tolerance_pct", pct) && !(pct > 0.0 && pct <= 100.0) {
        p.push("tolerance_pct", ProblemKind::ToleranceOutOfRange { pct });
    }
}
