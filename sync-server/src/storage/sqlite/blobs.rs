//! Blobs on SQLite (table `blobs`): photos and signature images addressed by their SHA-256,
//! and the resumable uploads of them (tables `blob_uploads`, `blob_parts`): each part a row,
//! assembled and hashed once the held bytes reach the upload's total.

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::time_text;
use crate::error::{Error, Result};
use crate::storage::{Appended, upload};

/// How long a partial upload is kept after its last part.
pub(super) const UPLOAD_KEPT: TimeDelta = TimeDelta::days(1);

pub(super) fn has_blob(conn: &Connection, sha256: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?1)")?
        .query_row([sha256], |r| r.get(0))?)
}

/// The blobs among `wanted` that are not stored, in the order given.
pub(super) fn missing(conn: &Connection, wanted: Vec<String>) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    for sha in wanted {
        if !has_blob(conn, &sha)? {
            missing.push(sha);
        }
    }
    Ok(missing)
}

/// Stores a blob; false if it was there.
pub(super) fn put_blob(tx: &Transaction<'_>, sha256: &str, bytes: &[u8]) -> Result<bool> {
    let size = bytes.len() as i64;
    let added = tx.execute(
        "INSERT INTO blobs (sha256, size, bytes) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![sha256, size, bytes],
    )?;
    Ok(added == 1)
}

pub(super) fn blob(conn: &Connection, sha256: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT bytes FROM blobs WHERE sha256 = ?1")?
        .query_row([sha256], |r| r.get(0))
        .optional()?)
}

/// The bytes held of a partial upload (0 if none).
pub(super) fn held(conn: &Connection, sha256: &str) -> Result<u64> {
    Ok(upload(conn, sha256)?.map_or(0, |(_, held)| held))
}

/// The partial upload's total and held bytes.
fn upload(conn: &Connection, sha256: &str) -> Result<Option<(u64, u64)>> {
    let row: Option<(i64, i64)> = conn
        .prepare_cached("SELECT total, held FROM blob_uploads WHERE sha256 = ?1")?
        .query_row([sha256], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.map(|(total, held)| (total.unsigned_abs(), held.unsigned_abs())))
}

/// Appends a part (see `Storage::append_blob_part`).
pub(super) fn append_part(
    tx: &Transaction<'_>,
    sha256: &str,
    offset: u64,
    total: u64,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<Appended> {
    let end = upload::part_end(offset, bytes.len(), total)?;
    if has_blob(tx, sha256)? {
        tx.execute("DELETE FROM blob_uploads WHERE sha256 = ?1", [sha256])?;
        return Ok(Appended::Stored { created: false });
    }
    if let Some(refused) = upload::refusal(upload(tx, sha256)?, offset, total) {
        return Ok(refused);
    }
    let (total_i, end_i, offset_i) = (to_i64(total)?, to_i64(end)?, to_i64(offset)?);
    tx.execute(
        "INSERT INTO blob_uploads (sha256, total, held, touched_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sha256) DO UPDATE SET held = excluded.held, touched_at = excluded.touched_at",
        params![sha256, total_i, end_i, time_text(now)],
    )?;
    if !bytes.is_empty() {
        tx.execute(
            "INSERT INTO blob_parts (sha256, start, bytes) VALUES (?1, ?2, ?3)",
            params![sha256, offset_i, bytes],
        )?;
    }
    if end < total {
        return Ok(Appended::Held(end));
    }
    let whole = assemble(tx, sha256, total)?;
    tx.execute("DELETE FROM blob_uploads WHERE sha256 = ?1", [sha256])?;
    if let Some(mismatch) = upload::mismatch(sha256, &whole) {
        return Ok(mismatch);
    }
    Ok(Appended::Stored { created: put_blob(tx, sha256, &whole)? })
}

/// The parts of a complete upload, in order, as one blob.
fn assemble(tx: &Transaction<'_>, sha256: &str, total: u64) -> Result<Vec<u8>> {
    let mut whole = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut stmt = tx.prepare_cached("SELECT bytes FROM blob_parts WHERE sha256 = ?1 ORDER BY start")?;
    let mut rows = stmt.query([sha256])?;
    while let Some(row) = rows.next()? {
        whole.extend_from_slice(
            row.get_ref(0)?.as_blob().map_err(|e| Error::Corrupt(format!("a blob part: {e}")))?,
        );
    }
    Ok(whole)
}

fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Refused(format!("{n} bytes is more than a blob may hold")))
}

/// Whether an upload was last touched before `stale`.
pub(super) fn any_stale_upload(conn: &Connection, stale: DateTime<Utc>) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM blob_uploads WHERE touched_at < ?1)")?
        .query_row([time_text(stale)], |r| r.get(0))?)
}

/// Deletes the uploads last touched before `stale`, with their parts.
pub(super) fn drop_stale_uploads(tx: &Transaction<'_>, stale: DateTime<Utc>) -> Result<()> {
    tx.execute("DELETE FROM blob_uploads WHERE touched_at < ?1", [time_text(stale)])?;
    Ok(())
}
