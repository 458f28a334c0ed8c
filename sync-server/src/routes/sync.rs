//! `POST /v1/sync/push` and `GET /v1/sync/pull`: outbox entries in, visible changes out.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{SubsecRound, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{SignedReport, SignedReportParts};
use hearth_core::protocol::{
    EntryResult, MAX_PULL_LIMIT, MAX_PUSH_ENTRIES, MORE_HEADER, NEXT_CURSOR_HEADER, Outcome, Outgoing,
    PushEntry, PushResponse, RejectCode,
};
use hearth_core::rules::signing::verify_json;
use serde::Deserialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, Error, ErrorCode};
use crate::extract::{Json, JsonBody, Query};
use crate::storage::{Caller, CheckedEntry};

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

/// The push body as it arrives: the shape of `PushRequest`, except that each change is kept
/// as the JSON it came as until it is checked, on every core at once ([`check_all`]). A report
/// that fails its hash check is then rejected alone (`invalid`), instead of making the whole
/// batch unreadable and blocking the device's outbox behind it; a report that does not fit
/// the schema, or anything else that does not fit `PushRequest`, refuses the batch.
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

/// `Outgoing` as it arrives: its kind, and its data not yet read. (A struct, not a tagged
/// enum, so `entity` and `data` may come in either order and `data` is not buffered.)
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivingChange {
    pub entity: ArrivingEntity,
    pub data: Box<RawValue>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivingEntity {
    Report,
    WorkOrderEdit,
}

/// Applies a batch of outbox entries in one transaction; one result per entry, in order.
/// A batch over [`MAX_PUSH_ENTRIES`] is refused whole, before anything is stored.
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Json<PushResponse>, AppError> {
    // The bytes arrive first (on a weak link that takes minutes, and must not hold a turn);
    // they are read, checked and stored in a turn.
    let _turn = state.pushes.acquire().await.map_err(|e| Error::Task(e.to_string()))?;
    let Json(req) = Json::<ArrivingPush>::parse(&body)?;
    drop(body);
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
    // Reading and checking a report costs ~60 µs: a full batch is 60 ms of CPU, which must not
    // stall the async workers, and which the cores can share.
    let checked = {
        let _turn = state.checks.acquire().await.map_err(|e| Error::Task(e.to_string()))?;
        tokio::task::spawn_blocking(move || check_all(req.entries)).await.map_err(Error::from)??
    };
    let mut verified = Vec::with_capacity(count);
    let mut invalid = Vec::new();
    for (i, entry) in checked.into_iter().enumerate() {
        match entry {
            Ok(entry) => verified.push(entry),
            Err(rejected) => invalid.push((i, rejected)),
        }
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

/// An entry read and checked: ready to store, or rejected alone.
#[doc(hidden)] // public for the fuzz target `push_body` (fuzz/)
pub type Checked = Result<CheckedEntry, EntryResult>;

/// Reads and checks each entry, in order, on up to 4 threads. The first entry that does not
/// fit the schema refuses the batch.
#[doc(hidden)] // public for the fuzz target `push_body` (fuzz/)
pub fn check_all(entries: Vec<ArrivingEntry>) -> Result<Vec<Checked>, AppError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let per_thread = entries.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<(usize, ArrivingEntry)>> = Vec::with_capacity(threads);
    let mut rest = entries.into_iter().enumerate().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(per_thread).collect());
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope
                    .spawn(move || chunk.into_iter().map(|(i, e)| check(i, e)).collect::<Result<Vec<_>, _>>())
            })
            .collect();
        let mut out = Vec::new();
        for worker in workers {
            let checked = worker.join().map_err(|_| Error::Task("a report check panicked".into()))?;
            out.extend(checked?);
        }
        Ok(out)
    })
}

fn check(index: usize, ArrivingEntry { id, hlc, change }: ArrivingEntry) -> Result<Checked, AppError> {
    let unfit = |e: serde_json::Error| {
        AppError::new(
            ErrorCode::BadRequest,
            format!("the JSON does not fit: entries[{index}].change.data: {e}; nothing was stored"),
        )
    };
    let json = change.data.get();
    let (change, report_json) = match change.entity {
        ArrivingEntity::WorkOrderEdit => {
            (Outgoing::WorkOrderEdit(serde_json::from_str(json).map_err(unfit)?), None)
        }
        ArrivingEntity::Report => {
            let parts: SignedReportParts = serde_json::from_str(json).map_err(unfit)?;
            match SignedReport::try_from(parts).and_then(|report| as_written(report, json)) {
                Ok(report) => {
                    (Outgoing::Report(Box::new(report)), Some(Box::<str>::from(change.data).into()))
                }
                Err(e) => {
                    let outcome = Outcome::Rejected { code: RejectCode::Invalid, message: e.to_string() };
                    return Ok(Err(EntryResult { id, outcome }));
                }
            }
        }
    };
    Ok(Ok(CheckedEntry { entry: PushEntry { id, hlc, change }, report_json }))
}

/// `report`, verified as read, if the JSON it came as verifies too: that JSON is stored byte
/// for byte, and whoever reads it back (a device, the console) verifies it as written
/// (`signing::verify_json`). JSON spelled as the record serialises (what every tablet sends)
/// does; any other spelling, which reading may have smoothed over (a date written
/// `02:00: 0Z` or `+00:00`, an integer for a decimal), is verified as written.
fn as_written(report: SignedReport, json: &str) -> hearth_core::Result<SignedReport> {
    if serde_json::to_string(&report).is_ok_and(|typed| typed == json) {
        return Ok(report);
    }
    verify_json(json)?;
    Ok(report)
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
    /// Count the changes left after the page (`remaining` in the answer).
    #[serde(default)]
    pub remaining: bool,
}

/// A page of the changes the caller may see. The body is assembled from the stored JSON of
/// each change, so a page of 5,000 households is never parsed and re-serialised. Asked to,
/// it says how many changes are left after the page; it counts only when the page is not the
/// last, so a device that asks on every first page of a sync pays nothing when caught up.
pub async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    request: HeaderMap,
    Query(params): Query<PullParams>,
) -> Result<Response, AppError> {
    let limit = params.limit.unwrap_or(DEFAULT_PULL_LIMIT).clamp(1, MAX_PULL_LIMIT);
    let page = state.storage.pull(&caller, params.after, limit).await?;
    let next_cursor = page.changes.last().map_or(params.after, |(seq, _)| *seq);
    let remaining = match (params.remaining, page.more) {
        (false, _) => None,
        (true, false) => Some(0),
        (true, true) => Some(state.storage.remaining(&caller, next_cursor).await?),
    };
    let mut body = Vec::with_capacity(64 + page.changes.iter().map(|(_, c)| c.len() + 32).sum::<usize>());
    body.extend_from_slice(br#"{"changes":["#);
    for (i, (seq, change)) in page.changes.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(br#"{"seq":"#);
        body.extend_from_slice(seq.to_string().as_bytes());
        body.extend_from_slice(br#","change":"#);
        body.extend_from_slice(change.as_bytes());
        body.push(b'}');
    }
    body.extend_from_slice(format!(r#"],"next_cursor":{next_cursor},"more":{}"#, page.more).as_bytes());
    if let Some(remaining) = remaining {
        body.extend_from_slice(format!(r#","remaining":{remaining}"#).as_bytes());
    }
    body.push(b'}');
    // The page's end in headers too, so that a device asks for the next page while it reads
    // this one.
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(NEXT_CURSOR_HEADER, HeaderValue::from(next_cursor));
    headers.insert(MORE_HEADER, HeaderValue::from_static(if page.more { "true" } else { "false" }));
    super::compression::whole(&request, headers, body).await
}

#[cfg(test)]
mod tests {
    use hearth_core::demo;

    use super::*;

    /// What the push check makes of one report sent as `data`: stored, or rejected in words.
    fn check_report(data: &str) -> Result<(), String> {
        let body = format!(
            r#"{{"entries":[{{"id":"{}","hlc":"0000018c2f6a1b00-00000000-00000000000000a1","change":{{"entity":"report","data":{data}}}}}]}}"#,
            Uuid::nil()
        );
        let Json(push) = Json::<ArrivingPush>::parse(body.as_bytes()).expect("a push body");
        match check_all(push.entries).expect("the batch is read").pop() {
            Some(Ok(_)) => Ok(()),
            Some(Err(EntryResult { outcome: Outcome::Rejected { message, .. }, .. })) => Err(message),
            other => panic!("one result expected, got {other:?}"),
        }
    }

    /// Found by the fuzz target `push_body` (fuzz/): a date written `02:00: 0Z` reads as the
    /// same date, so the report's hashes matched as read and it was stored; its stored JSON
    /// then failed every reader's check (the console called it tampered).
    #[test]
    fn a_report_is_stored_only_if_its_json_verifies_as_written() {
        let home = demo::households(7, 1).next().expect("a household");
        let report = demo::signed_temperature_check(&home, Uuid::nil(), demo::now()).expect("signed");
        let json = serde_json::to_string(&report).expect("json");
        assert_eq!(check_report(&json), Ok(()));
        // Other whitespace and key order are the same JSON: stored.
        let pretty =
            serde_json::to_string_pretty(&serde_json::to_value(&report).expect("value")).expect("json");
        assert_ne!(pretty, json);
        assert_eq!(check_report(&pretty), Ok(()));
        // Spellings that read as the same record but are other JSON: refused.
        let at = serde_json::to_string(&demo::now()).expect("a date");
        assert!(
            at.ends_with(":00Z\"") && json.contains(&at) && json.contains(r#""accuracy_m":8.0"#),
            "{json}"
        );
        for respelled in [
            json.replacen(&at, &at.replace(":00Z", ": 0Z"), 1),
            json.replacen(&at, &at.replace('Z', "+00:00"), 1),
            json.replacen(r#""accuracy_m":8.0"#, r#""accuracy_m":8"#, 1),
        ] {
            let refused =
                check_report(&respelled).expect_err("a report whose JSON does not match its hashes");
            assert!(refused.contains("does not match its content hash"), "{refused}");
        }
    }
}
