//! Validation of a repair visit (§74-77).

use super::{Problems, ValidationContext};
use crate::model::{RepairOutcome, RepairVisit};
use crate::rules::{Label, ProblemKind};

pub(super) fn check(p: &mut Problems, v: &RepairVisit, ctx: &ValidationContext<'_>) {
    p.not_in_future("arrived_at", v.arrived_at, ctx);
    p.not_in_future("finished_at", v.finished_at, ctx);
    if v.finished_at < v.arrived_at {
        p.push("finished_at", ProblemKind::FinishedBeforeArrival);
    }
    p.require_text("cause", &v.cause, Label::Cause);
    p.require_text("work_done", &v.work_done, Label::WorkDone);
    for (i, part) in v.parts.iter().enumerate() {
        p.require_text(format!("parts[{i}].name"), &part.name, Label::PartName);
        p.require_text(format!("parts[{i}].unit"), &part.unit, Label::PartUnit);
        let field = format!("parts[{i}].quantity");
        if p.finite(&field, part.quantity) && part.quantity <= 0.0 {
            p.push(field, ProblemKind::QuantityNotPositive);
        }
    }
    if let RepairOutcome::NotFixed { reason } = &v.outcome {
        p.require_text("outcome.reason", reason, Label::NotFixedReason);
    }
    if let Some(damage) = &v.property_damage {
        p.require_text("property_damage.description", &damage.description, Label::DamageDescription);
        if !damage.apologized {
            p.push("property_damage.apologized", ProblemKind::DamageWithoutApology);
        }
        if let Some(yuan) = damage.compensation_yuan
            && p.finite("property_damage.compensation_yuan", yuan)
            && yuan < 0.0
        {
            p.push("property_damage.compensation_yuan", ProblemKind::CompensationNegative);
        }
    }
}
