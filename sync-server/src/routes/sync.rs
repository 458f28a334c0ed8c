//! `POST /v1/sync/push` and `GET /v1/sync/pull`: outbox entries in, visible changes out.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{SubsecRound, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{SignedReport, SignedReportParts};
use hearth_core::protocol::{
    EntryResult, MAX_PULL_LIMIT, MAX_PUSH_ENTRIES, Outcome, Outgoing, PushEntry, PushResponse, RejectCode,
    WorkOrderEdit,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::extract::{Json, Query};
use crate::storage::Caller;

/// A full batch of signed reports with their signature strokes is a few MB; this leaves room.
pub const PUSH_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// The page size when the client names none.
pub const DEFAULT_PULL_LIMIT: u32 = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", get(pull))
        .layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT))
}

/// The push body as it arrives: the shape of `PushRequest`, except that a report is read as
/// its unverified parts. A report that fails its hash check is then rejected alone
/// (`invalid`), instead of making the whole batch unreadable and blocking the device's
/// outbox behind it. Anything else that does not fit `PushRequest` refuses the batch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivingPush {
    pub entries: Vec<ArrivingEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivingEntry {
    pub id: Uuid,
    pub hlc: Hlc,
    pub change: ArrivingChange,
}

/// `Outgoing` before the report's hashes are checked.
#[derive(Debug, Deserialize)]
#[serde(tag = "entity", content = "data", rename_all = "snake_case")]
pub enum ArrivingChange {
    Report(Box<SignedReportParts>),
    WorkOrderEdit(WorkOrderEdit),
}

/// Applies a batch of outbox entries in one transaction; one result per entry, in order.
/// A batch over [`MAX_PUSH_ENTRIES`] is refused whole, before anything is stored.
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ArrivingPush>,
) -> Result<Json<PushResponse>, AppError> {
    if req.entries.len() > MAX_PUSH_ENTRIES {
        return Err(AppError::new(
            ErrorCode::TooManyEntries,
            format!(
                "a push carries at most {MAX_PUSH_ENTRIES} entries, this one has {}; nothing was stored",
                req.entries.len()
            ),
        ));
    }
    // Microseconds: the precision the store keeps, so a retried entry's answer is identical.
    let now = Utc::now().trunc_subsecs(6);
    let count = req.entries.len();
    let mut verified = Vec::with_capacity(count);
    let mut invalid = Vec::new();
    for (i, ArrivingEntry { id, hlc, change }) in req.entries.into_iter().enumerate() {
        let change = match change {
            ArrivingChange::WorkOrderEdit(edit) => Outgoing::WorkOrderEdit(edit),
            ArrivingChange::Report(parts) => match SignedReport::try_from(*parts) {
                Ok(report) => Outgoing::Report(Box::new(report)),
                Err(e) => {
                    let outcome = Outcome::Rejected { code: RejectCode::Invalid, message: e.to_string() };
                    invalid.push((i, EntryResult { id, outcome }));
                    continue;
                }
            },
        };
        verified.push(PushEntry { id, hlc, change });
    }
    let mut applied = state.storage.push(&caller, verified, now).await?.into_iter();
    let mut invalid = invalid.into_iter().peekable();
    let mut results = Vec::with_capacity(count);
    for i in 0..count {
        let next = match invalid.next_if(|(j, _)| *j == i) {
            Some((_, rejected)) => Some(rejected),
            None => applied.next(),
        };
        results.extend(next);
    }
    Ok(Json(PushResponse { results }))
}

/// `GET /v1/sync/pull` parameters; both may be left out.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullParams {
    /// The cursor from the last page; 0 at first.
    #[serde(default)]
    pub after: u64,
    /// Changes per page, clamped to 1..=[`MAX_PULL_LIMIT`]; [`DEFAULT_PULL_LIMIT`] if absent.
    pub limit: Option<u32>,
}

/// A page of the changes the caller may see. The body is assembled from the stored JSON of
/// each change, so a page of 5,000 households is never parsed and re-serialised.
pub async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<PullParams>,
) -> Result<Response, AppError> {
    let limit = params.limit.unwrap_or(DEFAULT_PULL_LIMIT).clamp(1, MAX_PULL_LIMIT);
    let page = state.storage.pull(&caller, params.after, limit).await?;
    let next_cursor = page.changes.last().map_or(params.after, |(seq, _)| *seq);
    let mut body = String::with_capacity(64 + page.changes.iter().map(|(_, c)| c.len() + 32).sum::<usize>());
    body.push_str(r#"{"changes":["#);
    for (i, (seq, change)) in page.changes.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(r#"{"seq":"#);
        body.push_str(&seq.to_string());
        body.push_str(r#","change":"#);
        body.push_str(change);
        body.push('}');
    }
    body.push_str(&format!(r#"],"next_cursor":{next_cursor},"more":{}}}"#, page.more));
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}
