//! The change feed on PostgreSQL (table `changes`): recording the rows [`crate::feed`] decides
//! on, and reading pages of them for a caller's scope.
//!
//! The ordering promise (a reader that sees change `n` already sees every change below `n`):
//! PostgreSQL sequences hand out numbers that commit in any order, so a cursor could pass a
//! number whose transaction commits later and the device would never get that change. Here
//! the numbers come from the one row of `feed_counter`, updated inside the writing
//! transaction (`UPDATE feed_counter SET n = n + 1 RETURNING n`). The row lock is held until
//! commit, so a second writer waits for the first to commit (and be visible) before it gets
//! a number: numbers become visible in order.
//!
//! That lock is taken by the statement that numbers the rows ([`replace_rows`]) and held to
//! the commit, so every transaction writes the feed last: a push reads and merges under locks
//! on its own records ([`super::locks`]), an office order takes its number first, and two
//! writers wait for each other only for one statement and a commit. Where a record was
//! published before (for withdrawals) is read just before, under the record's own lock. The
//! office's imports take the feed's lock first ([`lock`]) and then touch only their own rows,
//! so they never wait for a push while holding it. Transactions that do not write the feed
//! (token checks, blobs, the console's reads) never wait for it.

use std::collections::HashMap;

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::types::{FromSql, Type};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::feed::{self, Audience, Entity, FeedRow, Scope};
use crate::storage::{Caller, ChangePage};

/// Takes the feed's lock for the rest of the transaction (it waits for another writer of the
/// feed to commit). Numbering takes it anyway ([`replace_rows`]); the office's imports take it
/// first, as they read where the records they change were published.
pub(crate) async fn lock(tx: &Transaction<'_>) -> Result<()> {
    let stmt = tx.prepare_cached("SELECT n FROM feed_counter FOR UPDATE").await?;
    tx.query_one(&stmt, &[]).await?;
    Ok(())
}

/// Gives record `id` its latest `payload` for `audience` in the feed, under a new, higher
/// number, after the withdrawals [`feed::rows_for`] decides on.
pub(crate) async fn record_change(
    tx: &Transaction<'_>,
    entity: Entity,
    id: Uuid,
    latest: (Audience, String),
) -> Result<()> {
    record_changes(tx, vec![(entity, id, latest)]).await
}

/// [`record_change`] for many records at once, in order (one query per withdrawable kind to
/// read where they were published, one statement to write every row). A record named twice
/// gets its last state only: the first was never visible.
pub(crate) async fn record_changes(
    tx: &Transaction<'_>,
    records: Vec<(Entity, Uuid, (Audience, String))>,
) -> Result<()> {
    let mut last: HashMap<(&str, Uuid), usize> = HashMap::with_capacity(records.len());
    for (i, (entity, id, _)) in records.iter().enumerate() {
        last.insert((entity.as_str(), *id), i);
    }
    let mut before: HashMap<(&str, Uuid), Audience> = HashMap::new();
    for entity in [Entity::Station, Entity::Household, Entity::WorkOrder, Entity::Withdrawn] {
        if entity.withdrawable().is_none() {
            continue;
        }
        let ids: Vec<String> = records.iter().filter(|r| r.0 == entity).map(|r| r.1.to_string()).collect();
        if !ids.is_empty() {
            before.extend(published_to(tx, entity, &ids).await?);
        }
    }
    let mut rows: Vec<FeedRow> = Vec::with_capacity(records.len());
    for (i, (entity, id, (audience, payload))) in records.into_iter().enumerate() {
        if last.get(&(entity.as_str(), id)) == Some(&i) {
            let was = before.get(&(entity.as_str(), id)).copied();
            rows.extend(feed::rows_for(entity, id, audience, was, payload)?);
        }
    }
    replace_rows(tx, rows).await
}

/// Where each of these records' rows was published, if it has one.
async fn published_to(
    tx: &Transaction<'_>,
    entity: Entity,
    ids: &[String],
) -> Result<HashMap<(&'static str, Uuid), Audience>> {
    let stmt = tx
        .prepare_cached(
            "SELECT entity_id, station_id, assignee_id FROM changes WHERE entity = $1 AND entity_id = ANY($2)",
        )
        .await?;
    let mut found = HashMap::new();
    for r in tx.query(&stmt, &[&entity.as_str(), &ids]).await? {
        let id: &str = r.get(0);
        let id = Uuid::parse_str(id).map_err(|e| Error::Corrupt(format!("feed record id {id:?}: {e}")))?;
        found.insert((entity.as_str(), id), Audience { station: r.get(1), assignee: r.get(2) });
    }
    Ok(found)
}

/// Replaces the rows of each `(entity, key)` under the counter's next numbers, in order.
async fn replace_rows(tx: &Transaction<'_>, rows: Vec<FeedRow>) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = rows.len();
    let (mut entities, mut keys, mut payloads) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut stations, mut assignees) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for row in rows {
        entities.push(row.entity.as_str());
        keys.push(row.key);
        stations.push(row.audience.station);
        assignees.push(row.audience.assignee);
        payloads.push(row.payload);
    }
    let stmt = tx
        .prepare_cached(
            "WITH next AS (UPDATE feed_counter SET n = n + cardinality($1::text[]) RETURNING n)
             INSERT INTO changes (seq, entity, entity_id, station_id, assignee_id, payload)
             SELECT next.n - cardinality($1::text[]) + r.ord, r.entity, r.entity_id, r.station_id,
                    r.assignee_id, r.payload
             FROM next, unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[]) WITH ORDINALITY
                  AS r (entity, entity_id, station_id, assignee_id, payload, ord)
             ON CONFLICT (entity, entity_id) DO UPDATE SET seq = excluded.seq,
                 station_id = excluded.station_id, assignee_id = excluded.assignee_id,
                 payload = excluded.payload",
        )
        .await?;
    // Sent at commit, like the rows; asked for first, so the feed's lock is held for one
    // statement and the commit.
    super::notify::announce(tx).await?;
    tx.execute(&stmt, &[&entities, &keys, &stations, &assignees, &payloads]).await?;
    Ok(())
}

pub(super) async fn pull(
    c: &impl GenericClient,
    caller: &Caller,
    after: u64,
    limit: u32,
) -> Result<ChangePage> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let fetch = i64::from(limit) + 1;
    let withdrawn = Entity::Withdrawn.as_str();
    let rows = match Scope::of(caller) {
        // The office sees every record where it is now: withdrawals are not for it.
        Scope::Office => {
            let stmt = c
                .prepare_cached(
                    "SELECT seq, payload FROM changes WHERE seq > $1 AND entity <> $3 ORDER BY seq LIMIT $2",
                )
                .await?;
            c.query(&stmt, &[&after, &fetch, &withdrawn]).await?
        }
        // Two index range scans (`changes_by_station`, `changes_by_assignee`), each in seq
        // order and cut at the page's size, merged by seq.
        Scope::Crew { station, user } => {
            let stmt = c
                .prepare_cached(
                    "SELECT seq, payload FROM changes WHERE seq IN (
                         (SELECT seq FROM changes WHERE station_id = $3 AND seq > $1 ORDER BY seq LIMIT $2)
                         UNION
                         (SELECT seq FROM changes WHERE assignee_id = $4 AND seq > $1 ORDER BY seq LIMIT $2)
                     ) ORDER BY seq LIMIT $2",
                )
                .await?;
            c.query(&stmt, &[&after, &fetch, &station, &user]).await?
        }
    };
    let mut changes: Vec<(u64, String)> =
        rows.iter().map(|r| (r.get::<_, i64>(0).unsigned_abs(), r.get::<_, Payload>(1).0)).collect();
    let more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    Ok(ChangePage { changes, more })
}

/// A change's payload as PostgreSQL sends it (`text`, in UTF-8): most of a page's bytes, so
/// checked as UTF-8 by SIMD rather than by the standard library's `String`.
struct Payload(String);

impl<'a> FromSql<'a> for Payload {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let text = simdutf8::basic::from_utf8(raw).or_else(|_| std::str::from_utf8(raw))?;
        Ok(Payload(text.to_owned()))
    }

    fn accepts(ty: &Type) -> bool {
        <&str as FromSql>::accepts(ty)
    }
}

/// How many changes above `after` the caller may see: what [`pull`] would still return.
pub(super) async fn remaining(c: &impl GenericClient, caller: &Caller, after: u64) -> Result<u64> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let row = match Scope::of(caller) {
        Scope::Office => {
            let stmt =
                c.prepare_cached("SELECT count(*) FROM changes WHERE seq > $1 AND entity <> $2").await?;
            c.query_one(&stmt, &[&after, &Entity::Withdrawn.as_str()]).await?
        }
        // The station's changes, and those assigned to the caller that are not also the
        // station's (the pull's two scans, without counting a change twice).
        Scope::Crew { station, user } => {
            let stmt = c
                .prepare_cached(
                    "SELECT (SELECT count(*) FROM changes WHERE station_id = $2 AND seq > $1)
                          + (SELECT count(*) FROM changes WHERE assignee_id = $3 AND seq > $1
                                                            AND station_id IS DISTINCT FROM $2)",
                )
                .await?;
            c.query_one(&stmt, &[&after, &station, &user]).await?
        }
    };
    Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
}

#[cfg(test)]
mod tests;
