//! Signing (§69, §76; DOMAIN.md "Rules of conduct"): the customer's signature binds the
//! record's content. The content is hashed as canonical JSON; from then on the record is
//! immutable, and a correction is a new record that amends it.
//!
//! Canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace, strings and
//! numbers written as serde_json writes them (numbers are `f64` or integers; `f64` text reads
//! back to the same value). The server and every device compute the same bytes.

use chrono::{DateTime, Utc};
use serde_json::Value;

#[doc(hidden)] // public for the fuzz target `canonical_json` (fuzz/)
pub mod canonical;

use super::{ValidationContext, validate_report, validate_sign_off};
use crate::model::{Amendment, Refusal, Report, Sha256, Signature, SignedReport, SignedReportParts};
use crate::{Error, Result};

/// Writes `value` as canonical JSON. Sorting here, not relying on the map type, keeps the
/// bytes stable even if a dependency turns on serde_json's `preserve_order`.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(4096);
    write_canonical(value, &mut out);
    // Only serde_json's own (UTF-8) output and ASCII punctuation were written.
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(key, out);
                out.push(b':');
                write_canonical(v, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        // Strings, numbers, booleans and null have one serde_json spelling.
        scalar => write_scalar(scalar, out),
    }
}

fn write_scalar<T: serde::Serialize + ?Sized>(scalar: &T, out: &mut Vec<u8>) {
    // Writing a string or number into a Vec cannot fail.
    let _ = serde_json::to_writer(out, scalar);
}

fn to_value<T: serde::Serialize>(record: &T) -> Value {
    // Our records are plain structs of strings, numbers and dates: serializing cannot fail.
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// `record`'s canonical JSON, written straight from the typed record ([`canonical`]); the
/// `Value` route only if the typed writer refuses it (a map with keys that are not strings).
fn canonical_bytes<T: serde::Serialize>(record: &T) -> Vec<u8> {
    canonical::to_canonical(record).unwrap_or_else(|_| canonical_json(&to_value(record)).into_bytes())
}

/// The hash of a report's content: what the customer is shown and signs.
pub fn content_hash(report: &Report) -> Sha256 {
    Sha256::of(&canonical_bytes(report))
}

/// The hash of a signed record's parts without `record_hash`: the same bytes as
/// [`record_hash`] writes from the record's JSON, with the report's canonical bytes reused.
fn parts_record_hash(parts: &SignedReportParts, canonical_report: &[u8]) -> Sha256 {
    // Every field named: a new field must be added here (the compiler says so).
    let SignedReportParts { report: _, signatures, refusal, content_hash, record_hash: _ } = parts;
    let mut out = Vec::with_capacity(canonical_report.len() + 4096);
    out.extend_from_slice(b"{\"content_hash\":");
    out.extend_from_slice(&canonical_bytes(content_hash));
    if let Some(refusal) = refusal {
        out.extend_from_slice(b",\"refusal\":");
        out.extend_from_slice(&canonical_bytes(refusal));
    }
    out.extend_from_slice(b",\"report\":");
    out.extend_from_slice(canonical_report);
    out.extend_from_slice(b",\"signatures\":");
    out.extend_from_slice(&canonical_bytes(signatures));
    out.push(b'}');
    Sha256::of(&out)
}

/// Signs a report: checks its content and its sign-off against the rules and binds them with
/// their hashes. Fails with every problem found, so the form can show them all at once.
pub fn seal(
    report: Report,
    signatures: Vec<Signature>,
    refusal: Option<Refusal>,
    ctx: &ValidationContext<'_>,
) -> Result<SignedReport> {
    let canonical_report = canonical_bytes(&report);
    let content_hash = Sha256::of(&canonical_report);
    let mut problems = validate_report(&report, ctx);
    problems.extend(validate_sign_off(&report, &signatures, refusal.as_ref(), &content_hash));
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let mut parts = SignedReportParts {
        report,
        signatures,
        refusal,
        content_hash: content_hash.clone(),
        record_hash: content_hash,
    };
    parts.record_hash = parts_record_hash(&parts, &canonical_report);
    Ok(SignedReport::from_verified(parts))
}

/// The hash of a whole signed record, as JSON, leaving out its own `record_hash`. The
/// report's canonical bytes, already written for its content hash, are reused as they are.
fn record_hash(record: &serde_json::Map<String, Value>, canonical_report: &[u8]) -> Sha256 {
    let mut entries: Vec<_> = record.iter().filter(|(key, _)| *key != "record_hash").collect();
    entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = Vec::with_capacity(4096);
    out.push(b'{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_scalar(key, &mut out);
        out.push(b':');
        if key == "report" {
            out.extend_from_slice(canonical_report);
        } else {
            write_canonical(value, &mut out);
        }
    }
    out.push(b'}');
    Sha256::of(&out)
}

/// Checks a signed record's parts against their hashes: the report against `content_hash`,
/// every signature against the same, the whole record against `record_hash`.
pub fn verify_parts(parts: &SignedReportParts) -> Result<()> {
    let canonical_report = canonical_bytes(&parts.report);
    let content = Sha256::of(&canonical_report);
    if parts.content_hash != content
        || !parts.signatures.iter().all(|s| s.content_hash == content)
        || parts.record_hash != parts_record_hash(parts, &canonical_report)
    {
        return Err(Error::Tampered { id: parts.report.id });
    }
    Ok(())
}

/// Reads a signed record from its stored JSON and checks it as stored, byte for byte: a
/// change that the typed record would hide (an added field, a number written differently)
/// is caught too.
pub fn verify_json(json: &str) -> Result<SignedReport> {
    let value: Value = serde_json::from_str(json)?;
    let id = value
        .pointer("/report/id")
        .and_then(Value::as_str)
        .and_then(|id| id.parse().ok())
        .unwrap_or_default();
    verify_value(&value, id)?;
    let parts: SignedReportParts = serde_json::from_value(value)?;
    Ok(SignedReport::from_verified(parts))
}

fn verify_value(record: &Value, id: uuid::Uuid) -> Result<()> {
    let tampered = || Error::Tampered { id };
    let record = record.as_object().ok_or_else(tampered)?;
    let report = canonical_json(record.get("report").ok_or_else(tampered)?);
    let content = Sha256::of(report.as_bytes());
    let claims = |v: Option<&Value>| v.and_then(Value::as_str) == Some(content.as_str());
    let signatures = record.get("signatures").and_then(Value::as_array).ok_or_else(tampered)?;
    let recorded = record.get("record_hash").and_then(Value::as_str);
    if !claims(record.get("content_hash"))
        || !signatures.iter().all(|s| claims(s.get("content_hash")))
        || recorded != Some(record_hash(record, report.as_bytes()).as_str())
    {
        return Err(tampered());
    }
    Ok(())
}

/// Starts a correction of a signed record (DOMAIN.md: "a correction is a new record that
/// refers to the old one"): a new draft with the same content, pointing at the original,
/// which stays exactly as it was signed.
pub fn amend(original: &SignedReport, reason: impl Into<String>, now: DateTime<Utc>) -> Report {
    Report {
        id: crate::new_id(),
        created_at: now,
        amendment: Some(Amendment { amends: original.report().id, reason: reason.into() }),
        ..original.report().clone()
    }
}

#[cfg(test)]
mod tests;
