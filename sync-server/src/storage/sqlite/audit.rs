//! The audit trail on SQLite (table `audit_log`, migration 0008): office actions appended in
//! the transaction of the action itself, and read back newest first by action, user and
//! date. Nothing here updates or deletes a row; the table's triggers refuse both.

use rusqlite::{Connection, Transaction, params};

use super::{parse_time, parse_uuid, time_text};
use crate::error::{Error, Result};
use crate::storage::console::{AuditAction, AuditEntry, AuditFilter, AuditPage, NewAudit};

/// Appends one office action.
pub(super) fn add(tx: &Transaction<'_>, audit: &NewAudit) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, device_id, action, subject_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        time_text(audit.at),
        audit.actor_id.to_string(),
        audit.device_id.to_string(),
        audit.action.as_str(),
        audit.subject_id.map(|s| s.to_string()),
        serde_json::to_string(&audit.detail)?,
    ])?;
    Ok(())
}

/// A page of the trail, newest first.
pub(super) fn page(conn: &Connection, f: &AuditFilter) -> Result<AuditPage> {
    let filter = "(?1 IS NULL OR a.action = ?1) AND (?2 IS NULL OR a.actor_id = ?2)
         AND (?3 IS NULL OR a.at >= ?3) AND (?4 IS NULL OR a.at < ?4)";
    let args = (
        f.action.map(AuditAction::as_str),
        f.actor_id.map(|a| a.to_string()),
        f.from.map(time_text),
        f.to.map(time_text),
    );
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM audit_log a WHERE {filter}"))?
        .query_row(params![args.0, args.1, args.2, args.3], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT a.id, a.at, a.actor_id, u.username, u.display_name, a.device_id, a.action, a.subject_id,
                a.detail
         FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE {filter}
         ORDER BY a.at DESC, a.id DESC LIMIT ?5 OFFSET ?6"
    ))?;
    let mut rows = stmt.query(params![args.0, args.1, args.2, args.3, f.limit, f.offset])?;
    let mut entries = Vec::new();
    while let Some(row) = rows.next()? {
        let action: String = row.get(6)?;
        entries.push(AuditEntry {
            id: row.get(0)?,
            at: parse_time(&row.get::<_, String>(1)?)?,
            actor_id: parse_uuid(&row.get::<_, String>(2)?)?,
            actor_username: row.get(3)?,
            actor_name: row.get(4)?,
            device_id: parse_uuid(&row.get::<_, String>(5)?)?,
            action: AuditAction::parse(&action)
                .ok_or_else(|| Error::Corrupt(format!("audit action {action:?}")))?,
            subject_id: row.get::<_, Option<String>>(7)?.as_deref().map(parse_uuid).transpose()?,
            detail: serde_json::from_str(&row.get::<_, String>(8)?)?,
        });
    }
    Ok(AuditPage { total: total.unsigned_abs(), entries })
}
