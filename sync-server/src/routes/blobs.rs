//! `PUT /v1/blobs/{sha256}` and `HEAD /v1/blobs/{sha256}`: photos and signature images,
//! addressed by the SHA-256 of their bytes. A blob is stored only if its bytes hash to its
//! address; storing it again is a no-op.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::put;
use hearth_core::model::Sha256;
use hearth_core::protocol::MAX_BLOB_BYTES;

use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::storage::Caller;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/blobs/{sha256}", put(put_blob).head(head_blob))
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

/// 200 if the blob is stored, 404 if not.
pub async fn head_blob(
    State(state): State<AppState>,
    _caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, AppError> {
    let sha = address(path)?;
    Ok(if state.storage.has_blob(sha.as_str()).await? { StatusCode::OK } else { StatusCode::NOT_FOUND })
}
