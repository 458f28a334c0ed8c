//! The office's own records on SQLite: the dispatch log, and the admin's user list and user
//! disabling. (The city profile is `super::super::profile`.)

use chrono::{DateTime, Utc};
use hearth_core::model::{Role, User};
use rusqlite::{Connection, Transaction, params};
use uuid::Uuid;

use super::super::{parse_time, parse_uuid, time_text};
use crate::error::{Error, Result};
use crate::storage::console::{LogEntry, UserEntry};

pub(super) fn add_log_entry(
    tx: &Transaction<'_>,
    author: Uuid,
    text: &str,
    at: DateTime<Utc>,
) -> Result<LogEntry> {
    tx.execute(
        "INSERT INTO dispatch_log (at, author_id, text) VALUES (?1, ?2, ?3)",
        params![time_text(at), author.to_string(), text],
    )?;
    let author_name: String =
        tx.query_row("SELECT display_name FROM users WHERE id = ?1", [author.to_string()], |r| r.get(0))?;
    Ok(LogEntry { id: tx.last_insert_rowid(), at, author_id: author, author_name, text: text.to_owned() })
}

pub(super) fn log_entries(
    conn: &Connection,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    text: Option<&str>,
    limit: u32,
) -> Result<Vec<LogEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.at, l.author_id, l.text, u.display_name FROM dispatch_log l JOIN users u ON u.id = l.author_id
         WHERE (?1 IS NULL OR l.at >= ?1) AND (?2 IS NULL OR l.at < ?2) AND (?3 IS NULL OR instr(l.text, ?3) > 0)
         ORDER BY l.at DESC, l.id DESC LIMIT ?4",
    )?;
    let mut rows = stmt.query(params![from.map(time_text), to.map(time_text), text, limit])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(LogEntry {
            id: row.get(0)?,
            at: parse_time(&row.get::<_, String>(1)?)?,
            author_id: parse_uuid(&row.get::<_, String>(2)?)?,
            author_name: row.get(4)?,
            text: row.get(3)?,
        });
    }
    Ok(out)
}

pub(super) fn users(conn: &Connection) -> Result<Vec<UserEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, username, display_name, role, station_id, disabled_at FROM users ORDER BY username",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let role: String = row.get(3)?;
        let station: Option<String> = row.get(4)?;
        let disabled: Option<String> = row.get(5)?;
        out.push(UserEntry {
            user: User {
                id: parse_uuid(&row.get::<_, String>(0)?)?,
                username: row.get(1)?,
                display_name: row.get(2)?,
                role: role.parse::<Role>().map_err(Error::Corrupt)?,
                station_id: station.as_deref().map(parse_uuid).transpose()?,
            },
            disabled_at: disabled.as_deref().map(parse_time).transpose()?,
        });
    }
    Ok(out)
}

pub(super) fn disable_user(tx: &Transaction<'_>, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let known: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)", [id.to_string()], |r| r.get(0))?;
    tx.execute(
        "UPDATE users SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS NULL",
        params![id.to_string(), time_text(now)],
    )?;
    // Their tablets stop syncing at once: a disabled user's tokens are those of revoked devices.
    tx.execute(
        "UPDATE devices SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
        params![id.to_string(), time_text(now)],
    )?;
    Ok(known)
}
