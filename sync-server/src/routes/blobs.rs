//! `PUT`, `PATCH` and `HEAD /v1/blobs/{sha256}`: photos and signature images, addressed by
//! the SHA-256 of their bytes. A blob is stored only if its bytes hash to its address; storing
//! it again is a no-op.
//!
//! Resumable uploads follow the tus protocol's core (tus.io, 1.0.0) in part: `HEAD` answers
//! the held `Upload-Offset`, `PATCH` appends a body sent at `Upload-Offset`, a wrong offset is
//! `409`, and the upload's size is given as `Upload-Length` (on every PATCH: there is no
//! creation request, the blob's address names the upload). Not followed: `Tus-Resumable` and
//! the other version headers, the `application/offset+octet-stream` content type (any is
//! taken), creation, termination and the checksum extension (the address is the checksum,
//! checked once the upload is complete). A PATCH whose body breaks off stores none of it:
//! a device sends parts small enough that a cut costs little. One PATCH at a time per blob;
//! the whole `PUT` of older tablets keeps working.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use chrono::Utc;
use hearth_core::model::Sha256;
use hearth_core::protocol::MAX_BLOB_BYTES;

use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::storage::{Appended, Caller};

/// The bytes of a partial upload the server holds (tus).
pub const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
/// The whole blob's size, given with every PATCH (tus).
pub const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/blobs/{sha256}", put(put_blob).head(head_blob).patch(patch_blob))
        .layer(DefaultBodyLimit::max(usize::try_from(MAX_BLOB_BYTES).unwrap_or(usize::MAX)))
}

fn address(path: Result<Path<String>, PathRejection>) -> Result<Sha256, AppError> {
    let Path(text) = path.map_err(|e| AppError::new(ErrorCode::BadRequest, e.body_text()))?;
    Sha256::try_from(text).map_err(|e| AppError::new(ErrorCode::BadRequest, e))
}

/// Stores a blob: 201 when new, 200 when it was already there.
pub async fn put_blob(
    State(state): State<AppState>,
    _caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, AppError> {
    let sha = address(path)?;
    let bytes = body?;
    if bytes.len() as u64 > MAX_BLOB_BYTES {
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("a blob may be at most {MAX_BLOB_BYTES} bytes"),
        ));
    }
    let actual = Sha256::of(&bytes);
    if actual != sha {
        return Err(AppError::new(
            ErrorCode::HashMismatch,
            format!("the bytes hash to {actual}, not to {sha}; the upload was damaged, nothing was stored"),
        ));
    }
    let created = state.storage.put_blob(sha.to_string(), bytes.to_vec()).await?;
    Ok(if created { StatusCode::CREATED } else { StatusCode::OK })
}

/// 200 if the blob is stored, else 404 with the `Upload-Offset` of a partial upload (0 if
/// none).
pub async fn head_blob(
    State(state): State<AppState>,
    _caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let sha = address(path)?;
    if state.storage.has_blob(sha.as_str()).await? {
        return Ok(StatusCode::OK.into_response());
    }
    let held = state.storage.partial_blob_len(sha.as_str()).await?;
    Ok((StatusCode::NOT_FOUND, [(UPLOAD_OFFSET, HeaderValue::from(held))]).into_response())
}

/// Appends a part of a resumable upload: 204 with the new `Upload-Offset` while incomplete,
/// 201 (200 if it was already stored) once the blob is complete and stored.
pub async fn patch_blob(
    State(state): State<AppState>,
    _caller: Caller,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let sha = address(path)?;
    let offset = number(&headers, &UPLOAD_OFFSET)?;
    let total = number(&headers, &UPLOAD_LENGTH)?;
    if total > MAX_BLOB_BYTES {
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("a blob may be at most {MAX_BLOB_BYTES} bytes, the upload says {total}"),
        ));
    }
    if offset > total {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!("Upload-Offset {offset} is past the upload's length {total}"),
        ));
    }
    let Some(_writing) = Writing::claim(&state, &sha) else {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "another upload of this blob is in progress; ask its offset (HEAD) and try again",
        ));
    };
    if state.storage.has_blob(sha.as_str()).await? {
        return Ok(StatusCode::OK.into_response());
    }
    let held = state.storage.partial_blob_len(sha.as_str()).await?;
    if held != offset {
        return Ok(wrong_offset(held));
    }
    let bytes = read_at_most(body, total - offset).await?;
    let appended =
        state.storage.append_blob_part(sha.to_string(), offset, total, bytes.to_vec(), Utc::now()).await?;
    match appended {
        Appended::Held(held) => {
            Ok((StatusCode::NO_CONTENT, [(UPLOAD_OFFSET, HeaderValue::from(held))]).into_response())
        }
        Appended::Stored { created } => {
            Ok(if created { StatusCode::CREATED } else { StatusCode::OK }.into_response())
        }
        Appended::WrongOffset { held } => Ok(wrong_offset(held)),
        Appended::WrongLength { total: begun } => Err(AppError::new(
            ErrorCode::Conflict,
            format!("the upload of this blob was begun with Upload-Length {begun}, not {total}"),
        )),
        Appended::HashMismatch { actual } => Err(AppError::new(
            ErrorCode::HashMismatch,
            format!(
                "the uploaded bytes hash to {actual}, not to {sha}; the upload was damaged, \
                 nothing was stored and it must start again from 0"
            ),
        )),
    }
}

/// 409 in words, with the offset the server holds in `Upload-Offset`.
fn wrong_offset(held: u64) -> Response {
    let mut answer = AppError::new(
        ErrorCode::Conflict,
        format!("the server holds {held} bytes of this upload: send the rest from Upload-Offset {held}"),
    )
    .into_response();
    answer.headers_mut().insert(UPLOAD_OFFSET, HeaderValue::from(held));
    answer
}

fn number(headers: &HeaderMap, name: &HeaderName) -> Result<u64, AppError> {
    let value = headers
        .get(name)
        .ok_or_else(|| AppError::new(ErrorCode::BadRequest, format!("a PATCH needs the {name} header")))?;
    value.to_str().ok().and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        AppError::new(ErrorCode::BadRequest, format!("the {name} header must be a number of bytes"))
    })
}

/// The body, refused in words if longer than `max` bytes or if it breaks off.
async fn read_at_most(mut body: Body, max: u64) -> Result<Bytes, AppError> {
    use http_body::Body as _;
    let mut out = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            AppError::new(
                ErrorCode::BadRequest,
                format!("the body broke off ({e}); nothing of this part was kept"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if (out.len() + data.len()) as u64 > max {
                return Err(AppError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the body goes past Upload-Length: at most {max} more bytes; nothing was stored"),
                ));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(out))
}

/// The blobs being written by a PATCH on this server, keyed by the storage they go to.
static WRITING: LazyLock<Mutex<HashSet<(usize, Sha256)>>> = LazyLock::new(Default::default);

/// A claim on writing one blob's partial, released when dropped (also when the request is
/// dropped mid-body).
struct Writing(usize, Sha256);

impl Writing {
    fn claim(state: &AppState, sha: &Sha256) -> Option<Writing> {
        let store = Arc::as_ptr(&state.storage).cast::<()>() as usize;
        let mut writing = WRITING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        writing.insert((store, sha.clone())).then(|| Writing(store, sha.clone()))
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        let mut writing = WRITING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        writing.remove(&(self.0, self.1.clone()));
    }
}
