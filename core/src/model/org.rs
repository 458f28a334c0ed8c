//! The company's organisation: heating stations (供热站) and the people who use Hearth.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A heating station; its crews serve its households and see only those.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Station {
    pub id: Uuid,
    pub name: String,
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// 维修工 / 测温员: works through assigned orders on a tablet.
    Technician,
    /// 稽查员: records violations and audits heated area.
    Inspector,
    /// 调度员: turns calls into orders, assigns crews, watches the rules.
    Dispatcher,
    /// 管理员: users, stations, devices, thresholds.
    Admin,
}

super::snake_case_names!(Role {
    Technician => "technician",
    Inspector => "inspector",
    Dispatcher => "dispatcher",
    Admin => "admin",
});

/// A person who logs in to Hearth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The station whose households a technician or inspector serves; none for office roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station_id: Option<Uuid>,
}
