//! The wire protocol between devices and hearth-server: HTTP/JSON under `/v1`
//! (ARCHITECTURE.md, "Sync protocol"). Both ends use these types, so they cannot drift.
//!
//! - `POST /v1/auth/login` [`LoginRequest`] → [`LoginResponse`]; every other call carries
//!   `Authorization: Bearer <token>`.
//! - `POST /v1/sync/push` [`PushRequest`] → [`PushResponse`]: outbox entries, each with its
//!   id, so a retried batch is applied once; one [`EntryResult`] per entry, in order.
//! - `GET /v1/sync/pull?after=CURSOR&limit=N[&remaining=true]` → [`PullResponse`]: the
//!   changes the caller may see with a server sequence number above `after`, in order, the
//!   next cursor and — when asked — how many changes wait after the page (a first pull's
//!   progress). The answer's headers give its next cursor and whether more follow
//!   ([`NEXT_CURSOR_HEADER`], [`MORE_HEADER`]) before its body: a device asks for the next
//!   page while it reads this one.
//! - `PUT /v1/blobs/{sha256}` (bytes) and `HEAD /v1/blobs/{sha256}`: photos and signature
//!   images, checked against their hash.
//! - Any error: a 4xx/5xx with [`ErrorBody`] `{"error":{"code","message"}}`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::model::{Household, Priority, SignedReport, Station, User, WorkOrder, WorkOrderStatus};

/// Most entries one push may carry; a longer outbox is pushed in several batches.
pub const MAX_PUSH_ENTRIES: usize = 1000;
/// Largest page a pull returns, whatever `limit` asks.
pub const MAX_PULL_LIMIT: u32 = 5000;
/// The header of a pull's answer holding its [`PullResponse::next_cursor`], in decimal.
pub const NEXT_CURSOR_HEADER: &str = "hearth-next-cursor";
/// The header of a pull's answer holding its [`PullResponse::more`], `true` or `false`.
pub const MORE_HEADER: &str = "hearth-more";
/// Largest blob (photo, signature image) accepted, bytes.
pub const MAX_BLOB_BYTES: u64 = crate::rules::MAX_ATTACHMENT_BYTES;

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ApiError,
}

/// A closed set of codes (the app branches on them) and a message a person can read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// One of the server's codes (the API description lists them).
    pub code: String,
    pub message: String,
}

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// What the user calls this tablet ("3号车平板"); shown in the device list.
    pub device_name: String,
    /// The device store's id ([`crate::store::Store::device_id`]).
    pub device_id: Uuid,
}

/// A device token for this user on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Random; the server keeps only its hash. Sent as `Authorization: Bearer <token>`.
    pub token: String,
    pub user: User,
}

/// `POST /v1/sync/push`: at most [`MAX_PUSH_ENTRIES`] outbox entries, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    #[cfg_attr(feature = "openapi", schema(max_items = 1000))]
    pub entries: Vec<PushEntry>,
}

/// One outbox entry. Its `id` makes a retried push idempotent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushEntry {
    pub id: Uuid,
    /// The device's HLC stamp of the edit: `wall_ms-counter-node`, fixed-width lowercase hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{16}$"))]
    pub hlc: Hlc,
    pub change: Outgoing,
}

/// What a device sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outgoing {
    /// A signed report: insert-only; the same id with other content is rejected.
    Report(Box<SignedReport>),
    /// Changed fields of a work order, merged per field by HLC.
    WorkOrderEdit(WorkOrderEdit),
}

/// The fields of a work order an edit changes; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrderFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WorkOrderStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_by: Option<DateTime<Utc>>,
}

/// An edit of one work order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrderEdit {
    pub work_order_id: Uuid,
    pub fields: WorkOrderFields,
}

/// `POST /v1/sync/push`'s answer: one result per entry, in the order sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<EntryResult>,
}

/// What became of one entry. An entry sent again gets the answer it got the first time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryResult {
    pub id: Uuid,
    pub outcome: Outcome,
}

/// Accepted (the device may drop the entry) or rejected with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    /// Stored. `received_at` is the server's clock, which a device cannot skew. An edit
    /// that lost a merge is accepted too, and kept in the conflict log.
    Accepted { received_at: DateTime<Utc> },
    /// Not stored; `code` says what to do.
    Rejected { code: RejectCode, message: String },
}

/// Why an entry was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RejectCode {
    /// The record names a blob the server lacks: upload it, then push again.
    BlobMissing,
    /// The household or work order is not known to the server.
    UnknownReference,
    /// The record breaks the rules or its hashes do not match.
    Invalid,
    /// A report with this id is stored with other content.
    Conflict,
    /// The caller may not change this record (another station's, or a signed report).
    Forbidden,
}

/// `GET /v1/sync/pull` query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// The cursor from the last page (0 at first).
    pub after: u64,
    /// Changes per page, at most [`MAX_PULL_LIMIT`].
    pub limit: u32,
    /// Ask for [`PullResponse::remaining`]. Off unless asked, so a device that does not
    /// know the field never gets it, and a pull that needs no progress pays nothing for it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remaining: bool,
}

/// A page of changes the caller may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub changes: Vec<PulledChange>,
    /// Pass as `after` for the next page; the highest `seq` of this page.
    pub next_cursor: u64,
    /// More changes wait after this page.
    pub more: bool,
    /// How many changes the caller may still see after this page (0 when `more` is false),
    /// when the pull asked for it ([`PullQuery::remaining`]); absent otherwise, and from a
    /// server older than the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
}

/// One change, with the server sequence number it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PulledChange {
    pub seq: u64,
    pub change: Incoming,
}

/// What the server sends: the current state of one record, or that a record is no longer
/// the caller's to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Incoming {
    Station(Station),
    Household(Household),
    WorkOrder(WorkOrderState),
    /// The record moved to another station or crew member: the device forgets its copy. (If
    /// the caller may still see it another way, its current state follows, later in the feed.)
    Withdrawn(Withdrawn),
}

/// A record withdrawn from the devices that saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Withdrawn {
    pub kind: WithdrawnKind,
    pub id: Uuid,
}

/// The kinds of record that move between stations and crews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WithdrawnKind {
    Household,
    WorkOrder,
}

/// A work order as merged on the server, with the HLC stamp of each field's winning edit
/// (field name → stamp), so a device merges its own pending edits the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrderState {
    pub order: WorkOrder,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, String>))]
    pub clocks: BTreeMap<String, Hlc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_outcome_reads_as_the_server_writes_it() {
        let rejected = Outcome::Rejected { code: RejectCode::BlobMissing, message: "upload it".into() };
        assert_eq!(
            serde_json::to_value(&rejected).unwrap(),
            json!({"result": "rejected", "code": "blob_missing", "message": "upload it"})
        );
    }

    #[test]
    fn a_page_without_a_count_reads_and_a_count_is_written_only_when_there_is_one() {
        // From a server older than the count, or a pull that did not ask for it.
        let uncounted = json!({"changes": [], "next_cursor": 5, "more": false});
        let page: PullResponse = serde_json::from_value(uncounted.clone()).unwrap();
        assert_eq!(page.remaining, None);
        assert_eq!(serde_json::to_value(&page).unwrap(), uncounted, "a device that never asks never sees it");
        let counted = json!({"changes": [], "next_cursor": 5, "more": true, "remaining": 20012});
        assert_eq!(serde_json::from_value::<PullResponse>(counted).unwrap().remaining, Some(20012));
    }

    #[test]
    fn unknown_fields_and_entities_are_refused() {
        let bad = json!({"entries": [], "extra": 1});
        assert!(serde_json::from_value::<PushRequest>(bad).is_err());
        let bad = json!({"id": Uuid::nil(), "hlc": crate::hlc::Hlc::ZERO, "change": {"entity": "payment", "data": {}}});
        assert!(serde_json::from_value::<PushEntry>(bad).is_err());
    }
}
