//! Validation: impossible or incomplete input is refused with a problem per field, worded
//! for the technician (see [`super::Problem::message`]). A record with problems is never
//! signed; a draft may hold problems while it is being typed.

mod area;
mod inspection;
mod repair;
mod temperature;

use chrono::{DateTime, Duration, Utc};

use super::{CityProfile, Label, Problem, ProblemKind};
use crate::model::{
    AttachmentRef, Household, Refusal, Report, ReportBody, Sha256, Signature, SignerRole, Stroke,
};

/// The lowest reading a thermometer in a home can show, °C.
pub const TEMPERATURE_MIN_C: f64 = -50.0;
/// The highest reading a thermometer in a home can show, °C.
pub const TEMPERATURE_MAX_C: f64 = 60.0;
/// The largest photo or signature image accepted, bytes.
pub const MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;
/// How far a device clock may run ahead before a time counts as "in the future".
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// What a validation needs besides the record: the city's thresholds and the time now.
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext<'a> {
    pub profile: &'a CityProfile,
    pub now: DateTime<Utc>,
}

/// Collects problems as a record is walked.
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, field: impl Into<String>, kind: ProblemKind) {
        self.0.push(Problem::new(field, kind));
    }

    fn require_text(&mut self, field: impl Into<String>, text: &str, what: Label) {
        if text.trim().is_empty() {
            self.push(field, ProblemKind::Missing { what });
        }
    }

    /// False (with a problem) when the number is NaN or infinite.
    fn finite(&mut self, field: &str, value: f64) -> bool {
        let ok = value.is_finite();
        if !ok {
            self.push(field, ProblemKind::NotANumber);
        }
        ok
    }

    fn not_in_future(&mut self, field: impl Into<String>, at: DateTime<Utc>, ctx: &ValidationContext<'_>) {
        if at > ctx.now + CLOCK_SKEW {
            self.push(field, ProblemKind::InFuture);
        }
    }

    fn temperature(&mut self, field: &str, celsius: f64) {
        if self.finite(field, celsius) && !(TEMPERATURE_MIN_C..=TEMPERATURE_MAX_C).contains(&celsius) {
            self.push(
                field,
                ProblemKind::TemperatureOutOfRange {
                    celsius,
                    min: TEMPERATURE_MIN_C,
                    max: TEMPERATURE_MAX_C,
                },
            );
        }
    }

    /// An area must be positive and below `max_m2`.
    fn area(&mut self, field: &str, area_m2: f64, max_m2: f64) {
        if !self.finite(field, area_m2) {
        } else if area_m2 <= 0.0 {
            self.push(field, ProblemKind::AreaNotPositive);
        } else if area_m2 > max_m2 {
            self.push(field, ProblemKind::AreaImplausible { area_m2, max_m2 });
        }
    }

    fn attachment(&mut self, field: &str, attachment: &AttachmentRef) {
        self.require_text(format!("{field}.mime_type"), &attachment.mime_type, Label::MimeType);
        if attachment.size_bytes == 0 || attachment.size_bytes > MAX_ATTACHMENT_BYTES {
            self.push(
                format!("{field}.size_bytes"),
                ProblemKind::AttachmentSize {
                    size_bytes: attachment.size_bytes,
                    max_bytes: MAX_ATTACHMENT_BYTES,
                },
            );
        }
    }
}

/// Checks a report's content against the rules (§64-79, §18-24, §32-38): everything but
/// the sign-off. An empty list means the report may be signed.
pub fn validate_report(report: &Report, ctx: &ValidationContext<'_>) -> Vec<Problem> {
    let mut p = Problems(Vec::new());
    p.not_in_future("created_at", report.created_at, ctx);
    if let Some(loc) = &report.location {
        let valid = loc.lat.is_finite()
            && loc.lon.is_finite()
            && loc.accuracy_m.is_finite()
            && (-90.0..=90.0).contains(&loc.lat)
            && (-180.0..=180.0).contains(&loc.lon)
            && loc.accuracy_m >= 0.0;
        if !valid {
            p.push("location", ProblemKind::LocationOutOfRange);
        }
    }
    for (i, a) in report.attachments.iter().enumerate() {
        p.attachment(&format!("attachments[{i}]"), a);
    }
    if let Some(amendment) = &report.amendment {
        p.require_text("amendment.reason", &amendment.reason, Label::AmendmentReason);
    }
    match &report.body {
        ReportBody::TemperatureCheck(check) => temperature::check(&mut p, check, report, ctx),
        ReportBody::RepairVisit(visit) => repair::check(&mut p, visit, ctx),
        ReportBody::AreaRemeasurement(m) => area::check(&mut p, m, ctx),
        ReportBody::Inspection(insp) => inspection::check(&mut p, insp, report),
    }
    p.0
}

/// Checks the end of a form (§69, §76, DOMAIN "Signature"): the customer signs, or refuses
/// with a reason and a named witness who signs; every signature has strokes and binds
/// `content_hash`, the hash of the report as shown; a signing customer gives satisfaction
/// (unless [`asks_satisfaction`] says it is not asked).
pub fn validate_sign_off(
    report: &Report,
    signatures: &[Signature],
    refusal: Option<&Refusal>,
    content_hash: &Sha256,
) -> Vec<Problem> {
    let mut p = Problems(Vec::new());
    for (i, s) in signatures.iter().enumerate() {
        p.require_text(format!("signatures[{i}].signer_name"), &s.signer_name, Label::SignerName);
        if s.strokes.is_empty() || s.strokes.iter().all(Stroke::is_empty) {
            p.push(format!("signatures[{i}].strokes"), ProblemKind::SignatureWithoutStrokes);
        }
        if &s.content_hash != content_hash {
            p.push(format!("signatures[{i}].content_hash"), ProblemKind::SignatureForOtherContent);
        }
        if let Some(png) = &s.png {
            p.attachment(&format!("signatures[{i}].png"), png);
        }
    }
    let has = |role: SignerRole| signatures.iter().any(|s| s.role == role);
    match refusal {
        None => {
            if !has(SignerRole::Customer) {
                p.push("signatures", ProblemKind::CustomerSignatureMissing);
            }
            if report.feedback.satisfaction.is_none() && asks_satisfaction(report) {
                p.push("feedback.satisfaction", ProblemKind::Missing { what: Label::Satisfaction });
            }
        }
        Some(refusal) => {
            p.require_text("refusal.reason", &refusal.reason, Label::RefusalReason);
            p.require_text("refusal.witness_name", &refusal.witness_name, Label::WitnessName);
            if has(SignerRole::Customer) {
                p.push("refusal", ProblemKind::SignedAndRefused);
            }
            if !has(SignerRole::Witness) {
                p.push("signatures", ProblemKind::WitnessSignatureMissing);
            }
        }
    }
    p.0
}

/// Whether the customer is asked how satisfied they are: not a household caught in a
/// violation by an inspection (稽查), whose "satisfaction" with being caught means nothing.
pub fn asks_satisfaction(report: &Report) -> bool {
    !matches!(&report.body, ReportBody::Inspection(i) if !i.violations.is_empty())
}

/// Checks a household as the office imports it: the fields a crew needs to find the home,
/// and a billed area that can be real.
pub fn validate_household(household: &Household, profile: &CityProfile) -> Vec<Problem> {
    let mut p = Problems(Vec::new());
    p.require_text("account_no", &household.account_no, Label::AccountNo);
    p.require_text("address", &household.address, Label::Address);
    p.require_text("owner_name", &household.owner_name, Label::OwnerName);
    p.area("billed_area_m2", household.billed_area_m2, profile.max_household_area_m2);
    p.0
}

#[cfg(test)]
mod tests;
