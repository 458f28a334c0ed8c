//! Photos and signature images taken on the device, kept until the server has them
//! (they are uploaded before the records that name them).

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::Result;
use crate::model::{AttachmentRef, Sha256};

/// Keeps `bytes`; storing the same bytes again changes nothing.
pub fn put(tx: &Transaction<'_>, bytes: &[u8], mime_type: &str) -> Result<AttachmentRef> {
    let sha256 = Sha256::of(bytes);
    tx.prepare_cached(
        "INSERT INTO blobs (sha256, mime_type, size_bytes, data) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING",
    )?
    .execute((sha256.as_str(), mime_type, bytes.len() as i64, bytes))?;
    Ok(AttachmentRef { sha256, mime_type: mime_type.to_owned(), size_bytes: bytes.len() as u64, stage: None })
}

/// The bytes of a blob, if the device has them.
pub fn data(conn: &Connection, sha256: &Sha256) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT data FROM blobs WHERE sha256 = ?1")?
        .query_row([sha256.as_str()], |r| r.get(0))
        .optional()?)
}

/// Blobs the server does not have yet.
pub fn not_uploaded(conn: &Connection) -> Result<Vec<Sha256>> {
    let mut stmt =
        conn.prepare_cached("SELECT sha256 FROM blobs WHERE uploaded_at IS NULL ORDER BY rowid")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|h| Sha256::try_from(h?).map_err(crate::Error::Corrupt)).collect()
}

/// Notes that the server has this blob.
pub fn mark_uploaded(tx: &Transaction<'_>, sha256: &Sha256) -> Result<()> {
    tx.prepare_cached("UPDATE blobs SET uploaded_at = ?2 WHERE sha256 = ?1")?
        .execute((sha256.as_str(), Utc::now().to_rfc3339()))?;
    Ok(())
}
