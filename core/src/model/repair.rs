//! A repair visit (入户检修, §71-79): what was wrong, what was done, and when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kind of fault found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FaultCategory {
    /// 不热
    NoHeat,
    /// 温度偏低
    LowTemperature,
    /// 漏水
    Leak,
    /// 阀门故障
    ValveFault,
    /// 管道故障
    PipeFault,
    /// 散热器故障
    RadiatorFault,
    /// 气堵 / 需要排气
    AirLock,
    /// 其他
    Other,
}

super::snake_case_names!(FaultCategory {
    NoHeat => "no_heat",
    LowTemperature => "low_temperature",
    Leak => "leak",
    ValveFault => "valve_fault",
    PipeFault => "pipe_fault",
    RadiatorFault => "radiator_fault",
    AirLock => "air_lock",
    Other => "other",
});

/// A part used in the repair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartUsed {
    pub name: String,
    pub quantity: f64,
    /// 个, 米, 套…
    pub unit: String,
}

/// Whether the fault was fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum RepairOutcome {
    Fixed,
    NotFixed { reason: String },
}

/// Damage to the customer's property during the work (§77).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PropertyDamage {
    pub description: String,
    /// The crew apologised, as §77 requires.
    pub apologized: bool,
    /// Compensation agreed on the spot, in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation_yuan: Option<f64>,
}

/// 维修表单 (§76).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RepairVisit {
    pub arrived_at: DateTime<Utc>,
    pub fault_category: FaultCategory,
    pub cause: String,
    pub work_done: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartUsed>,
    pub outcome: RepairOutcome,
    pub finished_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_damage: Option<PropertyDamage>,
}
