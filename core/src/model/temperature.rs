//! A temperature check (入户测温, §64-70): readings room by room, taken as the rules require.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The thermometer used; a check without a verified, working one is invalid (§64).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Thermometer {
    pub serial: String,
    /// 检定证书编号: the verification certificate.
    pub certificate_no: String,
    pub certificate_expires: NaiveDate,
    /// The technician confirmed it works before starting (认真检查测温设备是否完好).
    pub checked_working: bool,
}

/// The conditions a valid measurement needs (GB/T 33833 §5.1 and city rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MeasuringConditions {
    /// How long doors and windows were closed before measuring.
    pub doors_windows_closed_minutes: u32,
    /// The probe stood at the room's centre.
    pub probe_at_room_centre: bool,
    /// The probe's height above the floor, in metres.
    pub probe_height_m: f64,
}

/// The rooms the standard speaks of. Only bedrooms and living rooms decide compliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoomType {
    /// 卧室
    Bedroom,
    /// 起居室 / 客厅
    LivingRoom,
    /// 厨房、卫生间、储藏室…: recorded, not deciding.
    Other,
}

super::snake_case_names!(RoomType {
    Bedroom => "bedroom",
    LivingRoom => "living_room",
    Other => "other",
});

/// One room's stable reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoomReading {
    pub room_name: String,
    pub room_type: RoomType,
    /// °C, resolution 0.1.
    pub celsius: f64,
    pub measured_at: DateTime<Utc>,
}

/// What the technician found that is not the company's failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserCausedFinding {
    /// 暖气片被遮挡或包裹
    RadiatorsCovered,
    /// 用户私自改动供热设施
    InstallationAltered,
    /// 用户放水
    SystemWaterDrawnOff,
}

super::snake_case_names!(UserCausedFinding {
    RadiatorsCovered => "radiators_covered",
    InstallationAltered => "installation_altered",
    SystemWaterDrawnOff => "system_water_drawn_off",
});

/// 入户测温记录: recorded exactly as measured (如实填写, §67).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemperatureCheck {
    pub thermometer: Thermometer,
    pub conditions: MeasuringConditions,
    pub readings: Vec<RoomReading>,
    /// Outdoor temperature at the time of the check, °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outdoor_celsius: Option<f64>,
    /// The day's outdoor mean is below the city's design temperature: the standard is waived.
    #[serde(default)]
    pub below_design_weather: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<UserCausedFinding>,
    /// What the technician saw, in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub findings_note: String,
}
