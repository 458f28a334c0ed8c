//! Drafts: forms being filled in, saved as typed on every change so that a crash, a restart
//! or a dead battery loses nothing. A draft may be incomplete or even invalid; it becomes a
//! report only when signed, which removes it in the same transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Result;
use crate::model::ReportKind;
use crate::store::{parse_time, parse_uuid};

/// A form in progress. Its id becomes the report's id when it is signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub id: Uuid,
    pub kind: ReportKind,
    pub household_id: Uuid,
    pub work_order_id: Option<Uuid>,
    /// The form's fields as the UI holds them.
    pub data: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}

/// Saves `draft`, replacing an earlier save of it.
pub fn upsert(tx: &Transaction<'_>, draft: &Draft) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO drafts (id, kind, household_id, work_order_id, data, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
    )?
    .execute((
        draft.id.to_string(),
        draft.kind.as_str(),
        draft.household_id.to_string(),
        draft.work_order_id.map(|id| id.to_string()),
        draft.data.to_string(),
        draft.updated_at.to_rfc3339(),
    ))?;
    Ok(())
}

/// Removes a draft; true if there was one.
pub fn delete(tx: &Transaction<'_>, id: &Uuid) -> Result<bool> {
    Ok(tx.prepare_cached("DELETE FROM drafts WHERE id = ?1")?.execute([id.to_string()])? > 0)
}

const COLUMNS: &str = "id, kind, household_id, work_order_id, data, updated_at";

fn read(row: &Row<'_>) -> rusqlite::Result<[Option<String>; 6]> {
    Ok([row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?])
}

fn decode([id, kind, household_id, work_order_id, data, updated_at]: [Option<String>; 6]) -> Result<Draft> {
    let text = |s: Option<String>| s.unwrap_or_default();
    Ok(Draft {
        id: parse_uuid(&text(id))?,
        kind: text(kind)
            .parse()
            .map_err(|reason: String| crate::Error::Corrupt(format!("drafts: {reason}")))?,
        household_id: parse_uuid(&text(household_id))?,
        work_order_id: work_order_id.as_deref().map(parse_uuid).transpose()?,
        data: serde_json::from_str(&text(data))?,
        updated_at: parse_time(&text(updated_at))?,
    })
}

/// The draft with `id`.
pub fn get(conn: &Connection, id: Uuid) -> Result<Option<Draft>> {
    let row = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM drafts WHERE id = ?1"))?
        .query_row([id.to_string()], read)
        .optional()?;
    row.map(decode).transpose()
}

/// All drafts, most recently edited first.
pub fn list(conn: &Connection) -> Result<Vec<Draft>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM drafts ORDER BY updated_at DESC"))?;
    let rows = stmt.query_map([], read)?;
    rows.map(|row| decode(row?)).collect()
}
