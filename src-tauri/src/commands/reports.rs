//! Reports: live validation with hearth-core's rules, photos, signing, the read-only view
//! and amendments. The report's content arrives as the JSON hearth-core defines; the rules,
//! the hashes and the immutability are all hearth-core's.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use hearth_core::model::{
    AttachmentRef, Refusal, Report, ReportBody, Sha256, Signature, SignedReport, Stroke, StrokePoint,
};
use hearth_core::photo;
use hearth_core::rules::{ValidationContext, area, signing, validate_report as validate, verdict};
use hearth_core::store::{Draft, Store, blobs, reports};
use hearth_core::{Error, Locale};
use tauri::{AppHandle, Manager, State};

use super::{parse_id, with_store};
use crate::dto::{
    AreaFindingDto, AttachmentDto, DraftDto, ProblemDto, RefusalInput, SignatureInput, SignedReportDto,
    VerdictDto,
};
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

fn parse_report(report: serde_json::Value, locale: Locale) -> IpcResult<Report> {
    serde_json::from_value(report).map_err(|e| IpcError::from_core(Error::Json(e), locale))
}

fn view(store: &Store, signed: &SignedReport) -> SignedReportDto {
    SignedReportDto::new(signed, |png: &AttachmentRef| {
        let bytes = blobs::data(store.conn(), &png.sha256).ok().flatten()?;
        Some(format!("data:{};base64,{}", png.mime_type, STANDARD.encode(bytes)))
    })
}

/// One drawn point: `[x, y]` in tenths of a canvas CSS pixel, `t` in ms since the stroke
/// began — hearth-core's own units, taken as they are.
fn stroke_point([x, y, t_ms]: [i32; 3]) -> StrokePoint {
    StrokePoint { x, y, t_ms: t_ms.max(0).unsigned_abs() }
}

/// The report's problems, worded for the technician; empty when it may be signed.
#[tauri::command(async)]
#[specta::specta]
pub fn validate_report(state: State<'_, AppState>, report: serde_json::Value) -> IpcResult<Vec<ProblemDto>> {
    let locale = AppState::locale(&state.store());
    let report = parse_report(report, locale)?;
    let ctx = ValidationContext { profile: &state.profile, now: Utc::now() };
    Ok(validate(&report, &ctx).iter().map(|p| ProblemDto::new(p, locale)).collect())
}

/// The measured total against the billed area and the tolerance, live as rooms are typed.
#[tauri::command(async)]
#[specta::specta]
pub fn assess_area(state: State<'_, AppState>, report: serde_json::Value) -> IpcResult<AreaFindingDto> {
    let locale = AppState::locale(&state.store());
    match parse_report(report, locale)?.body {
        ReportBody::AreaRemeasurement(m) => Ok(AreaFindingDto::new(&area::assess(&m), m.tolerance_pct)),
        _ => Err(IpcError::new("invalid_argument", "not an area re-measurement")),
    }
}

/// A temperature check's verdict under the city's thresholds (达标 / 不达标 / 免责), live as
/// readings are typed and on the signed record: hearth-core's rule, not a copy of it.
#[tauri::command(async)]
#[specta::specta]
pub fn assess_temperature(state: State<'_, AppState>, report: serde_json::Value) -> IpcResult<VerdictDto> {
    let locale = AppState::locale(&state.store());
    match parse_report(report, locale)?.body {
        ReportBody::TemperatureCheck(c) => Ok(VerdictDto::from(&verdict::judge(&c, &state.profile))),
        _ => Err(IpcError::new("invalid_argument", "not a temperature check")),
    }
}

/// Keeps a photo on the device until the server has it, re-encoded to evidence size first
/// (hearth-core's `photo`: at most 2048 px, upright, a JPEG keeping only when and where it
/// was taken). The webview passes the file as the camera made it; `mime_type` is only what
/// the webview guessed from the name: the bytes say what the file is.
///
/// Re-encoding a 12-megapixel photo is CPU work of a good fraction of a second: it runs on
/// the blocking pool, like the store's write after it.
#[tauri::command]
#[specta::specta]
pub async fn add_photo(app: AppHandle, bytes: Vec<u8>, mime_type: String) -> IpcResult<AttachmentDto> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let photo = photo::for_evidence(&bytes).map_err(|refusal| {
            eprintln!("hearth-app: photo refused ({mime_type}, {} bytes): {refusal}", bytes.len());
            let locale = AppState::locale(&state.store());
            IpcError::new(refusal.code(), refusal.message(locale))
        })?;
        drop(bytes);
        with_store(&state, |store, _| {
            Ok(AttachmentDto::from(&store.put_blob(&photo.bytes, photo::MIME_TYPE)?))
        })
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))?
}

/// A stored photo as a `data:` URL for an `<img>`, read from the device's blob store by its
/// SHA-256: previews survive a restart of the app, unlike the webview's object URLs.
#[tauri::command(async)]
#[specta::specta]
pub fn photo_preview(state: State<'_, AppState>, sha256: String, mime_type: String) -> IpcResult<String> {
    if !mime_type.starts_with("image/") || mime_type.contains([';', ',']) {
        return Err(IpcError::new("invalid_argument", format!("not an image type: {mime_type}")));
    }
    let hash = Sha256::try_from(sha256.clone()).map_err(|e| IpcError::new("invalid_argument", e))?;
    with_store(&state, |store, _| {
        let bytes = blobs::data(store.conn(), &hash)?.ok_or(Error::NotFound { what: "photo", id: sha256 })?;
        Ok(format!("data:{mime_type};base64,{}", STANDARD.encode(bytes)))
    })
}

/// Signs the report: binds it and the signatures (or the refusal) by their hashes, saves
/// it with its outbox entry, drops its draft, and wakes the sync. Fails with every problem
/// when the rules say it may not be signed yet; then nothing is saved.
#[tauri::command(async)]
#[specta::specta]
pub fn sign_report(
    state: State<'_, AppState>,
    report: serde_json::Value,
    signatures: Vec<SignatureInput>,
    refusal: Option<RefusalInput>,
) -> IpcResult<SignedReportDto> {
    let locale = AppState::locale(&state.store());
    let report = parse_report(report, locale)?;
    let signed = with_store(&state, |store, _| {
        let content_hash = signing::content_hash(&report);
        let now = Utc::now();
        let mut sealed_signatures = Vec::with_capacity(signatures.len());
        for s in signatures {
            let png = if s.png.is_empty() { None } else { Some(store.put_blob(&s.png, "image/png")?) };
            sealed_signatures.push(Signature {
                signer_name: s.signer_name.trim().to_owned(),
                role: s.role.parse().map_err(|e: String| Error::Corrupt(e))?,
                strokes: s
                    .strokes
                    .into_iter()
                    .map(|points| Stroke::new(&points.into_iter().map(stroke_point).collect::<Vec<_>>()))
                    .collect(),
                png,
                signed_at: now,
                content_hash: content_hash.clone(),
            });
        }
        let refusal = refusal.map(|r| Refusal {
            reason: r.reason.trim().to_owned(),
            witness_name: r.witness_name.trim().to_owned(),
        });
        let ctx = ValidationContext { profile: &state.profile, now };
        let signed = signing::seal(report, sealed_signatures, refusal, &ctx)?;
        store.save_signed_report(&signed)?;
        Ok(view(store, &signed))
    })?;
    state.wake_sync();
    Ok(signed)
}

/// A signed report, verified against its hashes as stored.
#[tauri::command(async)]
#[specta::specta]
pub fn signed_report(state: State<'_, AppState>, id: String) -> IpcResult<SignedReportDto> {
    with_store(&state, |store, _| {
        let id = parse_id("report", &id)?;
        let signed =
            store.report(id)?.ok_or_else(|| Error::NotFound { what: "report", id: id.to_string() })?;
        Ok(view(store, &signed))
    })
}

/// The signed reports of a household, oldest first.
#[tauri::command(async)]
#[specta::specta]
pub fn reports_for_household(
    state: State<'_, AppState>,
    household_id: String,
) -> IpcResult<Vec<SignedReportDto>> {
    with_store(&state, |store, _| {
        let id = parse_id("household", &household_id)?;
        Ok(reports::for_household(store.conn(), id)?.iter().map(|r| view(store, r)).collect())
    })
}

/// Starts a correction of a signed report: a new draft with its content, pointing at it.
/// `data` is the UI's form state for the draft; the original stays as it was signed.
#[tauri::command(async)]
#[specta::specta]
pub fn start_amendment(
    state: State<'_, AppState>,
    report_id: String,
    reason: String,
    data: serde_json::Value,
) -> IpcResult<DraftDto> {
    with_store(&state, |store, _| {
        let id = parse_id("report", &report_id)?;
        let original =
            store.report(id)?.ok_or_else(|| Error::NotFound { what: "report", id: id.to_string() })?;
        let amended = signing::amend(&original, reason, Utc::now());
        let mut data = data;
        if let Some(obj) = data.as_object_mut() {
            obj.insert("report".to_owned(), serde_json::to_value(&amended)?);
        }
        let draft = Draft {
            id: amended.id,
            kind: amended.body.kind(),
            household_id: amended.household_id,
            work_order_id: amended.work_order_id,
            data,
            updated_at: Utc::now(),
        };
        store.save_draft(&draft)?;
        Ok(DraftDto::from(&draft))
    })
}
