//! The outbox: what this device still owes the server, in the order it happened. An entry is
//! written in the same transaction as the row it announces, and carries that edit's HLC
//! stamp; only a server acknowledgement removes it, so nothing is forgotten.

use chrono::Utc;
use rusqlite::{Connection, Transaction};
use serde::Serialize;
use uuid::Uuid;

use crate::Result;
use crate::hlc::Hlc;
use crate::store::parse_uuid;

/// What kind of row an entry announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// A signed report; the record itself is read from `reports` when pushed.
    Report,
    /// An edit of a work order; the changed fields are in the payload.
    WorkOrder,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Entity::Report => "report",
            Entity::WorkOrder => "work_order",
        }
    }

    fn parse(text: &str) -> Result<Entity> {
        match text {
            "report" => Ok(Entity::Report),
            "work_order" => Ok(Entity::WorkOrder),
            other => Err(crate::Error::Corrupt(format!("outbox: unknown entity {other:?}"))),
        }
    }
}

/// One entry waiting for the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    /// Local order of the entries.
    pub seq: i64,
    /// The entry's id: a retried push carries it, so the server applies it once.
    pub id: Uuid,
    pub entity: Entity,
    pub entity_id: Uuid,
    pub hlc: Hlc,
    pub payload: Option<serde_json::Value>,
}

/// Queues an entry for `entity_id`, stamped `hlc`.
pub fn enqueue(
    tx: &Transaction<'_>,
    entity: Entity,
    entity_id: &Uuid,
    hlc: Hlc,
    payload: Option<&serde_json::Value>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO outbox (id, entity, entity_id, hlc, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute((
        crate::new_id().to_string(),
        entity.as_str(),
        entity_id.to_string(),
        hlc.to_string(),
        payload.map(serde_json::Value::to_string),
        Utc::now().to_rfc3339(),
    ))?;
    Ok(())
}

/// The oldest `limit` entries waiting to be pushed.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<OutboxEntry>> {
    pending_after(conn, 0, limit, None)
}

/// The oldest `limit` entries waiting to be pushed whose `seq` is above `after_seq`. With
/// `station` (a crew member is logged in), entries about another station's households are
/// held back: on a tablet that changed stations they are a former crew's work, which the
/// server takes only from that crew, so they wait for one of them to log in again rather
/// than be refused for good.
pub fn pending_after(
    conn: &Connection,
    after_seq: i64,
    limit: usize,
    station: Option<uuid::Uuid>,
) -> Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, entity, entity_id, hlc, payload FROM outbox
         WHERE rejected_code IS NULL AND seq > ?1
           AND (?3 IS NULL OR NOT EXISTS (
                SELECT 1 FROM households h
                WHERE h.station_id <> ?3
                  AND h.id = CASE outbox.entity
                      WHEN 'report' THEN (SELECT household_id FROM reports WHERE id = outbox.entity_id)
                      ELSE (SELECT household_id FROM work_orders WHERE id = outbox.entity_id) END))
         ORDER BY seq LIMIT ?2",
    )?;
    let station = station.map(|s| s.to_string());
    let rows = stmt.query_map((after_seq, i64::try_from(limit).unwrap_or(i64::MAX), station), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (seq, id, entity, entity_id, hlc, payload) = row?;
        entries.push(OutboxEntry {
            seq,
            id: parse_uuid(&id)?,
            entity: Entity::parse(&entity)?,
            entity_id: parse_uuid(&entity_id)?,
            hlc: hlc.parse().map_err(|reason: String| crate::Error::Corrupt(format!("outbox: {reason}")))?,
            payload: payload.map(|p| serde_json::from_str(&p)).transpose()?,
        });
    }
    Ok(entries)
}

/// Removes the entries (by `seq`) the server has accepted. The newest entry may hold the clock's
/// latest stamp, so `clock_last` is saved first (see [`crate::store::clock`]).
pub fn remove(tx: &Transaction<'_>, seqs: &[i64], clock_last: Hlc) -> Result<u64> {
    crate::store::clock::save(tx, clock_last)?;
    let mut stmt = tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?;
    let mut removed = 0;
    for seq in seqs {
        removed += stmt.execute([seq])? as u64;
    }
    Ok(removed)
}

/// Parks an entry the server refused for good: it leaves the push queue and keeps the
/// server's reason for the technician and the office to see.
pub fn reject(tx: &Transaction<'_>, seq: i64, code: &str, message: &str) -> Result<()> {
    tx.prepare_cached("UPDATE outbox SET rejected_code = ?2, rejected_message = ?3 WHERE seq = ?1")?
        .execute((seq, code, message))?;
    Ok(())
}

/// How many entries wait to be pushed.
pub fn len(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM outbox WHERE rejected_code IS NULL")?
        .query_row([], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

/// How many entries the server refused for good.
pub fn rejected_len(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM outbox WHERE rejected_code IS NOT NULL")?
        .query_row([], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}
