//! Settings and sync state kept on the device, one value per key: the server's address,
//! the device token, the pull cursor, the last sync's outcome.

use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::Result;

/// The server's base URL, e.g. `https://hearth.example.cn`.
pub const SERVER_URL: &str = "server_url";
/// The device token from the last login.
pub const TOKEN: &str = "token";
/// The logged-in user, as JSON.
pub const USER: &str = "user";
/// The server sequence number the device has pulled up to.
pub const PULL_CURSOR: &str = "pull_cursor";
/// When the last sync finished without error (RFC 3339).
pub const LAST_SUCCESS_AT: &str = "last_success_at";
/// The last sync error, in words; empty after a success.
pub const LAST_ERROR: &str = "last_error";

/// The highest `households.seq` the search index covers (see `store::households`).
pub const SEARCH_INDEXED_SEQ: &str = "search_indexed_seq";

/// The value of `key`.
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Sets `key` to `value`.
pub fn set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute((key, value))?;
    Ok(())
}
