//! A household (热用户): a heated home with its account and billed area.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Whether the household currently takes heat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum HouseholdStatus {
    /// 已接入: connected and heated.
    Connected,
    /// 停供: heat suspended (unpaid, vacant, applied for suspension).
    Suspended,
}

super::snake_case_names!(HouseholdStatus {
    Connected => "connected",
    Suspended => "suspended",
});

/// A customer's home. Personal data: only the crews of its station may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Household {
    pub id: Uuid,
    /// 户号: the billing account number the office uses.
    pub account_no: String,
    pub address: String,
    pub owner_name: String,
    pub phone: String,
    /// 收费面积: the heated area the customer is billed for, in m².
    pub billed_area_m2: f64,
    pub station_id: Uuid,
    pub status: HouseholdStatus,
}
