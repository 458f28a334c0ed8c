//! Validation of an inspection (§34-35): type(s), description, measures and photos.

use super::Problems;
use crate::model::{Inspection, Report};
use crate::rules::{Label, ProblemKind};

pub(super) fn check(p: &mut Problems, insp: &Inspection, report: &Report) {
    if insp.violations.is_empty() {
        p.push("violations", ProblemKind::NoViolationType);
    }
    let mut seen = insp.violations.clone();
    seen.sort();
    seen.dedup();
    if seen.len() != insp.violations.len() {
        p.push("violations", ProblemKind::DuplicateViolationType);
    }
    p.require_text("description", &insp.description, Label::InspectionDescription);
    p.require_text("measures_taken", &insp.measures_taken, Label::MeasuresTaken);
    if report.attachments.is_empty() {
        p.push("attachments", ProblemKind::NoPhoto);
    }
    for (i, a) in report.attachments.iter().enumerate() {
        if !a.mime_type.starts_with("image/") {
            p.push(
                format!("attachments[{i}].mime_type"),
                ProblemKind::NotAnImage { mime_type: a.mime_type.clone() },
            );
        }
    }
}
