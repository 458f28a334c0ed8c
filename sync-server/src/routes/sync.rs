//! `POST /v1/sync/push` and `GET /v1/sync/pull`: outbox entries in, visible changes out.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{SubsecRound, Utc};
use hearth_core::protocol::{MAX_PULL_LIMIT, MAX_PUSH_ENTRIES, PushRequest, PushResponse};
use serde::Deserialize;

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

/// Applies a batch of outbox entries in one transaction; one result per entry, in order.
/// A batch over [`MAX_PUSH_ENTRIES`] is refused whole, before anything is stored.
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PushRequest>,
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
    let results = state.storage.push(&caller, req.entries, now).await?;
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
