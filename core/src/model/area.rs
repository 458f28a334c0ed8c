//! An area re-measurement (面积复核, §18-24, §36): rooms measured against the billed area.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The appointment with the customer and whether the crew kept it (§21: 不能失约).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentRecord {
    pub agreed_at: DateTime<Utc>,
    pub kept: bool,
    /// Why it was not kept; required then.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// How one room was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum RoomMeasure {
    /// A rectangle's sides, in metres.
    Dimensions { length_m: f64, width_m: f64 },
    /// An area measured or computed on site, in m².
    Area { area_m2: f64 },
}

impl RoomMeasure {
    /// The room's area in m².
    pub fn area_m2(&self) -> f64 {
        match *self {
            RoomMeasure::Dimensions { length_m, width_m } => length_m * width_m,
            RoomMeasure::Area { area_m2 } => area_m2,
        }
    }
}

/// One measured room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MeasuredRoom {
    pub name: String,
    pub measure: RoomMeasure,
}

/// 面积复核记录. The total and deviation are derived ([`crate::rules::area`]); the record
/// keeps the billed area and the tolerance it was judged by, so it reads the same later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AreaRemeasurement {
    pub appointment: AppointmentRecord,
    pub rooms: Vec<MeasuredRoom>,
    /// 收费面积 at the time of the visit, m².
    pub billed_area_m2: f64,
    /// The city profile's tolerance at the time of the visit, in percent.
    pub tolerance_pct: f64,
}
