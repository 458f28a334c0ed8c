//! Blobs on SQLite (table `blobs`): photos and signature images addressed by their SHA-256.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::Result;

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
