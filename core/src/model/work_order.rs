//! A work order (工单): a job for a crew at one household, from a call or a plan.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the crew is sent to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WorkOrderKind {
    TemperatureCheck,
    Repair,
    AreaRemeasure,
    Inspection,
    /// 回访: the visit after a non-compliant household's repair (§31).
    FollowUp,
}

super::snake_case_names!(WorkOrderKind {
    TemperatureCheck => "temperature_check",
    Repair => "repair",
    AreaRemeasure => "area_remeasure",
    Inspection => "inspection",
    FollowUp => "follow_up",
});

/// Where the order came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WorkOrderSource {
    /// 服务热线: a call to the hotline.
    Hotline,
    /// 投诉: a complaint.
    Complaint,
    /// 计划: planned by the office.
    Planned,
    /// 回访: follows up an earlier visit.
    FollowUp,
}

super::snake_case_names!(WorkOrderSource {
    Hotline => "hotline",
    Complaint => "complaint",
    Planned => "planned",
    FollowUp => "follow_up",
});

/// Where the order stands. It only moves forward: see [`crate::rules::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WorkOrderStatus {
    New,
    Assigned,
    EnRoute,
    OnSite,
    Done,
    CouldNotComplete,
    Closed,
    Cancelled,
}

super::snake_case_names!(WorkOrderStatus {
    New => "new",
    Assigned => "assigned",
    EnRoute => "en_route",
    OnSite => "on_site",
    Done => "done",
    CouldNotComplete => "could_not_complete",
    Closed => "closed",
    Cancelled => "cancelled",
});

/// How urgent the order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Priority {
    /// 抢修: a burst pipe, a whole building without heat.
    Emergency,
    /// 加急.
    Urgent,
    /// 一般: an ordinary fault, fixed within 8 hours (§74).
    Normal,
    /// Planned work with no deadline pressure.
    Low,
}

super::snake_case_names!(Priority {
    Emergency => "emergency",
    Urgent => "urgent",
    Normal => "normal",
    Low => "low",
});

/// A span of time agreed with the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A job for a crew at one household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrder {
    pub id: Uuid,
    pub household_id: Uuid,
    pub station_id: Uuid,
    pub kind: WorkOrderKind,
    pub source: WorkOrderSource,
    pub status: WorkOrderStatus,
    pub priority: Priority,
    /// What the caller reported, or what the office wants done.
    pub description: String,
    /// When the fault was reported: the 8-hour clock starts here (§74).
    pub reported_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<TimeWindow>,
    /// The crew must be on site by then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrive_by: Option<DateTime<Utc>>,
    /// The job must be finished by then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_by: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Uuid>,
    /// Why the crew could not complete, or a note with the last status change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_note: Option<String>,
    /// The order or report this one follows up (回访).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows_up: Option<Uuid>,
    /// When the crew reached the household (已到场), as the server stamped it: the time of
    /// the first status move to on site or beyond, never later than the server received it.
    /// The on-time rate counts it against `arrive_by` (§75).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived_at: Option<DateTime<Utc>>,
    /// When the order was done, stamped the same way; counted against `due_by` (§74).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<DateTime<Utc>>,
    /// The number people read over the phone (和平-1202-007), given by the server when it
    /// stores the order: see [`crate::rules::order_number`]. Orders stored before numbers
    /// existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}
