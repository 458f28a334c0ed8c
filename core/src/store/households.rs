//! Households on the device and the technician's search over them: instant, offline, by
//! account number, address, owner's name or phone, in Chinese or not.
//!
//! Search plan (ARCHITECTURE.md, "The local store"): a single term that is a whole account
//! number (then the answer) or name is looked up by index first; fragments of 3+ characters go through the FTS5
//! trigram index; shorter fragments (a two-character name such as 李四) filter the trigram
//! hits, or scan the plain columns when there is no longer fragment to narrow by.
//!
//! The index may lag behind the table. A pull stores households without indexing them —
//! indexing is most of the cost of a first pull of 100,000 — and [`index_backlog`] catches
//! up in the background, in chunks. `search_indexed_seq` (a setting) is the highest `seq`
//! the index covers; rows above it are found by scanning them, so a search never misses a
//! household, it is only slower until the index has caught up.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, Row, Transaction};

use crate::Result;
use crate::hlc::Hlc;
use crate::model::Household;
use crate::store::parse_uuid;

/// At most this many terms of a query are used; more add nothing a technician types.
const MAX_TERMS: usize = 4;

/// Stores or replaces a household, keeping the search index in step for rows it covers:
/// this is the one function that writes `households`, so the two never disagree. A new row
/// joins the backlog that [`index_backlog`] indexes.
pub fn upsert(tx: &Transaction<'_>, h: &Household, stamp: Hlc) -> Result<()> {
    let id = h.id.to_string();
    let searchable = [h.account_no.as_str(), &h.address, &h.owner_name, &h.phone];
    let values = (
        &id,
        &h.account_no,
        &h.address,
        &h.owner_name,
        &h.phone,
        h.billed_area_m2,
        h.station_id.to_string(),
        h.status.as_str(),
        stamp.to_string(),
    );
    // Most households arrive new (a first pull brings 100,000): inserted without a lookup.
    let inserted = tx
        .prepare_cached(
            "INSERT INTO households (id, account_no, address, owner_name, phone, billed_area_m2, station_id, status, updated_hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(values.clone())?;
    if inserted == 1 {
        return Ok(());
    }
    let (seq, old_text) = searchable_of(tx, &id)?
        .ok_or_else(|| crate::Error::Corrupt(format!("household {id} vanished mid-write")))?;
    tx.prepare_cached(
        "UPDATE households SET account_no = ?2, address = ?3, owner_name = ?4, phone = ?5,
             billed_area_m2 = ?6, station_id = ?7, status = ?8, updated_hlc = ?9
         WHERE id = ?1",
    )?
    .execute(values)?;
    if old_text != searchable && seq <= indexed_seq(tx)? {
        unindex(tx, seq, &old_text)?;
        index(tx, seq, searchable)?;
    }
    Ok(())
}

/// Forgets a household (it moved to another station), and its search entry if it has one.
pub fn remove(tx: &Transaction<'_>, id: uuid::Uuid) -> Result<()> {
    let Some((seq, old_text)) = searchable_of(tx, &id.to_string())? else { return Ok(()) };
    if seq <= indexed_seq(tx)? {
        unindex(tx, seq, &old_text)?;
    }
    tx.prepare_cached("DELETE FROM households WHERE seq = ?1")?.execute([seq])?;
    Ok(())
}

/// A stored household's `seq` and searchable text (account number, address, name, phone).
fn searchable_of(conn: &Connection, id: &str) -> Result<Option<(i64, [String; 4])>> {
    Ok(conn
        .prepare_cached("SELECT seq, account_no, address, owner_name, phone FROM households WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])))
        .optional()?)
}

/// Takes a household's old text out of the search index (FTS5 needs the text it indexed).
fn unindex(tx: &Transaction<'_>, seq: i64, [a, b, c, d]: &[String; 4]) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO households_fts (households_fts, rowid, account_no, address, owner_name, phone)
         VALUES ('delete', ?1, ?2, ?3, ?4, ?5)",
    )?
    .execute((seq, a, b, c, d))?;
    Ok(())
}

/// Adds a household's searchable text to the trigram index.
fn index(tx: &Transaction<'_>, seq: i64, [a, b, c, d]: [&str; 4]) -> Result<()> {
    tx.prepare_cached("INSERT INTO households_fts (rowid, account_no, address, owner_name, phone) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute((seq, a, b, c, d))?;
    Ok(())
}

/// A condition that parameter `?p` is a substring of one of the searchable columns.
fn text_filter(p: usize) -> String {
    format!(
        " AND (instr(h.owner_name, ?{p}) OR instr(h.address, ?{p}) OR instr(h.account_no, ?{p}) OR instr(h.phone, ?{p}))"
    )
}

/// The exact-match lookups of [`search`] (a whole account number, a whole name), as
/// `CREATE INDEX` statements. They are the schema's (migration 0001), restated here because a
/// first pull drops them and builds them again at its end ([`without_lookup_indexes`]).
const LOOKUP_INDEXES: &str = "
    CREATE INDEX IF NOT EXISTS households_account_no ON households (account_no);
    CREATE INDEX IF NOT EXISTS households_owner_name ON households (owner_name);";

/// Runs `load` (a first pull into an empty table) without the lookup indexes, then builds
/// them once: one sort of 100,000 names costs a fraction of 100,000 inserts at random places
/// in a B-tree. Whatever `load` returns, the indexes are back when this returns; after a
/// crash in between, [`ensure_lookup_indexes`] (run when the store opens) builds them.
pub fn without_lookup_indexes<T>(
    store: &impl super::StoreAccess,
    load: impl FnOnce() -> Result<T>,
) -> Result<T> {
    if store.with(|s| count(s.conn()))? > 0 {
        return load();
    }
    store.with(|s| {
        s.write(|tx| {
            tx.execute_batch(
                "DROP INDEX IF EXISTS households_account_no; DROP INDEX IF EXISTS households_owner_name;",
            )?;
            Ok(())
        })
    })?;
    let loaded = load();
    let rebuilt = store.with(|s| s.write(|tx| ensure_lookup_indexes(tx)));
    let loaded = loaded?;
    rebuilt?;
    Ok(loaded)
}

/// Builds the lookup indexes if they are missing (a first pull was cut short).
pub fn ensure_lookup_indexes(conn: &Connection) -> Result<()> {
    conn.execute_batch(LOOKUP_INDEXES)?;
    Ok(())
}

/// The highest `seq` the search index covers.
fn indexed_seq(conn: &Connection) -> Result<i64> {
    Ok(super::settings::get(conn, super::settings::SEARCH_INDEXED_SEQ)?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

/// Indexes up to `limit` households of the backlog, oldest first, and moves the mark past
/// them. Returns how many remain.
pub fn index_backlog(tx: &Transaction<'_>, limit: usize) -> Result<u64> {
    let from = indexed_seq(tx)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let to: Option<i64> = tx
        .prepare_cached(
            "SELECT max(seq) FROM (SELECT seq FROM households WHERE seq > ?1 ORDER BY seq LIMIT ?2)",
        )?
        .query_row((from, limit), |r| r.get(0))?;
    let Some(to) = to else { return Ok(0) };
    tx.prepare_cached(
        "INSERT INTO households_fts (rowid, account_no, address, owner_name, phone)
         SELECT seq, account_no, address, owner_name, phone FROM households WHERE seq > ?1 AND seq <= ?2",
    )?
    .execute((from, to))?;
    super::settings::set(tx, super::settings::SEARCH_INDEXED_SEQ, &to.to_string())?;
    backlog(tx)
}

/// How many households the search index does not cover yet.
pub fn backlog(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM households WHERE seq > ?1")?
        .query_row([indexed_seq(conn)?], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

const COLUMNS: &str =
    "h.id, h.account_no, h.address, h.owner_name, h.phone, h.billed_area_m2, h.station_id, h.status";

type RawHousehold = (String, String, String, String, String, f64, String, String);

fn read(r: &Row<'_>) -> rusqlite::Result<RawHousehold> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

fn decode(
    (id, account_no, address, owner_name, phone, billed_area_m2, station_id, status): RawHousehold,
) -> Result<Household> {
    Ok(Household {
        id: parse_uuid(&id)?,
        account_no,
        address,
        owner_name,
        phone,
        billed_area_m2,
        station_id: parse_uuid(&station_id)?,
        status: status
            .parse()
            .map_err(|reason: String| crate::Error::Corrupt(format!("households: {reason}")))?,
    })
}

/// The household with `id`.
pub fn get(conn: &Connection, id: uuid::Uuid) -> Result<Option<Household>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM households h WHERE h.id = ?1"))?;
    let mut rows = stmt.query_map([id.to_string()], read)?;
    rows.next().transpose()?.map(decode).transpose()
}

/// How many households the device holds.
pub fn count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.prepare_cached("SELECT count(*) FROM households")?.query_row([], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

/// Up to `limit` households matching every whitespace-separated term of `query` as a
/// substring of the account number, address, owner's name or phone. Exact account numbers
/// and names come first.
pub fn search(conn: &Connection, query: &str, limit: usize) -> Result<Vec<Household>> {
    let terms: Vec<&str> = query.split_whitespace().take(MAX_TERMS).collect();
    if terms.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let sql_limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut hits = Vec::new();
    let mut seen = HashSet::new();
    let mut take = |raw: RawHousehold, hits: &mut Vec<Household>| -> Result<()> {
        if seen.insert(raw.0.clone()) {
            hits.push(decode(raw)?);
        }
        Ok(())
    };

    if let [term] = terms[..] {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM households h WHERE h.account_no = ?1 OR h.owner_name = ?1 LIMIT ?2"
        ))?;
        for raw in stmt.query_map((term, sql_limit), read)? {
            take(raw?, &mut hits)?;
        }
        // A whole account number names its household: fragments of it elsewhere (in phone
        // numbers) are noise, and digit trigrams like "000" are the slowest to intersect.
        if hits.iter().any(|h| h.account_no == term) {
            return Ok(hits);
        }
    }

    let (long, short): (Vec<&str>, Vec<&str>) = terms.iter().partition(|t| t.chars().count() >= 3);
    let short_filter: String = (0..short.len()).map(|i| text_filter(i + 3)).collect();
    let sql = if long.is_empty() {
        format!("SELECT {COLUMNS} FROM households h WHERE 1{short_filter} LIMIT ?2")
    } else {
        format!(
            "SELECT {COLUMNS} FROM households_fts f JOIN households h ON h.seq = f.rowid
             WHERE households_fts MATCH ?1{short_filter} LIMIT ?2"
        )
    };
    let phrase: String = long.iter().map(|t| format!("\"{}\" ", t.replace('"', "\"\""))).collect();
    let mut params: Vec<Box<dyn rusqlite::ToSql>> =
        vec![Box::new(phrase), Box::new(sql_limit + hits.len() as i64)];
    params.extend(short.iter().map(|t| Box::new(t.to_string()) as Box<dyn rusqlite::ToSql>));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), read)?;
    for raw in rows {
        take(raw?, &mut hits)?;
        if hits.len() >= limit {
            return Ok(hits);
        }
    }
    if !long.is_empty() {
        // The households the index does not cover yet, scanned for every term.
        let all_filter: String = (0..terms.len()).map(|i| text_filter(i + 3)).collect();
        let sql = format!("SELECT {COLUMNS} FROM households h WHERE h.seq > ?1{all_filter} LIMIT ?2");
        let mut params: Vec<Box<dyn rusqlite::ToSql>> =
            vec![Box::new(indexed_seq(conn)?), Box::new(sql_limit)];
        params.extend(terms.iter().map(|t| Box::new(t.to_string()) as Box<dyn rusqlite::ToSql>));
        let mut stmt = conn.prepare_cached(&sql)?;
        for raw in stmt.query_map(rusqlite::params_from_iter(params.iter()), read)? {
            take(raw?, &mut hits)?;
            if hits.len() >= limit {
                break;
            }
        }
    }
    Ok(hits)
}
