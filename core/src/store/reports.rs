//! Signed reports, stored exactly as hashed and never changed (the table's triggers refuse
//! updates and deletes). Every read verifies the record against its hashes.

use rusqlite::{Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::model::SignedReport;
use crate::rules::signing;
use crate::{Error, Result};

/// Inserts a verified record as `json`. Returns false when this exact record is already
/// stored (a retried save); refuses other content under a stored id, and an amendment of a
/// report this device does not have.
pub fn insert(tx: &Transaction<'_>, signed: &SignedReport, json: &str, stamp: Hlc) -> Result<bool> {
    let r = &signed.report();
    let amends = r.amendment.as_ref().map(|a| a.amends);
    if let Some(original) = amends {
        let exists =
            tx.prepare_cached("SELECT 1 FROM reports WHERE id = ?1")?.exists([original.to_string()])?;
        if !exists {
            return Err(Error::NotFound { what: "report to amend", id: original.to_string() });
        }
    }
    let inserted = tx
        .prepare_cached(
            "INSERT INTO reports (id, kind, household_id, work_order_id, amends, created_at,
                                  content_hash, record_hash, record, saved_hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute((
            r.id.to_string(),
            r.body.kind().as_str(),
            r.household_id.to_string(),
            r.work_order_id.map(|id| id.to_string()),
            amends.map(|id| id.to_string()),
            r.created_at.to_rfc3339(),
            signed.content_hash().as_str(),
            signed.record_hash().as_str(),
            json,
            stamp.to_string(),
        ))?;
    if inserted == 1 {
        return Ok(true);
    }
    let stored: String = tx
        .prepare_cached("SELECT record_hash FROM reports WHERE id = ?1")?
        .query_row([r.id.to_string()], |row| row.get(0))?;
    if stored == signed.record_hash().as_str() {
        Ok(false)
    } else {
        Err(Error::Conflict { what: "report", id: r.id.to_string() })
    }
}

/// The report with `id`, verified as stored.
pub fn get(conn: &Connection, id: Uuid) -> Result<Option<SignedReport>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT record FROM reports WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    json.map(|j| signing::verify_json(&j)).transpose()
}

/// The stored JSON of the report with `id`, exactly as saved (verified then; the row never
/// changes), for sending on without parsing it again.
pub fn get_json(conn: &Connection, id: Uuid) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT record FROM reports WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?)
}

/// Every stored report of a household, oldest first, each verified.
pub fn for_household(conn: &Connection, household_id: Uuid) -> Result<Vec<SignedReport>> {
    let mut stmt =
        conn.prepare_cached("SELECT record FROM reports WHERE household_id = ?1 ORDER BY created_at")?;
    let rows = stmt.query_map([household_id.to_string()], |r| r.get::<_, String>(0))?;
    rows.map(|json| signing::verify_json(&json?)).collect()
}

/// Every stored report made for the work order `id`, oldest first, each verified.
pub fn for_work_order(conn: &Connection, id: Uuid) -> Result<Vec<SignedReport>> {
    let mut stmt =
        conn.prepare_cached("SELECT record FROM reports WHERE work_order_id = ?1 ORDER BY created_at")?;
    let rows = stmt.query_map([id.to_string()], |r| r.get::<_, String>(0))?;
    rows.map(|json| signing::verify_json(&json?)).collect()
}

/// Whether a signed report was made for the work order `id`.
pub fn exists_for_work_order(conn: &Connection, id: Uuid) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM reports WHERE work_order_id = ?1")?.exists([id.to_string()])?)
}

/// The ids of every stored report.
pub fn ids(conn: &Connection) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM reports ORDER BY id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|id| crate::store::parse_uuid(&id?)).collect()
}
