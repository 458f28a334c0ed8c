//! Synced records for the office: the report list with its filters (a temperature check with
//! its verdict, judged as the record view judges it), one report as stored
//! with its blobs, its tamper check, its amendments and (a temperature check) its verdict
//! under the thresholds in force, blob bytes, the conflict log, and the CSV export of a
//! filtered report list.

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use hearth_core::model::{Household, ReportBody, ReportKind, Sha256};
use hearth_core::rules::CityProfile;
use hearth_core::rules::area::{self, AreaFinding};
use hearth_core::rules::compliance::{self, Compliance};
use hearth_core::rules::signing::verify_json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Office, PathId, check_range, csv_response, csv_time, found, page_size, words};
use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::extract::{Json, Query};
use crate::routes::openapi::schemas::ErrorBody;
use crate::storage::console::{ConflictEntry, ConflictFilter, ReportFilter, ReportSummary};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/console/reports", get(list_reports))
        .route("/v1/console/reports.csv", get(reports_csv))
        .route("/v1/console/reports/{id}", get(report_detail))
        .route("/v1/console/blobs/{sha256}", get(blob))
        .route("/v1/console/conflicts", get(list_conflicts))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Received from this instant (RFC 3339, the server's clock), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Received before this instant, exclusive.
    pub to: Option<DateTime<Utc>>,
    pub station_id: Option<Uuid>,
    /// The crew member who made the record.
    pub author_id: Option<Uuid>,
    pub kind: Option<ReportKind>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

fn report_filter(q: &ReportQuery, limit: u32) -> Result<ReportFilter, AppError> {
    check_range(q.from, q.to)?;
    Ok(ReportFilter {
        from: q.from,
        to: q.to,
        station_id: q.station_id,
        author_id: q.author_id,
        kind: q.kind,
        limit,
        offset: q.offset.unwrap_or(0),
    })
}

/// A line of the report list: the summary, and a temperature check's verdict.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportListEntry {
    #[serde(flatten)]
    pub summary: ReportSummary,
    /// A temperature check's verdict (达标 / 不达标 / 免责 with the reason); absent for the
    /// other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<TemperatureVerdict>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    pub total: u64,
    pub reports: Vec<ReportListEntry>,
}

/// A temperature check's verdict from its record as stored, by hearth-core's rules under the
/// thresholds in force (the record view's, the KPIs'); None for the other kinds.
fn verdict_of(record: &serde_json::Value, profile: &CityProfile) -> Option<TemperatureVerdict> {
    let body = record.pointer("/report/body").and_then(|b| ReportBody::deserialize(b).ok());
    match body {
        Some(ReportBody::TemperatureCheck(check)) => Some(TemperatureVerdict {
            compliance: compliance::assess(&check, profile),
            indoor_standard_c: profile.indoor_standard_c,
        }),
        _ => None,
    }
}

/// The list's summaries with the verdict of each temperature check.
async fn with_verdicts(
    state: &AppState,
    reports: Vec<ReportSummary>,
) -> Result<Vec<ReportListEntry>, AppError> {
    let profile = state.storage.city_profile().await?;
    let mut out = Vec::with_capacity(reports.len());
    for summary in reports {
        let verdict = if summary.kind == ReportKind::TemperatureCheck.as_str() {
            let stored = state.storage.report(summary.id).await?;
            stored.and_then(|s| serde_json::from_str(&s.record).ok()).and_then(|r| verdict_of(&r, &profile))
        } else {
            None
        };
        out.push(ReportListEntry { summary, verdict });
    }
    Ok(out)
}

/// Reports by receive time, newest first.
#[utoipa::path(get, path = "/v1/console/reports", tag = "console", params(ReportQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "A page of reports", body = ReportList),
        (status = 400, description = "Bad filter", body = ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn list_reports(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<ReportQuery>,
) -> Result<Json<ReportList>, AppError> {
    let page = state.storage.reports(report_filter(&q, page_size(q.limit)?)?).await?;
    Ok(Json(ReportList { total: page.total, reports: with_verdicts(&state, page.reports).await? }))
}

/// The report list's headers in the CSV export.
pub const REPORT_CSV_HEADER: [&str; 10] =
    ["记录编号", "类型", "供热站", "记录人", "户号", "地址", "工单号", "测温结论", "修正的记录", "上传时间"];

/// The filtered report list as CSV (UTF-8 with BOM, Chinese headers), every matching report.
#[utoipa::path(get, path = "/v1/console/reports.csv", tag = "console", params(ReportQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "CSV", content_type = "text/csv"),
        (status = 400, description = "Bad filter", body = ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn reports_csv(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let page = state.storage.reports(report_filter(&q, u32::MAX)?).await?;
    let stations = state.storage.stations().await?;
    let users = state.storage.users().await?;
    let mut rows = Vec::with_capacity(page.reports.len());
    for ReportListEntry { summary: r, verdict } in with_verdicts(&state, page.reports).await? {
        let household = state.storage.household(r.household_id).await?;
        rows.push(vec![
            r.id.to_string(),
            words::report_kind(&r.kind),
            stations.iter().find(|s| s.id == r.station_id).map_or(String::new(), |s| s.name.clone()),
            users
                .iter()
                .find(|u| u.user.id == r.author_id)
                .map_or(r.author_id.to_string(), |u| u.user.display_name.clone()),
            household.as_ref().map_or(String::new(), |h| h.account_no.clone()),
            household.as_ref().map_or(String::new(), |h| h.address.clone()),
            r.work_order_number
                .clone()
                .or_else(|| r.work_order_id.map(|w| w.to_string()))
                .unwrap_or_default(),
            verdict.map(|v| words::verdict(&v.compliance)).unwrap_or_default(),
            r.amends.map(|a| a.to_string()).unwrap_or_default(),
            csv_time(r.received_at),
        ]);
    }
    csv_response("reports.csv", &REPORT_CSV_HEADER, rows)
}

/// A photo or signature image a report names.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlobLink {
    pub sha256: String,
    /// `photo` or `signature`.
    pub role: String,
    pub mime_type: String,
    /// Where the office fetches the bytes.
    pub url: String,
    pub stored: bool,
}

/// Whether the stored record still matches its hashes.
#[derive(Debug, Serialize, ToSchema)]
pub struct TamperCheck {
    pub matches: bool,
    pub message: String,
}

/// A temperature check's verdict, judged by hearth-core's `rules::compliance::assess` under
/// the thresholds in force, as the KPIs judge it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemperatureVerdict {
    /// hearth-core's `Compliance`: `verdict` (`compliant`, `non_compliant`, `excused`,
    /// `undecided`) with `lowest_c`, `shortfall_c` and `excuses` as each has them.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub compliance: Compliance,
    /// The standard the bedrooms and living rooms were held to, °C.
    pub indoor_standard_c: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDetail {
    pub summary: ReportSummary,
    /// The signed record as stored.
    #[schema(value_type = hearth_core::model::SignedReport)]
    pub record: serde_json::Value,
    pub record_hash: String,
    pub device_id: Uuid,
    pub tamper_check: TamperCheck,
    pub blobs: Vec<BlobLink>,
    pub amended_by: Vec<Uuid>,
    /// The household the record is about, for the printed report.
    pub household: Option<Household>,
    /// A temperature check's verdict; absent for the other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<TemperatureVerdict>,
    /// An area re-measurement's total and deviation against its billed area and tolerance
    /// (hearth-core's `rules::area::assess`); absent for the other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub area: Option<AreaFinding>,
    /// The company's name from the city profile, at the top of the printed report.
    pub company_name: String,
}

/// One report as stored, re-verified against its hashes, with its blobs and amendments.
#[utoipa::path(get, path = "/v1/console/reports/{id}", tag = "console",
    params(("id" = Uuid, Path, description = "The report's id")), security(("device_token" = [])),
    responses((status = 200, description = "The report", body = ReportDetail),
        (status = 404, description = "No such report", body = ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn report_detail(
    State(state): State<AppState>,
    _office: Office,
    PathId(id): PathId,
) -> Result<Json<ReportDetail>, AppError> {
    let stored = found(state.storage.report(id).await?, "report", id)?;
    let json = stored.record.clone();
    let verdict = tokio::task::spawn_blocking(move || verify_json(&json).map(|_| ()))
        .await
        .map_err(crate::Error::from)?;
    let tamper_check = match verdict {
        Ok(()) => TamperCheck {
            matches: true,
            message: "the stored record matches its content hash and record hash".to_owned(),
        },
        Err(e) => TamperCheck { matches: false, message: format!("the stored record does not match: {e}") },
    };
    let record: serde_json::Value =
        serde_json::from_str(&stored.record).unwrap_or(serde_json::Value::String(stored.record.clone()));
    let mut blobs = Vec::new();
    let mut link = |v: &serde_json::Value, role: &str| {
        if let Some(sha) = v.get("sha256").and_then(serde_json::Value::as_str) {
            blobs.push((
                sha.to_owned(),
                role.to_owned(),
                v.get("mime_type").and_then(serde_json::Value::as_str).unwrap_or("").to_owned(),
            ));
        }
    };
    for a in record.pointer("/report/attachments").and_then(serde_json::Value::as_array).into_iter().flatten()
    {
        link(a, "photo");
    }
    for s in record.get("signatures").and_then(serde_json::Value::as_array).into_iter().flatten() {
        if let Some(png) = s.get("png") {
            link(png, "signature");
        }
    }
    let mut links = Vec::with_capacity(blobs.len());
    for (sha256, role, mime_type) in blobs {
        let stored = state.storage.has_blob(&sha256).await?;
        links.push(BlobLink { url: format!("/v1/console/blobs/{sha256}"), sha256, role, mime_type, stored });
    }
    let household = state.storage.household(stored.summary.household_id).await?;
    let profile = state.storage.city_profile().await?;
    // Judged from the body as stored, by the rules' own functions, so the office reads the
    // verdict the KPIs count.
    let body = record.pointer("/report/body").and_then(|b| ReportBody::deserialize(b).ok());
    let verdict = verdict_of(&record, &profile);
    let area = match &body {
        Some(ReportBody::AreaRemeasurement(m)) => Some(area::assess(m)),
        _ => None,
    };
    Ok(Json(ReportDetail {
        summary: stored.summary,
        record,
        record_hash: stored.record_hash,
        device_id: stored.device_id,
        tamper_check,
        blobs: links,
        amended_by: stored.amended_by,
        household,
        verdict,
        area,
        company_name: profile.company_name,
    }))
}

/// A blob's bytes (photo, signature image), for the office only.
#[utoipa::path(get, path = "/v1/console/blobs/{sha256}", tag = "console",
    params(("sha256" = String, Path, pattern = "^[0-9a-f]{64}$", description = "64 lowercase hex characters")), security(("device_token" = [])),
    responses((status = 200, description = "The bytes", content_type = "application/octet-stream"),
        (status = 400, description = "Not a SHA-256", body = ErrorBody),
        (status = 404, description = "Not stored", body = ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn blob(
    State(state): State<AppState>,
    _office: Office,
    axum::extract::Path(sha): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let sha = Sha256::try_from(sha).map_err(|e| AppError::new(ErrorCode::BadRequest, e))?;
    let bytes = found(state.storage.blob(sha.to_string()).await?, "blob", &sha)?;
    let mime = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(b"\xFF\xD8") {
        "image/jpeg"
    } else {
        "application/octet-stream"
    };
    Ok(([(CONTENT_TYPE, mime)], bytes).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConflictQuery {
    /// `work_order` or `report`.
    #[param(pattern = "^(work_order|report)$")]
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// The conflict log: every overruled write, newest first.
#[utoipa::path(get, path = "/v1/console/conflicts", tag = "console", params(ConflictQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "Overruled writes", body = [ConflictEntry]),
        (status = 400, description = "Bad filter", body = ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn list_conflicts(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<ConflictQuery>,
) -> Result<Json<Vec<ConflictEntry>>, AppError> {
    check_range(q.from, q.to)?;
    if let Some(entity) = &q.entity
        && !matches!(entity.as_str(), "work_order" | "report")
    {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!("entity is work_order or report, not {entity:?}"),
        ));
    }
    let filter = ConflictFilter {
        entity: q.entity,
        entity_id: q.entity_id,
        from: q.from,
        to: q.to,
        limit: page_size(q.limit)?,
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(state.storage.conflicts(filter).await?))
}
