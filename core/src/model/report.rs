//! A report: what a crew records in a household, the envelope shared by the four kinds.
//!
//! A report is a draft until signed ([`super::SignedReport`]); from then on it never changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AreaRemeasurement, AttachmentRef, GeoLocation, Inspection, RepairVisit, TemperatureCheck};

/// The four kinds of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    TemperatureCheck,
    RepairVisit,
    AreaRemeasurement,
    Inspection,
}

super::snake_case_names!(ReportKind {
    TemperatureCheck => "temperature_check",
    RepairVisit => "repair_visit",
    AreaRemeasurement => "area_remeasurement",
    Inspection => "inspection",
});

/// The kind-specific part of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum ReportBody {
    TemperatureCheck(TemperatureCheck),
    RepairVisit(RepairVisit),
    AreaRemeasurement(AreaRemeasurement),
    Inspection(Inspection),
}

impl ReportBody {
    /// Which kind of report this is.
    pub fn kind(&self) -> ReportKind {
        match self {
            ReportBody::TemperatureCheck(_) => ReportKind::TemperatureCheck,
            ReportBody::RepairVisit(_) => ReportKind::RepairVisit,
            ReportBody::AreaRemeasurement(_) => ReportKind::AreaRemeasurement,
            ReportBody::Inspection(_) => ReportKind::Inspection,
        }
    }
}

/// How satisfied the customer says they are (满意度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    /// 满意
    Satisfied,
    /// 基本满意
    FairlySatisfied,
    /// 不满意
    Dissatisfied,
}

super::snake_case_names!(Satisfaction {
    Satisfied => "satisfied",
    FairlySatisfied => "fairly_satisfied",
    Dissatisfied => "dissatisfied",
});

/// The customer's opinion at the end of the visit (§69, §76).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerFeedback {
    /// 客户意见, in the customer's words; may be empty.
    #[serde(default)]
    pub opinion: String,
    /// Required when the customer signs; absent when they refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
}

/// A correction: this report replaces the one it names, which stays as it was signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    pub amends: Uuid,
    pub reason: String,
}

/// A report, signed or not yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub id: Uuid,
    pub household_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_order_id: Option<Uuid>,
    /// The user who made the record.
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<GeoLocation>,
    /// Photos taken on site; an inspection needs at least one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRef>,
    #[serde(default)]
    pub feedback: CustomerFeedback,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amendment: Option<Amendment>,
    pub body: ReportBody,
}
