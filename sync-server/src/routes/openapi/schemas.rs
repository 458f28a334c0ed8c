//! Hand-written OpenAPI schemas mirroring `hearth_core::protocol` (see the parent module for
//! why). Only the shapes matter here: these types are never built, only described.
#![allow(dead_code)]

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// What the user calls this tablet; shown in the device list.
    pub device_name: String,
    /// The device store's own id.
    pub device_id: Uuid,
}

#[derive(ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub user: User,
}

#[derive(ToSchema)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub station_id: Option<Uuid>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Role {
    Technician,
    Inspector,
    Dispatcher,
    Admin,
}

#[derive(ToSchema)]
pub struct PushRequest {
    /// At most 1000 entries, oldest first.
    #[schema(max_items = 1000)]
    pub entries: Vec<PushEntry>,
}

#[derive(ToSchema)]
pub struct PushEntry {
    /// The outbox entry's id: makes a retried push idempotent.
    pub id: Uuid,
    /// The device's HLC stamp: `wall_ms-counter-node`, fixed-width lowercase hex.
    #[schema(pattern = "^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{16}$")]
    pub hlc: String,
    pub change: Outgoing,
}

/// `{"entity": ..., "data": ...}`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[serde(tag = "entity", content = "data")]
pub enum Outgoing {
    /// A signed report (hearth-core `SignedReport`: report, signatures, refusal, content_hash,
    /// record_hash); insert-only, verified against its hashes.
    Report(SignedReport),
    WorkOrderEdit(WorkOrderEdit),
}

#[derive(ToSchema)]
pub struct WorkOrderEdit {
    pub work_order_id: Uuid,
    pub fields: WorkOrderFields,
}

/// Absent fields are left as they are.
#[derive(ToSchema)]
pub struct WorkOrderFields {
    pub status: Option<WorkOrderStatus>,
    pub status_note: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub priority: Option<Priority>,
    pub due_by: Option<DateTime<Utc>>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
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

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Priority {
    Emergency,
    Urgent,
    Normal,
    Low,
}

#[derive(ToSchema)]
pub struct PushResponse {
    pub results: Vec<EntryResult>,
}

#[derive(ToSchema)]
pub struct EntryResult {
    pub id: Uuid,
    pub outcome: Outcome,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[serde(tag = "result")]
pub enum Outcome {
    /// Stored; `received_at` is the server's clock.
    Accepted { received_at: DateTime<Utc> },
    /// Not stored; `code` says what to do.
    Rejected { code: RejectCode, message: String },
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RejectCode {
    BlobMissing,
    UnknownReference,
    Invalid,
    Conflict,
    Forbidden,
}

#[derive(ToSchema)]
pub struct PullResponse {
    pub changes: Vec<PulledChange>,
    /// Pass as `after` for the next page.
    pub next_cursor: u64,
    pub more: bool,
}

#[derive(ToSchema)]
pub struct PulledChange {
    pub seq: u64,
    pub change: Incoming,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[serde(tag = "entity", content = "data")]
pub enum Incoming {
    Station(Station),
    /// hearth-core `Household`.
    Household(Household),
    WorkOrder(WorkOrderState),
    /// The record moved to another station or crew member: forget this device's copy. (Never
    /// sent to the office roles, which see every record where it is.)
    Withdrawn(Withdrawn),
}

#[derive(ToSchema)]
pub struct Withdrawn {
    pub kind: WithdrawnKind,
    pub id: Uuid,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum WithdrawnKind {
    Household,
    WorkOrder,
}

#[derive(ToSchema)]
pub struct Station {
    pub id: Uuid,
    pub name: String,
}

#[derive(ToSchema)]
pub struct WorkOrderState {
    /// hearth-core `WorkOrder`.
    #[schema(value_type = Object)]
    pub order: serde_json::Value,
    /// Field name → HLC stamp of its winning edit.
    pub clocks: BTreeMap<String, String>,
}

#[derive(ToSchema)]
pub struct ErrorBody {
    pub error: ApiError,
}

#[derive(ToSchema)]
pub struct ApiError {
    /// One of: bad_request, malformed_json, unsupported_media_type, unauthorized,
    /// device_revoked, forbidden, not_found, conflict, method_not_allowed, payload_too_large,
    /// too_many_entries, hash_mismatch, internal.
    pub code: String,
    pub message: String,
}

/// A schema that is only "an object", described in words: the big records of hearth-core
/// (`SignedReport`, `Household`) that are not mirrored field by field.
macro_rules! described_object {
    ($name:ident, $description:literal) => {
        #[doc = $description]
        pub struct $name;

        impl utoipa::__dev::ComposeSchema for $name {
            fn compose(
                _generics: Vec<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
            ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new().description(Some($description)).into()
            }
        }

        impl ToSchema for $name {}
    };
}

described_object!(
    SignedReport,
    "hearth-core `SignedReport`: report, signatures, refusal, content_hash, record_hash; verified against its hashes"
);
described_object!(Household, "hearth-core `Household`");
