//! The audit trail on PostgreSQL (table `audit_log`): office actions appended in the
//! transaction of the action itself, and read back newest first by action, user and date.
//! Nothing here updates or deletes a row; the table's triggers refuse both.

use deadpool_postgres::GenericClient;

use crate::error::{Error, Result};
use crate::storage::console::{AuditAction, AuditEntry, AuditFilter, AuditPage, NewAudit};

/// Appends one office action.
pub(super) async fn add(c: &impl GenericClient, audit: &NewAudit) -> Result<()> {
    let stmt = c
        .prepare_cached(
            "INSERT INTO audit_log (at, actor_id, device_id, action, subject_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    c.execute(
        &stmt,
        &[
            &audit.at,
            &audit.actor_id,
            &audit.device_id,
            &audit.action.as_str(),
            &audit.subject_id,
            &serde_json::to_string(&audit.detail)?,
        ],
    )
    .await?;
    Ok(())
}

/// A page of the trail, newest first.
pub(super) async fn page(c: &impl GenericClient, f: &AuditFilter) -> Result<AuditPage> {
    let filter = "($1::text IS NULL OR a.action = $1) AND ($2::uuid IS NULL OR a.actor_id = $2)
         AND ($3::timestamptz IS NULL OR a.at >= $3) AND ($4::timestamptz IS NULL OR a.at < $4)";
    let action = f.action.map(AuditAction::as_str);
    let total: i64 = c
        .query_one(
            &format!("SELECT count(*) FROM audit_log a WHERE {filter}"),
            &[&action, &f.actor_id, &f.from, &f.to],
        )
        .await?
        .get(0);
    let (limit, offset) = (i64::from(f.limit), i64::from(f.offset));
    let rows = c
        .query(
            &format!(
                "SELECT a.id, a.at, a.actor_id, u.username, u.display_name, a.device_id, a.action,
                        a.subject_id, a.detail
                 FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE {filter}
                 ORDER BY a.at DESC, a.id DESC LIMIT $5 OFFSET $6"
            ),
            &[&action, &f.actor_id, &f.from, &f.to, &limit, &offset],
        )
        .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let action: &str = row.get(6);
        entries.push(AuditEntry {
            id: row.get(0),
            at: row.get(1),
            actor_id: row.get(2),
            actor_username: row.get(3),
            actor_name: row.get(4),
            device_id: row.get(5),
            action: AuditAction::parse(action)
                .ok_or_else(|| Error::Corrupt(format!("audit action {action:?}")))?,
            subject_id: row.get(7),
            detail: serde_json::from_str(row.get(8))?,
        });
    }
    Ok(AuditPage { total: total.unsigned_abs(), entries })
}
