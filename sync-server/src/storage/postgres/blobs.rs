//! Blobs on PostgreSQL (table `blobs`, `bytea`): photos and signature images addressed by
//! their SHA-256, reachable by every instance, and the resumable uploads of them (tables
//! `blob_uploads`, `blob_parts`): each part a row, assembled and hashed once the held bytes
//! reach the upload's total. Parts of one upload are appended one at a time: each append
//! holds a transaction-scoped advisory lock on the blob's address, so two instances given
//! parts of the same upload cannot both append at the same offset.

use chrono::{DateTime, TimeDelta, Utc};
use deadpool_postgres::{GenericClient, Transaction};

use crate::error::{Error, Result};
use crate::storage::{Appended, upload};

/// How long a partial upload is kept after its last part.
pub(super) const UPLOAD_KEPT: TimeDelta = TimeDelta::days(1);

pub(super) async fn has_blob(c: &impl GenericClient, sha256: &str) -> Result<bool> {
    let stmt = c.prepare_cached("SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1)").await?;
    Ok(c.query_one(&stmt, &[&sha256]).await?.get(0))
}

/// Stores a blob; false if it was there.
pub(super) async fn put_blob(c: &impl GenericClient, sha256: &str, bytes: &[u8]) -> Result<bool> {
    let size = to_i64(bytes.len() as u64)?;
    let stmt = c
        .prepare_cached("INSERT INTO blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .await?;
    Ok(c.execute(&stmt, &[&sha256, &size, &bytes]).await? == 1)
}

pub(super) async fn blob(c: &impl GenericClient, sha256: &str) -> Result<Option<Vec<u8>>> {
    let stmt = c.prepare_cached("SELECT bytes FROM blobs WHERE sha256 = $1").await?;
    Ok(c.query_opt(&stmt, &[&sha256]).await?.map(|r| r.get(0)))
}

/// The bytes held of a partial upload (0 if none).
pub(super) async fn held(c: &impl GenericClient, sha256: &str) -> Result<u64> {
    Ok(upload(c, sha256).await?.map_or(0, |(_, held)| held))
}

/// The partial upload's total and held bytes.
async fn upload(c: &impl GenericClient, sha256: &str) -> Result<Option<(u64, u64)>> {
    let stmt = c.prepare_cached("SELECT total, held FROM blob_uploads WHERE sha256 = $1").await?;
    Ok(c.query_opt(&stmt, &[&sha256]).await?.map(|r| {
        let (total, held): (i64, i64) = (r.get(0), r.get(1));
        (total.unsigned_abs(), held.unsigned_abs())
    }))
}

/// Appends a part (see `Storage::append_blob_part`).
pub(super) async fn append_part(
    tx: &Transaction<'_>,
    sha256: &str,
    offset: u64,
    total: u64,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<Appended> {
    let end = upload::part_end(offset, bytes.len(), total)?;
    // One append of this blob at a time, across instances.
    tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&sha256]).await?;
    if has_blob(tx, sha256).await? {
        tx.execute("DELETE FROM blob_uploads WHERE sha256 = $1", &[&sha256]).await?;
        return Ok(Appended::Stored { created: false });
    }
    if let Some(refused) = upload::refusal(upload(tx, sha256).await?, offset, total) {
        return Ok(refused);
    }
    let (total_i, end_i, offset_i) = (to_i64(total)?, to_i64(end)?, to_i64(offset)?);
    tx.execute(
        "INSERT INTO blob_uploads (sha256, total, held, touched_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO UPDATE SET held = excluded.held, touched_at = excluded.touched_at",
        &[&sha256, &total_i, &end_i, &now],
    )
    .await?;
    if !bytes.is_empty() {
        tx.execute(
            "INSERT INTO blob_parts (sha256, start, bytes) VALUES ($1, $2, $3)",
            &[&sha256, &offset_i, &bytes],
        )
        .await?;
    }
    if end < total {
        return Ok(Appended::Held(end));
    }
    let whole = assemble(tx, sha256, total).await?;
    tx.execute("DELETE FROM blob_uploads WHERE sha256 = $1", &[&sha256]).await?;
    if let Some(mismatch) = upload::mismatch(sha256, &whole) {
        return Ok(mismatch);
    }
    Ok(Appended::Stored { created: put_blob(tx, sha256, &whole).await? })
}

/// The parts of a complete upload, in order, as one blob.
async fn assemble(tx: &Transaction<'_>, sha256: &str, total: u64) -> Result<Vec<u8>> {
    let mut whole = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let rows = tx.query("SELECT bytes FROM blob_parts WHERE sha256 = $1 ORDER BY start", &[&sha256]).await?;
    for row in rows {
        whole.extend_from_slice(row.get::<_, &[u8]>(0));
    }
    Ok(whole)
}

fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Refused(format!("{n} bytes is more than a blob may hold")))
}

/// Deletes the uploads last touched before `stale`, with their parts.
pub(super) async fn drop_stale_uploads(c: &impl GenericClient, stale: DateTime<Utc>) -> Result<()> {
    c.execute("DELETE FROM blob_uploads WHERE touched_at < $1", &[&stale]).await?;
    Ok(())
}
