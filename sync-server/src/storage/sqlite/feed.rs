//! The change feed on SQLite (table `changes`): recording the rows [`crate::feed`] decides
//! on, and reading pages of them for a caller's scope. Numbers come from AUTOINCREMENT inside
//! the one writer's transaction, which is what keeps the feed's ordering promise here.

use std::sync::LazyLock;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::parse_uuid;
use crate::error::Result;
use crate::feed::{self, Audience, Entity, FeedRow, Scope};
use crate::storage::{Caller, ChangePage};

/// Gives record `id` its latest `payload` for `audience` in the feed, under a new, higher
/// number, after the withdrawals [`feed::rows_for`] decides on.
pub(super) fn record_change(
    tx: &Transaction<'_>,
    entity: Entity,
    id: Uuid,
    (audience, payload): (Audience, String),
) -> Result<()> {
    let before = match entity.withdrawable() {
        Some(_) => published_to(tx, entity, id)?,
        None => None,
    };
    for row in feed::rows_for(entity, id, audience, before, payload)? {
        replace_row(tx, &row)?;
    }
    Ok(())
}

/// The audience of the record's current row, if it has one.
fn published_to(tx: &Transaction<'_>, entity: Entity, id: Uuid) -> Result<Option<Audience>> {
    let seen_by: Option<(Option<String>, Option<String>)> = tx
        .prepare_cached("SELECT station_id, assignee_id FROM changes WHERE entity = ?1 AND entity_id = ?2")?
        .query_row(params![entity.as_str(), id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((station, assignee)) = seen_by else { return Ok(None) };
    Ok(Some(Audience {
        station: station.as_deref().map(parse_uuid).transpose()?,
        assignee: assignee.as_deref().map(parse_uuid).transpose()?,
    }))
}

fn replace_row(tx: &Transaction<'_>, row: &FeedRow) -> Result<()> {
    // REPLACE deletes the old row and inserts a new one; AUTOINCREMENT numbers it above
    // every number ever used, so devices past the old number see the new state.
    tx.prepare_cached(
        "INSERT OR REPLACE INTO changes (entity, entity_id, station_id, assignee_id, payload)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        row.entity.as_str(),
        row.key,
        row.audience.station.map(|s| s.to_string()),
        row.audience.assignee.map(|a| a.to_string()),
        row.payload
    ])?;
    Ok(())
}

pub(super) fn pull(conn: &Connection, caller: &Caller, after: u64, limit: u32) -> Result<ChangePage> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let fetch = i64::from(limit) + 1;
    let mut changes = Vec::with_capacity(limit.min(5000) as usize + 1);
    let mut read = |row: &rusqlite::Row<'_>| -> rusqlite::Result<()> {
        // The payloads are most of a page's bytes: their UTF-8 is checked by SIMD.
        let payload = row.get_ref(1)?.as_bytes()?;
        let payload = simdutf8::basic::from_utf8(payload)
            .or_else(|_| std::str::from_utf8(payload))
            .map_err(|e| rusqlite::Error::Utf8Error(1, e))?;
        changes.push((row.get::<_, i64>(0)? as u64, payload.to_owned()));
        Ok(())
    };
    match Scope::of(caller) {
        Scope::Office => {
            // The office sees every record where it is now: withdrawals are not for it.
            let mut stmt = conn.prepare_cached(&OFFICE_PAGE)?;
            let mut rows = stmt.query(params![after, fetch])?;
            while let Some(row) = rows.next()? {
                read(row)?;
            }
        }
        Scope::Crew { station, user } => {
            // Two index range scans merged by seq, rather than `station_id = ? OR
            // assignee_id = ?`, which SQLite answers by sorting every later change of the
            // station for each page (5x slower on a 25,000-household station).
            let mut stmt = conn.prepare_cached(
                "SELECT seq, payload FROM changes WHERE seq IN (
                     SELECT seq FROM (SELECT seq FROM changes WHERE station_id = ?3 AND seq > ?1
                                      ORDER BY seq LIMIT ?2)
                     UNION ALL
                     SELECT seq FROM (SELECT seq FROM changes WHERE assignee_id = ?4 AND seq > ?1
                                      ORDER BY seq LIMIT ?2)
                 ) ORDER BY seq LIMIT ?2",
            )?;
            let mut rows =
                stmt.query(params![after, fetch, station.map(|s| s.to_string()), user.to_string()])?;
            while let Some(row) = rows.next()? {
                read(row)?;
            }
        }
    }
    let more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    Ok(ChangePage { changes, more })
}

/// How many changes above `after` the caller may see: what [`pull`] would still return, counted
/// on the indexes alone (`changes_by_station`, `changes_by_assignee`, the `(entity,
/// entity_id)` key), without reading a payload.
pub(super) fn remaining(conn: &Connection, caller: &Caller, after: u64) -> Result<u64> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let count: i64 = match Scope::of(caller) {
        // Every change but the withdrawals (few: counted through the entity key). Counting
        // rows by seq walks the table itself (9 ms for 100,000 households), so the smaller
        // side is counted: early in a pull, all rows (on the smallest index) less those
        // already pulled.
        Scope::Office => conn.prepare_cached(&OFFICE_REMAINING)?.query_row([after], |r| r.get(0))?,
        // The station's changes, and those assigned to the caller that are not also the
        // station's (the pull's two scans, without counting a change twice).
        Scope::Crew { station, user } => conn
            .prepare_cached(
                "SELECT (SELECT count(*) FROM changes WHERE station_id = ?2 AND seq > ?1)
                      + (SELECT count(*) FROM changes WHERE assignee_id = ?3 AND seq > ?1
                                                        AND (?2 IS NULL OR station_id IS NOT ?2))",
            )?
            .query_row(params![after, station.map(|s| s.to_string()), user.to_string()], |r| r.get(0))?,
    };
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The office's page: every change but the withdrawals.
static OFFICE_PAGE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT seq, payload FROM changes WHERE seq > ?1 AND entity != '{}' ORDER BY seq LIMIT ?2",
        Entity::Withdrawn.as_str()
    )
});

/// How many changes the office has still to pull (see [`remaining`]).
static OFFICE_REMAINING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT CASE WHEN ?1 * 2 < (SELECT coalesce(max(seq), 0) FROM changes)
                             THEN (SELECT count(*) FROM changes)
                                - (SELECT count(*) FROM changes WHERE seq <= ?1)
                             ELSE (SELECT count(*) FROM changes WHERE seq > ?1) END
                      - (SELECT count(*) FROM changes WHERE entity = '{}' AND seq > ?1)",
        Entity::Withdrawn.as_str()
    )
});
