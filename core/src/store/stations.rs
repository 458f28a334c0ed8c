//! Heating stations, as the office sends them.

use rusqlite::{Connection, Transaction};

use crate::Result;
use crate::model::Station;
use crate::store::parse_uuid;

/// Stores or replaces a station.
pub fn upsert(tx: &Transaction<'_>, station: &Station) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO stations (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    )?
    .execute((station.id.to_string(), &station.name))?;
    Ok(())
}

/// Every station the device knows, by name.
pub fn list(conn: &Connection) -> Result<Vec<Station>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM stations ORDER BY name")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    rows.map(|row| {
        let (id, name) = row?;
        Ok(Station { id: parse_uuid(&id)?, name })
    })
    .collect()
}
