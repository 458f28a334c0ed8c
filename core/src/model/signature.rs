//! Signatures and the signed record: the customer's signature binds the content (§69, §76).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AttachmentRef, Report, Sha256, Stroke};

/// Who signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// A signature drawn on the tablet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
