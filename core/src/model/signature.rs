//! Signatures and the signed record: the customer's signature binds the content (§69, §76).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AttachmentRef, Report, Sha256};

/// Who signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SignerRole {
    Customer,
    /// Signs for a customer's refusal.
    Witness,
    /// The crew member's own signature ("both sides sign").
    Technician,
}

super::snake_case_names!(SignerRole {
    Customer => "customer",
    Witness => "witness",
    Technician => "technician",
});

/// One point of a pen stroke: where the pen was, in tenths of a canvas pixel (CSS pixels, so
/// the same on every screen density), and when, in milliseconds since the stroke began.
/// Integers: a tenth of a pixel is finer than any pen, and integers are written, read and
/// hashed the same way everywhere (floats are what made a signed record slow to check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrokePoint {
    pub x: i32,
    pub y: i32,
    pub t_ms: u32,
}

impl StrokePoint {
    /// A point from a signature pad's floats (canvas pixels, milliseconds), rounded to the
    /// nearest tenth of a pixel and millisecond; out-of-range values are clamped.
    pub fn from_canvas(x: f64, y: f64, t_ms: f64) -> StrokePoint {
        // `as` from f64 saturates and maps NaN to 0, which is what a clamp should do here.
        StrokePoint { x: (x * 10.0).round() as i32, y: (y * 10.0).round() as i32, t_ms: t_ms.round() as u32 }
    }
}

/// One pen-down-to-pen-up stroke. Its points travel as one flat array of integers,
/// `[x, y, t_ms, x, y, t_ms, …]`: a third of the size of an object per point, and one
/// allocation per stroke instead of one per point when a record is hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Stroke {
    #[serde(with = "flat_points")]
    #[cfg_attr(feature = "specta", specta(type = Vec<i32>))]
    pub points: Vec<StrokePoint>,
}

/// The flat `[x, y, t_ms, …]` spelling of a stroke's points.
mod flat_points {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::StrokePoint;

    pub fn serialize<S: Serializer>(points: &[StrokePoint], serializer: S) -> Result<S::Ok, S::Error> {
        serializer
            .collect_seq(points.iter().flat_map(|p| [i64::from(p.x), i64::from(p.y), i64::from(p.t_ms)]))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<StrokePoint>, D::Error> {
        let flat = Vec::<i64>::deserialize(deserializer)?;
        if flat.len() % 3 != 0 {
            return Err(D::Error::custom(format!(
                "a stroke's points are x, y, t_ms triples, but {} numbers were given",
                flat.len()
            )));
        }
        flat.chunks_exact(3)
            .map(|p| {
                let coordinate = |v: i64| {
                    i32::try_from(v)
                        .map_err(|_| D::Error::custom(format!("stroke coordinate {v} is out of range")))
                };
                let t_ms = u32::try_from(p[2])
                    .map_err(|_| D::Error::custom(format!("stroke time {} ms is out of range", p[2])))?;
                Ok(StrokePoint { x: coordinate(p[0])?, y: coordinate(p[1])?, t_ms })
            })
            .collect()
    }
}

/// A signature drawn on the tablet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub signer_name: String,
    pub role: SignerRole,
    pub strokes: Vec<Stroke>,
    /// The rendered image, uploaded as a blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub png: Option<AttachmentRef>,
    pub signed_at: DateTime<Utc>,
    /// The hash of the report content the signer was shown and signed.
    pub content_hash: Sha256,
}

/// A customer who would not sign, and the witness who saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    pub reason: String,
    pub witness_name: String,
}

/// A report bound by its signatures. Immutable and always verified: the only ways to get
/// one are [`crate::rules::signing::seal`] and deserializing, which checks the hashes — so
/// holding a `SignedReport` means holding a record that matches its hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SignedReportParts")]
pub struct SignedReport {
    report: Report,
    signatures: Vec<Signature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refusal: Option<Refusal>,
    content_hash: Sha256,
    record_hash: Sha256,
}

/// The fields of a signed record as they arrive, before their hashes are checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedReportParts {
    pub report: Report,
    pub signatures: Vec<Signature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// SHA-256 of the report's canonical JSON: what every signature binds.
    pub content_hash: Sha256,
    /// SHA-256 of the whole record's canonical JSON without this field: the tamper check of
    /// the record as stored.
    pub record_hash: Sha256,
}

impl TryFrom<SignedReportParts> for SignedReport {
    type Error = crate::Error;

    fn try_from(parts: SignedReportParts) -> crate::Result<Self> {
        crate::rules::signing::verify_parts(&parts)?;
        Ok(SignedReport::from_verified(parts))
    }
}

impl SignedReport {
    /// Wraps parts whose hashes were just computed or checked.
    pub(crate) fn from_verified(parts: SignedReportParts) -> Self {
        let SignedReportParts { report, signatures, refusal, content_hash, record_hash } = parts;
        SignedReport { report, signatures, refusal, content_hash, record_hash }
    }

    /// The parts, to edit — which makes them unsigned again.
    pub fn into_parts(self) -> SignedReportParts {
        let SignedReport { report, signatures, refusal, content_hash, record_hash } = self;
        SignedReportParts { report, signatures, refusal, content_hash, record_hash }
    }

    pub fn report(&self) -> &Report {
        &self.report
    }

    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }

    /// SHA-256 of the report's canonical JSON: what every signature binds.
    pub fn content_hash(&self) -> &Sha256 {
        &self.content_hash
    }

    /// SHA-256 of the whole record's canonical JSON without this field.
    pub fn record_hash(&self) -> &Sha256 {
        &self.record_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stroke_travels_as_flat_integer_triples_and_reads_back_the_same() {
        let stroke = Stroke {
            points: vec![
                StrokePoint::from_canvas(12.34, 56.78, 0.0),
                StrokePoint::from_canvas(13.0, -1.25, 16.4),
            ],
        };
        let json = serde_json::to_string(&stroke).unwrap_or_default();
        assert_eq!(json, r#"{"points":[123,568,0,130,-13,16]}"#);
        assert_eq!(serde_json::from_str::<Stroke>(&json).ok(), Some(stroke));
    }

    #[test]
    fn a_stroke_with_a_missing_number_or_an_impossible_one_is_refused_in_words() {
        let short = serde_json::from_str::<Stroke>(r#"{"points":[1,2,3,4]}"#).unwrap_err().to_string();
        assert!(short.contains("triples"), "{short}");
        let far = serde_json::from_str::<Stroke>(r#"{"points":[1,99999999999,3]}"#).unwrap_err().to_string();
        assert!(far.contains("out of range"), "{far}");
        let back = serde_json::from_str::<Stroke>(r#"{"points":[1,2,-3]}"#).unwrap_err().to_string();
        assert!(back.contains("out of range"), "{back}");
        assert!(serde_json::from_str::<Stroke>(r#"{"points":[1.5,2,3]}"#).is_err());
    }
}
