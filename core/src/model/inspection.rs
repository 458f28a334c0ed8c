//! An inspection (稽查, §32-38): violations found on the spot, recorded promptly.

use serde::{Deserialize, Serialize};

/// The violations the rulebook and city rules name (§35).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ViolationType {
    /// 私接
    UnauthorizedConnection,
    /// 私停
    UnauthorizedShutOff,
    /// 私改
    UnauthorizedModification,
    /// 擅自变动供热面积
    HeatedAreaChanged,
    /// 窃取热媒 / 软化水
    HeatingWaterTheft,
    /// 破坏热计量装置
    MeterTampering,
    /// 其他
    Other,
}

super::snake_case_names!(ViolationType {
    UnauthorizedConnection => "unauthorized_connection",
    UnauthorizedShutOff => "unauthorized_shut_off",
    UnauthorizedModification => "unauthorized_modification",
    HeatedAreaChanged => "heated_area_changed",
    HeatingWaterTheft => "heating_water_theft",
    MeterTampering => "meter_tampering",
    Other => "other",
});

/// 稽查记录. Photos are the report's attachments; the location is the report's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Inspection {
    pub violations: Vec<ViolationType>,
    pub description: String,
    pub measures_taken: String,
}
