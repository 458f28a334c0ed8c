//! What the dispatchers' console keeps and asks of storage: hotline calls, the work-order
//! board, the synced records with their facts, KPI sums, the dispatch log and the admin's
//! settings. A part of [`super::Storage`], so every backend serves the console too.
//!
//! KPI sums are additive ([`KpiCounts`], from [`crate::kpi`]): storage returns them per
//! station and crew member, and the routes add them up for the station and company totals.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, ReportKind, User, WorkOrder, WorkOrderKind, WorkOrderStatus};
use hearth_core::rules::CityProfile;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::Result;
pub use crate::kpi::{KpiCounts, RefundTierSum};

/// What became of a hotline call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// A work order was made: someone goes out.
    WorkOrder,
    /// Answered on the phone (advice, information): no visit needed.
    Advice,
    /// The household already has an open order for this.
    Duplicate,
    /// Not the company's matter; the caller was told whom to ask.
    Referred,
    Other,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::WorkOrder => "work_order",
            CallOutcome::Advice => "advice",
            CallOutcome::Duplicate => "duplicate",
            CallOutcome::Referred => "referred",
            CallOutcome::Other => "other",
        }
    }
}

/// A recorded hotline call.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Call {
    pub id: Uuid,
    /// The server's clock when the call was recorded.
    pub received_at: DateTime<Utc>,
    pub dispatcher_id: Uuid,
    pub caller_name: String,
    pub phone: String,
    pub household_id: Option<Uuid>,
    pub description: String,
    pub outcome: CallOutcome,
    /// The order made from the call, or the open order a repeated call (`duplicate`) is
    /// attached to.
    pub work_order_id: Option<Uuid>,
    /// That order's number (和平-1202-007), if it has one.
    pub work_order_number: Option<String>,
}

/// Which open orders the board shows, and which page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoardFilter {
    pub station_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub kind: Option<WorkOrderKind>,
    /// None: every open status (new, assigned, en route, on site).
    pub status: Option<WorkOrderStatus>,
    /// Orders whose number starts with this (和平-1202-0…), whatever their status unless
    /// `status` is given, in number order.
    pub number: Option<String>,
    /// The clock the board's deadlines are judged against (what is overdue).
    pub now: DateTime<Utc>,
    pub limit: u32,
    pub offset: u32,
}

/// A page of the board. Open orders come in the order they must be reached: overdue
/// arrivals (by arrival deadline), then late completions (by completion deadline), then
/// emergency, urgent and the rest, each by its next deadline (the arrival's until the crew is
/// on site, then the completion's), none last. Finished ones by completion deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardPage {
    pub total: u64,
    pub orders: Vec<WorkOrder>,
}

/// Which reports a list shows, and which page. Times are the server's receive times.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub station_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub kind: Option<ReportKind>,
    pub limit: u32,
    pub offset: u32,
}

/// One line of the report list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReportSummary {
    pub id: Uuid,
    pub kind: String,
    pub station_id: Uuid,
    pub author_id: Uuid,
    pub household_id: Uuid,
    pub work_order_id: Option<Uuid>,
    /// That order's number (和平-1202-007), if it has one.
    pub work_order_number: Option<String>,
    /// The report this one corrects.
    pub amends: Option<Uuid>,
    /// The device's clock when the record was made.
    pub created_at: DateTime<Utc>,
    /// The server's clock when the record arrived.
    pub received_at: DateTime<Utc>,
}

/// A page of reports.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportPage {
    pub total: u64,
    pub reports: Vec<ReportSummary>,
}

/// A stored report as the office reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReport {
    pub summary: ReportSummary,
    /// The signed record exactly as stored.
    pub record: String,
    pub record_hash: String,
    pub device_id: Uuid,
    /// Later reports that correct this one.
    pub amended_by: Vec<Uuid>,
}

/// Which conflict-log entries to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConflictFilter {
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
    pub offset: u32,
}

/// An overruled write.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ConflictEntry {
    pub id: i64,
    pub entity: String,
    pub entity_id: Uuid,
    pub field: String,
    #[schema(value_type = Object)]
    pub losing_value: serde_json::Value,
    #[schema(value_type = Object)]
    pub winning_value: serde_json::Value,
    pub losing_hlc: Option<String>,
    pub winning_hlc: Option<String>,
    pub device_id: Uuid,
    pub at: DateTime<Utc>,
    /// The work order's number (和平-1202-007), when the entity is a numbered order.
    pub entity_number: Option<String>,
}

/// KPI counts of one station and one crew member (report author or order assignee).
#[derive(Debug, Clone, PartialEq)]
pub struct KpiGroup {
    pub station_id: Uuid,
    pub crew_id: Option<Uuid>,
    pub counts: KpiCounts,
}

/// A household whose latest temperature check was non-compliant and whose follow-up visit
/// (回访, §31) is not done yet.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WaitingHousehold {
    pub household_id: Uuid,
    pub station_id: Uuid,
    /// The non-compliant check.
    pub report_id: Uuid,
    pub checked_received_at: DateTime<Utc>,
    pub lowest_c: f64,
    /// `awaiting_repair`: no repair done since the check; `awaiting_follow_up`: repaired, no
    /// follow-up ordered; `follow_up_scheduled`: a follow-up order is open.
    pub stage: String,
}

/// One entry of the dispatch log.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LogEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub author_id: Uuid,
    /// The display name of the dispatcher who wrote it.
    pub author_name: String,
    pub text: String,
}

/// A user as the admin's list shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct UserEntry {
    pub user: User,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// An office action the audit trail keeps (审计日志).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    UserAdded,
    UserDisabled,
    DeviceRevoked,
    ThresholdsChanged,
    /// A planned order, made directly on the board.
    OrderCreated,
    /// An order made from a hotline call.
    OrderFromCall,
    /// A follow-up visit (回访) ordered for a non-compliant home.
    FollowUpCreated,
    /// An order without a crew member given one.
    OrderAssigned,
    /// An order taken from one crew member and given to another.
    OrderReassigned,
    OrderCancelled,
}

impl AuditAction {
    pub const ALL: [AuditAction; 10] = [
        AuditAction::UserAdded,
        AuditAction::UserDisabled,
        AuditAction::DeviceRevoked,
        AuditAction::ThresholdsChanged,
        AuditAction::OrderCreated,
        AuditAction::OrderFromCall,
        AuditAction::FollowUpCreated,
        AuditAction::OrderAssigned,
        AuditAction::OrderReassigned,
        AuditAction::OrderCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::UserAdded => "user_added",
            AuditAction::UserDisabled => "user_disabled",
            AuditAction::DeviceRevoked => "device_revoked",
            AuditAction::ThresholdsChanged => "thresholds_changed",
            AuditAction::OrderCreated => "order_created",
            AuditAction::OrderFromCall => "order_from_call",
            AuditAction::FollowUpCreated => "follow_up_created",
            AuditAction::OrderAssigned => "order_assigned",
            AuditAction::OrderReassigned => "order_reassigned",
            AuditAction::OrderCancelled => "order_cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// An office action to keep: who did it, from which device, when, to what, and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    /// The device whose token made the request.
    pub device_id: Uuid,
    pub action: AuditAction,
    /// The user, device or order acted on (for an order made in the same transaction, the
    /// storage fills it in, and adds the order's number to `detail`).
    pub subject_id: Option<Uuid>,
    /// What changed, as a JSON object.
    pub detail: serde_json::Value,
}

impl NewAudit {
    /// This audit of an order made in the same transaction: the order as subject, its number
    /// and kind in the detail.
    pub fn naming(self, order: &WorkOrder) -> NewAudit {
        let mut detail = self.detail;
        if let Some(map) = detail.as_object_mut() {
            map.insert("number".into(), serde_json::json!(order.number));
            map.insert("kind".into(), serde_json::json!(order.kind));
        }
        NewAudit { subject_id: Some(order.id), detail, ..self }
    }
}

/// One kept office action.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    pub actor_username: String,
    pub actor_name: String,
    pub device_id: Uuid,
    pub action: AuditAction,
    pub subject_id: Option<Uuid>,
    /// What changed: e.g. `{"number", "from": {id, name}, "to": {id, name}}` for a
    /// reassignment, `{"field": {"from", "to"}}` for thresholds.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Which audit entries to show, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
    pub offset: u32,
}

/// A page of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditPage {
    pub total: u64,
    pub entries: Vec<AuditEntry>,
}

/// The top-level fields of two JSON objects that differ, as `{field: {"from", "to"}}`:
/// what an edit of a settings object changed.
pub fn json_changes(old: &serde_json::Value, new: &serde_json::Value) -> serde_json::Value {
    let empty = serde_json::Map::new();
    let (old, new) = (old.as_object().unwrap_or(&empty), new.as_object().unwrap_or(&empty));
    let mut out = serde_json::Map::new();
    for key in old.keys().chain(new.keys().filter(|k| !old.contains_key(*k))) {
        let (a, b) = (old.get(key), new.get(key));
        if a != b {
            out.insert(key.clone(), serde_json::json!({"from": a, "to": b}));
        }
    }
    serde_json::Value::Object(out)
}

/// What the console asks of storage.
#[async_trait]
pub trait ConsoleStorage: Send + Sync {
    /// Households whose account number or phone is `query`, or whose address or owner's
    /// name contains it; at most `limit`.
    async fn find_households(&self, query: String, limit: u32) -> Result<Vec<Household>>;
    async fn household(&self, id: Uuid) -> Result<Option<Household>>;
    /// The households among `ids` that exist, in the order asked.
    async fn households(&self, ids: Vec<Uuid>) -> Result<Vec<Household>>;
    /// Records a call and, in the same transaction, the work order made from it (every
    /// field stamped with `clock`).
    async fn record_call(
        &self,
        call: Call,
        order: Option<WorkOrder>,
        clock: Hlc,
    ) -> Result<Option<WorkOrder>>;
    async fn calls(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<Call>>;

    async fn work_order(&self, id: Uuid) -> Result<Option<WorkOrder>>;
    async fn board(&self, filter: BoardFilter) -> Result<BoardPage>;
    /// The household's open orders (new, assigned, en route, on site), oldest first.
    async fn open_orders_of(&self, household_id: Uuid) -> Result<Vec<WorkOrder>>;
    /// The household's calls received since `since`, newest first.
    async fn calls_of_household(&self, household_id: Uuid, since: DateTime<Utc>) -> Result<Vec<Call>>;
    /// The calls attached to these orders as repeats (`duplicate`), oldest first.
    async fn repeat_calls(&self, order_ids: Vec<Uuid>) -> Result<Vec<Call>>;

    async fn reports(&self, filter: ReportFilter) -> Result<ReportPage>;
    async fn report(&self, id: Uuid) -> Result<Option<StoredReport>>;
    async fn blob(&self, sha256: String) -> Result<Option<Vec<u8>>>;
    async fn conflicts(&self, filter: ConflictFilter) -> Result<Vec<ConflictEntry>>;

    /// KPI counts per station and crew member of records received (reports) or reported
    /// (orders) in `[from, to)`, judged by `profile`.
    async fn kpi_groups(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        profile: CityProfile,
    ) -> Result<Vec<KpiGroup>>;
    async fn waiting_households(&self) -> Result<Vec<WaitingHousehold>>;

    async fn add_log_entry(&self, author_id: Uuid, text: String, at: DateTime<Utc>) -> Result<LogEntry>;
    async fn log_entries(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        text: Option<String>,
        limit: u32,
    ) -> Result<Vec<LogEntry>>;

    /// The stored city profile, or the default one.
    async fn city_profile(&self) -> Result<CityProfile>;
    async fn set_city_profile(&self, profile: CityProfile) -> Result<()>;
    async fn users(&self) -> Result<Vec<UserEntry>>;
    /// Disables a user and revokes every device they logged in on; false if no such user.
    async fn disable_user(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool>;

    // The audit trail. Each `…_audited` call does what its plain namesake does and keeps
    // `audit` in the same transaction, only when the action took place.

    /// The kept office actions, newest first.
    async fn audit_log(&self, filter: AuditFilter) -> Result<AuditPage>;
    async fn add_user_audited(&self, user: User, password_hash: String, audit: NewAudit) -> Result<()>;
    async fn disable_user_audited(&self, id: Uuid, audit: NewAudit) -> Result<bool>;
    async fn revoke_device_audited(&self, device_id: Uuid, audit: NewAudit) -> Result<bool>;
    /// Stores the thresholds; the audit's detail becomes the fields that changed.
    async fn set_city_profile_audited(&self, profile: CityProfile, audit: NewAudit) -> Result<()>;
    /// Stores one office order (planned or follow-up); the audit names it.
    async fn add_work_order_audited(
        &self,
        order: WorkOrder,
        clock: Hlc,
        audit: NewAudit,
    ) -> Result<WorkOrder>;
    /// [`ConsoleStorage::record_call`], keeping `audit` when an order was made.
    async fn record_call_audited(
        &self,
        call: Call,
        order: Option<WorkOrder>,
        clock: Hlc,
        audit: NewAudit,
    ) -> Result<Option<WorkOrder>>;
    /// An office edit of an order through the sync merge ([`super::Storage::push`] of one
    /// entry), keeping `audit` when the edit was accepted.
    async fn office_edit_audited(
        &self,
        caller: super::Caller,
        entry: hearth_core::protocol::PushEntry,
        now: DateTime<Utc>,
        audit: NewAudit,
    ) -> Result<hearth_core::protocol::Outcome>;
}
